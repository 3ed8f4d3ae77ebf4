/**
 * Builds a ledger from a plain, serialisable description of its store, so that tests and their child
 * processes open the same store the same way.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { PostgresLedger } from '../../src/postgres/index.js';
import { RedisLedger } from '../../src/redis/index.js';
import type { Ledger } from '../../src/seams/ledger.js';
import { SqliteLedger } from '../../src/sqlite/index.js';

/** Which store, and where. */
export type StoreConfig =
  | { store: 'sqlite'; path: string }
  | { store: 'postgres'; url: string; table: string }
  | { store: 'redis'; url: string; keyPrefix: string; client?: 'ioredis' | 'node-redis' };

/** A ledger on the store, and how to close it and what it opened. */
export interface OpenedLedger {
  ledger: Ledger;
  dispose(): Promise<void>;
}

/** Opens a ledger on `config` (each call its own connection, as a separate worker would). */
export async function openLedger(config: StoreConfig, leaseMs?: number): Promise<OpenedLedger> {
  const lease = leaseMs === undefined ? {} : { leaseMs };
  if (config.store === 'sqlite') {
    const ledger = new SqliteLedger({ path: config.path, ...lease });
    return { ledger, dispose: () => ledger.close() };
  }
  if (config.store === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: 4 });
    const ledger = new PostgresLedger({ connection: pool, table: config.table, ...lease });
    return {
      ledger,
      dispose: async () => {
        await ledger.close();
        await pool.end();
      },
    };
  }
  if (config.client === 'node-redis') {
    const client = createClient({ url: config.url });
    client.on('error', () => {});
    await client.connect();
    const ledger = new RedisLedger({ redis: client, keyPrefix: config.keyPrefix, ...lease });
    return { ledger, dispose: async () => void (await client.quit()) };
  }
  const client = new Redis(config.url);
  const ledger = new RedisLedger({ redis: client, keyPrefix: config.keyPrefix, ...lease });
  return { ledger, dispose: async () => void (await client.quit()) };
}
