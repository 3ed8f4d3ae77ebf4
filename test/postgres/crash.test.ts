import nock from 'nock';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DATABASE_URL, describePostgres, uniqueName } from '../helpers/services.js';
import { CRASH_SCENARIO, crashScenario } from '../ledger/crash-scenario.js';

describePostgres('PostgresLedger under SIGKILL', () => {
  const table = uniqueName('crash');
  beforeAll(() => nock.restore());
  afterAll(async () => {
    nock.activate();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });

  it('sends every row exactly once across killed and split re-runs', async () => {
    const store = { store: 'postgres' as const, url: DATABASE_URL ?? '', table };
    const report = await crashScenario(store, { ...CRASH_SCENARIO, seed: 1502 });
    expect(report.messages).toBe(CRASH_SCENARIO.rows);
  }, 300_000);
});
