/**
 * A clock that moves only when a test says so: `now()`, `setTimeout` and `clearTimeout` for the simulator's
 * `clock` option, so tests step through latency, jitter, pacing and lifecycle delays instead of sleeping.
 */
import type { SimulatorClock } from '../../src/simulator/index.js';

interface Timer {
  at: number;
  ms: number;
  run: () => void;
}

/** A manual clock: timers fire only inside `advance`, in time order. */
export class ManualClock implements SimulatorClock {
  #now: number;
  #next = 0;
  readonly #timers = new Map<number, Timer>();
  readonly #waiters = new Set<() => void>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(run: () => void, ms: number): number {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.#now + ms, ms, run });
    for (const wake of this.#waiters) wake();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** The delays the pending timers were set with, in the order they were set. */
  pending(): number[] {
    return [...this.#timers.values()].map((timer) => timer.ms);
  }

  /** Moves the clock `ms` forward, firing every timer that falls due, earliest first (ties in set order). */
  advance(ms: number): void {
    const target = this.#now + ms;
    while (true) {
      let due: [number, Timer] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].run();
    }
    this.#now = target;
  }

  /** Resolves once at least `count` timers are pending: the event a test waits for, not a sleep. */
  whenPending(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#timers.size < count) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }
}
