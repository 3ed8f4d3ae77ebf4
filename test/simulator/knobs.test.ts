import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_MESSAGING_SERVICE_SID,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { basic, call, messagesPath, send, waitFor } from './client.js';

const OTHER_SID = 'AC00000000000000000000000000000002';

let sim: TwilioSimulator;

afterEach(() => sim.close());

const message = { To: '+15557654321', Body: 'x' };

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

describe('latency', () => {
  it('delays every answer by fixedMs, and by nothing once turned off', async () => {
    sim = await startTwilioSimulator({ latency: { fixedMs: 200 } });
    const [, slow] = await timed(() => call(sim, 'GET', messagesPath(sim)));
    expect(slow).toBeGreaterThanOrEqual(195);
    sim.configure({ latency: undefined });
    const [, fast] = await timed(() => call(sim, 'GET', messagesPath(sim)));
    expect(fast).toBeLessThan(150);
  });

  it('adds seeded jitter of up to jitterMs', async () => {
    sim = await startTwilioSimulator({ latency: { jitterMs: 60 } });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) times.push((await timed(() => call(sim, 'GET', messagesPath(sim))))[1]);
    expect(Math.max(...times)).toBeLessThan(150);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(5);
  });

  it('drops the answer of a client that left while it was delayed', async () => {
    sim = await startTwilioSimulator({ latency: { fixedMs: 150 } });
    await expect(send(sim, message, { signal: AbortSignal.timeout(30) })).rejects.toThrow();
    await waitFor(() => sim.messages.length === 1);
    expect(sim.requests[0]?.status).toBeUndefined();
  });
});

describe('concurrency limit', () => {
  it('answers 429 / 20429 beyond the limit, without processing the request', async () => {
    sim = await startTwilioSimulator({ latency: { fixedMs: 100 }, concurrency: { limit: 2 } });
    const replies = await Promise.all([send(sim, message), send(sim, message), send(sim, message)]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 201, 429]);
    const refused = replies.find((reply) => reply.status === 429);
    expect(refused?.body).toMatchObject({ code: 20429, status: 429 });
    expect(refused?.headers['retry-after']).toBeUndefined();
    expect(refused?.headers['twilio-concurrent-requests']).toBe('3');
    expect(sim.messages).toHaveLength(2);
    expect((await send(sim, message)).status).toBe(201);
  });

  it('sends Retry-After when configured, and reports the concurrent requests', async () => {
    sim = await startTwilioSimulator({ latency: { fixedMs: 100 }, concurrency: { limit: 1, retryAfter: 3 } });
    const replies = await Promise.all([send(sim, message), send(sim, message)]);
    expect(replies.map((reply) => reply.headers['retry-after'])).toContain('3');
    sim.configure({ concurrency: undefined });
    const all = await Promise.all([send(sim, message), send(sim, message)]);
    expect(all.map((reply) => reply.status)).toEqual([201, 201]);
    // Both were in progress together; which one answers first is up to the timers.
    expect(all.map((reply) => reply.headers['twilio-concurrent-requests'])).toContain('2');
  });

  it('counts per account, a Messaging v1 request by the account of its credentials', async () => {
    sim = await startTwilioSimulator({
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
    const separate = await Promise.all([
      send(sim, own),
      call(sim, 'GET', other, { auth: basic(OTHER_SID, 'b') }),
    ]);
    expect(separate.map((reply) => reply.status)).toEqual([201, 200]);
    const shared = await Promise.all([send(sim, own), call(sim, 'GET', service, { auth: keyAuth })]);
    expect(shared.filter((reply) => reply.status === 429)).toHaveLength(1);
    const anonymous = await Promise.all([
      call(sim, 'GET', service, { auth: null }),
      call(sim, 'GET', service, { auth: basic('nobody', 'x') }),
    ]);
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
      lifecycle: { sentAfterMs: 0, deliveredAfterMs: 10_000 },
      pace: { segmentsPerSecond: 5 },
    });
    await send(sim, message);
    await send(sim, message);
    // One segment takes 200 ms at 5 per second: the first is sent at 200 ms, the second at 400 ms.
    await sleep(300);
    expect(sim.messages.map((m) => m.status)).toEqual(['sent', 'queued']);
    await waitFor(() => sim.messages[1]?.status === 'sent');
  });
});

describe('configure', () => {
  it('leaves knobs it is not given alone', async () => {
    sim = await startTwilioSimulator({ lifecycle: false, faults: [{ kind: '503' }] });
    sim.configure({ latency: { fixedMs: 0 } });
    expect((await send(sim, message)).status).toBe(503);
  });
});
