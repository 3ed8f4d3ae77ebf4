import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs } from '../../src/send/retry.js';

const policy = { retries: 3, minDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };
const NOW = Date.parse('Thu, 26 Nov 2026 10:00:00 GMT');

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
