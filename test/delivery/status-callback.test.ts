/**
 * The status callback handler over real HTTP on 127.0.0.1, mounted in node:http, Express and Fastify, with
 * bodies signed by Twilio's official library (`twilio.getExpectedTwilioSignature`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import twilio from 'twilio';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStatusCallbackHandler,
  type DeliveryEvent,
  type StatusCallbackHandlerOptions,
} from '../../src/delivery/status-callback.js';
import { computeBodySHA256 } from '../../src/signature.js';

const TOKEN = '0123456789abcdef0123456789abcdef';
const OLD_TOKEN = 'fedcba9876543210fedcba9876543210';
const SID = 'SM0123456789abcdef0123456789abcdef';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Mount = (options: StatusCallbackHandlerOptions) => Promise<string>;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      cleanups.push(
        () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      );
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

const mounts: Record<string, Mount> = {
  'node:http': (options) => {
    const handler = createStatusCallbackHandler(options);
    return listen(createServer((req, res) => void handler(req, res)));
  },
  Express: (options) => {
    const app = express();
    app.post('/twilio/status', createStatusCallbackHandler(options));
    app.get('/twilio/status', createStatusCallbackHandler(options));
    return listen(createServer(app));
  },
  Fastify: async (options) => {
    const app = Fastify();
    const handler = createStatusCallbackHandler(options);
    // Leave the body unread for the handler, which needs the exact bytes Twilio signed.
    app.addContentTypeParser(
      ['application/x-www-form-urlencoded', 'application/json'],
      (_req, _payload, done) => done(null),
    );
    app.route({
      method: ['POST', 'GET'],
      url: '/twilio/status',
      handler: async (req, reply) => {
        reply.hijack();
        await handler(req.raw, reply.raw);
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  },
};

interface Sent {
  status: number;
  body: string;
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  method: 'POST' | 'GET' = 'POST',
): Promise<Sent> {
  const response = await request(url, { method, headers, ...(method === 'POST' ? { body } : {}) });
  return { status: response.statusCode, body: await response.body.text() };
}

/** Posts `fields` form-encoded, signed by the official library for `signedFor` (default: the URL posted to). */
function postForm(
  url: string,
  fields: Record<string, string | string[]>,
  options: {
    token?: string;
    signedFor?: string;
    signature?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<Sent> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(options.token ?? TOKEN, options.signedFor ?? url, fields)
      : options.signature;
  return post(url, form.toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    ...options.headers,
  });
}

const callback = (status: string, extra: Record<string, string | string[]> = {}) => ({
  AccountSid: ACCOUNT,
  ApiVersion: '2010-04-01',
  From: '+15005550006',
  MessageSid: SID,
  MessageStatus: status,
  SmsSid: SID,
  SmsStatus: status,
  To: '+14155550100',
  ...extra,
});

function recorder(onStatus?: (event: DeliveryEvent) => void | Promise<void>) {
  const events: DeliveryEvent[] = [];
  return {
    events,
    onStatus: async (event: DeliveryEvent) => {
      events.push(event);
      await onStatus?.(event);
    },
  };
}

describe.each(Object.keys(mounts))('createStatusCallbackHandler in %s', (name) => {
  const mount = mounts[name] as Mount;

  it('answers 204 to a signed callback and hands on the typed event', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: TOKEN, onStatus });
    const fields = callback('undelivered', {
      ErrorCode: '30003',
      ErrorMessage: 'Unreachable destination handset',
    });
    expect(await postForm(`${base}/twilio/status?tenant=42`, fields)).toEqual({ status: 204, body: '' });
    expect(events).toEqual([
      {
        messageSid: SID,
        status: 'undelivered',
        errorCode: 30003,
        errorMessage: 'Unreachable destination handset',
        outcome: 'transient',
        to: '+14155550100',
        from: '+15005550006',
        accountSid: ACCOUNT,
        raw: fields,
      },
    ]);
  });

  it('answers 403 and calls nothing for a bad, missing or other-token signature, or a tampered field', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: TOKEN, onStatus });
    const url = `${base}/twilio/status`;
    const fields = callback('delivered');
    expect((await postForm(url, fields, { signature: null })).status).toBe(403);
    // The answer names the problem, never a token.
    expect(await postForm(url, fields, { signature: 'x' })).toEqual({
      status: 403,
      body: 'invalid X-Twilio-Signature',
    });
    expect((await postForm(url, fields, { token: OLD_TOKEN })).status).toBe(403);
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, fields);
    expect((await postForm(url, { ...fields, To: '+14155550199' }, { signature })).status).toBe(403);
    expect((await postForm(url, fields, { signedFor: `${base}/elsewhere` })).status).toBe(403);
    expect(events).toEqual([]);
  });

  it('accepts every token of a rotation, new and old', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: [TOKEN, OLD_TOKEN], onStatus });
    expect((await postForm(`${base}/twilio/status`, callback('sent'), { token: OLD_TOKEN })).status).toBe(
      204,
    );
    expect((await postForm(`${base}/twilio/status`, callback('delivered'))).status).toBe(204);
    expect(events.map((e) => e.status)).toEqual(['sent', 'delivered']);
  });

  it('answers 413 to a body over maxBodyBytes without calling onStatus', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: TOKEN, onStatus, maxBodyBytes: 1024 });
    const fields = callback('delivered', { Padding: 'x'.repeat(2000) });
    expect((await postForm(`${base}/twilio/status`, fields)).status).toBe(413);
    expect(events).toEqual([]);
  });

  it('answers 500 when onStatus rejects or throws, so that Twilio retries', async () => {
    let calls = 0;
    const base = await mount({
      authToken: TOKEN,
      onStatus: (event) => {
        calls++;
        if (event.status === 'sent') throw new Error('database down');
        return Promise.reject(new Error('database down'));
      },
    });
    expect((await postForm(`${base}/twilio/status`, callback('sent'))).status).toBe(500);
    expect((await postForm(`${base}/twilio/status`, callback('delivered'))).status).toBe(500);
    expect(calls).toBe(2);
  });

  it('answers 405 to a GET and 400 to a signed post that is not a status callback', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: TOKEN, onStatus });
    expect(await post(`${base}/twilio/status`, '', {}, 'GET')).toEqual({ status: 405, body: 'POST only' });
    expect((await postForm(`${base}/twilio/status`, { AccountSid: ACCOUNT })).status).toBe(400);
    expect(events).toEqual([]);
  });

  it('rebuilds the URL from publicUrl behind a proxy, and from X-Forwarded-* only when trusted', async () => {
    const { events, onStatus } = recorder();
    const publicBase = await mount({ authToken: TOKEN, onStatus, publicUrl: 'https://hooks.example.com/' });
    const proxied = await mount({ authToken: TOKEN, onStatus, trustProxy: true });
    const untrusted = await mount({ authToken: TOKEN, onStatus });
    const forwarded = { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'hooks.example.com' };
    const publicUrl = 'https://hooks.example.com/twilio/status?x=1';
    const send = (base: string, headers: Record<string, string> = {}) =>
      postForm(`${base}/twilio/status?x=1`, callback('sent'), { signedFor: publicUrl, headers });
    expect((await send(publicBase)).status).toBe(204);
    expect((await send(proxied, forwarded)).status).toBe(204);
    expect((await send(untrusted, forwarded)).status).toBe(403);
    // A trusting handler still uses its own address when no proxy header is there.
    expect((await postForm(`${proxied}/twilio/status`, callback('sent'))).status).toBe(204);
    expect(events).toHaveLength(3);
  });

  it('verifies a repeated field once per value, as the official library signs it', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: TOKEN, onStatus });
    const fields = callback('delivered', {
      MediaUrl: ['https://b.example/2.png', 'https://a.example/1.png'],
    });
    expect((await postForm(`${base}/twilio/status`, fields)).status).toBe(204);
    expect(events[0]?.raw['MediaUrl']).toEqual(['https://b.example/2.png', 'https://a.example/1.png']);
  });

  it('verifies a JSON webhook by its bodySHA256', async () => {
    const { events, onStatus } = recorder();
    const base = await mount({ authToken: TOKEN, onStatus });
    const body = JSON.stringify({
      MessageSid: SID,
      MessageStatus: 'read',
      AccountSid: ACCOUNT,
      ErrorCode: null,
    });
    const url = `${base}/twilio/status?bodySHA256=${computeBodySHA256(body)}`;
    const headers = {
      'content-type': 'application/json',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, url, {}),
    };
    expect((await post(url, body, headers)).status).toBe(204);
    expect((await post(url, `${body} `, headers)).status).toBe(403);
    expect((await post(url, '[1]', headers)).status).toBe(403);
    expect(events.map((e) => [e.status, e.outcome])).toEqual([['read', 'delivered']]);
  });
});

describe('createStatusCallbackHandler with frameworks that read the body first', () => {
  it('uses the fields Express’s urlencoded parser already read', async () => {
    const { events, onStatus } = recorder();
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post('/twilio/status', createStatusCallbackHandler({ authToken: TOKEN, onStatus }));
    const base = await listen(createServer(app));
    expect((await postForm(`${base}/twilio/status`, callback('delivered'))).status).toBe(204);
    expect(
      (await postForm(`${base}/twilio/status`, callback('delivered'), { token: OLD_TOKEN })).status,
    ).toBe(403);
    expect(events.map((e) => e.status)).toEqual(['delivered']);
  });

  it('uses a raw body Fastify parsed as a Buffer, and bounds it too', async () => {
    const { events, onStatus } = recorder();
    const app = Fastify();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const handler = createStatusCallbackHandler({ authToken: TOKEN, onStatus, maxBodyBytes: 600 });
    app.post('/twilio/status', async (req, reply) => {
      reply.hijack();
      await handler(Object.assign(req.raw, { body: req.body }), reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect((await postForm(`${base}/twilio/status`, callback('failed', { ErrorCode: '21610' }))).status).toBe(
      204,
    );
    expect((await postForm(`${base}/twilio/status`, callback('sent', { Pad: 'x'.repeat(700) }))).status).toBe(
      413,
    );
    expect(events.map((e) => e.outcome)).toEqual(['opted_out']);
  });
});

describe('createStatusCallbackHandler, edge cases', () => {
  async function direct(
    options: Partial<StatusCallbackHandlerOptions>,
    drive: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ) {
    const handler = createStatusCallbackHandler({ authToken: TOKEN, onStatus: () => {}, ...options });
    return listen(createServer((req, res) => void drive(req, res).then(() => handler(req, res))));
  }

  it('answers 400 when the request body stream fails', async () => {
    const statuses: number[] = [];
    const handler = createStatusCallbackHandler({ authToken: TOKEN, onStatus: () => {} });
    const base = await listen(
      createServer((req, res) => {
        req.on('data', () => req.destroy(new Error('boom')));
        void handler(req, res).then(() => statuses.push(res.statusCode));
      }),
    );
    await postForm(`${base}/twilio/status`, callback('sent')).catch(() => undefined);
    await expect.poll(() => statuses).toEqual([400]);
  });

  it('answers 413 from Content-Length alone, before reading', async () => {
    const base = await direct({ maxBodyBytes: 10 }, async () => {});
    expect((await post(`${base}/x`, 'a'.repeat(11), { 'content-type': 'text/plain' })).status).toBe(413);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no token', {}, /authToken must be/],
    ['an empty token list', { authToken: [] }, /authToken must be/],
    ['an API key secret', { apiKeySecret: 'x' }, /never with an API key secret/],
    ['no onStatus', { authToken: TOKEN, onStatus: undefined }, /onStatus must be a function/],
    ['a bad body limit', { authToken: TOKEN, maxBodyBytes: 0 }, /maxBodyBytes must be a positive integer/],
  ])('refuses %s when created', (_, options, message) => {
    expect(() =>
      createStatusCallbackHandler({
        onStatus: () => {},
        ...options,
      } as unknown as StatusCallbackHandlerOptions),
    ).toThrow(message);
  });
});
