import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, SEGMENT_RATE_PRESETS, TokenBucket } from '../../src/send/pacing.js';

describe('pacing', () => {
  it('documents the senders’ default rates', () => {
    expect(SEGMENT_RATE_PRESETS).toEqual({ longCode: 1, tollFree: 3, shortCode: 100 });
  });

  it.each([
    // [rate, costs, expected waits] with no time passing between takes
    [2, [1, 1, 1, 1], [0, 0, 500, 1000]],
    [3, [5, 1], [0, 1000]],
    [0.5, [1, 1], [0, 2000]],
  ])('a token bucket at %d/s charging %j waits %j ms', (rate, costs, expected) => {
    const bucket = new TokenBucket(rate, () => 0);
    expect(costs.map((cost) => bucket.take(cost))).toEqual(expected);
  });

  it('refills with time and caps the burst at one second', () => {
    let now = 0;
    const bucket = new TokenBucket(2, () => now);
    bucket.take(2);
    now = 10_000;
    expect([bucket.take(1), bucket.take(1), bucket.take(1)]).toEqual([0, 0, 500]);
    bucket.setRate(1);
    expect(bucket.rate).toBe(1);
  });

  it('halves once per generation and climbs one step per run of successes', () => {
    const limit = new AdaptiveLimit(8);
    const started = limit.generation;
    expect(limit.decrease(started)).toBe(true);
    expect(limit.decrease(started)).toBe(false);
    expect(limit.value).toBe(4);
    for (let i = 0; i < 4; i++) limit.increase();
    expect(limit.value).toBe(5);
    for (let i = 0; i < 100; i++) limit.increase();
    expect(limit.value).toBe(8);
    const one = new AdaptiveLimit(1);
    one.decrease(one.generation);
    expect(one.value).toBe(1);
  });

  it.each([
    // [max, successes after one halving, expected value]
    [8, 3, 4],
    [8, 4, 5],
    [8, 4 + 5, 6],
    [2, 1, 1],
  ])(
    'from %i halved, climbs to %i only after a run as long as the limit: %i successes give %i',
    (max, successes, expected) => {
      const limit = new AdaptiveLimit(max);
      limit.decrease(limit.generation);
      for (let i = 0; i < successes; i++) limit.increase();
      expect(limit.value).toBe(expected);
    },
  );

  it('climbs back to the value that last met a 429 eight times as slowly', () => {
    const limit = new AdaptiveLimit(2);
    limit.decrease(limit.generation);
    // From 1, the next step is 2, the value that failed: 8 × 1 successes.
    for (let i = 0; i < 7; i++) limit.increase();
    expect(limit.value).toBe(1);
    limit.increase();
    expect(limit.value).toBe(2);
  });
});
