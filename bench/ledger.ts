/**
 * `npm run bench:ledger`: messages per second with each ledger against none, sending to the simulator in its
 * own process on loopback, and the ledger's cost per row. Writes its table into BENCHMARKS.md between the
 * `ledger` markers (and prints it). PostgreSQL and Redis are measured when DATABASE_URL / REDIS_URL are set.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TwilioDestination } from '../src/index.js';
import { PostgresLedger } from '../src/postgres/index.js';
import { RedisLedger } from '../src/redis/index.js';
import type { Ledger } from '../src/seams/ledger.js';
import { SqliteLedger } from '../src/sqlite/index.js';
import { type Sim, startSim } from './sim.js';

const ROOT = new URL('..', import.meta.url);
const QUICK = process.env['BENCH_QUICK'] === '1';
const MESSAGES = QUICK ? 200 : 2000;
const CONCURRENCY = 8;
const RUNS = 3;

function* rows(n: number, run: number) {
  for (let i = 0; i < n; i++)
    yield { id: `r${run}-${i}`, to: `+1415${String(5_000_000 + i).padStart(7, '0')}`, name: `C${i}` };
}

let runs = 0;
/** Messages per second of one write of `n` rows (a new run id each time, so that every row is sent). */
async function once(sim: Sim, ledger: Ledger | undefined, n: number): Promise<number> {
  const destination = new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: '+15005550006', messageTemplate: 'Hi {{name}}, your order shipped.' },
      mapping: { to: 'to', key: 'id' },
    },
    {
      apiBaseUrl: sim.url,
      messagingBaseUrl: sim.url,
      concurrency: CONCURRENCY,
      ...(ledger ? { ledger } : {}),
    },
  );
  const run = ++runs;
  const started = performance.now();
  const results = await destination.write(
    rows(n, run),
    ledger ? { runId: `bench-${process.pid}-${run}` } : {},
  );
  const seconds = (performance.now() - started) / 1000;
  await destination.close();
  const failed = results.filter((r) => r.status !== 'sent').length;
  if (failed > 0) throw new Error(`${failed} rows failed`);
  return n / seconds;
}

async function median(sim: Sim, ledger: Ledger | undefined): Promise<number> {
  await once(sim, ledger, Math.min(200, MESSAGES));
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) rates.push(await once(sim, ledger, MESSAGES));
  rates.sort((a, b) => a - b);
  return rates[Math.floor(RUNS / 2)] as number;
}

const sim = await startSim();
const dir = await mkdtemp(join(os.tmpdir(), 'td-bench-ledger-'));
const rowsOut: [string, number | undefined][] = [];
const cleanups: (() => Promise<unknown>)[] = [];
try {
  const base = await median(sim, undefined);
  rowsOut.push(['none', base]);
  for (const synchronous of ['full', 'normal'] as const) {
    const ledger = new SqliteLedger({ path: join(dir, `${synchronous}.db`), synchronous });
    cleanups.push(() => ledger.close());
    rowsOut.push([`SQLite, synchronous ${synchronous}`, await median(sim, ledger)]);
  }
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY });
    const table = `td_bench_ledger_${process.pid}`;
    cleanups.push(async () => {
      await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    });
    rowsOut.push([
      'PostgreSQL (local, pool of 8)',
      await median(sim, new PostgresLedger({ connection: pool, table })),
    ]);
  } else rowsOut.push(['PostgreSQL (DATABASE_URL not set)', undefined]);
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl) {
    const redis = new Redis(redisUrl);
    const keyPrefix = `td-bench-ledger:${process.pid}:`;
    cleanups.push(async () => {
      const keys = await redis.keys(`${keyPrefix}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      await redis.quit();
    });
    rowsOut.push(['Redis (local, ioredis)', await median(sim, new RedisLedger({ redis, keyPrefix }))]);
  } else rowsOut.push(['Redis (REDIS_URL not set)', undefined]);
} finally {
  for (const cleanup of cleanups) await cleanup();
  await rm(dir, { recursive: true, force: true });
  await sim.stop();
}

const base = rowsOut[0]?.[1] ?? 1;
const table = [
  `Measured by \`npm run bench:ledger\` on ${new Date().toISOString()}: ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}.`,
  `${MESSAGES.toLocaleString('en-US')} messages per write, concurrency ${CONCURRENCY}, simulator in its own process on loopback, median of ${RUNS} writes after a warm-up; each ledger on this machine's disk or local server.`,
  '',
  '| ledger | messages/s | vs no ledger | added time per row (wall, at concurrency 8) |',
  '|---|---|---|---|',
  ...rowsOut.map(([name, rate]) =>
    rate === undefined
      ? `| ${name} | not measured | | |`
      : `| ${name} | ${Math.round(rate)} | ${Math.round((rate / base) * 100)} % | ${name === 'none' ? '' : `${Math.round((1 / rate - 1 / base) * 1e6)} µs`} |`,
  ),
].join('\n');
console.log(table);
if (!QUICK) {
  const path = new URL('BENCHMARKS.md', ROOT);
  const text = await readFile(path, 'utf8');
  const section = `<!-- ledger:start (generated by npm run bench:ledger) -->\n## Ledger cost\n\n${table}\n<!-- ledger:end -->`;
  const marked = /<!-- ledger:start[\s\S]*?<!-- ledger:end -->/;
  await writeFile(
    path,
    marked.test(text) ? text.replace(marked, section) : `${text.trimEnd()}\n\n${section}\n`,
  );
}
