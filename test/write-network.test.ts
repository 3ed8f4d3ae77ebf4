import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TwilioDestination } from '../src/destination.js';
import { closedPort, startServer } from './helpers/server.js';
import { baseConfig, failedResult, messageJson, sentResult } from './helpers/twilio.js';

const TO = '+14155550100';
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ to: TO, first_name: `N${i}` }));
const cleanups: (() => Promise<void>)[] = [];
// These tests talk to real loopback servers only. nock's socket-level interception would stand between
// undici and the socket and change exactly what they check (when a request counts as written, connections).
beforeAll(() => nock.restore());
afterAll(() => nock.activate());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function server(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  cleanups.push(s.close);
  return s;
}

function dest(url: string, options: ConstructorParameters<typeof TwilioDestination>[1] = {}) {
  const waits: number[] = [];
  const d = new TwilioDestination(baseConfig(), {
    apiBaseUrl: url,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  cleanups.push(() => d.close());
  return { d, waits };
}

const created = (res: import('node:http').ServerResponse, sid = 'SMd36c0364e3842955b2c8f86da3bd8ad6') => {
  res.writeHead(201, { 'content-type': 'application/json', 'twilio-request-id': `RQ${sid.slice(2)}` });
  res.end(JSON.stringify(messageJson({ sid })));
};

describe('write over real HTTP', () => {
  it('sends sequential rows over one keep-alive connection', async () => {
    const s = await server((_req, res, _body, n) => created(res, `SM${String(n).padStart(32, '0')}`));
    const { d } = dest(s.url);
    const results = await d.write(rows(10));
    expect(results.map((r) => r.status === 'sent' && r.messageSid)).toEqual(
      Array.from({ length: 10 }, (_, i) => `SM${String(i + 1).padStart(32, '0')}`),
    );
    expect(s.received).toHaveLength(10);
    expect(s.connections()).toBe(1);
  });

  it('reports a refused connection as retryable and not sent, after the retries', async () => {
    const url = await closedPort();
    const { d, waits } = dest(url);
    const [result] = await d.write(rows(1));
    expect(waits).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    expect(result).toEqual(
      failedResult(
        0,
        {
          code: 'network_error',
          message: expect.stringMatching(
            /^Row 0: Could not complete POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json on 127\.0\.0\.1:\d+: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\) after all retries; the request never reached Twilio$/,
          ),
          retryable: true,
          possiblySent: false,
        },
        4,
      ),
    );
  });

  it('ends the batch when Twilio cannot be reached after a row’s retries: later rows make no request', async () => {
    const url = await closedPort();
    const { d, waits } = dest(url);
    const results = await d.write(rows(10));
    // Only the first row retries; the other nine fail at once.
    expect(waits).toHaveLength(3);
    expect(
      results.map((r) => r.status === 'failed' && `${r.error.code}/${r.attempts}/${r.error.retryable}`),
    ).toEqual(['network_error/4/true', ...Array(9).fill('network_error/0/true')]);
    expect(results[1]).toEqual({
      status: 'failed',
      index: 1,
      attempts: 0,
      error: {
        code: 'network_error',
        message: expect.stringMatching(
          /^Not sent: the batch stopped at row 0 because Twilio could not be reached \(Could not complete POST .* ECONNREFUSED .*\)\. Check the network, then send the failed rows again$/,
        ),
        retryable: true,
        possiblySent: false,
      },
    });
  });

  it('never resends a request that timed out after the write when the duplicate check is off', async () => {
    const s = await server(() => {}); // never answers
    const { d } = dest(s.url, { timeoutMs: 100, duplicateCheck: false });
    const [result] = await d.write(rows(1));
    expect(s.received).toHaveLength(1);
    expect(result).toEqual(
      failedResult(0, {
        code: 'network_error',
        message:
          'Row 0: Twilio did not answer within 100 ms after the request was sent; the message may exist, so the row was not sent again (duplicateCheck is off): check before sending it again',
        retryable: false,
        possiblySent: true,
      }),
    );
  });

  it('retries a timeout once the duplicate check found no message', async () => {
    const s = await server((req, res, _body, n) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"messages":[]}');
      } else if (n > 1) created(res);
    });
    const { d } = dest(s.url, { timeoutMs: 100, duplicateCheck: { pauseMs: 1 } });
    const [result] = await d.write(rows(1));
    expect(result).toMatchObject({ status: 'sent', attempts: 2 });
    expect(s.received.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'POST']);
  });

  it('fails with network_error, possiblySent, when the connection is reset after every write', async () => {
    const s = await server((req) => req.socket.destroy());
    const { d } = dest(s.url, { retry: { retries: 1 }, duplicateCheck: false });
    const [result] = await d.write(rows(1));
    expect(result).toMatchObject(
      failedResult(0, {
        code: 'network_error',
        retryable: false,
        possiblySent: true,
        message: expect.stringContaining(
          'after the request was sent; the message may exist, so the row was not sent again',
        ),
      }),
    );
  });

  it('fails cleanly when an answer is larger than the read limit', async () => {
    const s = await server((_req, res) => {
      res.writeHead(201, { 'twilio-request-id': 'RQf63f55731eaea5f9057de97a20599380' });
      res.end('x'.repeat(1024 * 1024 + 10));
    });
    const { d } = dest(s.url);
    const [result] = await d.write(rows(1));
    expect(result).toMatchObject(
      failedResult(0, {
        code: 'server_error',
        possiblySent: true,
        retryable: false,
        httpStatus: 201,
        requestId: 'RQf63f55731eaea5f9057de97a20599380',
        message: expect.stringContaining('larger than 1048576 bytes'),
      }),
    );
  });

  it('stops at an abort: cancels the request in flight and sends nothing after it', async () => {
    const controller = new AbortController();
    const s = await server((_req, res, _body, n) => {
      if (n === 2) {
        controller.abort();
        setTimeout(() => created(res, 'SM6dfd3fd63dcb05d1e220b049bf00ea3b'), 50);
        return;
      }
      created(res, `SM${String(n).padStart(32, '0')}`);
    });
    const { d } = dest(s.url);
    const results = await d.write(rows(4), { signal: controller.signal });
    expect(s.received).toHaveLength(2);
    expect(results).toEqual([
      sentResult(0, {
        messageSid: `SM${'1'.padStart(32, '0')}`,
        requestId: `RQ${'1'.padStart(32, '0')}`,
      }),
      failedResult(1, {
        code: 'aborted',
        message:
          "Row 1: the write was aborted while this row's request was in flight; Twilio may have created the message, so check before sending it again",
        retryable: false,
        possiblySent: true,
      }),
      ...[2, 3].map((index) => ({
        status: 'failed',
        index,
        attempts: 0,
        error: {
          code: 'aborted',
          message: `Row ${index}: not sent because the write was aborted before this row started; it can be sent again`,
          retryable: true,
          possiblySent: false,
        },
      })),
    ]);
  });

  it('stops during a retry wait without another request', async () => {
    const controller = new AbortController();
    const s = await server((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20429, message: 'Too Many Requests', status: 429 }));
    });
    const d = new TwilioDestination(baseConfig(), {
      apiBaseUrl: s.url,
      retry: { minDelayMs: 60_000, maxDelayMs: 60_000 },
      // The abort arrives during the retry wait: the injected sleep starts it, then waits for it.
      sleep: (_ms, signal) => {
        controller.abort();
        return new Promise((_resolve, reject) => {
          if (signal?.aborted) reject(signal.reason);
          signal?.addEventListener('abort', () => reject(signal.reason));
        });
      },
    });
    cleanups.push(() => d.close());
    const results = await d.write(rows(2), { signal: controller.signal });
    expect(s.received).toHaveLength(1);
    expect(
      results.map((r) => r.status === 'failed' && [r.error.code, r.error.retryable, r.error.possiblySent]),
    ).toEqual([
      ['aborted', true, false],
      ['aborted', true, false],
    ]);
    expect(results[0]?.attempts).toBe(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const s = await server((_req, res) => created(res));
    const { d } = dest(s.url);
    const results = await d.write(rows(2), { signal: AbortSignal.abort() });
    expect(s.received).toHaveLength(0);
    expect(results.map((r) => r.status === 'failed' && r.error.code)).toEqual(['aborted', 'aborted']);
  });

  it('uses an injected dispatcher and leaves it open on close', async () => {
    const { Agent } = await import('undici');
    const agent = new Agent();
    const s = await server((_req, res) => created(res));
    const { d } = dest(s.url, { dispatcher: agent });
    await d.write(rows(1));
    await d.close();
    expect(agent.closed).toBe(false);
    await agent.close();
  });

  it('sends below a base URL path prefix', async () => {
    const s = await server((_req, res) => created(res));
    const { d } = dest(`${s.url}/twilio-proxy/`);
    await d.write(rows(1));
    expect(s.received.map((r) => r.url)).toEqual([
      expect.stringMatching(/^\/twilio-proxy\/2010-04-01\/Accounts\/AC\w+\/Messages\.json$/),
    ]);
  });
});
