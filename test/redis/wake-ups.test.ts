import { afterEach, beforeEach, expect, it } from 'vitest';
import { adaptRedisClient } from '../../src/redis/client-adapter.js';
import { WakeUps } from '../../src/redis/wake-ups.js';
import { connect, DRIVERS, type TestClient } from '../helpers/redis-clients.js';
import { describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const never = new AbortController().signal;

describeRedis.each(DRIVERS)('wake-ups with %s', (driver) => {
  let client: TestClient;
  let wakeUps: WakeUps<string>;
  let channel: string;

  beforeEach(async () => {
    client = await connect(driver);
    wakeUps = new WakeUps(adaptRedisClient(client.client, 'test'), 2_000);
    channel = uniqueName('wake');
  });
  afterEach(async () => {
    await wakeUps.close();
    await client.close();
  });

  it('wakes the longest-waiting waiter, one per published message', async () => {
    await wakeUps.listen(channel);
    await wakeUps.listen(channel);
    const woken: string[] = [];
    // A minute-long bound: only the messages can wake them within the test.
    const first = wakeUps.wait(channel, 60_000, never).then(() => woken.push('first'));
    const second = wakeUps.wait(channel, 60_000, never).then(() => woken.push('second'));
    await client.command(['PUBLISH', channel, '1']);
    await first;
    expect(woken).toEqual(['first']);
    await client.command(['PUBLISH', channel, '1']);
    await second;
    expect(woken).toEqual(['first', 'second']);
  });

  it('hands a waiter that left a hand-over to a release, which ends its wait with the reply', async () => {
    const controller = new AbortController();
    const plain = wakeUps.wait(channel, 60_000, never);
    expect(wakeUps.take(channel)).toBeUndefined();
    wakeUps.wake(channel);
    await expect(plain).resolves.toBeUndefined();
    const waiting = wakeUps.wait(channel, 60_000, controller.signal, 'acquire me');
    const taken = wakeUps.take(channel);
    expect(taken?.handover).toBe('acquire me');
    // Taken: no longer woken, timed out or aborted, only answered.
    wakeUps.wake(channel);
    controller.abort(new Error('too late'));
    taken?.deliver([1, 0, 4]);
    await expect(waiting).resolves.toEqual([1, 0, 4]);
    expect(wakeUps.take(channel)).toBeUndefined();
  });

  it('ends a wait after its bound when no message comes', async () => {
    await expect(wakeUps.wait(channel, 10, never)).resolves.toBeUndefined();
    wakeUps.wake(channel);
  });

  it('rejects a wait with the signal’s reason, at once when already aborted', async () => {
    const controller = new AbortController();
    const waiting = wakeUps.wait(channel, 60_000, controller.signal);
    const other = wakeUps.wait(channel, 60_000, never);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(wakeUps.wait(channel, 60_000, controller.signal)).rejects.toThrow('stop');
    // The aborted waiter is gone: the next wake-up reaches the other one.
    wakeUps.wake(channel);
    await other;
  });
});

describeRedis.each(DRIVERS)('wake-ups with %s when Redis is unreachable', (driver) => {
  let proxy: TcpProxy;
  let client: TestClient;

  beforeEach(async () => {
    proxy = await startTcpProxy(new URL(REDIS_URL as string).host);
    client = await connect(driver, `redis://127.0.0.1:${proxy.port}`);
  });
  afterEach(async () => {
    proxy.restore();
    await client.close();
    await proxy.close();
  });

  it('gives up subscribing after its timeout and tries again on the next listen', async () => {
    const wakeUps = new WakeUps<string>(adaptRedisClient(client.client, 'test'), 200);
    const channel = uniqueName('wake_down');
    proxy.blackhole();
    await wakeUps.listen(channel);
    proxy.restore();
    await wakeUps.listen(channel);
    const waiting = wakeUps.wait(channel, 60_000, never);
    const publisher = await connect('ioredis');
    await publisher.command(['PUBLISH', channel, '1']);
    await waiting;
    await publisher.close();
    await wakeUps.close();
  });
});
