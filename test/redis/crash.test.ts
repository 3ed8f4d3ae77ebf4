import { Redis } from 'ioredis';
import nock from 'nock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';
import { CRASH_SCENARIO, crashScenario } from '../ledger/crash-scenario.js';

describeRedis('RedisLedger under SIGKILL', () => {
  const keyPrefix = `${uniqueName('crash')}:`;
  beforeAll(() => nock.restore());
  afterAll(async () => {
    nock.activate();
    const redis = new Redis(REDIS_URL ?? '');
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('sends every row exactly once across killed and split re-runs', async () => {
    const store = { store: 'redis' as const, url: REDIS_URL ?? '', keyPrefix };
    const report = await crashScenario(store, { ...CRASH_SCENARIO, seed: 1503 });
    expect(report.messages).toBe(CRASH_SCENARIO.rows);
  }, 300_000);
});
