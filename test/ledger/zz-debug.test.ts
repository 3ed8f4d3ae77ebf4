import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { it } from 'vitest';
import { crashScenario } from './crash-scenario.js';
it('debug', async () => {
  nock.restore();
  const dir = mkdtempSync(join(tmpdir(), 'td-crash-'));
  const r = await crashScenario({ store: 'sqlite', path: join(dir, 'l.db') }, { rows: 1000, killPoints: 12, seed: 1501 });
  console.log(r);
}, 600000);
