import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { adaptRedisClient } from '../../src/redis/client-adapter.js';

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
