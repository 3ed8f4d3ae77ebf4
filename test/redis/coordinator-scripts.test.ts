import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACQUIRE, HAND_OVER_PATIENCE_MS, RELEASE, WAIT_REASON } from '../../src/redis/coordinator-scripts.js';
import { connect, deleteKeys, eventually, type TestClient } from '../helpers/redis-clients.js';
import { describeRedis, uniqueName } from '../helpers/services.js';

describeRedis('the coordinator scripts on a real Redis', () => {
  let redis: TestClient;
  let prefix: string;
  let keys: string[];

  beforeEach(async () => {
    redis = await connect('ioredis');
    prefix = uniqueName('coord_scripts');
    keys = [
      `${prefix}{AC1}:in-flight`,
      `${prefix}{AC1}:limit`,
      `${prefix}{AC1}:sender:+15550001`,
      `${prefix}{AC1}:waiting`,
    ];
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.close();
  });

  /** Permit ids are `<worker>:<n>`; a bare name is worker w1's. */
  const permitId = (id: string) => (id.includes(':') ? id : `w1:${id}`);
  /** The leases held, by bare name for worker w1. */
  const held = async () =>
    ((await redis.command(['ZRANGE', keys[0] as string, '0', '-1'])) as string[]).map((id) =>
      id.replace(/^w1:/, ''),
    );
  type Ask = { id: string; lease?: number; max?: number; kind?: string; segments?: number; rate?: number };
  const acquire = async ({ id, lease = 60_000, max = 2, kind = 'create', segments = 1, rate = 0 }: Ask) =>
    (await redis.command([
      'EVAL',
      ACQUIRE.source,
      '4',
      ...keys,
      permitId(id),
      String(lease),
      String(max),
      kind,
      String(segments),
      String(rate),
      '60000',
    ])) as number[];
  const release = async (
    id: string,
    end: string,
    generation: number,
    options: { max?: number; pauseMs?: number; handTo?: string } = {},
  ) => {
    const handOver = options.handTo
      ? [permitId(options.handTo), '60000', String(options.max ?? 2), 'create', '1', '0', '60000']
      : [];
    const reply = (await redis.command([
      'EVAL',
      RELEASE.source,
      options.handTo ? '5' : '4',
      ...keys,
      ...(options.handTo ? [keys[2] as string] : []),
      permitId(id),
      end,
      String(generation),
      String(options.max ?? 2),
      String(options.pauseMs ?? 0),
      `${prefix}:channel`,
      '0',
      '60000',
      '8',
      ...handOver,
    ])) as number[];
    return options.handTo ? reply : reply[0];
  };
  const serverMs = async () => {
    const [seconds, micros] = (await redis.command(['TIME'])) as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  const limitState = async () =>
    Object.fromEntries(pairs((await redis.command(['HGETALL', keys[1] as string])) as string[]));

  it('grants slots up to the limit, then answers how long until the earliest lease ends', async () => {
    expect(await acquire({ id: 'a' })).toEqual([1, 0, 2]);
    expect(await acquire({ id: 'b' })).toEqual([1, 0, 2]);
    const [granted, waitMs, reason] = await acquire({ id: 'c' });
    expect([granted, reason]).toEqual([0, WAIT_REASON.slots]);
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(60_000);
    expect(await redis.command(['ZCARD', keys[0] as string])).toBe(2);
  });

  it('frees a slot on release and reports whether the lease was still held', async () => {
    await acquire({ id: 'a', max: 1 });
    expect(await release('a', 'other', 0, { max: 1 })).toBe(1);
    expect(await release('a', 'other', 0, { max: 1 })).toBe(0);
    expect((await acquire({ id: 'b', max: 1 }))[0]).toBe(1);
  });

  it('gives the slot of a lease that ran out to the next request, and only then', async () => {
    expect((await acquire({ id: 'dead', lease: 200, max: 1 }))[0]).toBe(1);
    // While the lease lives the slot is not counted twice.
    expect((await acquire({ id: 'live', max: 1 }))[0]).toBe(0);
    await eventually(async () => (await acquire({ id: 'live', max: 1 }))[0] === 1);
    expect(await held()).toEqual(['live']);
  });

  it('halves the shared limit on a 429 once per generation and counts later 429s of the old generation not at all', async () => {
    for (const id of ['a', 'b', 'c', 'd']) expect(await acquire({ id, max: 4 })).toEqual([1, 0, 4]);
    await release('a', 'rate_limited', 0, { max: 4 });
    await release('b', 'rate_limited', 0, { max: 4 });
    expect(await limitState()).toMatchObject({ value: '2', generation: '1', ceiling: '4' });
    // c and d still hold slots: 2 in flight under a limit of 2.
    expect((await acquire({ id: 'e', max: 4 }))[0]).toBe(0);
    await release('c', 'other', 0, { max: 4 });
    expect(await acquire({ id: 'e', max: 4 })).toEqual([1, 1, 2]);
    await release('e', 'rate_limited', 1, { max: 4 });
    expect(await limitState()).toMatchObject({ value: '1', generation: '2', ceiling: '2' });
  });

  it('climbs back one step per run of successes, and more slowly to the value that met the 429', async () => {
    await acquire({ id: 'a', max: 4 });
    await release('a', 'rate_limited', 0, { max: 4 });
    expect(await limitState()).toMatchObject({ value: '2' });
    // A step after as many successes as the current limit: 2 → 3.
    for (const id of ['s1', 's2']) {
      await acquire({ id, max: 4 });
      await release(id, 'ok', 1, { max: 4 });
    }
    expect(await limitState()).toMatchObject({ value: '3', successes: '0' });
    // 3 → 4 reaches the value that met the 429: 8 times as many successes (24).
    for (let i = 0; i < 23; i++) {
      await acquire({ id: `t${i}`, max: 4 });
      await release(`t${i}`, 'ok', 1, { max: 4 });
    }
    expect(await limitState()).toMatchObject({ value: '3', successes: '23' });
    await acquire({ id: 'last', max: 4 });
    await release('last', 'ok', 1, { max: 4 });
    expect(await limitState()).toMatchObject({ value: '4', successes: '0' });
  });

  it('steps back by one when a probe of the value that met the last 429 meets another, and probes half as often', async () => {
    const succeed = async (times: number, generation: number) => {
      for (let i = 0; i < times; i++) {
        await acquire({ id: `ok${i}`, max: 8 });
        await release(`ok${i}`, 'ok', generation, { max: 8 });
      }
    };
    await acquire({ id: 'a', max: 8 });
    await release('a', 'rate_limited', 0, { max: 8 });
    expect(await limitState()).toMatchObject({ value: '4', ceiling: '8', probes: '0' });
    await succeed(4 + 5 + 6, 1);
    await succeed(7 * 8, 1);
    expect(await limitState()).toMatchObject({ value: '8', ceiling: '8' });
    await acquire({ id: 'b', max: 8 });
    await release('b', 'rate_limited', 1, { max: 8 });
    expect(await limitState()).toMatchObject({ value: '7', ceiling: '8', generation: '2', probes: '1' });
    // The next probe waits twice as long: 7 × 8 × 2 successes.
    await succeed(7 * 8 * 2 - 1, 2);
    expect(await limitState()).toMatchObject({ value: '7' });
    await succeed(1, 2);
    expect(await limitState()).toMatchObject({ value: '8', probes: '1' });
    // Another failed probe: one step back again, and the next probe four times as rare.
    await acquire({ id: 'c', max: 8 });
    await release('c', 'rate_limited', 2, { max: 8 });
    expect(await limitState()).toMatchObject({ value: '7', probes: '2' });
    // Below the ceiling a 429 halves: the account's limit really fell.
    await acquire({ id: 'd', max: 8 });
    await release('d', 'rate_limited', 3, { max: 8 });
    expect(await limitState()).toMatchObject({ value: '3', ceiling: '7', probes: '0' });
  });

  it('writes nothing for a success at the full limit', async () => {
    await acquire({ id: 'a' });
    await release('a', 'ok', 0);
    expect(await redis.command(['EXISTS', keys[1] as string])).toBe(0);
  });

  it('spends one second of burst of the sender budget, then reserves each request its turn on the server clock', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      expect((await acquire({ id, max: 50, segments: 2, rate: 10 }))[0]).toBe(1);
    }
    const [granted, waitMs, reason] = await acquire({ id: 'f', max: 50, segments: 1, rate: 10 });
    expect([granted, reason]).toEqual([0, WAIT_REASON.rate]);
    // One segment at 10 per second: 100 ms after the burst, less the time that passed since.
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(100);
    // The next request queues behind the reserved one.
    const [, nextWait] = await acquire({ id: 'g', max: 50, segments: 1, rate: 10 });
    expect(nextWait).toBeGreaterThan(100);
    expect(nextWait).toBeLessThanOrEqual(200);
    // Coming back with its budget already charged (segments 0), the request takes a slot.
    expect((await acquire({ id: 'f', max: 50, segments: 0, rate: 10 }))[0]).toBe(1);
  });

  it('lets a message larger than the burst go once the budget is full, and charges it whole', async () => {
    expect((await acquire({ id: 'big', max: 50, segments: 30, rate: 10 }))[0]).toBe(1);
    const [granted, waitMs, reason] = await acquire({ id: 'next', max: 50, segments: 1, rate: 10 });
    expect([granted, reason]).toEqual([0, WAIT_REASON.rate]);
    // 30 segments at 10 per second are 3 s; one second of it was the burst.
    expect(waitMs).toBeGreaterThan(1900);
    expect(waitMs).toBeLessThanOrEqual(2100);
  });

  it('pauses a sender after a 21611 for creates only, for the longest pause reported', async () => {
    await acquire({ id: 'a' });
    await release('a', 'queue_full', 0, { pauseMs: 60_000 });
    await acquire({ id: 'b' });
    await release('b', 'queue_full', 0, { pauseMs: 1_000 });
    const [granted, waitMs, reason] = await acquire({ id: 'c' });
    expect([granted, reason]).toEqual([0, WAIT_REASON.paused]);
    expect(waitMs).toBeGreaterThan(1_000);
    expect(waitMs).toBeLessThanOrEqual(60_000);
    expect((await acquire({ id: 'look', kind: 'lookup', segments: 0 }))[0]).toBe(1);
    expect(Number(await redis.command(['PTTL', keys[2] as string]))).toBeGreaterThan(60_000);
  });

  it('ends a pause on the server clock', async () => {
    await acquire({ id: 'a' });
    await release('a', 'queue_full', 0, { pauseMs: 150 });
    expect((await acquire({ id: 'b' }))[2]).toBe(WAIT_REASON.paused);
    await eventually(async () => (await acquire({ id: 'b' }))[0] === 1);
  });

  it('hands a released slot to the next request in the same call, or says why not', async () => {
    await acquire({ id: 'a' });
    await acquire({ id: 'b' });
    expect(await release('a', 'ok', 0, { handTo: 'c' })).toEqual([1, 1, 0, 2]);
    expect(await held()).toEqual(['b', 'c']);
    // A 429 halves the limit to 1 with b still held: no slot to hand over.
    expect(await release('c', 'rate_limited', 0, { handTo: 'd' })).toEqual([1, 0, expect.any(Number), 1]);
    expect(await held()).toEqual(['b']);
  });

  it('does not hand a slot over while another worker has waited longer than its patience', async () => {
    await acquire({ id: 'a', max: 1 });
    expect((await acquire({ id: 'w2:1', max: 1 }))[0]).toBe(0);
    const [since] = (await redis.command(['ZMSCORE', keys[3] as string, 'w2'])) as [string];
    await eventually(async () => (await serverMs()) >= Number(since) + HAND_OVER_PATIENCE_MS);
    expect(await release('a', 'ok', 0, { max: 1, handTo: 'b' })).toEqual([1]);
    expect(await held()).toEqual([]);
    expect(await acquire({ id: 'w2:1', max: 1 })).toEqual([1, 0, 1]);
    // Served: it no longer counts as waiting.
    expect(await redis.command(['ZCARD', keys[3] as string])).toBe(0);
  });

  it('publishes a wake-up only when a held lease is freed', async () => {
    const listener = await connect('ioredis');
    const messages: string[] = [];
    const sub = (listener.client as import('ioredis').Redis).duplicate();
    sub.on('message', (_channel: string, message: string) => messages.push(message));
    await sub.subscribe(`${prefix}:channel`);
    try {
      await acquire({ id: 'a' });
      // Handed over: the slot never became free, nobody is woken.
      expect(await release('a', 'ok', 0, { handTo: 'b' })).toEqual([1, 1, 0, 2]);
      expect(await release('b', 'ok', 0)).toBe(1);
      expect(await release('b', 'ok', 0)).toBe(0);
      // A marker published after both releases: once it arrives, every earlier message has.
      await redis.command(['PUBLISH', `${prefix}:channel`, 'marker']);
      await eventually(async () => messages.includes('marker'));
      expect(messages).toEqual(['1', 'marker']);
    } finally {
      sub.disconnect();
      await listener.close();
    }
  });
});

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}
