/**
 * How a worker waiting for a slot learns that one was freed without polling Redis: every release publishes
 * on the account's channel, and each message wakes one local waiter (one per worker, so a release costs a
 * handful of retries, not one per waiter). A waiter also wakes when its own bounded wait ends, so a lost
 * message or a broken subscriber connection slows a worker down but never stalls it.
 */
import type { RedisAdapter, Subscription } from './client-adapter.js';

/** Local waiters and the subscriber connections, per channel. */
export class WakeUps {
  readonly #waiters = new Map<string, Set<() => void>>();
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
    const waiters = this.#waiters.get(channel);
    const first = waiters?.values().next().value;
    if (first) first();
  }

  /**
   * Resolves on a wake-up on `channel` or after `ms`, whichever comes first; rejects with the signal's
   * reason on abort.
   */
  wait(channel: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
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
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        own.delete(woken);
        if (own.size === 0 && this.#waiters.get(channel) === own) this.#waiters.delete(channel);
      };
      const woken = () => {
        done();
        resolve();
      };
      const aborted = () => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(woken, ms);
      own.add(woken);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Closes the subscriber connections (never the user's client). */
  async close(): Promise<void> {
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    for (const subscription of await Promise.all(subscriptions)) await subscription?.close();
  }
}
