import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT,
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY_SECRET,
  DEFAULT_API_KEY_SID,
  DEFAULT_AUTH_TOKEN,
  DEFAULT_MESSAGING_SERVICE_SID,
  DEFAULT_NUMBERS,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { keepMessage } from '../../src/simulator/messages.js';
import { createState, type MessageRecord } from '../../src/simulator/state.js';
import { basic, call, messagesPath, send, waitFor } from './client.js';

const started: TwilioSimulator[] = [];

async function start(options: Parameters<typeof startTwilioSimulator>[0] = {}) {
  const sim = await startTwilioSimulator(options);
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

describe('startTwilioSimulator', () => {
  it('listens on 127.0.0.1 and a free port, with the documented defaults', async () => {
    const sim = await start();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.credentials).toEqual({ accountSid: DEFAULT_ACCOUNT_SID, authToken: DEFAULT_AUTH_TOKEN });
    expect(sim.numbers).toEqual(DEFAULT_NUMBERS);
    expect(sim.numbers).toContain('+15005550006');
    expect(sim.messagingServiceSid).toBe(DEFAULT_MESSAGING_SERVICE_SID);
    expect(sim.apiKey).toEqual({ sid: DEFAULT_API_KEY_SID, secret: DEFAULT_API_KEY_SECRET });
    expect(sim.connections).toBe(0);
    for (const sid of [DEFAULT_ACCOUNT_SID, DEFAULT_MESSAGING_SERVICE_SID, DEFAULT_API_KEY_SID]) {
      expect(sid).toMatch(/^[A-Z]{2}[0-9a-f]{32}$/);
    }
    expect(DEFAULT_AUTH_TOKEN).toMatch(/^[0-9a-f]{32}$/);
  });

  it('listens on the port it is given', async () => {
    const probe = await startTwilioSimulator();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const sim = await start({ port });
    expect(sim.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('rejects when the port is taken', async () => {
    const sim = await start();
    await expect(startTwilioSimulator({ port: Number(new URL(sim.url).port) })).rejects.toThrow(/EADDRINUSE/);
  });

  it('keeps the default account first when more are added with DEFAULT_ACCOUNT', async () => {
    const other = { sid: 'AC00000000000000000000000000000002', authToken: 'other' };
    const sim = await start({ accounts: [DEFAULT_ACCOUNT, other] });
    expect(sim.credentials).toEqual({ accountSid: DEFAULT_ACCOUNT_SID, authToken: DEFAULT_AUTH_TOKEN });
    const reply = await call(sim, 'GET', `/2010-04-01/Accounts/${other.sid}.json`, {
      auth: basic(other.sid, 'other'),
    });
    expect(reply.body).toMatchObject({ sid: other.sid, status: 'active', type: 'Full' });
  });

  it('shows no Messaging Service for an account configured without one', async () => {
    const sim = await start({
      accounts: [{ sid: DEFAULT_ACCOUNT_SID, authToken: 't', messagingServices: [] }],
    });
    expect(sim.messagingServiceSid).toBe('');
    expect(sim.numbers).toEqual(['+15005550006']);
  });

  it('runs two simulators in one process without sharing anything', async () => {
    const a = await start({ lifecycle: false });
    const b = await start({ lifecycle: false, seed: 0x5eed });
    a.configure({ authToken: 'rotated', faults: [{ kind: '503' }] });
    expect((await send(b, { To: '+15557654321', Body: 'x' })).status).toBe(201);
    expect(a.messages).toHaveLength(0);
    expect(b.credentials.authToken).toBe(DEFAULT_AUTH_TOKEN);
    expect(a.url).not.toBe(b.url);
  });
});

describe('unknown paths', () => {
  it('answer 404 with Twilio’s headers before anything else is counted', async () => {
    const sim = await start();
    const reply = await call(sim, 'GET', '/2010-04-01/Nothing.json', { auth: null });
    expect(reply.status).toBe(404);
    expect(reply.headers['twilio-concurrent-requests']).toBe('0');
    expect(reply.headers['twilio-request-id']).toMatch(/^RQ[0-9a-f]{32}$/);
  });
});

describe('connections', () => {
  it('counts TCP connections: keep-alive requests on one pool share one', async () => {
    const sim = await start({ lifecycle: false });
    const pool = new Pool(sim.url, { connections: 1 });
    try {
      for (let i = 0; i < 5; i++) {
        expect((await send(sim, { To: '+15557654321', Body: `${i}` }, { dispatcher: pool })).status).toBe(
          201,
        );
      }
      expect(sim.connections).toBe(1);
      expect(sim.requests).toHaveLength(5);
    } finally {
      await pool.close();
    }
    const other = new Pool(sim.url);
    try {
      await call(sim, 'GET', messagesPath(sim), { dispatcher: other });
      expect(sim.connections).toBe(2);
    } finally {
      await other.close();
    }
  });
});

describe('recorded requests', () => {
  it('records when each request ended, after it arrived and after its latency', async () => {
    const sim = await start({ lifecycle: false, latency: { fixedMs: 30 } });
    await send(sim, { To: '+15557654321', Body: 'x' });
    // The answer is written before the response closes: wait for the close the server records.
    await expect.poll(() => sim.requests[0]?.endedAt).toBeInstanceOf(Date);
    const { at, endedAt } = sim.requests[0] as { at: Date; endedAt: Date };
    // Whole milliseconds on both sides: allow one for rounding.
    expect(endedAt.getTime() - at.getTime()).toBeGreaterThanOrEqual(29);
  });
});

describe('close()', () => {
  it('closes with open keep-alive sockets and a hung request, failing the hung request', async () => {
    const sim = await start({ faults: [{ nth: 1, kind: 'hang' }] });
    const pool = new Pool(sim.url, { connections: 2 });
    try {
      expect((await call(sim, 'GET', messagesPath(sim), { dispatcher: pool })).status).toBe(200);
      const hung = call(sim, 'POST', messagesPath(sim), {
        dispatcher: pool,
        form: { To: '+15557654321', From: '+15551234567', Body: 'x' },
      });
      await waitFor(() => sim.requests.length === 2);
      // Without destroying the sockets, close() would wait for the hung request, which never ends.
      await sim.close();
      await expect(hung).rejects.toThrow();
      expect(sim.requests[1]?.status).toBeUndefined();
    } finally {
      await pool.destroy();
    }
  });

  it('can be called more than once', async () => {
    const sim = await start();
    const first = sim.close();
    expect(sim.close()).toBe(first);
    await first;
    await expect(call(sim, 'GET', messagesPath(sim))).rejects.toThrow();
  });
});

describe('record: false', () => {
  const record = (sid: string) => ({ resource: { sid } }) as unknown as MessageRecord;

  it.each<[string, boolean, number, string[]]>([
    ['keeps every message when recording', true, 7, ['SM0', 'SM1', 'SM2', 'SM3', 'SM4', 'SM5', 'SM6']],
    ['keeps up to twice the window without recording', false, 5, ['SM0', 'SM1', 'SM2', 'SM3', 'SM4']],
    ['forgets the oldest down to the window at twice it', false, 6, ['SM3', 'SM4', 'SM5']],
    ['keeps forgetting as messages come', false, 13, ['SM9', 'SM10', 'SM11', 'SM12']],
  ])('%s', (_name, recording, count, kept) => {
    const state = createState({ record: recording });
    for (let i = 0; i < count; i++) keepMessage(state, record(`SM${i}`), 3);
    expect(state.records.map((r) => r.resource.sid)).toEqual(kept);
    expect(state.messages.map((m) => m.sid)).toEqual(kept);
    expect([...state.bySid.keys()]).toEqual(kept);
  });

  it('keeps no request history but still creates and lists messages', async () => {
    const sim = await start({ record: false, lifecycle: false });
    await send(sim, { To: '+15557654321', Body: 'x' });
    const list = await call(sim, 'GET', messagesPath(sim));
    expect(list.body.messages).toHaveLength(1);
    expect(sim.requests).toHaveLength(0);
    expect(sim.messages).toHaveLength(1);
  });
});
