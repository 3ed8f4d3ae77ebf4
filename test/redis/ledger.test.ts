import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLedger } from '../../src/redis/index.js';
import { describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';
import { ledgerContract } from '../ledger/contract.js';

describeRedis('RedisLedger', () => {
  const url = REDIS_URL ?? '';
  const prefixes: string[] = [];
  const admin = new Redis(url);
  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin.quit();
  });
  const prefix = () => {
    const name = `${uniqueName('ledger')}:`;
    prefixes.push(name);
    return name;
  };

  describe('on ioredis', () => {
    ledgerContract({
      config: () => ({ store: 'redis', url, keyPrefix: prefix(), client: 'ioredis' }),
      broken: async () => {
        const client = new Redis({
          port: 1,
          lazyConnect: true,
          enableOfflineQueue: false,
          retryStrategy: () => null,
        });
        return { ledger: new RedisLedger({ redis: client }), dispose: async () => client.disconnect() };
      },
    });
  });

  describe('on node-redis', () => {
    ledgerContract({
      config: () => ({ store: 'redis', url, keyPrefix: prefix(), client: 'node-redis' }),
      broken: async () => {
        const { createClient } = await import('redis');
        // Never connected: every command is refused.
        const client = createClient({ url: 'redis://127.0.0.1:1' });
        return { ledger: new RedisLedger({ redis: client }), dispose: async () => {} };
      },
    });
  });

  it('stores each row as a hash with no TTL, under its prefix', async () => {
    const keyPrefix = prefix();
    const ledger = new RedisLedger({ redis: admin, keyPrefix, leaseMs: 5000 });
    expect([ledger.description, ledger.leaseMs]).toEqual([`Redis ledger (keys "${keyPrefix}…")`, 5000]);
    await ledger.claim({ accountSid: 'AC1', runId: 'run', rowKey: 'k1' }, { owner: 'a', leaseMs: 50 });
    await ledger.markSent({ accountSid: 'AC1', runId: 'run', rowKey: 'k2' }, 'a', 'SM2');
    const keys = (await admin.keys(`${keyPrefix}*`)).sort();
    expect(keys).toEqual([`${keyPrefix}AC1:3:run:k1`, `${keyPrefix}AC1:3:run:k2`]);
    expect(await Promise.all(keys.map((k) => admin.pttl(k)))).toEqual([-1, -1]);
    expect(await admin.hgetall(`${keyPrefix}AC1:3:run:k2`)).toEqual({
      state: 'sent',
      owner: 'a',
      first: expect.stringMatching(/^\d+$/),
      sid: 'SM2',
      sentAt: expect.stringMatching(/^\d+$/),
    });
    await ledger.close();
  });
});
