/**
 * What an answer means: the one table that turns a Twilio answer, a transport failure, an abort or a seam
 * failure into its meaning (retry or not, whether Twilio may have created the message, batch-ending or
 * not, the row's code and `retryable`, what the coordinator learns), and the decision a failed attempt
 * leads to. Retry, outcome, the duplicate check, validation and the coordinator all ask it. Like
 * stripe-node's error factory: the rules read top to bottom, the first that matches wins, each with its
 * reason. Over 300 lines because the table is one concern that reads better whole, top to bottom.
 */

import type { RetryPolicy } from '../config/index.js';
import {
  AbortedError,
  NetworkError,
  TwilioApiError,
  TwilioDestinationError,
  UnreadableResponseError,
} from '../errors.js';
import { CoordinatorUnavailableError, type RequestEnd } from '../seams/coordinator.js';
import { LedgerUnavailableError } from '../seams/ledger.js';
import type { RowErrorCode } from '../types.js';
import { retryDelayMs } from './retry.js';

/** The meaning of one failed attempt. */
export interface Meaning {
  /** The rule that matched (its key in {@link ANSWER_RULES}). */
  rule: RuleName;
  /** The row's code when it ends with this answer. */
  code: RowErrorCode;
  /**
   * Whether to try again: `safe` (Twilio cannot have created the message), `after_check` (it may have:
   * settle it with the duplicate check first, never resend blindly), `never`.
   */
  retry: 'safe' | 'after_check' | 'never';
  /** Whether Twilio may have created the message: `maybe` unless a look-up proved it did not. */
  created: 'no' | 'maybe' | 'yes';
  /**
   * `now`: every later row would get the same answer, end the batch at once. `when_final`: end it when the
   * row ends with this answer after its retries. `never`: only this row.
   */
  endsBatch: 'now' | 'when_final' | 'never';
  /** Whether the same row can succeed later unchanged (when it was not possibly sent). */
  retryable: boolean;
  /** What the coordinator learns from the request's end, beyond "it ended". */
  teaches: 'rate_limited' | 'queue_full' | undefined;
  /** The wait Twilio asked for (`Retry-After`), in ms. */
  retryAfterMs: number | undefined;
  /** Why the rule says so. */
  reason: string;
}

type Shape = Omit<Meaning, 'rule' | 'retryAfterMs' | 'teaches'> & { teaches?: Meaning['teaches'] };

const api = (error: unknown): error is TwilioApiError => error instanceof TwilioApiError;

/**
 * The rules, first match wins. `match` reads the failure (and whether the caller's signal fired); the rest
 * is its meaning.
 */
export const ANSWER_RULES = {
  /** A seam could not be reached: no request was made, and every later row would fail the same way. */
  coordinator: {
    match: (e: unknown) => e instanceof CoordinatorUnavailableError,
    code: 'coordinator_error',
    retry: 'never',
    created: 'no',
    endsBatch: 'now',
    retryable: true,
    reason: 'the shared budget could not be read, so no request may start; a later run can send the row',
  },
  ledger: {
    match: (e: unknown) => e instanceof LedgerUnavailableError,
    code: 'ledger_error',
    retry: 'never',
    created: 'no',
    endsBatch: 'now',
    retryable: true,
    reason: 'the ledger could not record the claim, so sending could text the recipient twice later',
  },
  /** The caller's abort, while the request was on the wire: Twilio may have received it. */
  abortedWritten: {
    match: (e: unknown) => e instanceof AbortedError && e.written,
    code: 'aborted',
    retry: 'never',
    created: 'yes',
    endsBatch: 'never',
    retryable: false,
    reason: 'the request had been written when the caller aborted, so the message may exist',
  },
  /**
   * The caller's abort before the request was written, or of a wait between attempts. Any other error of
   * the package keeps its own meaning even if the signal fired meanwhile: an abort must not hide that a
   * message may exist.
   */
  aborted: {
    match: (e: unknown, aborted: boolean) =>
      e instanceof AbortedError || (aborted && !(e instanceof TwilioDestinationError)),
    code: 'aborted',
    retry: 'never',
    created: 'no',
    endsBatch: 'never',
    retryable: true,
    reason: 'nothing reached Twilio, so the row can be sent again',
  },
  /** A 2xx that could not be read: Twilio accepted the request, so the message exists. */
  unreadable: {
    match: (e: unknown) => e instanceof UnreadableResponseError,
    code: 'server_error',
    retry: 'never',
    created: 'yes',
    endsBatch: 'never',
    retryable: false,
    reason: 'Twilio accepted the request; sending again would text the recipient twice',
  },
  /** 401: the credentials are refused; every row would be. */
  unauthorized: {
    match: (e: unknown) => api(e) && e.httpStatus === 401,
    code: 'auth_failed',
    retry: 'never',
    created: 'no',
    endsBatch: 'now',
    retryable: false,
    reason: 'the same credentials fail for every row',
  },
  /** 403: the credentials may not create messages (test credentials, restricted keys). */
  forbidden: {
    match: (e: unknown) => api(e) && e.httpStatus === 403,
    code: 'auth_failed',
    retry: 'never',
    created: 'no',
    endsBatch: 'now',
    retryable: false,
    reason: 'the same credentials fail for every row',
  },
  /** 404 (20404): the account or the base URL is wrong. */
  notFound: {
    match: (e: unknown) => api(e) && e.httpStatus === 404,
    code: 'config_error',
    retry: 'never',
    created: 'no',
    endsBatch: 'now',
    retryable: false,
    reason: 'the Messages endpoint is missing for every row',
  },
  /** 429 (20429): refused before processing; Twilio limits concurrent requests per account. */
  rateLimited: {
    match: (e: unknown) => api(e) && e.httpStatus === 429,
    code: 'rate_limited',
    retry: 'safe',
    created: 'no',
    endsBatch: 'never',
    retryable: true,
    teaches: 'rate_limited',
    reason: 'Twilio refused before processing, so retrying cannot text twice',
  },
  /** 21212: the From number itself is invalid for the account, whatever the recipient. */
  badSender: {
    match: (e: unknown) => api(e) && e.twilioCode === 21212,
    code: 'config_error',
    retry: 'never',
    created: 'no',
    endsBatch: 'now',
    retryable: false,
    reason: 'every row has the same sender',
  },
  /** 21611: the sender's queue is full; nothing was queued, and the same row can go once it drains. */
  queueFull: {
    match: (e: unknown) => api(e) && e.twilioCode === 21611,
    code: 'twilio_rejected',
    retry: 'safe',
    created: 'no',
    endsBatch: 'never',
    retryable: true,
    teaches: 'queue_full',
    reason: 'Twilio queued nothing; the row succeeds unchanged once the queue drains',
  },
  /** 21610: the recipient replied STOP; every send fails the same way until they reply START. */
  optedOut: {
    match: (e: unknown) => api(e) && e.twilioCode === 21610,
    code: 'twilio_rejected',
    retry: 'never',
    created: 'no',
    endsBatch: 'never',
    retryable: false,
    reason: 'the recipient opted out; suppress them instead of retrying',
  },
  /** 5xx: Twilio may have created the message before failing (it documents no idempotency key). */
  serverError: {
    match: (e: unknown) => api(e) && e.httpStatus >= 500,
    code: 'server_error',
    retry: 'after_check',
    created: 'maybe',
    endsBatch: 'never',
    retryable: true,
    reason: 'a retried POST is not a no-op: settle whether the message exists before sending again',
  },
  /** Any other 4xx: this row's data was refused. */
  rejected: {
    match: api,
    code: 'twilio_rejected',
    retry: 'never',
    created: 'no',
    endsBatch: 'never',
    retryable: false,
    reason: 'the same request gets the same answer',
  },
  /** A timeout or reset after the request was written: Twilio may have received it. */
  networkWritten: {
    match: (e: unknown) => e instanceof NetworkError && e.written,
    code: 'network_error',
    retry: 'after_check',
    created: 'maybe',
    endsBatch: 'never',
    retryable: true,
    reason: 'the request may have reached Twilio: settle whether the message exists before sending again',
  },
  /**
   * DNS failure, refused connection: the request was never written. Safe to retry; if Twilio still cannot
   * be reached after the row's retries, no later row can reach it either.
   */
  unreachable: {
    match: (e: unknown) => e instanceof NetworkError,
    code: 'network_error',
    retry: 'safe',
    created: 'no',
    endsBatch: 'when_final',
    retryable: true,
    reason: 'the request never reached Twilio',
  },
  /** Anything unexpected (a bug in a dependency): never send again blindly. */
  unexpected: {
    match: () => true,
    code: 'network_error',
    retry: 'never',
    created: 'yes',
    endsBatch: 'never',
    retryable: false,
    reason: 'nothing says whether the request reached Twilio',
  },
} satisfies Record<string, Shape & { match: (error: unknown, aborted: boolean) => boolean }>;

/** The name of a rule of {@link ANSWER_RULES}. */
export type RuleName = keyof typeof ANSWER_RULES;

/** The meaning of a failure. `aborted`: the caller's signal had fired. */
export function meaningOf(error: unknown, aborted = false): Meaning {
  for (const [name, rule] of Object.entries(ANSWER_RULES) as [RuleName, (typeof ANSWER_RULES)[RuleName]][]) {
    if (!rule.match(error, aborted)) continue;
    const { match: _match, ...shape } = rule;
    return {
      ...shape,
      teaches: 'teaches' in shape ? shape.teaches : undefined,
      rule: name,
      retryAfterMs: error instanceof TwilioApiError ? error.retryAfterMs : undefined,
    };
  }
  /* v8 ignore next */
  throw new Error('unreachable: the last rule matches everything');
}

/**
 * What the coordinator learns when a failed request's permit is released: a 429 lowers the shared limit;
 * a 21611 pauses the sender for as long as this row waits before its retry (its queue needs that time to
 * drain before anything new).
 */
export function requestEnd(meaning: Meaning, decision: Decision): RequestEnd {
  if (meaning.teaches === 'rate_limited') return { kind: 'rate_limited' };
  if (meaning.teaches === 'queue_full' && decision.kind === 'retry') {
    return { kind: 'queue_full', pauseMs: decision.waitMs };
  }
  return { kind: 'other' };
}

/** The code of a failed GET (a status look-up): a GET creates nothing, so fewer codes apply. */
export type LookUpCode =
  | 'auth_failed'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'twilio_rejected'
  | 'coordinator_error'
  | 'aborted';

/** The meaning of a failed GET (a status look-up, a duplicate-check page, a validation read). */
export interface LookUpMeaning {
  /** The rule of {@link ANSWER_RULES} that matched. */
  rule: RuleName;
  code: LookUpCode;
  /** Worth repeating now, after a wait: a GET is always safe to repeat, so only whether it can help counts. */
  transient: boolean;
  /** Asking again later can succeed. */
  retryable: boolean;
  /** Every later GET would fail the same way (refused credentials, an unreachable coordinator). */
  endsBatch: boolean;
  /** What the coordinator learns from the request's end. */
  end: RequestEnd;
  /** The wait Twilio asked for (`Retry-After`), in ms. */
  retryAfterMs: number | undefined;
}

/**
 * What each rule means for a GET, where "may Twilio have created a message" never arises: a reset or an
 * unreadable 2xx is as safe to repeat as a refused connection. A 404 is the caller's to read (no such
 * message, or no such service), so it does not end a batch of look-ups.
 */
const LOOK_UP_RULES: Record<RuleName, [code: LookUpCode, transient: boolean, endsBatch: boolean]> = {
  coordinator: ['coordinator_error', false, true],
  ledger: ['network_error', false, true],
  abortedWritten: ['aborted', false, false],
  aborted: ['aborted', false, false],
  unreadable: ['network_error', true, false],
  unauthorized: ['auth_failed', false, true],
  forbidden: ['auth_failed', false, true],
  notFound: ['twilio_rejected', false, false],
  rateLimited: ['rate_limited', true, false],
  badSender: ['twilio_rejected', false, false],
  queueFull: ['twilio_rejected', false, false],
  optedOut: ['twilio_rejected', false, false],
  serverError: ['server_error', true, false],
  rejected: ['twilio_rejected', false, false],
  networkWritten: ['network_error', true, false],
  unreachable: ['network_error', true, false],
  unexpected: ['network_error', false, false],
};

/** The meaning of a failed GET. `aborted`: the caller's signal had fired. */
export function lookUpMeaningOf(error: unknown, aborted = false): LookUpMeaning {
  const meaning = meaningOf(error, aborted);
  const [code, transient, endsBatch] = LOOK_UP_RULES[meaning.rule];
  return {
    rule: meaning.rule,
    code,
    transient,
    // Only a refused request or refused credentials get the same answer later; nothing else a GET meets.
    retryable: code !== 'twilio_rejected' && code !== 'auth_failed',
    endsBatch,
    end: { kind: meaning.teaches === 'rate_limited' ? 'rate_limited' : 'other' },
    retryAfterMs: meaning.retryAfterMs,
  };
}

/** Whether a failed look-up or validation GET is worth repeating (it is safe to repeat a GET). */
export function isTransient(error: unknown): boolean {
  return lookUpMeaningOf(error).transient;
}

/**
 * Whether to repeat a failed GET after `retry` failed attempts (1-based), and after how long: the retry
 * policy's backoff, or a `Retry-After` when longer. A `Retry-After` over `maxRetryAfterMs` is not waited for,
 * and no wait exceeds that cap.
 */
export function decideLookUp(
  meaning: LookUpMeaning,
  retry: number,
  policy: RetryPolicy,
  random: () => number,
): { kind: 'retry'; waitMs: number } | { kind: 'end'; capped: boolean } {
  const capped = meaning.retryAfterMs !== undefined && meaning.retryAfterMs > policy.maxRetryAfterMs;
  if (!meaning.transient || retry > policy.retries || capped) return { kind: 'end', capped };
  const wait = retryDelayMs(retry, policy, random, meaning.retryAfterMs);
  return { kind: 'retry', waitMs: Math.min(wait, policy.maxRetryAfterMs) };
}

/** The longest wait allowed by `policy`: `ms`, or the cap when `ms` is longer. */
export function capWait(ms: number, policy: Pick<RetryPolicy, 'maxRetryAfterMs'>): number {
  return Math.min(ms, policy.maxRetryAfterMs);
}

/** What a failed attempt leads to. */
export type Decision =
  /** Wait `waitMs`, then try again. */
  | { kind: 'retry'; waitMs: number }
  /** The row ends with this failure; `endsBatch`: every later row fails the same way, with no request. */
  | { kind: 'end'; endsBatch: boolean; possiblySent: boolean; capped: boolean };

/** Where the row stands when its attempt failed. */
export interface AttemptState {
  /** Attempts made so far, this one included (1-based). */
  attempts: number;
  /** Retries p-retry still allows. */
  retriesLeft: number;
  /** A look-up proved that this attempt did not create the message. */
  settled: boolean;
  policy: RetryPolicy;
  random: () => number;
}

/**
 * The decision for a failed attempt: retry after a wait (never longer than `maxRetryAfterMs`), or end the
 * row (and maybe the batch). A wait Twilio asks for beyond the cap ends the row and the batch at once, as
 * every later row would be asked to wait as long.
 */
export function decide(meaning: Meaning, state: AttemptState): Decision {
  const possiblySent = meaning.created === 'yes' || (meaning.created === 'maybe' && !state.settled);
  const end = (endsBatch: boolean, capped = false): Decision => ({
    kind: 'end',
    endsBatch,
    possiblySent,
    capped,
  });
  if (meaning.endsBatch === 'now') return end(true);
  if (meaning.retry === 'never') return end(false);
  // Every later row would be asked to wait as long: end the batch rather than wait past the cap.
  if (meaning.retryAfterMs !== undefined && meaning.retryAfterMs > state.policy.maxRetryAfterMs) {
    return end(true, true);
  }
  // A failure that may have created the message and that no look-up settled is never retried blindly.
  if (possiblySent) return end(false);
  if (state.retriesLeft <= 0) return end(meaning.endsBatch === 'when_final');
  const wait = retryDelayMs(state.attempts, state.policy, state.random, meaning.retryAfterMs);
  // The exponential backoff may be configured above the cap too; no wait exceeds it.
  return { kind: 'retry', waitMs: Math.min(wait, state.policy.maxRetryAfterMs) };
}
