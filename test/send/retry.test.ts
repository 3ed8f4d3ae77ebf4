import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  NetworkError,
  TimeoutError,
  TwilioApiError,
  UnreadableResponseError,
} from '../../src/errors.js';
import { classifyFailure, parseRetryAfter, retryDelayMs } from '../../src/send/retry.js';

const policy = { retries: 3, minDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };
const NOW = Date.parse('Thu, 26 Nov 2026 10:00:00 GMT');

function apiError(httpStatus: number, retryAfterMs?: number) {
  return new TwilioApiError({
    httpStatus,
    method: 'POST',
    path: '/x',
    body: {},
    requestId: undefined,
    retryAfterMs,
  });
}

describe('parseRetryAfter', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    [' 30 ', 30_000],
    ['Thu, 26 Nov 2026 10:00:05 GMT', 5000],
    ['Thu, 26 Nov 2026 09:59:00 GMT', 0],
  ])('reads %j as %i ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });

  it.each([[undefined], [''], ['soon'], ['-5'], ['1e3']])('ignores the malformed header %j', (header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 1, 1000],
    [2, 1, 2000],
    [3, 1, 4000],
    [6, 1, 30_000],
    [1, 0, 500],
    [3, 0.5, 3000],
  ])(
    'waits min(max, min × 2^(n−1)) scaled by jitter: retry %i, random %d → %i ms',
    (retry, random, expected) => {
      expect(retryDelayMs(retry, policy, () => random)).toBe(expected);
    },
  );

  it('uses a longer Retry-After as it is, without jitter', () => {
    expect(retryDelayMs(1, policy, () => 0, 7000)).toBe(7000);
  });

  it('keeps the backoff when Retry-After is shorter', () => {
    expect(retryDelayMs(2, policy, () => 1, 500)).toBe(2000);
  });
});

describe('classifyFailure', () => {
  it.each([
    ['a 429', apiError(429), 'retry_safe'],
    ['a 500', apiError(500), 'retry_ambiguous'],
    ['a 503', apiError(503), 'retry_ambiguous'],
    ['a 400', apiError(400), 'final'],
    ['a 401', apiError(401), 'final'],
    ['a refused connection', new NetworkError('refused', { written: false }), 'retry_safe'],
    ['a reset after the write', new NetworkError('reset', { written: true }), 'retry_ambiguous'],
    ['a timeout after the write', new TimeoutError(10, true), 'retry_ambiguous'],
    [
      'an unreadable 201',
      new UnreadableResponseError('bad', { httpStatus: 201, requestId: undefined }),
      'final',
    ],
    ['an abort', new AbortedError(false), 'final'],
    ['anything else', new Error('bug'), 'final'],
  ])('treats %s as %s', (_name, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });
});
