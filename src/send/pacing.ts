/**
 * How fast to send: a token bucket charged in segments (Twilio paces each sender in segments per second
 * and queues the rest for up to 10 hours, then answers 21611), and an adaptive limit that halves
 * concurrency and rate on a 429 and climbs back one step per run of successes (AIMD).
 */

/** Segments per second that Twilio delivers per sender by default (Twilio's documented default throughput per sender type). */
export const SEGMENT_RATE_PRESETS = {
  /** US/Canada long code: about 1 segment per second. */
  longCode: 1,
  /** Toll-free: about 3 segments per second by default. */
  tollFree: 3,
  /** Short code: about 100 segments per second. */
  shortCode: 100,
} as const;

/** How much longer it takes to climb back to the value that last met a 429. */
const PROBE_FACTOR = 8;

/** A token bucket with continuous refill; one second of burst. Time is read from `now`. */
export class TokenBucket {
  #tokens: number;
  #updated: number;
  #rate: number;

  constructor(
    rate: number,
    private readonly now: () => number,
  ) {
    this.#rate = rate;
    this.#tokens = Math.max(1, rate);
    this.#updated = now();
  }

  /** The current rate in tokens per second. */
  get rate(): number {
    return this.#rate;
  }

  /** Changes the rate; tokens already earned are kept, capped at the new burst. */
  setRate(rate: number): void {
    this.#refill();
    this.#rate = rate;
    this.#tokens = Math.min(this.#tokens, Math.max(1, rate));
  }

  /**
   * Takes `cost` tokens and returns how long to wait (ms) before sending. A cost larger than the burst
   * (a 10-segment message at 3 segments per second) is allowed once the bucket is full, and drives the
   * balance negative so that the next sends wait for it.
   */
  take(cost: number): number {
    this.#refill();
    const burst = Math.max(1, this.#rate);
    const needed = Math.min(cost, burst);
    const wait = this.#tokens >= needed ? 0 : ((needed - this.#tokens) / this.#rate) * 1000;
    this.#tokens -= cost;
    return Math.ceil(wait);
  }

  #refill(): void {
    const now = this.now();
    const burst = Math.max(1, this.#rate);
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#updated) / 1000) * this.#rate);
    this.#updated = now;
  }
}

/**
 * Additive increase, multiplicative decrease of a limit between 1 and `max`. A decrease counts once per
 * generation: the 429s of requests that started before the last decrease were caused by the old limit
 * and must not halve it again. Climbing back to the value that last failed is cautious: it takes
 * `PROBE_FACTOR` times as many successes, so a steady account limit is probed now and then, not every few
 * rows.
 */
export class AdaptiveLimit {
  #value: number;
  #generation = 0;
  #successes = 0;
  #ceiling = Number.POSITIVE_INFINITY;

  constructor(readonly max: number) {
    this.#value = max;
  }

  /** The current limit. */
  get value(): number {
    return this.#value;
  }

  /** Changes every decrease; a request remembers the generation it started in. */
  get generation(): number {
    return this.#generation;
  }

  /** A 429: halve, unless this request started before the last decrease. Returns whether it halved. */
  decrease(startedIn: number): boolean {
    if (startedIn !== this.#generation) return false;
    this.#ceiling = this.#value;
    this.#value = Math.max(1, Math.floor(this.#value / 2));
    this.#generation++;
    this.#successes = 0;
    return true;
  }

  /** A success: after a run of them (the current limit's worth, one round trip), one step up. */
  increase(): void {
    if (this.#value >= this.max) return;
    this.#successes++;
    const step = this.#value;
    const needed = this.#value + 1 < this.#ceiling ? step : step * PROBE_FACTOR;
    if (this.#successes >= needed) {
      this.#value++;
      this.#successes = 0;
    }
  }
}
