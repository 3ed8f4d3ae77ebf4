/**
 * A worker process of the multi-process tests and the coordinator benchmark. It runs jobs one after another,
 * each read from stdin as a JSON line `{"job": …}`: a TwilioDestination of its own (the built package) and,
 * when asked, a Redis client and RedisCoordinator of its own. For each job it prints `{"event":"ready"}`,
 * waits for a `{"go":true}` line, writes the rows and prints `{"event":"done", …}` with the results' summary.
 * It exits when stdin ends.
 */
import { createInterface } from 'node:readline';
import { TwilioDestination } from 'twilio-destination';
import { RedisCoordinator } from 'twilio-destination/redis';

const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const queued = [];
let waiting;
let closed = false;
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const message = JSON.parse(line);
  if (waiting) waiting(message);
  else queued.push(message);
  waiting = undefined;
});
input.on('close', () => {
  closed = true;
  waiting?.(null);
});
/** The next message from the parent; `null` once stdin has ended. */
const next = () => {
  if (queued.length > 0) return Promise.resolve(queued.shift());
  if (closed) return Promise.resolve(null);
  return new Promise((resolve) => {
    waiting = resolve;
  });
};

async function redisClient({ url, driver }) {
  if (driver === 'node-redis') {
    const { createClient } = await import('redis');
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    return { client, close: () => client.destroy() };
  }
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return { client, close: () => client.disconnect() };
}

async function run(config) {
  const redis = config.redis ? await redisClient(config.redis) : undefined;
  const coordinator = redis
    ? new RedisCoordinator({
        redis: redis.client,
        accountConcurrency: config.redis.accountConcurrency,
        keyPrefix: config.redis.keyPrefix,
        ...(config.redis.leaseMs ? { leaseMs: config.redis.leaseMs } : {}),
        ...(config.redis.redisTimeoutMs ? { redisTimeoutMs: config.redis.redisTimeoutMs } : {}),
      })
    : undefined;
  const destination = new TwilioDestination(
    {
      credentials: { accountSid: config.accountSid, authToken: config.authToken },
      settings: { from: config.from, messageTemplate: config.body ?? 'Hello {{n}}' },
      mapping: { to: 'phone' },
    },
    {
      apiBaseUrl: config.url,
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
      retry: { retries: 20, minDelayMs: 10, maxDelayMs: 200 },
      ...(config.segmentsPerSecond ? { segmentsPerSecond: config.segmentsPerSecond } : {}),
      ...(coordinator ? { coordinator } : {}),
    },
  );
  // Warm up (code, connection) before the clock starts, as a long-running worker would be.
  await destination.validateCredentials();
  if (coordinator) {
    await coordinator.ready({ accountSid: config.accountSid, requestTimeoutMs: config.timeoutMs });
  }
  print({ event: 'ready' });
  // Every worker starts at once: the parent says `go` when all are ready.
  await next();
  const rows = Array.from({ length: config.rows }, (_, i) => ({
    phone: `+1415555${String(config.firstRow + i).padStart(4, '0')}`,
    n: config.firstRow + i,
  }));
  const started = Date.now();
  const results = await destination.write(rows);
  const codes = {};
  for (const result of results) {
    const key = result.status === 'sent' ? 'sent' : result.error.code;
    codes[key] = (codes[key] ?? 0) + 1;
  }
  const failed = results.find((result) => result.status === 'failed');
  await destination.close();
  await coordinator?.close();
  await redis?.close();
  print({
    event: 'done',
    ms: Date.now() - started,
    results: results.length,
    codes,
    attempts: results.reduce((sum, result) => sum + result.attempts, 0),
    ...(failed ? { firstError: failed.error } : {}),
  });
}

for (let message = await next(); message !== null; message = await next()) {
  if (message.job) await run(message.job);
}
