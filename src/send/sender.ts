/**
 * Streams the rows to Twilio: pulls the next row only when the window has room, keeps up to `concurrency`
 * rows in flight (the coordinator decides when each request may start), yields exactly one `RowResult` per
 * row in input order, and ends the batch when every remaining row would fail the same way. Over 300 lines
 * because the scheduler is one class whose state and steps read better whole.
 */
import type { TwilioClient } from '../client.js';
import type { Progress } from '../config/index.js';
import type { Logger } from '../logger.js';
import { type BuildResult, messageSegments } from '../message.js';
import { redactRowError } from '../redact.js';
import type { Coordinator, CoordinatorUnavailableError } from '../seams/coordinator.js';
import type { RowError, RowResult } from '../types.js';
import { CreatedMessages } from './created.js';
import { sendLedgered } from './ledgered-send.js';
import { ProgressCounter } from './progress.js';
import type { KeyedBuildResult } from './row-key.js';
import type { LedgerRun } from './row-ledger.js';
import { abortedBeforeStart, toFailure } from './row-outcome.js';
import {
  asUnavailable,
  findRowMessage,
  type Outcome,
  type RowContext,
  type RowOptions,
  type RowToSend,
  sendRow,
} from './send-row.js';

/** The options a write reads (a `ResolvedOptions` has them all: it is passed as it is). */
export interface SendOptions extends RowOptions {
  /** `undefined`: silent. */
  logger: Logger | undefined;
  /** Rows in flight at most. */
  concurrency: number;
  /** The per-request timeout, for the coordinator's leases. */
  timeoutMs: number;
  onProgress: ((progress: Progress) => void) | undefined;
}

/** What a write sends with. */
export interface SendContext {
  client: TwilioClient;
  accountSid: string;
  /** Decides when each request may start. */
  coordinator: Coordinator;
  options: SendOptions;
  /** At most one progress report per this many ms (and one at the end). @default 500 */
  progressIntervalMs?: number;
  /** The write's ledger; `undefined`: none (rows then carry no key). */
  ledger?: LedgerRun | undefined;
}

/**
 * Rows pulled between two yields to the event loop: a synchronous source, or rows that all fail locally,
 * would otherwise run the whole write in microtasks and starve timers and I/O.
 */
const YIELD_EVERY = 1024;

/** Lets timers and I/O run. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Turns a row into its message, or its local failure. */
export type BuildRow = (row: unknown, index: number) => BuildResult | KeyedBuildResult;

/** One row's place in the output order. */
interface Slot {
  /** Set when the row is done. */
  result?: RowResult;
  /** When the row started (epoch ms); its first attempt is no earlier. */
  startedAt: number;
}

/** Sends every row and yields one result per row, in input order. */
export function sendRows(
  rows: Iterable<unknown> | AsyncIterable<unknown>,
  build: BuildRow,
  context: SendContext,
  signal?: AbortSignal,
): AsyncGenerator<RowResult> {
  return new Scheduler(rows, build, context, signal).results();
}

/** The state of one write: the window of rows in flight, the batch's end, the rows' shared context. */
class Scheduler {
  readonly #iterator: AsyncIterator<unknown> | Iterator<unknown>;
  /** The rows when they are an Array: after an abort, every element still gets its (aborted) result. */
  readonly #array: readonly unknown[] | undefined;
  /** Settles the pending pull with `undefined` when the write's signal aborts (set only while one is pending). */
  #abandonPull: (() => void) | undefined;
  /** A pull was abandoned at an abort: the source's `next()` may never settle. */
  #abandoned = false;
  #pulledSinceYield = 0;
  readonly #build: BuildRow;
  readonly #context: SendContext;
  /** Aborted when the consumer stops iterating early, so that no request goes on unreported. */
  readonly #stopping = new AbortController();
  readonly #signal: AbortSignal;
  readonly #slots: Slot[] = [];
  readonly #created: CreatedMessages | undefined;
  readonly #progress: ProgressCounter;
  readonly #row: RowContext;
  /** What every remaining row reports once the batch has ended. */
  #stopped: RowError | undefined;
  /** Why the coordinator could not get ready: the first row fails with it and ends the batch. */
  #notReady: CoordinatorUnavailableError | undefined;
  #index = 0;
  #exhausted = false;
  #notify: (() => void) | undefined;

  constructor(
    rows: Iterable<unknown> | AsyncIterable<unknown>,
    build: BuildRow,
    context: SendContext,
    callerSignal: AbortSignal | undefined,
  ) {
    const { options } = context;
    this.#iterator = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
    this.#array = Array.isArray(rows) ? rows : undefined;
    this.#build = build;
    this.#context = context;
    this.#signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#stopping.signal])
      : this.#stopping.signal;
    this.#signal.addEventListener('abort', () => this.#abandonPull?.(), { once: true });
    this.#created =
      options.duplicateCheck && new CreatedMessages(options.duplicateCheck.clockSkewMs, options.now);
    this.#progress = new ProgressCounter(options.onProgress, options.now, context.progressIntervalMs ?? 500);
    this.#row = {
      client: context.client,
      accountSid: context.accountSid,
      coordinator: context.coordinator,
      options,
      created: this.#created ?? new Set<string>(),
      stopped: () => this.#stopped,
      retrying: (delta) => {
        this.#progress.retrying += delta;
      },
      signal: this.#signal,
    };
  }

  /** The results, in input order. */
  async *results(): AsyncGenerator<RowResult> {
    try {
      await this.#ready();
      while (true) {
        await this.#fill();
        const head = this.#slots[0];
        if (head === undefined) break;
        const result = this.#redacted(head.result ?? (await this.#settled(head)));
        this.#slots.shift();
        this.#progress.count(result);
        const { logger } = this.#context.options;
        if (logger) logOutcome(logger, result);
        yield result;
      }
      yield* this.#abortedRest();
    } finally {
      this.#stopping.abort();
      // A source whose pull was abandoned may never answer: close it without waiting (an async
      // generator's return() waits for its pending next()).
      if (this.#abandoned) void Promise.resolve(this.#iterator.return?.()).catch(() => {});
      else await this.#iterator.return?.();
      this.#progress.close();
    }
  }

  /**
   * After an abort, the elements of an Array source that were never pulled: one `aborted` result each,
   * yielding to the event loop between chunks so that a huge Array does not block it.
   */
  async *#abortedRest(): AsyncGenerator<RowResult> {
    const rows = this.#array;
    if (rows === undefined || !this.#signal.aborted) return;
    for (let index = this.#index; index < rows.length; index++) {
      if ((index - this.#index) % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const result: RowResult = { status: 'failed', index, attempts: 0, error: abortedBeforeStart(index) };
      this.#progress.count(result);
      yield result;
    }
  }

  /**
   * The result with the credentials redacted from its error's text, before it is counted, logged or
   * yielded: a row's own exception text (a getter that throws) or an echoing answer may carry them.
   */
  #redacted(result: RowResult): RowResult {
    if (result.status !== 'failed') return result;
    const error = redactRowError(result.error, this.#context.client.redact);
    return error === result.error ? result : { ...result, error };
  }

  /** Asks the coordinator whether the shared state can be reached, before the first row. */
  async #ready(): Promise<void> {
    const { coordinator, accountSid, options } = this.#context;
    try {
      await coordinator.ready({ accountSid, requestTimeoutMs: options.timeoutMs });
    } catch (error) {
      this.#notReady = asUnavailable(error);
    }
  }

  /** Pulls rows while the window has room, starting each; after an abort, pulls nothing more. */
  async #fill(): Promise<void> {
    while (!this.#exhausted && this.#slots.length < this.#context.options.concurrency) {
      const next = await this.#pull();
      if (next === undefined || next.done) {
        this.#exhausted = true;
        return;
      }
      this.#slots.push(this.#start(next.value, this.#index++));
      if (++this.#pulledSinceYield === YIELD_EVERY) {
        this.#pulledSinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }

  /** The source's next row, or `undefined` once the write is aborted (a pending pull is abandoned). */
  async #pull(): Promise<IteratorResult<unknown> | undefined> {
    if (this.#signal.aborted) return undefined;
    const pulled = this.#iterator.next();
    // A synchronous source answers at once: nothing to abandon.
    if (typeof (pulled as Partial<PromiseLike<unknown>>).then !== 'function') {
      return pulled as IteratorResult<unknown>;
    }
    // Not Promise.race against one promise of the whole write: while that promise is pending, every race
    // leaves a reaction on it that holds the race's promise and so its row: one per row, never freed (a
    // 200,000-row CSV kept 120 MiB of them). The abort listener settles this pull's own promise instead.
    const next = await new Promise<IteratorResult<unknown> | undefined>((resolve, reject) => {
      this.#abandonPull = () => resolve(undefined);
      (pulled as Promise<IteratorResult<unknown>>).then(resolve, reject);
    });
    this.#abandonPull = undefined;
    if (next === undefined) this.#abandoned = true;
    return next;
  }

  /** Starts the row's request, or settles its local or batch-level failure at once. */
  #start(row: unknown, index: number): Slot {
    const failed = (error: RowError): Slot => ({
      result: { status: 'failed', index, attempts: 0, error },
      startedAt: 0,
    });
    if (this.#stopped) return failed({ ...this.#stopped });
    if (this.#notReady !== undefined) {
      const failure = toFailure(this.#notReady, index, {
        possiblySent: false,
        endsBatch: true,
        capped: false,
      });
      this.#stopped = failure.remaining;
      return failed(failure.error);
    }
    if (this.#signal.aborted) return failed(abortedBeforeStart(index));
    const built = this.#build(row, index);
    if (!built.ok) return failed(built.error);
    const { options } = this.#context;
    // Charged in segments (1 for MMS), as Twilio paces the sender; counted only when pacing.
    const segments =
      options.segmentsPerSecond === undefined
        ? 1
        : (built.segments ?? messageSegments(built.request)).segments;
    const slot: Slot = { startedAt: options.now() };
    this.#progress.inFlight++;
    const toSend: RowToSend = { request: built.request, index, segments };
    const { ledger } = this.#context;
    const { duplicateCheck } = options;
    // sendRow and sendLedgered never reject: every failure becomes the row's result.
    const sending =
      ledger !== undefined && 'rowKey' in built
        ? sendLedgered(
            {
              index,
              rowKey: built.rowKey,
              send: (beforeRetry) => sendRow({ ...toSend, beforeRetry }, this.#row),
              lookUp: duplicateCheck && ((since) => findRowMessage(toSend, this.#row, since, duplicateCheck)),
            },
            ledger,
          )
        : sendRow(toSend, this.#row);
    void sending.then((outcome) => this.#finish(slot, outcome));
    return slot;
  }

  #finish(slot: Slot, outcome: Outcome): void {
    this.#progress.inFlight--;
    // Set here, not when yielded, so that no further row starts after a batch-ending answer.
    if (outcome.stop) this.#stopped ??= outcome.stop;
    slot.result = outcome.result;
    if (this.#created && outcome.result.status === 'sent') {
      this.#created.add(outcome.result.messageSid, this.#earliestUnfinished());
    }
    this.#notify?.();
  }

  #earliestUnfinished(): number {
    let earliest = this.#context.options.now();
    for (const slot of this.#slots) {
      if (slot.result === undefined && slot.startedAt < earliest) earliest = slot.startedAt;
    }
    return earliest;
  }

  /** Waits for the head row's result; wakes on any completion, which may also free room in the window. */
  async #settled(head: Slot): Promise<RowResult> {
    while (head.result === undefined) {
      await new Promise<void>((resolve) => {
        this.#notify = resolve;
      });
      this.#notify = undefined;
      await this.#fill();
    }
    return head.result;
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
