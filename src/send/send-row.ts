/**
 * Sends one row's message, as steps: ask the coordinator for a permit, make the create request, and turn a
 * failure into a decision (the answer table): settle an ambiguous failure with the duplicate check, then retry
 * after a wait or end the row (and maybe the batch). p-retry runs the attempts; the waits are ours
 * (backoff, Retry-After, the injected sleep). The outcome is one `RowResult`, plus, for a batch-ending
 * answer, the error every remaining row reports.
 */
import pRetry from 'p-retry';
import type { MessageResource, TwilioClient } from '../client.js';
import type { DuplicateCheckPolicy, RetryPolicy, Sleep } from '../config/index.js';
import { encodeForm, type MessageRequest } from '../message.js';
import {
  type Coordinator,
  CoordinatorUnavailableError,
  type Permit,
  type PermitKind,
} from '../seams/coordinator.js';
import type { RowError, RowResult } from '../types.js';
import { decide, meaningOf, requestEnd } from './answer.js';
import { findCreatedMessage } from './duplicate-check.js';
import { type Failure, lookupFailure, sentResult, toFailure } from './row-outcome.js';

/** The options sending a row reads (a `ResolvedOptions` has them all). */
export interface RowOptions {
  retry: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  /** Look for the message after an ambiguous failure before retrying; `undefined` turns it off. */
  duplicateCheck: DuplicateCheckPolicy | undefined;
  /** The sender's pace, passed to the coordinator; `undefined`: no pacing. */
  segmentsPerSecond: number | undefined;
}

/** What every row of one write shares. */
export interface RowContext {
  client: TwilioClient;
  accountSid: string;
  coordinator: Coordinator;
  options: RowOptions;
  /** SIDs that other rows of the same write created (the duplicate check must not take them). */
  created: { has(sid: string): boolean };
  /** What this row reports when another row has ended the batch meanwhile; `undefined` while it goes on. */
  stopped(): RowError | undefined;
  /** A retry starts (1) or stops (−1) waiting, for progress reports. */
  retrying(delta: 1 | -1): void;
  /** The write's signal: aborts requests and waits. */
  signal: AbortSignal;
}

/** One row to send. */
export interface RowToSend {
  request: MessageRequest;
  index: number;
  /** Segments charged to the sender's budget on the first attempt. */
  segments: number;
  /**
   * With a ledger: awaited after each wait, before the next attempt (the claim's renewal); a rejection (a
   * `LedgerUnavailableError`) ends the row through `#failed`, not sent again.
   */
  beforeRetry?: () => Promise<void>;
}

/** The result, and for a batch-ending answer what every remaining row reports. */
export interface Outcome {
  result: RowResult;
  stop?: RowError;
}

/** How a row's attempts ended. */
type Step =
  | { kind: 'sent'; message: MessageResource; requestId: string | undefined; recovered: boolean }
  | { kind: 'failed'; failure: Failure };

/** Anything a coordinator throws means it is unavailable: no request is made without a permit. */
export function asUnavailable(error: unknown): CoordinatorUnavailableError {
  if (error instanceof CoordinatorUnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CoordinatorUnavailableError('coordinator', message, { cause: error });
}

/** Sends one row; never rejects: every failure becomes the row's result. */
export function sendRow(row: RowToSend, context: RowContext): Promise<Outcome> {
  return new RowSend(row, context).run();
}

/**
 * The duplicate check alone, from `sinceMs`, with look-up permits: for a row whose claim the ledger took
 * over from a dead worker. The message found, `undefined` when proven absent; rejects when it cannot tell.
 */
export function findRowMessage(
  row: RowToSend,
  context: RowContext,
  sinceMs: number,
  policy: DuplicateCheckPolicy,
): Promise<MessageResource | undefined> {
  return new RowSend(row, context).find(sinceMs, policy);
}

class RowSend {
  readonly #row: RowToSend;
  readonly #context: RowContext;
  readonly #form: string;
  #attempts = 0;
  #firstAttemptAt = 0;
  /** The wait the latest failed attempt's decision asked for. */
  #wait = 0;

  constructor(row: RowToSend, context: RowContext) {
    this.#row = row;
    this.#context = context;
    this.#form = encodeForm(row.request);
  }

  /**
   * The row's steps: the attempts (p-retry), then the outcome. Where a ledger plugs in (one call each):
   * 1. Before the attempts, `claim`: `sent` ends the row as sent with no request; `held` fails it
   *    `in_progress`; `taken_over` sets `#firstAttemptAt` from the claim and settles with `#lookUp` first;
   *    a `LedgerUnavailableError` ends it through `#failed` (the answer table: `ledger_error`, ends the batch).
   * 2. After them, on the step: `sent` is `markSent` before the outcome is returned; a failure whose error
   *    is not `possiblySent` is `release`d (proven unsent).
   * 3. In `#waitBeforeRetry`, `renew` while the row waits to retry.
   * (`ledgered-send.ts` does 1 and 2 around this, and passes 3 in as `beforeRetry`.)
   */
  async run(): Promise<Outcome> {
    const { retry } = this.#context.options;
    let step: Step;
    try {
      step = await pRetry(() => this.#attempt(), {
        retries: retry.retries,
        // p-retry runs the loop; the wait comes from the decision (Retry-After, backoff, injected sleep).
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: () => this.#waitBeforeRetry(),
      });
    } catch (error) {
      // Only a wait between attempts rejects (the abort): the failure before it was proven not to have
      // created the message, or it would not have been retried.
      step = this.#failed(error, false);
    }
    return this.#outcome(step);
  }

  /** One attempt: a `Step` that ends the row, or a throw of the failure that the decision retries. */
  async #attempt(): Promise<Step> {
    const stop = this.#context.stopped();
    // Another row ended the batch while this one waited to retry: no further request.
    if (stop !== undefined) return { kind: 'failed', failure: { error: { ...stop }, remaining: stop } };
    let permit: Permit;
    try {
      permit = await this.#permit('create', this.#attempts === 0 ? this.#row.segments : 0);
    } catch (error) {
      return this.#failed(error, false);
    }
    const { client, accountSid, options, signal } = this.#context;
    if (this.#attempts++ === 0) this.#firstAttemptAt = options.now();
    try {
      const response = await client.createMessage(accountSid, this.#form, { signal });
      await permit.release({ kind: 'ok' });
      return { kind: 'sent', message: response.body, requestId: response.requestId, recovered: false };
    } catch (error) {
      return this.#afterFailure(error, permit);
    }
  }

  async #afterFailure(error: unknown, permit: Permit): Promise<Step> {
    const { options, signal } = this.#context;
    const meaning = meaningOf(error, signal.aborted);
    const policy = meaning.retry === 'after_check' ? options.duplicateCheck : undefined;
    const checking = policy !== undefined;
    if (checking) {
      // The look-ups need permits of their own: free this one first (an ambiguous end teaches nothing).
      await permit.release({ kind: 'other' });
      const looked = await this.#lookUp(error, policy);
      if (looked !== undefined) return looked;
    }
    const decision = decide(meaning, {
      attempts: this.#attempts,
      retriesLeft: options.retry.retries - (this.#attempts - 1),
      settled: checking,
      policy: options.retry,
      random: options.random,
    });
    if (!checking) await permit.release(requestEnd(meaning, decision));
    if (decision.kind === 'retry') {
      this.#wait = decision.waitMs;
      throw error;
    }
    return { kind: 'failed', failure: toFailure(error, this.#row.index, decision, signal) };
  }

  /** The duplicate check: the message found (`sent`, recovered), a failed look-up, or `undefined`: not created. */
  async #lookUp(original: unknown, policy: DuplicateCheckPolicy): Promise<Step | undefined> {
    const { signal } = this.#context;
    try {
      const found = await this.find(this.#firstAttemptAt, policy);
      return found && { kind: 'sent', message: found, requestId: undefined, recovered: true };
    } catch (lookupError) {
      return { kind: 'failed', failure: lookupFailure(original, lookupError, this.#row.index, signal) };
    }
  }

  /** Looks for the row's message created since `sinceMs`; rejects when the look-up fails. */
  find(sinceMs: number, policy: DuplicateCheckPolicy): Promise<MessageResource | undefined> {
    const { client, accountSid, created, options, signal } = this.#context;
    return findCreatedMessage(
      {
        client,
        accountSid,
        request: this.#row.request,
        sinceMs,
        exclude: created,
        policy,
        maxWaitMs: options.retry.maxRetryAfterMs,
        sleep: options.sleep,
        acquire: () => this.#permit('lookup', 0),
      },
      signal,
    );
  }

  async #waitBeforeRetry(): Promise<void> {
    const { retrying, options, signal } = this.#context;
    retrying(1);
    try {
      await options.sleep(this.#wait, signal);
    } finally {
      retrying(-1);
    }
    // The ledger's claim is renewed now, so that the next request starts with a whole lease ahead of it.
    await this.#row.beforeRetry?.();
  }

  /**
   * A permit from the coordinator. Rejects with the abort's reason, or with a `CoordinatorUnavailableError`
   * (anything else a coordinator throws is one too: no request is made without a permit).
   */
  async #permit(kind: PermitKind, segments: number): Promise<Permit> {
    const { coordinator, accountSid, options, signal } = this.#context;
    const { request } = this.#row;
    try {
      return await coordinator.acquire({
        accountSid,
        kind,
        sender: (request.messagingServiceSid ?? request.from) as string,
        segments,
        segmentsPerSecond: options.segmentsPerSecond,
        signal,
      });
    } catch (error) {
      throw signal.aborted ? error : asUnavailable(error);
    }
  }

  /** A failure that ends the row at once (an abort, a coordinator failure). */
  #failed(error: unknown, possiblySent: boolean): Step {
    const meaning = meaningOf(error, this.#context.signal.aborted);
    const end = { possiblySent, endsBatch: meaning.endsBatch === 'now', capped: false };
    return { kind: 'failed', failure: toFailure(error, this.#row.index, end, this.#context.signal) };
  }

  #outcome(step: Step): Outcome {
    const { index } = this.#row;
    if (step.kind === 'sent') {
      const result = sentResult(index, this.#attempts, step.message, step.requestId);
      return { result: step.recovered ? { ...result, recovered: true } : result };
    }
    const { error, remaining } = step.failure;
    const result: RowResult = { status: 'failed', index, attempts: this.#attempts, error };
    return remaining === undefined ? { result } : { result, stop: remaining };
  }
}
