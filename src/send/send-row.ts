/**
 * Sends one row's message: p-retry runs the attempts, our own policy decides each wait (backoff, Retry-After),
 * an ambiguous failure is settled by the duplicate check before any retry, and the outcome is one
 * `RowResult` (plus, for a batch-ending answer, the error every remaining row reports).
 */
import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { TwilioClient } from '../client.js';
import type { DuplicateCheckPolicy, RetryPolicy } from '../config/index.js';
import { TwilioApiError } from '../errors.js';
import { encodeForm, type MessageRequest } from '../message.js';
import type { RowError, RowResult } from '../types.js';
import { findCreatedMessage } from './duplicate-check.js';
import { classifyFailure, retryDelayMs } from './retry.js';
import {
  BatchStop,
  backOff,
  batchStop,
  LookupFailed,
  lookupFailed,
  Recovered,
  sentResult,
  toRowError,
} from './row-outcome.js';

/** What sending one row needs. */
export interface SendRowDeps {
  client: TwilioClient;
  accountSid: string;
  retry: RetryPolicy;
  sleep: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  random: () => number;
  now: () => number;
  /** Look for the message after an ambiguous failure before retrying; `undefined` turns it off. */
  duplicateCheck: DuplicateCheckPolicy | undefined;
}

/** Hooks the scheduler uses to pace attempts and learn from their answers. */
export interface AttemptHooks {
  /** Awaited before every attempt (a 21611 pause); returns a token passed back with the answer. */
  beforeAttempt(): Promise<{ token: number; stop?: RowError }>;
  /** A 429 for an attempt that started with `token`. */
  rateLimited(token: number): void;
  /** A 21611: the sender's queue is full; new sends wait `ms` (the row's own retry wait). */
  queueFull(ms: number): void;
  /** The message was created. */
  succeeded(): void;
  /** A retry is waiting (for progress reports). */
  retrying(delta: 1 | -1): void;
}

/** The result, and for a batch-ending answer what every remaining row reports. */
export interface Outcome {
  result: RowResult;
  stop?: RowError;
}

/**
 * A look-up met a batch-ending answer (401, 404): the batch ends as it would for a create, and this
 * row, whose message may exist, is possibly sent.
 */
function lookupStop(lookupError: unknown, index: number): BatchStop | undefined {
  // A 403 on the list only says the credentials may not read messages (a restricted API key that may
  // still create them): that row cannot be settled, but the batch can go on.
  if (!(lookupError instanceof TwilioApiError) || lookupError.httpStatus === 403) return undefined;
  const stop = batchStop(lookupError, index);
  if (!stop) return undefined;
  const message = `${stop.rowError.message} (this answered the check for a message an earlier attempt may have created, so it may exist: check before sending this row again)`;
  return new BatchStop({ ...stop.rowError, message, possiblySent: true, retryable: false }, stop.remaining);
}

export const defaultSleep = (ms: number, signal?: AbortSignal) =>
  delay(ms, undefined, signal ? { signal } : undefined);

export async function sendOne(
  request: MessageRequest,
  index: number,
  deps: SendRowDeps,
  created: { has(sid: string): boolean },
  hooks: AttemptHooks,
  signal?: AbortSignal,
): Promise<Outcome> {
  const { client, retry } = deps;
  const sleep = deps.sleep ?? defaultSleep;
  const form = encodeForm(request);
  let attempts = 0;
  let firstAttemptAt = 0;
  // The latest failure may have created the message and no look-up settled it (the check is off): such
  // a failure ends the row, since sending again blindly could text the recipient twice.
  let unresolved = false;
  let token = 0;
  try {
    const response = await pRetry(
      async () => {
        const gate = await hooks.beforeAttempt();
        // Another row ended the batch while this one waited to retry: no further request.
        if (gate.stop) throw new BatchStop(gate.stop, gate.stop);
        token = gate.token;
        if (attempts++ === 0) firstAttemptAt = deps.now();
        return client.createMessage(deps.accountSid, form, { signal });
      },
      {
        retries: retry.retries,
        // p-retry runs the loop; the wait comes from our own policy (Retry-After, injected sleep).
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          const failure = classifyFailure(error);
          if (failure === 'retry_ambiguous') {
            if (deps.duplicateCheck === undefined) unresolved = true;
            else {
              const found = await findCreatedMessage(
                {
                  client,
                  accountSid: deps.accountSid,
                  request,
                  sinceMs: firstAttemptAt,
                  exclude: created,
                  policy: deps.duplicateCheck,
                  sleep,
                },
                signal,
              ).catch((lookupError: unknown) => {
                throw lookupStop(lookupError, index) ?? new LookupFailed(error, lookupError);
              });
              if (found) throw new Recovered(found);
            }
          }
          if (error instanceof TwilioApiError) {
            const stop = batchStop(error, index);
            if (stop) throw stop;
            if (error.httpStatus === 429) hooks.rateLimited(token);
            if (
              error.httpStatus === 429 &&
              error.retryAfterMs !== undefined &&
              error.retryAfterMs > retry.maxRetryAfterMs
            ) {
              throw backOff(error, index);
            }
          }
          if (failure !== 'final' && !unresolved && retriesLeft > 0) {
            const retryAfter = error instanceof TwilioApiError ? error.retryAfterMs : undefined;
            const wait = retryDelayMs(attempts, retry, deps.random, retryAfter);
            if (error instanceof TwilioApiError && error.twilioCode === 21611) hooks.queueFull(wait);
            hooks.retrying(1);
            try {
              await sleep(wait, signal);
            } finally {
              hooks.retrying(-1);
            }
          }
        },
        shouldRetry: ({ error }) => classifyFailure(error) !== 'final' && !unresolved,
      },
    );
    hooks.succeeded();
    return { result: sentResult(index, attempts, response.body, response.requestId) };
  } catch (error) {
    if (error instanceof Recovered) {
      return { result: { ...sentResult(index, attempts, error.message_, undefined), recovered: true } };
    }
    if (error instanceof LookupFailed) {
      return { result: { status: 'failed', index, attempts, error: lookupFailed(error, index, signal) } };
    }
    if (error instanceof BatchStop) {
      return { result: { status: 'failed', index, attempts, error: error.rowError }, stop: error.remaining };
    }
    return {
      result: { status: 'failed', index, attempts, error: toRowError(error, index, unresolved, signal) },
    };
  }
}
