/**
 * How long to wait before the next attempt: the retry policy, `Retry-After` parsing and the backoff with
 * jitter. Pure functions: the clock and the random source are passed in, so tests check exact waits.
 * Which failures are retried at all is `answer.ts`'s table.
 */
import type { RetryPolicy } from '../config/index.js';

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
