/**
 * The default {@link Coordinator}: the budget of one write, kept in memory. Requests in flight stay under an
 * adaptive limit (halved at a 429, once per generation, climbing back with successes), each sender's
 * creates are paced by a token bucket in segments per second (halved with the limit), and a 21611 pauses
 * everything new from its sender.
 */
import type { Logger } from '../logger.js';
import type { Coordinator, Permit, PermitRequest, RequestEnd } from '../seams/coordinator.js';
import { AdaptiveLimit, TokenBucket } from './pacing.js';

/** Rate steps: the paced rate is `segmentsPerSecond × step / RATE_STEPS`, halved on a 429. */
const RATE_STEPS = 16;

/** What the in-process coordinator needs. */
export interface InProcessCoordinatorOptions {
  /** Requests in flight at most (the adaptive limit never exceeds it). */
  concurrency: number;
  /** The clock, in epoch ms. */
  now: () => number;
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told when a 429 lowers the limit; `undefined`: silent. */
  logger?: Logger | undefined;
}

interface Sender {
  bucket: TokenBucket | undefined;
  /** The rate asked for, before any halving. */
  rate: number | undefined;
  /** No new request from this sender before this time (a 21611). */
  pausedUntil: number;
}

/** Keeps one worker's sending budget in memory; a fresh one per write is today's behaviour. */
export class InProcessCoordinator implements Coordinator {
  readonly #options: InProcessCoordinatorOptions;
  readonly #limit: AdaptiveLimit;
  readonly #rateSteps = new AdaptiveLimit(RATE_STEPS);
  readonly #senders = new Map<string, Sender>();
  /** Waiting acquires, first come first served; each is granted a slot by the release that frees it. */
  readonly #waiting: (() => void)[] = [];
  #inFlight = 0;

  constructor(options: InProcessCoordinatorOptions) {
    this.#options = options;
    this.#limit = new AdaptiveLimit(options.concurrency);
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The current adaptive limit on requests in flight. */
  get limit(): number {
    return this.#limit.value;
  }

  /** Nothing to reach: always ready. */
  async ready(): Promise<void> {}

  /**
   * Waits out the sender's 21611 pause, then its rate (a create is charged its segments), then a free
   * slot under the adaptive limit. Rejects with the signal's reason on abort, holding nothing.
   */
  async acquire(request: PermitRequest): Promise<Permit> {
    const { now, sleep } = this.#options;
    const sender = this.#sender(request);
    const paused = sender.pausedUntil - now();
    if (paused > 0) await sleep(paused, request.signal);
    if (sender.bucket !== undefined && request.kind === 'create' && request.segments > 0) {
      const wait = sender.bucket.take(request.segments);
      if (wait > 0) await sleep(wait, request.signal);
    }
    await this.#slot(request.signal);
    const generation = this.#limit.generation;
    let released = false;
    return {
      release: async (end: RequestEnd) => {
        if (released) return;
        released = true;
        this.#learn(end, generation, sender);
        this.#inFlight--;
        this.#grant();
      },
    };
  }

  #sender(request: PermitRequest): Sender {
    let sender = this.#senders.get(request.sender);
    if (sender === undefined) {
      const rate = request.segmentsPerSecond;
      const bucket = rate === undefined ? undefined : new TokenBucket(rate, this.#options.now);
      sender = { bucket, rate, pausedUntil: 0 };
      this.#senders.set(request.sender, sender);
    }
    return sender;
  }

  #slot(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#waiting.length === 0 && this.#inFlight < this.#limit.value) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', aborted, { once: true });
      this.#waiting.push(granted);
    });
  }

  /** Hands free slots to the waiting acquires, in order. */
  #grant(): void {
    while (this.#waiting.length > 0 && this.#inFlight < this.#limit.value) {
      this.#inFlight++;
      this.#waiting.shift()?.();
    }
  }

  #learn(end: RequestEnd, generation: number, sender: Sender): void {
    if (end.kind === 'ok') {
      this.#limit.increase();
      this.#rateSteps.increase();
      this.#applyRate();
    } else if (end.kind === 'rate_limited') {
      // Twilio limits concurrent requests per account (20429): halve concurrency and rate at once, but only
      // for a request that started under the current limit.
      if (!this.#limit.decrease(generation)) return;
      this.#rateSteps.decrease(this.#rateSteps.generation);
      this.#applyRate();
      const { logger, concurrency } = this.#options;
      if (logger && (concurrency > 1 || sender.bucket)) {
        const rate = sender.bucket ? `, rate ${Math.round(sender.bucket.rate * 100) / 100} segments/s` : '';
        logger.debug(`twilio-destination: 429, concurrency now ${this.#limit.value}${rate}`);
      }
    } else if (end.kind === 'queue_full') {
      // 21611: the sender's queue holds 10 hours of segments; give it time to drain before anything new.
      sender.pausedUntil = Math.max(sender.pausedUntil, this.#options.now() + end.pauseMs);
    }
  }

  #applyRate(): void {
    for (const { bucket, rate } of this.#senders.values()) {
      if (bucket !== undefined && rate !== undefined)
        bucket.setRate((rate * this.#rateSteps.value) / RATE_STEPS);
    }
  }
}
