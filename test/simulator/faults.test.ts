import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/simulator/faults.js';
import { type FaultRequest, startTwilioSimulator, type TwilioSimulator } from '../../src/simulator/index.js';
import { call, messagesPath, send, waitFor } from './client.js';

let sim: TwilioSimulator;

afterEach(() => sim.close());

const message = { To: '+15557654321', Body: 'x' };

async function statuses(count: number): Promise<Array<number | string>> {
  const seen: Array<number | string> = [];
  for (let i = 0; i < count; i++) {
    seen.push(
      await send(sim, message).then(
        (reply) => reply.status,
        () => 'reset',
      ),
    );
  }
  return seen;
}

describe('scripted faults', () => {
  it.each([
    ['500', 500, 20500],
    ['503', 503, 20503],
    ['429', 429, 20429],
  ] as const)('answers %s without creating the message', async (kind, status, code) => {
    sim = await startTwilioSimulator({ lifecycle: false, faults: [{ kind }] });
    const reply = await send(sim, message);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual({
      code,
      message: expect.any(String),
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    });
    expect(reply.headers['retry-after']).toBeUndefined();
    expect(sim.messages).toHaveLength(0);
    expect(sim.requests[0]).toMatchObject({ fault: kind, status });
  });

  it.each([5, 'Wed, 21 Oct 2026 07:28:00 GMT'])('sends Retry-After: %s with a 429', async (retryAfter) => {
    sim = await startTwilioSimulator({ faults: [{ kind: '429', retryAfter }] });
    expect((await send(sim, message)).headers['retry-after']).toBe(String(retryAfter));
  });

  it('resets the connection before creating the message', async () => {
    sim = await startTwilioSimulator({ faults: [{ kind: 'reset_before_create' }] });
    await expect(send(sim, message)).rejects.toThrow();
    expect(sim.messages).toHaveLength(0);
    expect(sim.requests[0]?.fault).toBe('reset_before_create');
    expect(sim.requests[0]?.status).toBeUndefined();
  });

  it('creates the message, then resets the connection', async () => {
    sim = await startTwilioSimulator({ faults: [{ kind: 'reset_after_create' }] });
    await expect(send(sim, message)).rejects.toThrow();
    expect(sim.messages).toHaveLength(1);
  });

  it('creates the message, then answers 500 ("created then 500")', async () => {
    sim = await startTwilioSimulator({ faults: [{ kind: 'created_then_500' }] });
    const reply = await send(sim, message);
    expect(reply.status).toBe(500);
    expect(reply.body.code).toBe(20500);
    expect(sim.messages).toHaveLength(1);
  });

  it('creates the message, then holds the answer until the client gives up ("created then hang")', async () => {
    sim = await startTwilioSimulator({ faults: [{ nth: 1, kind: 'created_then_hang' }] });
    const controller = new AbortController();
    const sending = send(sim, message, { signal: controller.signal });
    await expect.poll(() => sim.messages.length).toBe(1);
    controller.abort();
    await expect(sending).rejects.toThrow();
    expect([sim.requests[0]?.fault, sim.requests[0]?.status]).toEqual(['created_then_hang', undefined]);
    expect((await send(sim, message)).status).toBe(201);
  });

  it('hangs until the client gives up, then serves that client’s next connection', async () => {
    sim = await startTwilioSimulator({ faults: [{ nth: 1, kind: 'hang' }] });
    const controller = new AbortController();
    const hung = send(sim, message, { signal: controller.signal });
    await waitFor(() => sim.requests.length === 1);
    // Nothing answers it: the client is the one that ends it.
    controller.abort();
    await expect(hung).rejects.toThrow(/abort/i);
    expect(sim.requests[0]?.status).toBeUndefined();
    expect(sim.messages).toHaveLength(0);
    expect((await send(sim, message)).status).toBe(201);
  });

  it('counts nth per rule, among the requests the rule matches', async () => {
    sim = await startTwilioSimulator({
      lifecycle: false,
      faults: [
        { nth: [2, 4], kind: '503' },
        { on: 'list', nth: 1, kind: '500' },
      ],
    });
    expect((await call(sim, 'GET', messagesPath(sim))).status).toBe(500);
    expect(await statuses(5)).toEqual([201, 503, 201, 503, 201]);
    expect((await call(sim, 'GET', messagesPath(sim))).status).toBe(200);
  });

  it('lets the first matching rule win while every matching rule counts the request', async () => {
    sim = await startTwilioSimulator({
      faults: [
        { nth: 1, kind: '500' },
        { nth: 1, kind: '503' },
        { nth: 2, kind: '429' },
      ],
    });
    expect(await statuses(3)).toEqual([500, 429, 201]);
  });

  it('applies a rule to one recipient only', async () => {
    sim = await startTwilioSimulator({ faults: [{ to: '+15550000001', kind: '500' }] });
    expect((await send(sim, { To: '+15550000001', Body: 'x' })).status).toBe(500);
    expect((await send(sim, { To: ['+15550000001', '+15550000002'], Body: 'x' })).status).toBe(500);
    expect((await send(sim, { To: '+15550000002', Body: 'x' })).status).toBe(201);
    expect((await call(sim, 'GET', messagesPath(sim))).status).toBe(200);
  });

  it('counts every endpoint with on: "any"', async () => {
    sim = await startTwilioSimulator({ faults: [{ on: 'any', nth: 3, kind: '503' }] });
    const account = `/2010-04-01/Accounts/${sim.credentials.accountSid}`;
    expect((await call(sim, 'GET', `${account}.json`)).status).toBe(200);
    expect((await call(sim, 'GET', `${account}/IncomingPhoneNumbers.json`)).status).toBe(200);
    expect((await call(sim, 'GET', `/v1/Services/${sim.messagingServiceSid}`)).status).toBe(503);
    expect((await send(sim, message)).status).toBe(201);
  });

  it('restarts the counts when faults are set again, and turns them off with undefined', async () => {
    sim = await startTwilioSimulator({ faults: [{ nth: 2, kind: '500' }] });
    expect(await statuses(1)).toEqual([201]);
    sim.configure({ faults: [{ nth: 2, kind: '500' }] });
    expect(await statuses(2)).toEqual([201, 500]);
    sim.configure({ faults: undefined });
    expect(await statuses(2)).toEqual([201, 201]);
  });

  it('asks a fault function, telling it the target and the count', async () => {
    const seen: FaultRequest[] = [];
    sim = await startTwilioSimulator({
      lifecycle: false,
      faults: (request) => {
        seen.push(request);
        return request.target === 'create' && request.count === 2
          ? { kind: '429', retryAfter: 1 }
          : undefined;
      },
    });
    expect(await statuses(3)).toEqual([201, 429, 201]);
    await call(sim, 'GET', `${messagesPath(sim)}?PageSize=1`);
    await call(sim, 'GET', `${messagesPath(sim).replace('.json', '')}/${sim.messages[0]?.sid}.json`);
    expect(seen.map((request) => [request.target, request.count])).toEqual([
      ['create', 1],
      ['create', 2],
      ['create', 3],
      ['list', 1],
      ['fetch', 1],
    ]);
    expect(seen[0]).toMatchObject({ method: 'POST', path: messagesPath(sim), form: { To: '+15557654321' } });
    expect(seen[3]?.query).toEqual({ PageSize: '1' });
  });

  it('answers 500 / 20500 when the fault function throws', async () => {
    sim = await startTwilioSimulator({
      faults: () => {
        throw new Error('bug in the test');
      },
    });
    const reply = await send(sim, message);
    expect(reply.status).toBe(500);
    expect(reply.body.code).toBe(20500);
  });

  it('applies faults before authentication, so a 401 is never what a fault hides', async () => {
    sim = await startTwilioSimulator({ faults: [{ nth: 1, kind: 'created_then_500' }] });
    const reply = await send(sim, message, { auth: null });
    expect(reply.status).toBe(500);
    expect(sim.messages).toHaveLength(0);
  });
});

describe('random faults', () => {
  const pattern = async (seed: number) => {
    sim = await startTwilioSimulator({
      seed,
      lifecycle: false,
      randomFaults: { rate: 0.5, kinds: ['500', '503'] },
    });
    const seen = await statuses(12);
    await sim.close();
    return seen;
  };

  it('hit the same requests for the same seed, and others for another seed', async () => {
    const first = await pattern(42);
    const again = await pattern(42);
    const other = await pattern(7);
    expect(first).toEqual(again);
    expect(first).not.toEqual(other);
    expect(first.filter((status) => status !== 201).length).toBeGreaterThan(0);
    expect(first.filter((status) => status === 201).length).toBeGreaterThan(0);
    sim = await startTwilioSimulator();
  });

  it('use every kind but hang by default, with retryAfter on 429s', async () => {
    sim = await startTwilioSimulator({ lifecycle: false, randomFaults: { rate: 1, retryAfter: 2 } });
    const kinds = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await send(sim, message).catch(() => undefined);
      const last = sim.requests.at(-1);
      kinds.add(last?.fault as string);
      if (last?.fault === '429') expect(last.status).toBe(429);
    }
    expect([...kinds].sort()).toEqual(
      ['429', '500', '503', 'created_then_500', 'reset_after_create', 'reset_before_create'].sort(),
    );
  });

  it('only hit the chosen target, and never with rate 0 or no kinds', async () => {
    sim = await startTwilioSimulator({ randomFaults: { rate: 1, kinds: ['503'], on: 'list' } });
    expect((await send(sim, message)).status).toBe(201);
    expect((await call(sim, 'GET', messagesPath(sim))).status).toBe(503);
    sim.configure({ randomFaults: { rate: 1, kinds: ['503'], on: 'any' } });
    expect((await send(sim, message)).status).toBe(503);
    sim.configure({ randomFaults: { rate: 0 } });
    expect((await send(sim, message)).status).toBe(201);
    sim.configure({ randomFaults: { rate: 1, kinds: [] } });
    expect((await send(sim, message)).status).toBe(201);
  });

  it('come after scripted faults', async () => {
    sim = await startTwilioSimulator({
      faults: [{ nth: 1, kind: '500' }],
      randomFaults: { rate: 1, kinds: ['503'] },
    });
    expect(await statuses(2)).toEqual([500, 503]);
  });
});

describe('mulberry32', () => {
  it('is deterministic, in [0, 1), and differs between seeds', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(mulberry32(2)()).not.toBe(mulberry32(1)());
  });
});
