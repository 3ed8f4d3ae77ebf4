/**
 * Progress reports of a running write: counts rows as their results are yielded and calls `onProgress` at
 * most every `intervalMs` (from an unref'd timer) and once at the end.
 */
import type { Progress } from '../config/index.js';
import type { RowResult } from '../types.js';

/** Counts a write's results and reports them to `onProgress`. */
export class ProgressCounter {
  done = 0;
  sent = 0;
  failed = 0;
  /** Rows waiting to retry now. */
  retrying = 0;
  /** Rows started and not finished. */
  inFlight = 0;
  #reportedDone = 0;
  #reportedAt: number;
  readonly #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly onProgress: ((progress: Progress) => void) | undefined,
    private readonly now: () => number,
    intervalMs: number,
  ) {
    this.#reportedAt = now();
    this.#timer = onProgress ? setInterval(this.#report, intervalMs) : undefined;
    this.#timer?.unref();
  }

  /** A result is yielded. */
  count(result: RowResult): void {
    this.done++;
    if (result.status === 'sent') this.sent++;
    else this.failed++;
  }

  /** Stops the timer and sends the last report. */
  close(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#report();
  }

  readonly #report = (): void => {
    const now = this.now();
    const seconds = Math.max(now - this.#reportedAt, 1) / 1000;
    const ratePerSecond = Math.round(((this.done - this.#reportedDone) / seconds) * 10) / 10;
    this.#reportedDone = this.done;
    this.#reportedAt = now;
    this.onProgress?.({
      done: this.done,
      sent: this.sent,
      failed: this.failed,
      ratePerSecond,
      retrying: this.retrying,
      inFlight: this.inFlight,
    });
  };
}
