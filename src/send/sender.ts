/**
 * Streams the rows to Twilio: pulls the next row only when it can be sent (a free slot, the rate allows
 * it, no 21611 pause), keeps up to `concurrency` requests in flight, yields exactly one `RowResult` per row
 * in input order, ends the batch when every remaining row would fail the same way, and adapts to 429s.
 */
import type { Progress } from '../config/index.js';
import type { Logger } from '../logger.js';
import { messageSegments } from '../message.js';
import type { RowError, RowResult } from '../types.js';
import { findCreatedMessage } from './duplicate-check.js';
import { sendLedgered } from './ledgered-send.js';
import { AdaptiveLimit, TokenBucket } from './pacing.js';
import type { KeyedBuildResult } from './row-key.js';
import type { LedgerRun } from './row-ledger.js';
import { abortedBeforeStart } from './row-outcome.js';
import { type AttemptHooks, defaultSleep, type Outcome, type SendRowDeps, sendOne } from './send-row.js';

/** What the sender needs. */
export interface SenderDeps extends SendRowDeps {
  /** `undefined`: silent. */
  logger: Logger | undefined;
  /** Requests in flight at most (the adaptive limit never exceeds it). */
  concurrency: number;
  /** Client-side pacing in segments per second; `undefined` sends as fast as the limits allow. */
  segmentsPerSecond: number | undefined;
  onProgress: ((progress: Progress) => void) | undefined;
  /** At most one progress report per this many ms (and one at the end). */
  progressIntervalMs: number;
  /** The write's ledger; `undefined`: none (rows carry no key then). */
  ledger?: LedgerRun | undefined;
}

/** One row's place in the output order. */
interface Slot {
  /** Set when the row is done. */
  result?: RowResult;
  /** When the row started (epoch ms); its first attempt is no earlier. */
  startedAt: number;
}

/**
 * SIDs remembered for the duplicate check. Past this many (over 800 messages a second for the default
 * one-minute window), the oldest are forgotten: only a row identical to one sent in that window and then
 * failing ambiguously could mistake that message for its own.
 */
const MAX_REMEMBERED = 50_000;

/** Rate steps: the paced rate is `segmentsPerSecond × step / RATE_STEPS`, halved on a 429. */
const RATE_STEPS = 16;

/** Sends every row and yields one result per row, in input order. */
export async function* sendRows(
  rows: Iterable<unknown> | AsyncIterable<unknown>,
  build: (row: unknown, index: number) => KeyedBuildResult,
  deps: SenderDeps,
  callerSignal?: AbortSignal,
): AsyncGenerator<RowResult> {
  // Aborted when the consumer stops iterating early, so that no request goes on unreported.
  const stopping = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, stopping.signal]) : stopping.signal;
  const sleep = deps.sleep ?? defaultSleep;
  // Log lines are built only when there is a logger.
  const { logger } = deps;
  const iterator = toAsyncIterator(rows);
  const limit = new AdaptiveLimit(deps.concurrency);
  const rateSteps = new AdaptiveLimit(RATE_STEPS);
  const bucket =
    deps.segmentsPerSecond === undefined ? undefined : new TokenBucket(deps.segmentsPerSecond, deps.now);
  // Messages this write created (SID → when it was recorded), so that a row with the same recipient and
  // body does not claim another row's message. Kept only while a look-up could still see them, and at most
  // MAX_REMEMBERED of them, so memory stays flat however many rows come.
  const created = new Map<string, number>();
  const forgetOldCreated = (policy: NonNullable<SenderDeps['duplicateCheck']>) => {
    let earliest = deps.now();
    for (const slot of slots)
      if (slot.result === undefined && slot.startedAt < earliest) earliest = slot.startedAt;
    // A look-up matches messages whose Twilio date_created is after its row's first attempt less the clock
    // skew; Twilio's clock may differ from ours by as much again.
    const horizon = earliest - 2 * policy.clockSkewMs - 1000;
    for (const [sid, at] of created) {
      if (at >= horizon && created.size <= MAX_REMEMBERED) break;
      created.delete(sid);
    }
  };
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
      return stopped ? { token: limit.generation, stop: { ...stopped } } : { token: limit.generation };
    },
    rateLimited(token) {
      // Twilio limits concurrent requests per account (20429): halve concurrency and rate at once.
      if (limit.decrease(token)) {
        rateSteps.decrease(rateSteps.generation);
        applyRate();
        if (logger && (deps.concurrency > 1 || bucket)) {
          const rate = bucket ? `, rate ${Math.round(bucket.rate * 100) / 100} segments/s` : '';
          logger.debug(`twilio-destination: 429, concurrency now ${limit.value}${rate}`);
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
  const start = (built: KeyedBuildResult | undefined, current: number): Slot => {
    const settled = (result: RowResult): Slot => ({ result, startedAt: 0 });
    if (stopped) return settled({ status: 'failed', index: current, attempts: 0, error: { ...stopped } });
    if (signal.aborted || built === undefined) {
      return settled({ status: 'failed', index: current, attempts: 0, error: abortedBeforeStart(current) });
    }
    if (!built.ok) return settled({ status: 'failed', index: current, attempts: 0, error: built.error });
    inFlight++;
    const slot: Slot = { startedAt: deps.now() };
    const send = (beforeRetry?: () => Promise<{ error: RowError; remaining: RowError } | undefined>) => {
      if (beforeRetry === undefined) return sendOne(built.request, current, deps, created, hooks, signal);
      let attempts = 0;
      const rowHooks: AttemptHooks = {
        ...hooks,
        async beforeAttempt() {
          const failure = attempts++ === 0 ? undefined : await beforeRetry();
          const gate = await hooks.beforeAttempt();
          return failure === undefined ? gate : { token: gate.token, stop: failure.error };
        },
      };
      return sendOne(built.request, current, deps, created, rowHooks, signal);
    };
    const { ledger, duplicateCheck } = deps;
    const sending =
      ledger !== undefined && 'rowKey' in built
        ? sendLedgered(
            {
              index: current,
              rowKey: built.rowKey,
              send,
              lookUp:
                duplicateCheck &&
                ((sinceMs) =>
                  findCreatedMessage(
                    {
                      client: deps.client,
                      accountSid: deps.accountSid,
                      request: built.request,
                      sinceMs,
                      exclude: created,
                      policy: duplicateCheck,
                      sleep,
                    },
                    signal,
                  )),
            },
            ledger,
          )
        : send(undefined);
    // sendOne and sendLedgered never reject: every failure becomes the row's result.
    void sending.then((outcome: Outcome) => {
      inFlight--;
      // Set here, not when yielded, so that no further row starts after a batch-ending answer.
      if (outcome.stop) stopped ??= outcome.stop;
      slot.result = outcome.result;
      if (deps.duplicateCheck && outcome.result.status === 'sent') {
        created.set(outcome.result.messageSid, deps.now());
        forgetOldCreated(deps.duplicateCheck);
      }
      notify?.();
    });
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
        const built = stopped || signal.aborted ? undefined : build(next.value, current);
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
        // Wake on any completion: the head's, or another that frees a slot for the next row.
        await new Promise<void>((resolve) => {
          notify = resolve;
        });
        notify = undefined;
        if (head.result === undefined) continue;
      }
      slots.shift();
      const result = head.result;
      counts.done++;
      if (result.status === 'sent') counts.sent++;
      else counts.failed++;
      if (logger) logOutcome(logger, result);
      yield result;
    }
  } finally {
    stopping.abort();
    await iterator.return?.();
    if (timer) {
      clearInterval(timer);
      report();
    }
  }
}

function logOutcome(logger: Logger, result: RowResult): void {
  if (result.status === 'sent') {
    logger.info(
      `twilio-destination: row ${result.index} sent ${result.messageSid} (${result.attempts} attempt(s))`,
    );
  } else {
    logger.warn(
      `twilio-destination: row ${result.index} failed ${result.error.code}: ${result.error.message}`,
    );
  }
}

function toAsyncIterator<T>(rows: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
}
