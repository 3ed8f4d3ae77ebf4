/**
 * The messages a write created (SID → when it was recorded), so that the duplicate check of a row with the
 * same recipient and body does not claim another row's message. Kept only while a look-up could still see
 * them, and at most a fixed number, so memory stays flat however many rows come.
 */

/**
 * SIDs remembered. Past this many (over 800 messages a second for the default one-minute window), the
 * oldest are forgotten: only a row identical to one sent in that window and then failing ambiguously could
 * mistake that message for its own.
 */
const MAX_REMEMBERED = 50_000;

/** SIDs this write created, forgotten once no look-up can see them. */
export class CreatedMessages {
  readonly #sids = new Map<string, number>();

  constructor(
    /** The duplicate check's clock skew allowance (ms). */
    private readonly clockSkewMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether this write created `sid`. */
  has(sid: string): boolean {
    return this.#sids.has(sid);
  }

  /**
   * Remembers `sid`, and forgets what no look-up can match any more: `earliest` is when the oldest row
   * still unfinished started.
   */
  add(sid: string, earliest: number): void {
    this.#sids.set(sid, this.now());
    // A look-up matches messages whose Twilio date_created is after its row's first attempt less the clock
    // skew; Twilio's clock may differ from ours by as much again.
    const horizon = earliest - 2 * this.clockSkewMs - 1000;
    for (const [old, at] of this.#sids) {
      if (at >= horizon && this.#sids.size <= MAX_REMEMBERED) break;
      this.#sids.delete(old);
    }
  }
}
