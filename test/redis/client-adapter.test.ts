import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { adaptRedisClient } from '../../src/redis/client-adapter.js';
import { RedisLedger } from '../../src/redis/index.js';
import { describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';

describe('adaptRedisClient', () => {
  it('recognises an ioredis client and a node-redis client by their shape', () => {
    expect(adaptRedisClient(new Redis({ lazyConnect: true }), 'x').driver).toBe('ioredis');
    expect(adaptRedisClient(createClient(), 'x').driver).toBe('node-redis');
  });

  it.each([
    ['redis://:pw@[::1]:6379', '[::1]:6379'],
    ['redis://', '127.0.0.1:6379'],
  ])('keeps only the host of a node-redis URL %s', (url, address) => {
    expect(adaptRedisClient(createClient({ url }), 'x').address).toBe(address);
  });

  it('names a node-redis socket path', () => {
    expect(
      adaptRedisClient(createClient({ socket: { path: '/run/redis.sock', tls: false } }), 'x').address,
    ).toBe('/run/redis.sock');
  });

  it('says an unparsable URL is one, without repeating it', () => {
    const client = { sendCommand: async () => null, isOpen: false, options: { url: 'redis://user:pw@[bad' } };
    expect(adaptRedisClient(client, 'x').address).toBe('unparsable URL');
  });
});

describe('adaptRedisClient on a real server', () => {
  // Both back-ends (coordinator and ledger) send their scripts through `command`: the same call on both drivers.
  describeRedis('command', () => {
    it.each(['ioredis', 'node-redis'] as const)('runs EVAL with keys and arguments on %s', async (driver) => {
      const key = uniqueName('adapter');
      const client =
        driver === 'ioredis'
          ? new Redis(REDIS_URL ?? '')
          : await createClient({ url: REDIS_URL ?? '' }).connect();
      try {
        const redis = adaptRedisClient(client, 'x');
        expect(redis.driver).toBe(driver);
        const script = "redis.call('SET', KEYS[1], ARGV[1]) return {redis.call('GET', KEYS[1]), 7}";
        expect(await redis.command(['EVAL', script, '1', key, 'v'])).toEqual(['v', 7]);
        expect(await redis.command(['DEL', key])).toBe(1);
      } finally {
        await client.quit();
      }
    });
  });
});

describe('RedisLedger', () => {
  it.each([
    [undefined, 'undefined'],
    [{ eval: async () => null }, 'an object without call() or sendCommand()'],
  ])('refuses a client that is neither driver (%s) when it is built', (redis, got) => {
    expect(() => new RedisLedger({ redis: redis as object })).toThrow(
      new TypeError(
        `RedisLedger: \`redis\` must be an ioredis client (new Redis(url)) or a node-redis client (createClient({ url }), connected); got ${got}`,
      ),
    );
  });
});
