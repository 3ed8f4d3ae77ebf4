/**
 * Streams the rows to Twilio: pulls the next row only when it can be sent (a free slot, the rate allows
 * it, no 21611 pause), keeps up to `concurrency` requests in flight, yields exactly one `RowResult` per row
 * in input order, ends the batch when every remaining row would fail the same way, and adapts to 429s.
 */
import type { Logger } from './logger.js';
import { type BuildResult, messageSegments } from './message.js';
import { AdaptiveLimit, TokenBucket } from './pacing.js';
import { abortedBeforeStart } from './row-outcome.js';
import { type AttemptHooks, defaultSleep, type Outcome, type SendRowDeps, sendOne } from './send-row.js';
import type { RowError, RowResult } from './types.js';

/** A snapshot of a running write, for `onProgress`. */
export interface Progress {
  /** Rows with a result. */
  done: number;
  /** Rows sent. */
  sent: number;
  /** Rows failed. */
  failed: number;
  /** Rows finished per second since the previous report. */
  ratePerSecond: number;
  /** Rows waiting to retry right now. */
  retrying: number;
  /** Requests in flight right now. */
  inFlight: number;
}

/** What the sender needs. */
export interface SenderDeps extends SendRowDeps {
  logger: Logger;
  /** Requests in flight at most (the adaptive limit never exceeds it). */
  concurrency: number;
  /** Client-side pacing in segments per second; `undefined` sends as fast as the limits allow. */
  segmentsPerSecond: number | undefined;
  onProgress: ((progress: Progress) => void) | undefined;
  /** At most one progress report per this many ms (and one at the end). */
  progressIntervalMs: number;
}

/** One row's place in the output order. */
interface Slot {
  promise: Promise<RowResult>;
  result?: RowResult;
}

/** Rate steps: the paced rate is `segmentsPerSecond × step / RATE_STEPS`, halved on a 429. */
const RATE_STEPS = 16;

/** Sends every row and yields one result per row, in input order. */
export async function* sendRows(
  rows: Iterable<unknown> | AsyncIterable<unknown>,
  build: (row: unknown, index: number) => BuildResult,
  deps: SenderDeps,
  signal?: AbortSignal,
): AsyncGenerator<RowResult> {
  const sleep = deps.sleep ?? defaultSleep;
  const iterator = toAsyncIterator(rows);
  const limit = new AdaptiveLimit(deps.concurrency);
  const rateSteps = new AdaptiveLimit(RATE_STEPS);
  const bucket =
    deps.segmentsPerSecond === undefined ? undefined : new TokenBucket(deps.segmentsPerSecond, deps.now);
  // Messages this write created: a later row with the same recipient and body must not claim them.
  const created = new Set<string>();
  const slots: Slot[] = [];
  let stopped: RowError | undefined;
  let pausedUntil = 0;
  let inFlight = 0;
  let retrying = 0;
  let index = 0;
  let exhausted = false;
  let notify: (() => void) | undefined;
  const counts = { done: 0, sent: 0, failed: 0, reportedDone: 0, reportedAt: deps.now() };

  const applyRate = () => {
    if (bucket && deps.segmentsPerSecond !== undefined) {
      bucket.setRate((deps.segmentsPerSecond * rateSteps.value) / RATE_STEPS);
    }
  };
  const hooks: AttemptHooks = {
    async beforeAttempt() {
      const wait = pausedUntil - deps.now();
      if (wait > 0) await sleep(wait, signal);
      return limit.generation;
    },
    rateLimited(token) {
      // Twilio limits concurrent requests per account (20429): halve concurrency and rate at once.
      if (limit.decrease(token)) {
        rateSteps.decrease(rateSteps.generation);
        applyRate();
        if (deps.concurrency > 1 || bucket) {
          const rate = bucket ? `, rate ${Math.round(bucket.rate * 100) / 100} segments/s` : '';
          deps.logger.debug(`twilio-destination: 429, concurrency now ${limit.value}${rate}`);
        }
      }
    },
    queueFull(ms) {
      // 21611: the sender's queue holds 10 hours of segments; give it time to drain before anything new.
      pausedUntil = Math.max(pausedUntil, deps.now() + ms);
    },
    succeeded() {
      limit.increase();
      rateSteps.increase();
      applyRate();
    },
    retrying(delta) {
      retrying += delta;
    },
  };

  const report = () => {
    const now = deps.now();
    const seconds = Math.max(now - counts.reportedAt, 1) / 1000;
    const ratePerSecond = Math.round(((counts.done - counts.reportedDone) / seconds) * 10) / 10;
    counts.reportedDone = counts.done;
    counts.reportedAt = now;
    deps.onProgress?.({
      done: counts.done,
      sent: counts.sent,
      failed: counts.failed,
      ratePerSecond,
      retrying,
      inFlight,
    });
  };
  const timer = deps.onProgress ? setInterval(report, deps.progressIntervalMs) : undefined;
  timer?.unref();

  /** Starts the row's request, or resolves its local or batch-level failure at once. */
  const start = (built: BuildResult | undefined, current: number): Slot => {
    const settled = (result: RowResult): Slot => ({ promise: Promise.resolve(result), result });
    if (stopped) return settled({ status: 'failed', index: current, attempts: 0, error: { ...stopped } });
    if (signal?.aborted || built === undefined) {
      return settled({ status: 'failed', index: current, attempts: 0, error: abortedBeforeStart(current) });
    }
    if (!built.ok) return settled({ status: 'failed', index: current, attempts: 0, error: built.error });
    inFlight++;
    const slot: Slot = {
      promise: sendOne(built.request, current, deps, created, hooks, signal).then((outcome: Outcome) => {
        inFlight--;
        // Set here, not when yielded, so that no further row starts after a batch-ending answer.
        if (outcome.stop) stopped ??= outcome.stop;
        if (outcome.result.status === 'sent') created.add(outcome.result.messageSid);
        slot.result = outcome.result;
        notify?.();
        return outcome.result;
      }),
    };
    return slot;
  };

  /** Whether the next row may be pulled now. */
  const canStart = () => !exhausted && slots.length < deps.concurrency && inFlight < limit.value;

  try {
    while (true) {
      while (canStart()) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const current = index++;
        const built = stopped || signal?.aborted ? undefined : build(next.value, current);
        if (bucket && built?.ok) {
          // Charged in segments (1 for MMS), as Twilio paces the sender.
          const wait = bucket.take((built.segments ?? messageSegments(built.request)).segments);
          // An abort during the wait leaves the row pulled but not started: start() reports it.
          if (wait > 0) await sleep(wait, signal).catch(() => {});
        }
        slots.push(start(built, current));
      }
      const head = slots[0];
      if (head === undefined) break;
      if (head.result === undefined) {
        // Wake on the head's result or on any other completion that frees a slot.
        await new Promise<void>((resolve) => {
          notify = resolve;
          void head.promise.then(() => resolve());
        });
        notify = undefined;
        if (head.result === undefined) continue;
      }
      slots.shift();
      const result = head.result;
      counts.done++;
      if (result.status === 'sent') {
        counts.sent++;
        deps.logger.info(
          `twilio-destination: row ${result.index} sent ${result.messageSid} (${result.attempts} attempt(s))`,
        );
      } else {
        counts.failed++;
        deps.logger.warn(
          `twilio-destination: row ${result.index} failed ${result.error.code}: ${result.error.message}`,
        );
      }
      yield result;
    }
  } finally {
    await iterator.return?.();
    if (timer) {
      clearInterval(timer);
      report();
    }
  }
}

function toAsyncIterator<T>(rows: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
}
