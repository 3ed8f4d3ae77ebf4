/**
 * How a worker waiting for a slot learns that one was freed without polling Redis: every release publishes
 * on the account's channel, and each message wakes one local waiter (one per worker, so a release costs a
 * handful of retries, not one per waiter). A waiter also wakes when its own bounded wait ends, so a lost
 * message or a broken subscriber connection slows a worker down but never stalls it.
 */
import type { RedisAdapter, Subscription } from './client-adapter.js';

/** A waiter taken for a hand-over: what it asked for, and how to give it the answer. */
export interface TakenWaiter<H> {
  handover: H;
  /** Ends its wait with the acquire reply the release obtained for it (`undefined`: ask again itself). */
  deliver(reply: unknown): void;
}

interface Waiter<H> {
  handover: H | undefined;
  /** Stops its timer and abort listener and removes it from the waiters (idempotent). */
  detach(): void;
  /** Ends the wait with `reply` (`undefined` for a plain wake-up). */
  end(reply: unknown): void;
}

/**
 * Local waiters and the subscriber connections, per channel. `H` is what a waiter leaves for a release of
 * the same worker that may hand its slot over (its acquire request).
 */
export class WakeUps<H> {
  readonly #waiters = new Map<string, Set<Waiter<H>>>();
  readonly #subscriptions = new Map<string, Promise<Subscription | undefined>>();

  constructor(
    private readonly adapter: RedisAdapter,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Subscribes to `channel` once. Best effort: when it fails, waiters rely on their timers, and the next
   * call tries again.
   */
  async listen(channel: string): Promise<void> {
    let subscription = this.#subscriptions.get(channel);
    if (subscription === undefined) {
      subscription = this.adapter
        .subscribe(channel, () => this.wake(channel), this.timeoutMs)
        .catch(() => {
          this.#subscriptions.delete(channel);
          return undefined;
        });
      this.#subscriptions.set(channel, subscription);
    }
    await subscription;
  }

  /** Wakes the longest-waiting local waiter on `channel`, if any. */
  wake(channel: string): void {
    this.#first(channel)?.end(undefined);
  }

  /**
   * Takes the longest-waiting local waiter on `channel` that left a hand-over, ending its timer: it waits
   * for `deliver` now.
   */
  take(channel: string): TakenWaiter<H> | undefined {
    const waiter = this.#first(channel);
    if (waiter?.handover === undefined) return undefined;
    waiter.detach();
    return { handover: waiter.handover, deliver: waiter.end };
  }

  /**
   * Resolves with `undefined` on a wake-up on `channel` or after `ms`, whichever comes first, or with the
   * reply a release delivered after taking this waiter (see {@link take}); rejects with the signal's reason
   * on abort (unless already taken).
   */
  wait(channel: string, ms: number, signal: AbortSignal, handover?: H): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let waiters = this.#waiters.get(channel);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(channel, waiters);
      }
      const own = waiters;
      const detach = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        own.delete(waiter);
        if (own.size === 0 && this.#waiters.get(channel) === own) this.#waiters.delete(channel);
      };
      const waiter: Waiter<H> = {
        handover,
        detach,
        end: (reply) => {
          detach();
          resolve(reply);
        },
      };
      const aborted = () => {
        detach();
        reject(signal.reason);
      };
      const timer = setTimeout(() => waiter.end(undefined), ms);
      own.add(waiter);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  #first(channel: string): Waiter<H> | undefined {
    return this.#waiters.get(channel)?.values().next().value;
  }

  /** Closes the subscriber connections (never the user's client). */
  async close(): Promise<void> {
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    for (const subscription of await Promise.all(subscriptions)) await subscription?.close();
  }
}
