/**
 * Which failures are retried and how long to wait before the next attempt. Pure functions: the clock and
 * the random source are passed in, so tests check exact waits.
 */
import type { RetryPolicy } from '../config/index.js';
import { NetworkError, TwilioApiError } from '../errors.js';

/**
 * Parses `Retry-After`: delta-seconds or an HTTP date, clamped at zero. `undefined` for a missing or
 * malformed header, so that the normal backoff applies.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  // A bare number that is not delta-seconds (e.g. "-5") is no date either: Date.parse would read it as a year.
  if (Number.isNaN(date) || /^[+-]?\d+$/.test(value)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The wait before retry `n` (1-based): `min(maxDelayMs, minDelayMs × 2^(n−1))`, scaled by a random factor
 * in [0.5, 1] so that many clients do not retry in step. A `Retry-After` replaces it when it is longer,
 * without jitter: the server said when, and jitter could only make us early.
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (retry - 1));
  const jittered = Math.round(exponential * (0.5 + random() / 2));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/** How a failed attempt is treated. */
export type FailureClass =
  /** Retry; Twilio cannot have created the message (429, failure before the request was written). */
  | 'retry_safe'
  /** Retry, but the message may already exist (5xx, timeout or reset after the request was written). */
  | 'retry_ambiguous'
  /** Do not retry. */
  | 'final';

/**
 * Classifies a failed attempt.
 * - 429 (20429): Twilio refused before processing; always safe to retry.
 * - 5xx: Twilio may have created the message before failing (it documents no idempotency key).
 * - A network failure is safe only when the request was never fully written.
 * - An unreadable 2xx answer means the message exists: never retried.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof TwilioApiError) {
    if (error.httpStatus === 429) return 'retry_safe';
    // 21611: the sender's queue is full; nothing was queued, and the same row can go once it drains.
    if (error.twilioCode === 21611) return 'retry_safe';
    if (error.httpStatus >= 500) return 'retry_ambiguous';
    return 'final';
  }
  if (error instanceof NetworkError) return error.written ? 'retry_ambiguous' : 'retry_safe';
  // Unreadable 2xx answers, aborts and anything unexpected: never send again blindly.
  return 'final';
}
