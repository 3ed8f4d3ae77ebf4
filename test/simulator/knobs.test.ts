import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_MESSAGING_SERVICE_SID,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { basic, call, messagesPath, send, waitFor, waitForAsync } from './client.js';

const OTHER_SID = 'AC00000000000000000000000000000002';

let sim: TwilioSimulator;

afterEach(() => sim.close());

const message = { To: '+15557654321', Body: 'x' };

let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock();
});

/** Starts `calls` together, waits until the simulator has all of them, then lets `ms` pass on its clock. */
async function together<T>(calls: (() => Promise<T>)[], ms: number): Promise<T[]> {
  const before = sim.requests.length;
  const replies = Promise.all(calls.map((run) => run()));
  await waitFor(() => sim.requests.length === before + calls.length);
  clock.advance(ms);
  return replies;
}

/** The latency each of `count` sequential requests waited, read from the timer it set. */
async function latencies(count: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    const reply = call(sim, 'GET', messagesPath(sim));
    await clock.whenPending(1);
    const [wait] = clock.pending();
    waits.push(wait as number);
    clock.advance(wait as number);
    expect((await reply).status).toBe(200);
  }
  return waits;
}

describe('latency', () => {
  it('delays every answer by fixedMs, and by nothing once turned off', async () => {
    sim = await startTwilioSimulator({ clock, latency: { fixedMs: 200 } });
    const slow = call(sim, 'GET', messagesPath(sim));
    await clock.whenPending(1);
    expect(clock.pending()).toEqual([200]);
    clock.advance(199);
    expect(sim.requests[0]?.status).toBeUndefined();
    clock.advance(1);
    expect((await slow).status).toBe(200);
    sim.configure({ latency: undefined });
    // Answered without the clock moving at all.
    expect((await call(sim, 'GET', messagesPath(sim))).status).toBe(200);
    expect(clock.pending()).toEqual([]);
  });

  it('adds seeded jitter of up to jitterMs', async () => {
    sim = await startTwilioSimulator({ clock, latency: { jitterMs: 60 } });
    const waits = await latencies(6);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(60);
    expect(Math.max(...waits) - Math.min(...waits)).toBeGreaterThan(5);
    await sim.close();
    // The same seed draws the same delays; another seed others.
    sim = await startTwilioSimulator({ clock, latency: { jitterMs: 60 } });
    expect(await latencies(6)).toEqual(waits);
    await sim.close();
    sim = await startTwilioSimulator({ clock, latency: { jitterMs: 60 }, seed: 7 });
    expect(await latencies(6)).not.toEqual(waits);
  });

  it('drops the answer of a client that left while it was delayed', async () => {
    sim = await startTwilioSimulator({ clock, latency: { fixedMs: 150 } });
    const controller = new AbortController();
    const left = send(sim, message, { signal: controller.signal });
    await clock.whenPending(1);
    controller.abort();
    await expect(left).rejects.toThrow();
    // The simulator has seen the client leave once it counts no other request in progress.
    sim.configure({ latency: undefined });
    await waitForAsync(
      async () => (await call(sim, 'GET', messagesPath(sim))).headers['twilio-concurrent-requests'] === '1',
    );
    clock.advance(150);
    await waitFor(() => sim.messages.length === 1);
    expect(sim.requests[0]?.status).toBeUndefined();
  });
});

describe('concurrency limit', () => {
  it('answers 429 / 20429 beyond the limit, without processing the request', async () => {
    sim = await startTwilioSimulator({ clock, latency: { fixedMs: 100 }, concurrency: { limit: 2 } });
    const replies = await together(
      [() => send(sim, message), () => send(sim, message), () => send(sim, message)],
      100,
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 201, 429]);
    const refused = replies.find((reply) => reply.status === 429);
    expect(refused?.body).toMatchObject({ code: 20429, status: 429 });
    expect(refused?.headers['retry-after']).toBeUndefined();
    expect(refused?.headers['twilio-concurrent-requests']).toBe('3');
    expect(sim.messages).toHaveLength(2);
    expect((await together([() => send(sim, message)], 100))[0]?.status).toBe(201);
  });

  it('sends Retry-After when configured, and reports the concurrent requests', async () => {
    sim = await startTwilioSimulator({
      clock,
      latency: { fixedMs: 100 },
      concurrency: { limit: 1, retryAfter: 3 },
    });
    const replies = await together([() => send(sim, message), () => send(sim, message)], 100);
    expect(replies.map((reply) => reply.headers['retry-after'])).toContain('3');
    sim.configure({ concurrency: undefined });
    const all = await together([() => send(sim, message), () => send(sim, message)], 100);
    expect(all.map((reply) => reply.status)).toEqual([201, 201]);
    // Both were in progress together; which one answers first is up to the order the timers were set.
    expect(all.map((reply) => reply.headers['twilio-concurrent-requests'])).toContain('2');
  });

  it('counts per account, a Messaging v1 request by the account of its credentials', async () => {
    sim = await startTwilioSimulator({
      clock,
      latency: { fixedMs: 100 },
      concurrency: { limit: 1 },
      accounts: [
        { sid: DEFAULT_ACCOUNT_SID, authToken: 'a' },
        { sid: OTHER_SID, authToken: 'b' },
      ],
    });
    const other = `/2010-04-01/Accounts/${OTHER_SID}.json`;
    const service = `/v1/Services/MG${DEFAULT_ACCOUNT_SID.slice(2)}`;
    const keyAuth = basic(`SK${DEFAULT_ACCOUNT_SID.slice(2)}`, 'a');
    const own = { ...message, From: '+15005550006' };
    const separate = await together(
      [() => send(sim, own), () => call(sim, 'GET', other, { auth: basic(OTHER_SID, 'b') })],
      100,
    );
    expect(separate.map((reply) => reply.status)).toEqual([201, 200]);
    const shared = await together(
      [() => send(sim, own), () => call(sim, 'GET', service, { auth: keyAuth })],
      100,
    );
    expect(shared.filter((reply) => reply.status === 429)).toHaveLength(1);
    const anonymous = await together(
      [
        () => call(sim, 'GET', service, { auth: null }),
        () => call(sim, 'GET', service, { auth: basic('nobody', 'x') }),
      ],
      100,
    );
    expect(anonymous.map((reply) => reply.status)).toEqual([401, 401]);
  });
});

describe('per-sender pace', () => {
  it('answers 21611 when the sender’s queue would exceed its limit', async () => {
    sim = await startTwilioSimulator({
      lifecycle: false,
      pace: { segmentsPerSecond: 1, maxQueueSeconds: 2 },
    });
    expect((await send(sim, message)).status).toBe(201);
    expect((await send(sim, message)).status).toBe(201);
    const full = await send(sim, message);
    expect(full.body).toMatchObject({ code: 21611, status: 400 });
    expect(full.body.message).toContain('+15551234567');
    expect((await send(sim, { ...message, From: '+18885550100' })).status).toBe(201);
  });

  it('counts segments, not messages, and has a rate per sender', async () => {
    sim = await startTwilioSimulator({
      lifecycle: false,
      pace: { segmentsPerSecond: 1, maxQueueSeconds: 2, senders: { '+18885550100': 100 } },
    });
    expect((await send(sim, { ...message, Body: 'a'.repeat(400) })).body.code).toBe(21611);
    expect((await send(sim, { ...message, From: '+18885550100', Body: 'a'.repeat(400) })).status).toBe(201);
  });

  it('queues a Messaging Service’s pooled sends under the service', async () => {
    sim = await startTwilioSimulator({
      lifecycle: false,
      pace: { segmentsPerSecond: 1, maxQueueSeconds: 1 },
    });
    const pooled = { MessagingServiceSid: DEFAULT_MESSAGING_SERVICE_SID, ...message };
    expect((await send(sim, pooled)).status).toBe(201);
    const reply = await send(sim, pooled);
    expect(reply.body.code).toBe(21611);
    expect(reply.body.message).toContain(DEFAULT_MESSAGING_SERVICE_SID);
  });

  it('sends each message when its sender’s queue reaches it', async () => {
    sim = await startTwilioSimulator({
      clock,
      lifecycle: { sentAfterMs: 0, deliveredAfterMs: 10_000 },
      pace: { segmentsPerSecond: 5 },
    });
    await send(sim, message);
    await send(sim, message);
    // One segment takes 200 ms at 5 per second: the first is sent at 200 ms, the second at 400 ms.
    clock.advance(300);
    expect(sim.messages.map((m) => m.status)).toEqual(['sent', 'queued']);
    clock.advance(99);
    expect(sim.messages[1]?.status).toBe('queued');
    clock.advance(1);
    expect(sim.messages[1]?.status).toBe('sent');
  });
});

describe('configure', () => {
  it('leaves knobs it is not given alone', async () => {
    sim = await startTwilioSimulator({ lifecycle: false, faults: [{ kind: '503' }] });
    sim.configure({ latency: { fixedMs: 0 } });
    expect((await send(sim, message)).status).toBe(503);
  });
});
