import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import nock from 'nock';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, describePostgres, describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';
import { crashScenario } from './crash-scenario.js';

// 2,000 rows, 21 SIGKILLs at seeded points per store (a third before a create is processed, a third just
// after, a third while the simulator holds the created message's answer).
const SCENARIO = { rows: 2000, killPoints: 21 };

beforeAll(() => nock.restore());
afterAll(() => nock.activate());

describe('SqliteLedger under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends every row exactly once across killed and split re-runs', async () => {
    const report = await crashScenario(
      { store: 'sqlite', path: join(dir, 'ledger.db') },
      { ...SCENARIO, seed: 1501 },
    );
    expect(report.messages).toBe(SCENARIO.rows);
  }, 300_000);
});

describePostgres('PostgresLedger under SIGKILL', () => {
  const table = uniqueName('crash');
  afterAll(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });

  it('sends every row exactly once across killed and split re-runs', async () => {
    const report = await crashScenario(
      { store: 'postgres', url: DATABASE_URL ?? '', table },
      { ...SCENARIO, seed: 1502 },
    );
    expect(report.messages).toBe(SCENARIO.rows);
  }, 300_000);
});

describeRedis('RedisLedger under SIGKILL', () => {
  const keyPrefix = `${uniqueName('crash')}:`;
  afterAll(async () => {
    const redis = new Redis(REDIS_URL ?? '');
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('sends every row exactly once across killed and split re-runs', async () => {
    const report = await crashScenario(
      { store: 'redis', url: REDIS_URL ?? '', keyPrefix },
      { ...SCENARIO, seed: 1503 },
    );
    expect(report.messages).toBe(SCENARIO.rows);
  }, 300_000);
});
