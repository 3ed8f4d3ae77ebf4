/**
 * The example receiver (examples/status-callback-server.ts, built on createStatusCallbackHandler) end to
 * end with the simulator's signed callbacks, and its handling of repeated and out-of-order callbacks.
 */
import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  main,
  type StatusCallbackServer,
  startStatusCallbackServer,
} from '../examples/status-callback-server.js';
import { computeTwilioSignature, TwilioDestination, verifyTwilioSignature } from '../src/index.js';
import { startTwilioSimulator } from '../src/simulator/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(options: Parameters<typeof startStatusCallbackServer>[0]) {
  const server = await startStatusCallbackServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function simulator(options: Parameters<typeof startTwilioSimulator>[0] = {}) {
  const sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 5, deliveredAfterMs: 5 }, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Posts a form to the receiver, signed for `signedUrl` with `token` unless `signature` is given. */
async function post(
  server: StatusCallbackServer,
  path: string,
  params: Record<string, string>,
  options: { token?: string; signedUrl?: string; signature?: string | null; method?: 'POST' | 'GET' } = {},
) {
  const url = `${server.url}${path}`;
  const signature =
    options.signature === undefined
      ? computeTwilioSignature(options.token ?? TOKEN, options.signedUrl ?? url, params)
      : options.signature;
  const response = await request(url, {
    method: options.method ?? 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    ...(options.method === 'GET' ? {} : { body: new URLSearchParams(params).toString() }),
  });
  await response.body.dump();
  return response.statusCode;
}

const TOKEN = '0123456789abcdef0123456789abcdef';
const callback = (sid: string, status: string, extra: Record<string, string> = {}) => ({
  AccountSid: 'AC00000000000000000000000000000001',
  MessageSid: sid,
  MessageStatus: status,
  To: '+14155550100',
  ...extra,
});

describe('the status callback receiver, end to end with the simulator', () => {
  it('verifies every signed callback and keeps each message’s final status', async () => {
    const sim = await simulator();
    const server = await receiver({ authToken: sim.credentials.authToken });
    const destination = new TwilioDestination(
      {
        credentials: sim.credentials,
        settings: { from: sim.numbers[1] as string, messageTemplate: 'Hi {{name}}' },
      },
      { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
    );
    cleanups.push(() => destination.close());
    const status_callback = `${server.url}/twilio/status?tenant=7`;
    const results = await destination.write([
      { to: '+14155550100', name: 'Ada', status_callback },
      { to: '+15555550100', name: 'Alan', status_callback }, // the simulator cannot reach this handset: 30003
      { to: '+14155550102', name: 'Grace', status_callback },
    ]);
    const sids = results.map((result) => (result.status === 'sent' ? result.messageSid : 'not sent'));
    // The simulator notes each answer once it has read it, a moment after the receiver recorded the post.
    await waitFor(() => server.counts.recorded === 6 && sim.callbacks.every((c) => c.status !== undefined));

    expect(sids.map((sid) => server.statuses.get(sid))).toEqual([
      expect.objectContaining({ status: 'delivered', to: '+14155550100', outcome: 'delivered' }),
      expect.objectContaining({
        status: 'undelivered',
        to: '+15555550100',
        errorCode: 30003,
        outcome: 'transient',
      }),
      expect.objectContaining({ status: 'delivered', to: '+14155550102', outcome: 'delivered' }),
    ]);
    expect(server.counts).toEqual({ recorded: 6, ignored: 0, refused: 0 });
    // What the receiver accepted, the package's public function accepts too, and only with the right token.
    expect(sim.callbacks).toHaveLength(6); // sent and delivered (or undelivered) for each
    for (const { url, params, signature, status } of sim.callbacks) {
      expect(status).toBe(204);
      expect(verifyTwilioSignature({ authToken: sim.credentials.authToken, url, params, signature })).toBe(
        true,
      );
      expect(verifyTwilioSignature({ authToken: TOKEN.replace('0', '1'), url, params, signature })).toBe(
        false,
      );
    }
  });

  it('keeps verifying across an Auth Token rotation when it knows both tokens', async () => {
    const sim = await simulator({ lifecycle: { sentAfterMs: 5, deliveredAfterMs: 300 } });
    const rotated = 'fedcba9876543210fedcba9876543210';
    const server = await receiver({ authToken: [rotated, sim.credentials.authToken] });
    const destination = new TwilioDestination(
      { credentials: sim.credentials, settings: { from: sim.numbers[1] as string, messageTemplate: 'Hi' } },
      { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
    );
    cleanups.push(() => destination.close());
    await destination.write([{ to: '+14155550100', status_callback: `${server.url}/status` }]);
    const old = sim.credentials.authToken;
    await waitFor(() => server.counts.recorded === 1); // sent, signed with the old token
    sim.configure({ authToken: rotated }); // delivered is signed with the new one
    await waitFor(() => server.counts.recorded === 2);
    expect([...server.statuses.values()].map((s) => s.status)).toEqual(['delivered']);
    expect(server.counts.refused).toBe(0);
    const [sent, delivered] = sim.callbacks;
    expect(sent?.signature).toBe(computeTwilioSignature(old, sent?.url ?? '', sent?.params ?? {}));
    expect(delivered?.signature).toBe(
      computeTwilioSignature(rotated, delivered?.url ?? '', delivered?.params ?? {}),
    );
  });

  it('refuses callbacks signed with a token it does not know, and records nothing', async () => {
    const sim = await simulator();
    const server = await receiver({ authToken: TOKEN.replace('0', '1') });
    const destination = new TwilioDestination(
      { credentials: sim.credentials, settings: { from: sim.numbers[1] as string, messageTemplate: 'Hi' } },
      { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
    );
    cleanups.push(() => destination.close());
    await destination.write([{ to: '+14155550100', status_callback: `${server.url}/status` }]);
    await waitFor(() => sim.callbacks.length === 2 && sim.callbacks.every((c) => c.status !== undefined));
    expect(sim.callbacks.map((c) => c.status)).toEqual([403, 403]);
    expect(server.statuses.size).toBe(0);
    expect(server.counts).toEqual({ recorded: 0, ignored: 0, refused: 2 });
  });
});

describe('the status callback receiver', () => {
  it.each([
    [['queued', 'sent', 'delivered'], 'delivered', 3],
    [['delivered', 'sent', 'queued'], 'delivered', 1],
    [['sent', 'undelivered', 'delivered'], 'undelivered', 2],
    [['accepted', 'queued', 'queued'], 'queued', 2],
    [['delivered', 'read', 'sent'], 'read', 2],
  ])('after %j keeps %s', async (sequence, latest, recorded) => {
    const server = await receiver({ authToken: TOKEN });
    for (const status of sequence) expect(await post(server, '/s', callback('SM1', status))).toBe(204);
    expect(server.statuses.get('SM1')?.status).toBe(latest);
    expect(server.counts).toEqual({ recorded, ignored: sequence.length - recorded, refused: 0 });
  });

  it('ignores a callback that arrives after a later status, answering 204 so Twilio does not resend it', async () => {
    const seen: string[] = [];
    const server = await receiver({ authToken: TOKEN, onStatus: (s) => seen.push(s.status) });
    expect(await post(server, '/s', callback('SM1', 'queued'))).toBe(204);
    expect(await post(server, '/s', callback('SM1', 'delivered'))).toBe(204);
    expect(await post(server, '/s', callback('SM1', 'sent'))).toBe(204);
    expect(await post(server, '/s', callback('SM1', 'delivered'))).toBe(204);
    expect(server.statuses.get('SM1')?.status).toBe('delivered');
    expect(seen).toEqual(['queued', 'delivered']);
    expect(server.counts).toEqual({ recorded: 2, ignored: 2, refused: 0 });
  });

  it('keeps the error code of an undelivered message', async () => {
    const server = await receiver({ authToken: TOKEN });
    await post(server, '/s', callback('SM1', 'undelivered', { ErrorCode: '30005' }));
    expect(server.statuses.get('SM1')).toMatchObject({ status: 'undelivered', errorCode: 30005 });
  });

  it.each([
    ['no signature', { signature: null }],
    ['a signature made with another token', { token: TOKEN.replace('0', '1') }],
    ['a signature for another path', { signedUrl: 'http://127.0.0.1/other' }],
    ['a tampered signature', { signature: computeTwilioSignature(TOKEN, 'x', {}) }],
  ])('refuses a post with %s (403)', async (_, options) => {
    const server = await receiver({ authToken: TOKEN });
    expect(await post(server, '/s', callback('SM1', 'delivered'), options)).toBe(403);
    expect(server.statuses.size).toBe(0);
    expect(server.counts).toEqual({ recorded: 0, ignored: 0, refused: 1 });
  });

  it('refuses a tampered field', async () => {
    const server = await receiver({ authToken: TOKEN });
    const signature = computeTwilioSignature(TOKEN, `${server.url}/s`, callback('SM1', 'undelivered'));
    expect(await post(server, '/s', callback('SM1', 'delivered'), { signature })).toBe(403);
  });

  it.each([
    ['https://hooks.example.com', 'https://hooks.example.com:443/twilio/status'],
    ['https://hooks.example.com:443/', 'https://hooks.example.com/twilio/status'],
  ])(
    'verifies against its public URL %s, whichever default-port form Twilio signed',
    async (publicUrl, signed) => {
      const server = await receiver({ authToken: TOKEN, publicUrl });
      expect(await post(server, '/twilio/status', callback('SM1', 'sent'), { signedUrl: signed })).toBe(204);
      expect(await post(server, '/twilio/status', callback('SM2', 'sent'))).toBe(403); // signed for 127.0.0.1
    },
  );

  it('answers 405 to anything but POST, 413 to a huge body, 400 to a signed post that is not a callback', async () => {
    const server = await receiver({ authToken: TOKEN });
    expect(await post(server, '/s', {}, { method: 'GET' })).toBe(405);
    expect(await post(server, '/s', { Body: 'x'.repeat(70_000) })).toBe(413);
    expect(await post(server, '/s', { MessageSid: 'SM1' })).toBe(400);
    expect(server.counts).toEqual({ recorded: 0, ignored: 0, refused: 3 });
  });

  it('verifies a repeated field once per value, as Twilio signs it', async () => {
    const server = await receiver({ authToken: TOKEN });
    const body = 'MessageSid=SM1&MessageStatus=sent&MediaUrl=b&MediaUrl=a';
    const signature = computeTwilioSignature(TOKEN, `${server.url}/s`, {
      MessageSid: 'SM1',
      MessageStatus: 'sent',
      MediaUrl: ['a', 'b'],
    });
    const response = await request(`${server.url}/s`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body,
    });
    await response.body.dump();
    expect(response.statusCode).toBe(204);
  });
});

describe('the example as a program', () => {
  it('runs the demo against the simulator: two delivered, one undelivered with 30003', async () => {
    const lines: string[] = [];
    expect(await main(['--demo'], (line) => lines.push(line))).toEqual({ exitCode: 0 });
    const finals = lines.filter((line) => / (delivered|undelivered)/.test(line));
    expect(finals).toHaveLength(3);
    expect(
      finals.filter((line) => line.includes('+15555550100: undelivered (error 30003, transient)')),
    ).toHaveLength(1);
    expect(lines.at(-1)).toBe('recorded 6, ignored 0, refused 0');
  });

  it('asks for the Auth Token when it is not set', async () => {
    vi.stubEnv('TWILIO_AUTH_TOKEN', '');
    const lines: string[] = [];
    expect(await main([], (line) => lines.push(line))).toEqual({ exitCode: 2 });
    expect(lines[0]).toMatch(/TWILIO_AUTH_TOKEN/);
    vi.unstubAllEnvs();
  });

  it('listens with the token from the environment', async () => {
    vi.stubEnv('TWILIO_AUTH_TOKEN', TOKEN);
    const lines: string[] = [];
    const { exitCode, server } = await main(
      ['--port', '0', '--public-url', 'https://hooks.example.com'],
      (l) => lines.push(l),
    );
    vi.unstubAllEnvs();
    expect(exitCode).toBe(0);
    if (server === undefined) throw new Error('no server');
    cleanups.push(() => server.close());
    expect(lines).toEqual([`Listening on ${server.url}; Ctrl+C stops.`]);
    // Signed for the public URL, with the token from the environment.
    const signedUrl = 'https://hooks.example.com/status';
    expect(await post(server, '/status', callback('SM1', 'sent'), { signedUrl })).toBe(204);
    expect(lines.at(-1)).toBe('SM1 sent');
  });
});
