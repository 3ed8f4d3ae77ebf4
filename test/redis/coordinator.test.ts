import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisCoordinator } from '../../src/redis/index.js';
import { CoordinatorUnavailableError, type PermitRequest } from '../../src/seams/coordinator.js';
import { permitRequest } from '../helpers/coordinator-contract.js';
import { connect, DRIVERS, deleteKeys, eventually, type TestClient } from '../helpers/redis-clients.js';
import { describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const context = { accountSid: ACCOUNT, requestTimeoutMs: 100 };

/** A permit request of this file's account. */
function ask(overrides: Partial<PermitRequest> = {}): PermitRequest {
  return permitRequest({ accountSid: ACCOUNT, ...overrides });
}

describe('RedisCoordinator options', () => {
  it.each([
    [{}, 'an object without call() or sendCommand()'],
    [null, 'null'],
    ['redis://x', 'string'],
  ])('refuses %j as a client and says what it accepts', (redis, got) => {
    expect(() => new RedisCoordinator({ redis: redis as object, accountConcurrency: 1 })).toThrow(
      `RedisCoordinator: \`redis\` must be an ioredis client (new Redis(url)) or a node-redis client (createClient({ url }), connected); got ${got}`,
    );
  });

  it.each([
    [{ accountConcurrency: 0 }, 'accountConcurrency must be a positive integer; got 0'],
    [{ accountConcurrency: 2.5 }, 'accountConcurrency must be a positive integer; got 2.5'],
    [{ accountConcurrency: 2, leaseMs: -1 }, 'leaseMs must be a positive integer; got -1'],
    [{ accountConcurrency: 2, redisTimeoutMs: 0 }, 'redisTimeoutMs must be a positive integer; got 0'],
  ])('refuses %j', (options, message) => {
    const redis = new Redis({ lazyConnect: true });
    expect(() => new RedisCoordinator({ redis, ...options })).toThrow(`RedisCoordinator: ${message}`);
  });

  it.each([
    [new Redis({ lazyConnect: true, host: '10.0.0.5', port: 6380 }), 'Redis coordinator (10.0.0.5:6380)'],
    [new Redis({ lazyConnect: true, path: '/tmp/redis.sock' }), 'Redis coordinator (/tmp/redis.sock)'],
    [
      createClient({ url: 'redis://user:s3cret@cache.internal:6390' }),
      'Redis coordinator (cache.internal:6390)',
    ],
    [createClient({ socket: { host: 'cache', port: 7000 } }), 'Redis coordinator (cache:7000)'],
    [createClient(), 'Redis coordinator (localhost:6379)'],
  ])('names itself after where the client connects, never with its password (%#)', (redis, name) => {
    expect(new RedisCoordinator({ redis, accountConcurrency: 1 }).name).toBe(name);
  });
});

describeRedis.each(DRIVERS)('RedisCoordinator with %s', (driver) => {
  let clients: TestClient[];
  let coordinators: RedisCoordinator[];
  let prefix: string;

  const coordinator = async (options: { accountConcurrency?: number; leaseMs?: number } = {}) => {
    const client = await connect(driver);
    clients.push(client);
    const made = new RedisCoordinator({
      redis: client.client,
      accountConcurrency: options.accountConcurrency ?? 2,
      keyPrefix: prefix,
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    });
    coordinators.push(made);
    await made.ready(context);
    return made;
  };
  const first = () => clients[0] as TestClient;
  const held = async () => Number(await first().command(['ZCARD', `${prefix}{${ACCOUNT}}:in-flight`]));
  const serverMs = async () => {
    const [seconds, micros] = (await first().command(['TIME'])) as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  beforeEach(() => {
    clients = [];
    coordinators = [];
    prefix = uniqueName('coordinator');
  });
  afterEach(async () => {
    for (const made of coordinators) await made.close();
    if (clients[0]) await deleteKeys(clients[0], prefix);
    for (const client of clients) await client.close();
  });

  it('shares the account limit between workers: a waiting worker gets the slot another releases', async () => {
    const a = await coordinator();
    const b = await coordinator();
    const first = await a.acquire(ask());
    await b.acquire(ask());
    expect(await held()).toBe(2);
    let granted = false;
    const waiting = a.acquire(ask()).then((permit) => {
      granted = true;
      return permit;
    });
    // The waiter asked and was told to wait: two leases, no third.
    await eventually(async () => (await held()) === 2);
    expect(granted).toBe(false);
    await first.release({ kind: 'ok' });
    await waiting;
    expect(await held()).toBe(2);
  });

  it('releases once however often release is called', async () => {
    const a = await coordinator({ accountConcurrency: 1 });
    const permit = await a.acquire(ask());
    await permit.release({ kind: 'rate_limited' });
    await permit.release({ kind: 'rate_limited' });
    expect(await held()).toBe(0);
    // One 429 at a limit of 1 cannot go lower; the second release changed nothing either.
    const state = await first().command(['HGET', `${prefix}{${ACCOUNT}}:limit`, 'generation']);
    expect(state).toBe('1');
  });

  it('lowers the limit for every worker after one worker sees a 429', async () => {
    const a = await coordinator({ accountConcurrency: 4 });
    const b = await coordinator({ accountConcurrency: 4 });
    const permits = [await a.acquire(ask()), await a.acquire(ask()), await b.acquire(ask())];
    await permits[0]?.release({ kind: 'rate_limited' });
    // Limit 2 with 2 held: b must wait until one of them is released.
    const controller = new AbortController();
    const waiting = b.acquire(ask({ signal: controller.signal }));
    await eventually(async () => (await held()) === 2);
    await permits[1]?.release({ kind: 'ok' });
    const third = await waiting;
    expect(await held()).toBe(2);
    await third.release({ kind: 'ok' });
    await permits[2]?.release({ kind: 'ok' });
  });

  it('gives a dead worker’s slots back once their leases run out, and not before', async () => {
    const dead = await coordinator({ accountConcurrency: 1, leaseMs: 300 });
    const live = await coordinator({ accountConcurrency: 1, leaseMs: 300 });
    await dead.acquire(ask());
    const grantedBefore = await serverMs();
    await live.acquire(ask());
    // On Redis's clock, the slot came back no earlier than the lease allowed.
    expect((await serverMs()) - grantedBefore).toBeGreaterThanOrEqual(300 - 5);
    expect(await held()).toBe(1);
  });

  it('spreads one sender’s segments over time across workers, on the server clock', async () => {
    const a = await coordinator({ accountConcurrency: 10 });
    const b = await coordinator({ accountConcurrency: 10 });
    const start = await serverMs();
    // 10 segments per second with one second of burst: 40 segments take at least 3 s after the burst.
    const pace = ask({ segments: 20, segmentsPerSecond: 10 });
    for (const permit of await Promise.all([a.acquire(pace), b.acquire(pace)])) {
      await permit.release({ kind: 'ok' });
    }
    const last = await a.acquire(ask({ segments: 1, segmentsPerSecond: 10 }));
    expect((await serverMs()) - start).toBeGreaterThanOrEqual(1_000 + 1_000 - 10);
    await last.release({ kind: 'ok' });
  });

  it('pauses a sender for every worker after a 21611, but not its look-ups', async () => {
    const a = await coordinator();
    const b = await coordinator();
    const permit = await a.acquire(ask());
    const pausedAt = await serverMs();
    await permit.release({ kind: 'queue_full', pauseMs: 300 });
    const lookup = await b.acquire(ask({ kind: 'lookup', segments: 0 }));
    await lookup.release({ kind: 'ok' });
    const create = await b.acquire(ask());
    expect((await serverMs()) - pausedAt).toBeGreaterThanOrEqual(300 - 5);
    await create.release({ kind: 'other' });
  });

  it('stops waiting on abort, with the signal’s reason, holding nothing', async () => {
    const a = await coordinator({ accountConcurrency: 1 });
    await a.acquire(ask());
    const controller = new AbortController();
    const waiting = a.acquire(ask({ signal: controller.signal }));
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(await held()).toBe(1);
    await expect(a.acquire(ask({ signal: controller.signal }))).rejects.toThrow('stop');
  });

  it('gives a permit back when the signal aborts while Redis grants it', async () => {
    const a = await coordinator({ accountConcurrency: 1 });
    const controller = new AbortController();
    const asking = a.acquire(ask({ signal: controller.signal }));
    controller.abort(new Error('late'));
    await expect(asking).rejects.toThrow('late');
    expect(await held()).toBe(0);
  });

  it('refuses a lease no longer than the request timeout', async () => {
    const client = await connect(driver);
    clients.push(client);
    const made = new RedisCoordinator({ redis: client.client, accountConcurrency: 1, leaseMs: 100 });
    await expect(made.ready(context)).rejects.toThrow(
      'RedisCoordinator: leaseMs (100) must be longer than the request timeout (timeoutMs 100)',
    );
  });

  it('defaults the lease to the request timeout plus 5 s', async () => {
    const a = await coordinator();
    const granted = await serverMs();
    await a.acquire(ask());
    const key = `${prefix}{${ACCOUNT}}:in-flight`;
    const [id] = (await first().command(['ZRANGE', key, '0', '0'])) as [string];
    const expiry = await first().command(['ZSCORE', key, id]);
    expect(Number(expiry) - granted).toBeGreaterThanOrEqual(5_100);
    expect(Number(expiry) - granted).toBeLessThan(5_100 + 60_000);
  });

  it('loads its scripts again when Redis has lost them (NOSCRIPT)', async () => {
    const client = await connect(driver);
    clients.push(client);
    let refused = 0;
    const forgetful = forgetScripts(client.client, () => refused++);
    const made = new RedisCoordinator({ redis: forgetful, accountConcurrency: 1, keyPrefix: prefix });
    coordinators.push(made);
    const permit = await made.acquire(ask());
    await permit.release({ kind: 'ok' });
    expect(refused).toBe(2);
    expect(await held()).toBe(0);
  });
});

describeRedis.each(DRIVERS)('RedisCoordinator with %s when Redis is unreachable', (driver) => {
  let proxy: TcpProxy;
  let client: TestClient;
  let made: RedisCoordinator;
  let prefix: string;

  beforeEach(async () => {
    proxy = await startTcpProxy(new URL(REDIS_URL as string).host);
    client = await connect(driver, `redis://127.0.0.1:${proxy.port}`);
    prefix = uniqueName('coord_down');
    made = new RedisCoordinator({
      redis: client.client,
      accountConcurrency: 2,
      keyPrefix: prefix,
      redisTimeoutMs: 300,
    });
  });
  afterEach(async () => {
    await made.close();
    proxy.restore();
    await client.close();
    await proxy.close();
    const cleanup = await connect('ioredis');
    await deleteKeys(cleanup, prefix);
    await cleanup.close();
  });

  it.each(['cut', 'blackhole'] as const)(
    'rejects ready and acquire with an error naming the coordinator when the connection is %s, and recovers',
    async (fault) => {
      await made.ready(context);
      proxy[fault]();
      const expected = {
        name: 'CoordinatorUnavailableError',
        coordinator: `Redis coordinator (127.0.0.1:${proxy.port})`,
      };
      await expect(made.ready(context)).rejects.toMatchObject(expected);
      const error = await made.acquire(ask()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CoordinatorUnavailableError);
      expect((error as Error).message).toMatch(
        new RegExp(`^Redis coordinator \\(127\\.0\\.0\\.1:${proxy.port}\\): .+`),
      );
      proxy.restore();
      await eventually(async () => {
        const permit = await made.acquire(ask()).catch(() => undefined);
        await permit?.release({ kind: 'ok' });
        return permit !== undefined;
      });
      // Nothing an acquire that failed may have left behind still holds a slot.
      const direct = await connect('ioredis');
      await eventually(
        async () => Number(await direct.command(['ZCARD', `${prefix}{${ACCOUNT}}:in-flight`])) === 0,
      );
      await direct.close();
    },
  );

  it('fails a request waiting for its own worker’s slot when the release that would hand it over cannot reach Redis', async () => {
    const single = new RedisCoordinator({
      redis: client.client,
      accountConcurrency: 1,
      keyPrefix: prefix,
      redisTimeoutMs: 300,
    });
    await single.ready(context);
    const held = await single.acquire(ask());
    const waiting = single.acquire(ask());
    await client.command(['PING']);
    proxy.blackhole();
    await held.release({ kind: 'ok' });
    await expect(waiting).rejects.toBeInstanceOf(CoordinatorUnavailableError);
    await single.close();
  });
});

/** Wraps a client so that its first two EVALSHA calls answer NOSCRIPT, as a restarted Redis would. */
function forgetScripts(client: object, onRefuse: () => void): object {
  let refusals = 2;
  const refuse = (args: readonly string[]) => {
    if (args[0] === 'EVALSHA' && refusals > 0) {
      refusals--;
      onRefuse();
      return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
    }
    return undefined;
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'call') {
        return (...args: string[]) =>
          refuse(args) ?? (value as (...a: string[]) => Promise<unknown>).apply(target, args);
      }
      if (property === 'sendCommand') {
        return (args: string[]) =>
          refuse(args) ?? (value as (a: string[]) => Promise<unknown>).call(target, args);
      }
      return value.bind(target);
    },
  });
}
