import { describe, expect, it } from 'vitest';
import type { Permit, PermitRequest } from '../../src/seams/coordinator.js';
import { InProcessCoordinator } from '../../src/send/in-process-coordinator.js';
import { recordingLogger } from '../helpers/logger.js';

function setup(concurrency: number, extra: { logger?: ReturnType<typeof recordingLogger> } = {}) {
  let now = 0;
  const sleeps: number[] = [];
  const coordinator = new InProcessCoordinator({
    concurrency,
    now: () => now,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      signal?.throwIfAborted();
    },
    ...extra,
  });
  const ask = (overrides: Partial<PermitRequest> = {}): PermitRequest => ({
    accountSid: 'AC1',
    kind: 'create',
    sender: '+15005550006',
    segments: 1,
    segmentsPerSecond: undefined,
    signal: new AbortController().signal,
    ...overrides,
  });
  return { coordinator, sleeps, ask, advance: (ms: number) => (now += ms) };
}

/** Whether `promise` has settled after every pending callback ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('InProcessCoordinator', () => {
  it('is always ready', async () => {
    await expect(setup(1).coordinator.ready()).resolves.toBeUndefined();
  });

  it('grants at most `concurrency` permits, then the waiting ones in order as slots free', async () => {
    const { coordinator, ask } = setup(2);
    const first = await coordinator.acquire(ask());
    await coordinator.acquire(ask());
    const order: string[] = [];
    const noted = (name: string) => (permit: Permit) => {
      order.push(name);
      return permit;
    };
    const third = coordinator.acquire(ask()).then(noted('third'));
    const fourth = coordinator.acquire(ask()).then(noted('fourth'));
    expect(await settled(third)).toBe(false);
    expect(coordinator.inFlight).toBe(2);
    await first.release({ kind: 'other' });
    await (await third).release({ kind: 'other' });
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(coordinator.inFlight).toBe(2);
  });

  it('releases a permit once however often it is released', async () => {
    const { coordinator, ask } = setup(2);
    const permit = await coordinator.acquire(ask());
    await coordinator.acquire(ask());
    await permit.release({ kind: 'other' });
    await permit.release({ kind: 'other' });
    expect(coordinator.inFlight).toBe(1);
  });

  it('gives up a wait for a slot on abort, holding nothing', async () => {
    const { coordinator, ask } = setup(1);
    const held = await coordinator.acquire(ask());
    const controller = new AbortController();
    const waiting = coordinator.acquire(ask({ signal: controller.signal }));
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await held.release({ kind: 'other' });
    expect(coordinator.inFlight).toBe(0);
    await expect(coordinator.acquire(ask({ signal: AbortSignal.abort(new Error('late')) }))).rejects.toThrow(
      'late',
    );
    expect(coordinator.inFlight).toBe(0);
  });

  it('halves the limit once per generation at a 429 and climbs back with successes', async () => {
    const logger = recordingLogger();
    const { coordinator, ask } = setup(4, { logger });
    const permits = await Promise.all([1, 2, 3].map(() => coordinator.acquire(ask())));
    // Three requests of one generation meet 429s: only the first halves.
    for (const permit of permits) await permit.release({ kind: 'rate_limited' });
    expect(coordinator.limit).toBe(2);
    expect(logger.lines).toEqual([['debug', 'twilio-destination: 429, concurrency now 2']]);
    for (let i = 0; i < 2; i++) await (await coordinator.acquire(ask())).release({ kind: 'ok' });
    expect(coordinator.limit).toBe(3);
  });

  it('paces each sender in segments per second, charging only creates, and halves the rate at a 429', async () => {
    const logger = recordingLogger();
    const { coordinator, ask, sleeps } = setup(1, { logger });
    const paced = { segmentsPerSecond: 2 };
    await (await coordinator.acquire(ask({ ...paced, segments: 2 }))).release({ kind: 'ok' });
    await (await coordinator.acquire(ask({ ...paced, kind: 'lookup', segments: 0 }))).release({ kind: 'ok' });
    await (await coordinator.acquire(ask({ ...paced, segments: 1 }))).release({ kind: 'rate_limited' });
    // Another sender has a bucket of its own.
    await (await coordinator.acquire(ask({ ...paced, sender: '+15005550007' }))).release({ kind: 'ok' });
    expect(sleeps).toEqual([500]);
    expect(logger.lines).toEqual([
      ['debug', 'twilio-destination: 429, concurrency now 1, rate 1 segments/s'],
    ]);
  });

  it('holds every new request from a sender whose queue is full (21611) for the pause', async () => {
    const { coordinator, ask, sleeps, advance } = setup(1);
    await (await coordinator.acquire(ask())).release({ kind: 'queue_full', pauseMs: 3000 });
    advance(1000);
    await (await coordinator.acquire(ask())).release({ kind: 'ok' });
    await (await coordinator.acquire(ask({ sender: 'MG1' }))).release({ kind: 'ok' });
    expect(sleeps).toEqual([2000]);
  });
});
