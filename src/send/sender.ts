/**
 * Streams the rows to Twilio: pulls the next row only when the window has room, keeps up to `concurrency`
 * rows in flight (the coordinator decides when each request may start), yields exactly one `RowResult` per
 * row in input order, and ends the batch when every remaining row would fail the same way.
 */
import type { TwilioClient } from '../client.js';
import type { Progress } from '../config/index.js';
import type { Logger } from '../logger.js';
import { type BuildResult, messageSegments } from '../message.js';
import type { RowError, RowResult } from '../types.js';
import { type Coordinator, CoordinatorUnavailableError } from './coordinator.js';
import { CreatedMessages } from './created.js';
import { ProgressCounter } from './progress.js';
import { abortedBeforeStart, toFailure } from './row-outcome.js';
import { type Outcome, type RowContext, type RowOptions, sendRow } from './send-row.js';

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
}

/** Turns a row into its message, or its local failure. */
export type BuildRow = (row: unknown, index: number) => BuildResult;

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
    this.#build = build;
    this.#context = context;
    this.#signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#stopping.signal])
      : this.#stopping.signal;
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
        const result = head.result ?? (await this.#settled(head));
        this.#slots.shift();
        this.#progress.count(result);
        const { logger } = this.#context.options;
        if (logger) logOutcome(logger, result);
        yield result;
      }
    } finally {
      this.#stopping.abort();
      await this.#iterator.return?.();
      this.#progress.close();
    }
  }

  /** Asks the coordinator whether the shared state can be reached, before the first row. */
  async #ready(): Promise<void> {
    const { coordinator, accountSid, options } = this.#context;
    try {
      await coordinator.ready({ accountSid, requestTimeoutMs: options.timeoutMs });
    } catch (error) {
      this.#notReady =
        error instanceof CoordinatorUnavailableError
          ? error
          : new CoordinatorUnavailableError('coordinator', (error as Error)?.message ?? String(error), {
              cause: error,
            });
    }
  }

  /** Pulls rows while the window has room, starting each. */
  async #fill(): Promise<void> {
    while (!this.#exhausted && this.#slots.length < this.#context.options.concurrency) {
      const next = await this.#iterator.next();
      if (next.done) {
        this.#exhausted = true;
        return;
      }
      this.#slots.push(this.#start(next.value, this.#index++));
    }
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
    // sendRow never rejects: every failure becomes the row's result.
    void sendRow({ request: built.request, index, segments }, this.#row).then((outcome) =>
      this.#finish(slot, outcome),
    );
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
