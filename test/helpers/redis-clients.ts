/**
 * Real Redis clients of both drivers for the Redis suites, each closed after its test, and removal of the
 * keys a test wrote under its unique prefix (never FLUSHDB: other suites share the server).
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { REDIS_URL } from './services.js';

/** The two drivers the Redis back-ends support. */
export const DRIVERS = ['ioredis', 'node-redis'] as const;
export type Driver = (typeof DRIVERS)[number];

/** A connected client of either driver and how to run a raw command on it. */
export interface TestClient {
  driver: Driver;
  client: object;
  command(args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** Connects a client of `driver` to `url` (default `REDIS_URL`). */
export async function connect(driver: Driver, url = REDIS_URL as string): Promise<TestClient> {
  if (driver === 'ioredis') {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return {
      driver,
      client,
      command: ([name, ...args]) => client.call(name as string, ...args),
      close: async () => client.disconnect(),
    };
  }
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return {
    driver,
    client,
    command: (args) => client.sendCommand(args),
    close: async () => client.destroy(),
  };
}

/** Deletes every key starting with `prefix`. */
export async function deleteKeys(client: TestClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = (await client.command(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [
      string,
      string[],
    ];
    cursor = next;
    if (keys.length > 0) await client.command(['DEL', ...keys]);
  } while (cursor !== '0');
}

/** Polls `condition` until it holds (every 20 ms, at most `limitMs`), for state Redis's own clock changes. */
export async function eventually(condition: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
