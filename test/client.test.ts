import nock from 'nock';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import {
  AbortedError,
  NetworkError,
  TimeoutError,
  TwilioApiError,
  UnreadableResponseError,
} from '../src/errors.js';
import { startServer } from './helpers/server.js';
import { ACCOUNT_SID, AUTH_TOKEN } from './helpers/twilio.js';

// Real loopback servers only: see write-network.test.ts for why nock steps aside here.
beforeAll(() => nock.restore());
afterAll(() => nock.activate());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function client(url: string, dispatcher: Agent, timeoutMs = 1000) {
  return createClient({
    apiBaseUrl: url,
    messagingBaseUrl: url,
    username: ACCOUNT_SID,
    password: AUTH_TOKEN,
    timeoutMs,
    dispatcher,
    now: Date.now,
    logger: undefined,
  });
}

describe('client', () => {
  it('never sends a request that timed out while queued behind another', async () => {
    const server = await startServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{"sid":"SMd36c0364e3842955b2c8f86da3bd8ad6","status":"queued"}');
      }, 150);
    });
    cleanups.push(server.close);
    const agent = new Agent({ connections: 1 });
    cleanups.push(() => agent.close());
    const first = client(server.url, agent).createMessage(ACCOUNT_SID, 'To=1');
    const second = await client(server.url, agent, 30)
      .createMessage(ACCOUNT_SID, 'To=2')
      .catch((error: unknown) => error);
    expect(second).toBeInstanceOf(TimeoutError);
    expect((second as TimeoutError).written).toBe(false);
    expect((await first).body.sid).toBe('SMd36c0364e3842955b2c8f86da3bd8ad6');
    // One connection, in order: had the timed-out request been sent, it would have arrived before this one.
    await client(server.url, agent).createMessage(ACCOUNT_SID, 'To=3');
    expect(server.received.map((r) => r.body)).toEqual(['To=1', 'To=3']);
  });

  it('rejects at once, without a request, when the signal is already aborted', async () => {
    const server = await startServer(() => {});
    cleanups.push(server.close);
    const agent = new Agent();
    cleanups.push(() => agent.close());
    const error = await client(server.url, agent)
      .get('api', '/x', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(server.received).toEqual([]);
  });

  it('keeps an unparseable error answer as a TwilioApiError with its status', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(502, { 'twilio-request-id': 'RQ815e25eebd217dd2eb208429e07cd9d0' });
      res.end('<html>Bad gateway</html>');
    });
    cleanups.push(server.close);
    const agent = new Agent();
    cleanups.push(() => agent.close());
    const error = (await client(server.url, agent)
      .get('messaging', '/v1/Services/MG1')
      .catch((e: unknown) => e)) as TwilioApiError;
    expect(error).toBeInstanceOf(TwilioApiError);
    expect([error.httpStatus, error.twilioCode, error.requestId]).toEqual([
      502,
      undefined,
      'RQ815e25eebd217dd2eb208429e07cd9d0',
    ]);
    expect(error.message).toBe('Twilio answered HTTP 502 to GET /v1/Services/MG1');
  });

  it.each([
    [
      'a reset mid-body',
      1000,
      (res: import('node:http').ServerResponse) => setTimeout(() => res.socket?.destroy(), 10),
    ],
    ['a timeout after the headers', 50, () => {}],
  ])(
    'reports a 2xx cut off by %s as unreadable, never as a retryable network failure',
    async (_name, timeoutMs, cut) => {
      const server = await startServer((_req, res) => {
        res.writeHead(201, {
          'content-length': '100',
          'twilio-request-id': 'RQ566f4949f6703d35abe08b4981b8552c',
        });
        res.write('{"sid":');
        cut(res);
      });
      cleanups.push(server.close);
      const agent = new Agent();
      cleanups.push(() => agent.close());
      const error = (await client(server.url, agent, timeoutMs)
        .createMessage(ACCOUNT_SID, 'To=1')
        .catch((e: unknown) => e)) as UnreadableResponseError;
      expect(error).toBeInstanceOf(UnreadableResponseError);
      expect([error.httpStatus, error.requestId]).toEqual([201, 'RQ566f4949f6703d35abe08b4981b8552c']);
      expect(error.message).toMatch(
        /^Twilio's HTTP 201 answer to POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json was cut off \(/,
      );
      expect(error.cause).toBeInstanceOf(Error);
    },
  );

  it('reports a reset before any answer as a written network failure', async () => {
    const server = await startServer((req) => req.socket.destroy());
    cleanups.push(server.close);
    const agent = new Agent();
    cleanups.push(() => agent.close());
    const error = (await client(server.url, agent)
      .createMessage(ACCOUNT_SID, 'To=1')
      .catch((e: unknown) => e)) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.written).toBe(true);
  });
});
