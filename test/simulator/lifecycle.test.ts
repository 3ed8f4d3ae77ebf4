import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryOutcome } from '../../src/delivery/outcome.js';
import { verifyTwilioSignature } from '../../src/signature.js';
import {
  DEFAULT_MESSAGING_SERVICE_SID,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { call, send, waitFor } from './client.js';
import { schemaErrors } from './oai-schema.js';

interface Post {
  path: string;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
}

/** A status callback receiver on 127.0.0.1 that answers `status`, or never answers with 'hang'. */
async function startReceiver(status: number | 'hang' = 204) {
  const posts: Post[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    posts.push({
      path: req.url as string,
      headers: req.headers,
      params: Object.fromEntries(new URLSearchParams(body)),
    });
    if (status !== 'hang') res.writeHead(status).end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

let sim: TwilioSimulator;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

afterEach(async () => {
  await sim.close();
  await receiver?.close();
  receiver = undefined;
});

const fast = { sentAfterMs: 5, deliveredAfterMs: 5 };

describe('status progression', () => {
  it('moves queued → sent (with date_sent) → delivered, updating the live message', async () => {
    sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 60, deliveredAfterMs: 60 } });
    const reply = await send(sim, { To: '+15557654321', Body: 'hi' });
    const message = sim.messages[0];
    expect(message?.status).toBe('queued');
    await waitFor(() => message?.status === 'sent');
    expect(message?.date_sent).toMatch(/ \+0000$/);
    expect(message?.date_updated).toBe(message?.date_sent);
    await waitFor(() => message?.status === 'delivered');
    expect(message).toMatchObject({ sid: reply.body.sid, error_code: null, error_message: null });
  });

  it.each([
    ['+15555550100', 30003, 'Unreachable destination handset', 'undelivered', 'transient'],
    ['+15555550101', 30005, 'Unknown destination handset', 'undelivered', 'permanent'],
    ['+15555550102', 30006, 'Landline or unreachable carrier', 'undelivered', 'permanent'],
    ['+15555550103', 30007, 'Message filtered', 'undelivered', 'blocked'],
    ['+15555550104', 21610, 'Attempt to send to unsubscribed recipient', 'failed', 'opted_out'],
    ['whatsapp:+15555550100', 30003, 'Unreachable destination handset', 'undelivered', 'transient'],
  ])('ends the default recipient %s with %i (%s), %s, %s', async (to, code, text, status, outcome) => {
    sim = await startTwilioSimulator({ lifecycle: fast });
    const created = await send(sim, {
      To: to,
      From: to.startsWith('whatsapp:') ? 'whatsapp:+15551234567' : '+15551234567',
      Body: 'x',
    });
    await waitFor(() => sim.messages[0]?.status === status);
    expect(sim.messages[0]).toMatchObject({ error_code: code, error_message: text });
    expect(sim.messages[0]?.date_sent).not.toBeNull();
    expect(deliveryOutcome(status, code)).toBe(outcome);
    // GET …/Messages/{Sid}.json serves the final state, true to Twilio's schema.
    const fetched = await call(
      sim,
      'GET',
      `/2010-04-01/Accounts/${sim.credentials.accountSid}/Messages/${created.body.sid}.json`,
    );
    expect(fetched.body).toMatchObject({ status, error_code: code, error_message: text });
    expect(schemaErrors('api', 'api.v2010.account.message', fetched.body)).toEqual([]);
  });

  it('names a code of its own choosing by the outcome table', async () => {
    sim = await startTwilioSimulator({ lifecycle: fast, unreachable: { '+15550000009': 30034 } });
    await send(sim, { To: '+15550000009', Body: 'x' });
    await waitFor(() => sim.messages[0]?.status === 'undelivered');
    expect(sim.messages[0]).toMatchObject({
      error_code: 30034,
      error_message: 'US A2P 10DLC message from an unregistered number',
    });
  });

  it('takes the unreachable recipients it is given, and the defaults back with undefined', async () => {
    sim = await startTwilioSimulator({ lifecycle: fast, unreachable: { '+15550000001': 30005 } });
    await send(sim, { To: '+15550000001', Body: 'x' });
    await send(sim, { To: '+15555550100', Body: 'x' });
    await waitFor(() => sim.messages.every((m) => m.status === 'undelivered' || m.status === 'delivered'));
    expect(sim.messages.map((m) => [m.status, m.error_code])).toEqual([
      ['undelivered', 30005],
      ['delivered', null],
    ]);
    sim.configure({ unreachable: undefined });
    await send(sim, { To: '+15555550100', Body: 'x' });
    await waitFor(() => sim.messages[2]?.status === 'undelivered');
  });

  it('gives a pooled message its sender and segment count when it leaves the queue', async () => {
    const clock = new ManualClock();
    sim = await startTwilioSimulator({
      clock,
      lifecycle: { sentAfterMs: 80, deliveredAfterMs: 5 },
      accounts: [
        {
          sid: 'AC00000000000000000000000000000001',
          authToken: 't',
          numbers: ['+15551234567'],
          messagingServices: [
            { sid: DEFAULT_MESSAGING_SERVICE_SID, senders: ['+18885550100'], smartEncoding: true },
            { sid: 'MG00000000000000000000000000000002', senders: [] },
          ],
        },
      ],
    });
    receiver = await startReceiver();
    const body = `“${'a'.repeat(158)}”`;
    await send(sim, { MessagingServiceSid: DEFAULT_MESSAGING_SERVICE_SID, To: '+15557654321', Body: body });
    await send(sim, {
      MessagingServiceSid: 'MG00000000000000000000000000000002',
      To: '+15557654321',
      Body: 'x',
      StatusCallback: `${receiver.url}/cb`,
    });
    expect(sim.messages.map((m) => [m.status, m.from, m.num_segments])).toEqual([
      ['accepted', null, '0'],
      ['accepted', null, '0'],
    ]);
    clock.advance(85);
    expect(sim.messages.map((m) => m.status)).toEqual(['delivered', 'delivered']);
    expect(sim.messages.map((m) => [m.from, m.num_segments])).toEqual([
      ['+18885550100', '1'],
      [null, '1'],
    ]);
    // Without a sender, the callback's From is empty rather than missing.
    await waitFor(() => receiver?.posts.length === 3);
    expect(receiver.posts.map((post) => post.params['From'])).toEqual(['', '', '']);
  });

  it('leaves messages queued with lifecycle: false', async () => {
    const clock = new ManualClock();
    sim = await startTwilioSimulator({ clock, lifecycle: false });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: 'http://127.0.0.1:9/cb' });
    expect(clock.pending()).toEqual([]);
    clock.advance(86_400_000);
    expect(sim.messages[0]?.status).toBe('queued');
    expect(sim.callbacks).toHaveLength(0);
  });

  it('uses the default timing (sent after 100 ms) when lifecycle is set back to undefined', async () => {
    const clock = new ManualClock();
    sim = await startTwilioSimulator({ clock, lifecycle: false });
    sim.configure({ lifecycle: undefined });
    await send(sim, { To: '+15557654321', Body: 'x' });
    expect(clock.pending()).toEqual([100]);
    clock.advance(99);
    expect(sim.messages[0]?.status).toBe('queued');
    clock.advance(1);
    expect(sim.messages[0]?.status).toBe('sent');
    expect(clock.pending()).toEqual([400]);
  });
});

describe('status callbacks', () => {
  it('posts each change, form-encoded and signed exactly as Twilio signs', async () => {
    receiver = await startReceiver();
    sim = await startTwilioSimulator({ lifecycle: fast });
    const callback = `${receiver.url}/twilio/status?row=7&batch=a`;
    const reply = await send(sim, { To: '+15557654321', Body: 'hi', StatusCallback: callback });
    await waitFor(() => receiver?.posts.length === 2);
    const [sent, delivered] = receiver.posts;
    expect(sent?.params).toEqual({
      AccountSid: sim.credentials.accountSid,
      ApiVersion: '2010-04-01',
      From: '+15551234567',
      MessageSid: reply.body.sid,
      MessageStatus: 'sent',
      SmsSid: reply.body.sid,
      SmsStatus: 'sent',
      To: '+15557654321',
    });
    expect(delivered?.params['MessageStatus']).toBe('delivered');
    for (const post of receiver.posts) {
      expect(post.path).toBe('/twilio/status?row=7&batch=a');
      expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(post.headers['i-twilio-idempotency-token']).toMatch(/^[0-9a-f]{32}$/);
      const signature = post.headers['x-twilio-signature'] as string;
      const args = { authToken: sim.credentials.authToken, url: callback, params: post.params, signature };
      expect(verifyTwilioSignature(args)).toBe(true);
      expect(verifyTwilioSignature({ ...args, authToken: 'another-token' })).toBe(false);
    }
    await waitFor(() => sim.callbacks.every((entry) => entry.status === 204));
    expect(sim.callbacks.map((entry) => entry.params['MessageStatus'])).toEqual(['sent', 'delivered']);
    expect(sim.callbacks[0]).toMatchObject({ url: callback, signature: sent?.headers['x-twilio-signature'] });
  });

  it('reports ErrorCode for undelivered messages', async () => {
    receiver = await startReceiver();
    sim = await startTwilioSimulator({ lifecycle: fast });
    await send(sim, { To: '+15555550100', Body: 'x', StatusCallback: `${receiver.url}/cb` });
    await waitFor(() => receiver?.posts.length === 2);
    expect(receiver.posts[1]?.params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect(receiver.posts[0]?.params['ErrorCode']).toBeUndefined();
  });

  it('posts pooled messages’ changes to the service’s callback, with MessagingServiceSid', async () => {
    receiver = await startReceiver();
    sim = await startTwilioSimulator({
      lifecycle: fast,
      accounts: [
        {
          sid: 'AC00000000000000000000000000000001',
          authToken: 'token-1',
          numbers: ['+15551234567'],
          messagingServices: [
            { sid: DEFAULT_MESSAGING_SERVICE_SID, statusCallback: `${receiver.url}/service` },
          ],
        },
      ],
    });
    await send(sim, { MessagingServiceSid: DEFAULT_MESSAGING_SERVICE_SID, To: '+15557654321', Body: 'x' });
    await waitFor(() => receiver?.posts.length === 3);
    expect(
      receiver.posts.map((post) => [post.path, post.params['MessageStatus'], post.params['From']]),
    ).toEqual([
      ['/service', 'queued', '+15551234567'],
      ['/service', 'sent', '+15551234567'],
      ['/service', 'delivered', '+15551234567'],
    ]);
    expect(receiver.posts[0]?.params['MessagingServiceSid']).toBe(DEFAULT_MESSAGING_SERVICE_SID);
  });

  it('signs with the Auth Token current when the callback is sent', async () => {
    receiver = await startReceiver();
    const clock = new ManualClock();
    sim = await startTwilioSimulator({ clock, lifecycle: { sentAfterMs: 40, deliveredAfterMs: 5 } });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: `${receiver.url}/cb` });
    sim.configure({ authToken: 'rotated' });
    clock.advance(45);
    await waitFor(() => receiver?.posts.length === 2);
    const post = receiver.posts[0] as Post;
    const signature = post.headers['x-twilio-signature'] as string;
    expect(
      verifyTwilioSignature({
        authToken: 'rotated',
        url: `${receiver.url}/cb`,
        params: post.params,
        signature,
      }),
    ).toBe(true);
  });

  it('records the receiver’s error status and goes on', async () => {
    receiver = await startReceiver(500);
    sim = await startTwilioSimulator({ lifecycle: fast });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: `${receiver.url}/cb` });
    await waitFor(() => sim.callbacks.length === 2 && sim.callbacks.every((entry) => entry.status === 500));
    expect(sim.messages[0]?.status).toBe('delivered');
  });

  it.each([
    ['a refused connection', 'http://127.0.0.1:9/cb'],
    ['an HTTPS receiver that is not there', 'https://127.0.0.1:9/cb'],
  ])('records %s as an error', async (_, url) => {
    sim = await startTwilioSimulator({ lifecycle: fast });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: url });
    await waitFor(
      () => sim.callbacks.length === 2 && sim.callbacks.every((entry) => entry.error !== undefined),
    );
    expect(sim.callbacks[0]?.error).toMatch(/ECONNREFUSED/);
    expect(sim.callbacks[0]?.status).toBeUndefined();
  });

  it('gives up on a receiver that does not answer within callbackTimeoutMs', async () => {
    receiver = await startReceiver('hang');
    sim = await startTwilioSimulator({
      lifecycle: { sentAfterMs: 5, deliveredAfterMs: 1000 },
      callbackTimeoutMs: 50,
    });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: `${receiver.url}/cb` });
    await waitFor(() => sim.callbacks[0]?.error !== undefined);
    expect(sim.callbacks[0]?.error).toBe('no answer within 50 ms');
  });

  it('keeps no callback history with record: false, but still posts', async () => {
    receiver = await startReceiver();
    sim = await startTwilioSimulator({ lifecycle: fast, record: false });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: `${receiver.url}/cb` });
    await waitFor(() => receiver?.posts.length === 2);
    expect(sim.callbacks).toHaveLength(0);
    expect(sim.requests).toHaveLength(0);
    expect(sim.messages).toHaveLength(1);
  });

  it('aborts a pending callback on close and sends none of the queued ones', async () => {
    receiver = await startReceiver('hang');
    sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 5, deliveredAfterMs: 5 } });
    await send(sim, { To: '+15557654321', Body: 'x', StatusCallback: `${receiver.url}/cb` });
    await waitFor(() => receiver?.posts.length === 1 && sim.messages[0]?.status === 'delivered');
    // close() resolves once the chain has ended: the hung post aborted, the queued one never sent.
    await sim.close();
    expect(sim.callbacks[0]?.error).toMatch(/abort/i);
    expect(sim.callbacks).toHaveLength(1);
    expect(receiver.posts).toHaveLength(1);
  });

  it('clears lifecycle timers on close', async () => {
    const clock = new ManualClock();
    sim = await startTwilioSimulator({ clock, lifecycle: { sentAfterMs: 40, deliveredAfterMs: 5 } });
    await send(sim, { To: '+15557654321', Body: 'x' });
    expect(clock.pending()).toEqual([40]);
    await sim.close();
    expect(clock.pending()).toEqual([]);
    clock.advance(80);
    expect(sim.messages[0]?.status).toBe('queued');
  });
});
