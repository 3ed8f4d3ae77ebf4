import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_SCENARIO, crashScenario } from '../ledger/crash-scenario.js';

beforeAll(() => nock.restore());
afterAll(() => nock.activate());

describe('SqliteLedger under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends every row exactly once across killed and split re-runs', async () => {
    const report = await crashScenario(
      { store: 'sqlite', path: join(dir, 'ledger.db') },
      { ...CRASH_SCENARIO, seed: 1501 },
    );
    expect(report.messages).toBe(CRASH_SCENARIO.rows);
  }, 300_000);
});
