/**
 * The SIDs of the messages a write created recently, for the duplicate check (a row with the same recipient
 * and body must not claim another row's message), in a fixed-size ring buffer: memory stops growing once
 * it is full, and forgetting the oldest is a pointer move.
 *
 * Why not a `Map`: at a million rows the map's table kept doubling as deleted entries piled up, every entry
 * was promoted to V8's old generation, and dropping the oldest walked over the holes (7–27 µs per row once
 * full). `has` here scans, newest first; it is asked only while an ambiguous failure is being checked
 * (a few dozen SIDs per check), never per row.
 */

/** A bounded, oldest-first record of SIDs and when each was added. */
export class RecentSids {
  readonly #capacity: number;
  readonly #sids: string[] = [];
  readonly #times: number[] = [];
  /** Index of the oldest entry. */
  #head = 0;
  #size = 0;

  /**
   * @param capacity - How many SIDs to keep at most; adding one more forgets the oldest.
   * @example
   * const recent = new RecentSids(50_000);
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RecentSids capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  /** How many SIDs are kept. */
  get size(): number {
    return this.#size;
  }

  /**
   * Remembers `sid`, added at `at` (epoch ms; callers add in time order). When full, the oldest is forgotten.
   * @example
   * recent.add('SM…', Date.now());
   */
  add(sid: string, at: number): void {
    // The arrays grow to the capacity once, then every slot is reused.
    const slot = (this.#head + this.#size) % this.#capacity;
    if (slot === this.#sids.length) {
      this.#sids.push(sid);
      this.#times.push(at);
    } else {
      this.#sids[slot] = sid;
      this.#times[slot] = at;
    }
    if (this.#size === this.#capacity) this.#head = (this.#head + 1) % this.#capacity;
    else this.#size++;
  }

  /**
   * Forgets every SID added before `horizon` (epoch ms), oldest first.
   * @example
   * recent.forgetBefore(Date.now() - 60_000);
   */
  forgetBefore(horizon: number): void {
    while (this.#size > 0 && (this.#times[this.#head] as number) < horizon) {
      // Drop the reference, so a forgotten SID's string can be collected.
      this.#sids[this.#head] = '';
      this.#head = (this.#head + 1) % this.#capacity;
      this.#size--;
    }
  }

  /**
   * Whether `sid` is still remembered.
   * @example
   * recent.has('SM…'); // true until it is forgotten
   */
  has(sid: string): boolean {
    for (let n = this.#size - 1; n >= 0; n--) {
      if (this.#sids[(this.#head + n) % this.#capacity] === sid) return true;
    }
    return false;
  }
}
