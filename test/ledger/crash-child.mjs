// A worker for the crash tests: sends rows [0, count) of one run to the simulator through the built package
// with a ledger, and prints one JSON line per result as it comes. The parent kills it with SIGKILL at
// seeded points and runs it again until every row is sent. Plain JavaScript on dist/, so that it starts fast;
// it loads everything first and then waits for its job on stdin, so that the parent can start it ahead.
import { once } from 'node:events';
import { TwilioDestination } from '../../dist/index.js';

const store = process.argv[2];
if (store === 'sqlite') await import('../../dist/sqlite/index.js');
else if (store === 'postgres') await Promise.all([import('../../dist/postgres/index.js'), import('pg')]);
else await Promise.all([import('../../dist/redis/index.js'), import('ioredis')]);

process.stdout.write('ready\n');
let input = '';
process.stdin.setEncoding('utf8');
while (!input.includes('\n')) {
  const [chunk] = await once(process.stdin, 'data');
  input += chunk;
}
const job = JSON.parse(input);

async function openLedger() {
  const lease = { leaseMs: job.leaseMs };
  if (job.store.store === 'sqlite') {
    const { SqliteLedger } = await import('../../dist/sqlite/index.js');
    return { ledger: new SqliteLedger({ path: job.store.path, ...lease }), close: async () => {} };
  }
  if (job.store.store === 'postgres') {
    const { PostgresLedger } = await import('../../dist/postgres/index.js');
    return {
      ledger: new PostgresLedger({ connection: job.store.url, table: job.store.table, ...lease }),
      close: async () => {},
    };
  }
  const { RedisLedger } = await import('../../dist/redis/index.js');
  const { Redis } = await import('ioredis');
  const redis = new Redis(job.store.url);
  return {
    ledger: new RedisLedger({ redis, keyPrefix: job.store.keyPrefix, ...lease }),
    close: () => redis.quit(),
  };
}

const { ledger, close } = await openLedger();
const destination = new TwilioDestination(
  {
    credentials: job.credentials,
    settings: { from: '+15005550006', messageTemplate: 'Hi {{name}}, row {{id}}.' },
    mapping: { to: 'phone', key: 'id' },
  },
  {
    apiBaseUrl: job.url,
    messagingBaseUrl: job.url,
    ledger,
    concurrency: 8,
    timeoutMs: job.timeoutMs,
    retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 },
    duplicateCheck: { pauseMs: 1 },
  },
);

function* rows() {
  // Each worker of a split re-run starts at its own offset, so that workers meet on the same rows.
  for (let i = 0; i < job.count; i++) {
    const id = (i + job.offset) % job.count;
    yield { id: `row-${id}`, phone: `+1415${String(5000000 + id).padStart(7, '0')}`, name: `N${id}` };
  }
}

for await (const result of destination.stream(rows(), { runId: job.runId })) {
  const id = (result.index + job.offset) % job.count;
  process.stdout.write(`${JSON.stringify({ id, ...result })}\n`);
}
await destination.close();
await ledger.close();
await close();
