/**
 * `fetchStatuses` against nock: the exact requests (one GET per message, Basic auth), the results read
 * from Twilio's Message resource, 404s as `not_found`, retries with Retry-After, and batch-ending 401s.
 */
import nock from 'nock';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { createClient, type TwilioClient } from '../../src/client.js';
import { fetchStatuses } from '../../src/delivery/fetch-statuses.js';
import { TwilioDestination } from '../../src/destination.js';
import { ConfigError, TwilioApiError } from '../../src/errors.js';
import {
  type Coordinator,
  CoordinatorUnavailableError,
  type PermitRequest,
} from '../../src/seams/coordinator.js';
import type { RowResult } from '../../src/types.js';
import { startServer } from '../helpers/server.js';
import {
  ACCOUNT_SID,
  API,
  AUTH_TOKEN,
  api,
  BASIC,
  baseConfig,
  destination,
  errorJson,
  messageJson,
} from '../helpers/twilio.js';

const sid = (n: number) => `SM${String(n).padStart(32, '0')}`;
const path = (messageSid: string) => `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${messageSid}.json`;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('fetchStatuses', () => {
  it('makes one GET per message with Basic auth and reads status, error, segments, price and date', async () => {
    const scope = nock(API, { reqheaders: { authorization: BASIC, accept: 'application/json' } })
      .get(path(sid(1)))
      .reply(
        200,
        messageJson({
          sid: sid(1),
          status: 'delivered',
          num_segments: '2',
          price: '-0.01580',
          date_sent: 'Thu, 26 Nov 2026 10:00:05 +0000',
        }),
      )
      .get(path(sid(2)))
      .reply(
        200,
        messageJson({
          sid: sid(2),
          status: 'undelivered',
          error_code: 30006,
          error_message: 'Landline or unreachable carrier',
        }),
      )
      .get(path(sid(3)))
      .reply(200, messageJson({ sid: sid(3), status: 'sent', num_segments: '0', price_unit: null }));
    const { dest } = destination();
    const results = await collect(dest.fetchStatuses([sid(1), sid(2), sid(3)]));
    expect(results).toEqual([
      {
        kind: 'found',
        messageSid: sid(1),
        status: 'delivered',
        outcome: 'delivered',
        numSegments: 2,
        price: '-0.01580',
        priceUnit: 'USD',
        dateSent: '2026-11-26T10:00:05.000Z',
      },
      {
        kind: 'found',
        messageSid: sid(2),
        status: 'undelivered',
        errorCode: 30006,
        errorMessage: 'Landline or unreachable carrier',
        outcome: 'permanent',
        numSegments: 1,
        priceUnit: 'USD',
      },
      { kind: 'found', messageSid: sid(3), status: 'sent', outcome: 'pending' },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('takes write results, skipping failed rows, which created no message', async () => {
    const scope = api()
      .get(path(sid(7)))
      .reply(200, messageJson({ sid: sid(7), status: 'queued' }));
    const results: RowResult[] = [
      {
        status: 'failed',
        index: 0,
        attempts: 1,
        error: { code: 'invalid_row', message: 'x', retryable: false },
      },
      { status: 'sent', index: 1, attempts: 1, messageSid: sid(7), twilioStatus: 'queued' },
    ];
    const { dest } = destination();
    expect(await collect(dest.fetchStatuses(results))).toEqual([
      {
        kind: 'found',
        messageSid: sid(7),
        status: 'queued',
        outcome: 'pending',
        numSegments: 1,
        priceUnit: 'USD',
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('reports an unknown SID as not_found, without throwing, and asks nothing for what is not a SID', async () => {
    const scope = api()
      .get(path(sid(4)))
      .reply(404, errorJson(20404, 404, 'The requested resource was not found'));
    const { dest } = destination();
    expect(await collect(dest.fetchStatuses([sid(4), '../Accounts.json']))).toEqual([
      { kind: 'not_found', messageSid: sid(4), message: `Twilio has no message ${sid(4)} on this account` },
      {
        kind: 'not_found',
        messageSid: '../Accounts.json',
        message: '"../Accounts.json" is not a Message SID (SM or MM and 32 hex digits)',
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('retries a 429 after its Retry-After and a 5xx after the backoff, then reads the answer', async () => {
    const scope = api()
      .get(path(sid(5)))
      .reply(429, errorJson(20429, 429, 'Too Many Requests'), { 'retry-after': '2' })
      .get(path(sid(5)))
      .reply(503, errorJson(20500, 503))
      .get(path(sid(5)))
      .reply(200, messageJson({ sid: sid(5), status: 'delivered' }));
    const { dest, waits } = destination({}, { retry: { minDelayMs: 100, maxDelayMs: 1000 } });
    const [result] = await collect(dest.fetchStatuses([sid(5)]));
    expect(result).toMatchObject({ kind: 'found', status: 'delivered', outcome: 'delivered' });
    expect(waits).toEqual([2000, 200]);
    expect(scope.isDone()).toBe(true);
  });

  it('never waits longer than retry.maxRetryAfterMs, even with a longer backoff configured', async () => {
    api()
      .get(path(sid(6)))
      .times(2)
      .reply(503, errorJson(20500, 503))
      .get(path(sid(6)))
      .reply(200, messageJson({ sid: sid(6), status: 'sent' }));
    const { dest, waits } = destination(
      {},
      { retry: { minDelayMs: 120_000, maxDelayMs: 600_000, maxRetryAfterMs: 60_000 }, random: () => 1 },
    );
    const [result] = await collect(dest.fetchStatuses([sid(6)]));
    expect(result).toMatchObject({ kind: 'found', status: 'sent' });
    expect(waits).toEqual([60_000, 60_000]);
  });

  it('retries an unreadable answer (a GET is safe to repeat) and reports one that persists', async () => {
    api()
      .get(path(sid(7)))
      .times(2)
      .reply(200, '{"sid": "SM', { 'content-type': 'application/json' });
    const { dest, waits } = destination({}, { retry: { retries: 1, minDelayMs: 100 }, random: () => 1 });
    const [result] = await collect(dest.fetchStatuses([sid(7)]));
    expect(result).toMatchObject({
      kind: 'failed',
      messageSid: sid(7),
      error: { code: 'network_error', retryable: true },
    });
    expect(waits).toEqual([100]);
  });

  it('gives up after the retries, and at once on a Retry-After over the cap, as a failed look-up', async () => {
    const scope = api()
      .get(path(sid(6)))
      .times(3)
      .reply(500, errorJson(20500, 500, 'Internal'))
      .get(path(sid(8)))
      .reply(429, errorJson(20429, 429, 'Too Many Requests'), { 'retry-after': '3600' });
    const { dest, waits } = destination(
      {},
      { retry: { retries: 2, minDelayMs: 10, maxRetryAfterMs: 60_000 } },
    );
    const results = await collect(dest.fetchStatuses([sid(6), sid(8)], { concurrency: 1 }));
    expect(results).toEqual([
      {
        kind: 'failed',
        messageSid: sid(6),
        error: expect.objectContaining({
          code: 'server_error',
          retryable: true,
          httpStatus: 500,
          twilioCode: 20500,
        }),
      },
      {
        kind: 'failed',
        messageSid: sid(8),
        error: expect.objectContaining({ code: 'rate_limited', retryable: true, httpStatus: 429 }),
      },
    ]);
    expect(waits).toEqual([10, 20]);
    expect(scope.isDone()).toBe(true);
  });

  it('stops asking after a 401: the rest fail the same way with no request', async () => {
    const scope = api()
      .get(path(sid(1)))
      .reply(401, errorJson(20003, 401, 'Authenticate'));
    const { dest } = destination();
    const results = await collect(dest.fetchStatuses([sid(1), sid(2), sid(3)], { concurrency: 1 }));
    expect(results.map((r) => (r.kind === 'failed' ? r.error.code : r.kind))).toEqual([
      'auth_failed',
      'auth_failed',
      'auth_failed',
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('retries a network failure and reports one that persists', async () => {
    const server = await startServer((req) => req.socket.destroy());
    try {
      const { dest } = destination({}, { retry: { retries: 1 }, apiBaseUrl: server.url });
      const [result] = await collect(dest.fetchStatuses([sid(9)]));
      expect(result).toMatchObject({ kind: 'failed', error: { code: 'network_error', retryable: true } });
      expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
        `GET ${path(sid(9))}`,
        `GET ${path(sid(9))}`,
      ]);
      await dest.close();
    } finally {
      await server.close();
    }
  });

  it('waits with its own timer when no sleep is injected', async () => {
    const scope = api()
      .get(path(sid(2)))
      .reply(503, errorJson(20503, 503))
      .get(path(sid(2)))
      .reply(200, messageJson({ sid: sid(2), status: 'sent' }));
    const dest = new TwilioDestination(baseConfig(), { retry: { minDelayMs: 1, maxDelayMs: 1 } });
    const [result] = await collect(dest.fetchStatuses([sid(2)]));
    expect(result).toMatchObject({ kind: 'found', status: 'sent' });
    expect(scope.isDone()).toBe(true);
    await dest.close();
  });

  it('reports something thrown that is not an Error as a failed look-up, not retried', async () => {
    const calls: string[] = [];
    const client = {
      get: async (_api: string, path: string) => {
        calls.push(path);
        throw 'a dependency threw a string';
      },
    } as unknown as TwilioClient;
    const deps = {
      client,
      accountSid: ACCOUNT_SID,
      retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 60_000 },
      sleep: async () => {},
      random: () => 1,
      requestTimeoutMs: 1000,
    };
    expect(await collect(fetchStatuses([sid(8)], deps, { concurrency: 1 }))).toEqual([
      {
        kind: 'failed',
        messageSid: sid(8),
        error: { code: 'network_error', message: 'a dependency threw a string', retryable: true },
      },
    ]);
    expect(calls).toEqual([path(sid(8))]);
  });

  it('reports a 400 as twilio_rejected, not retried', async () => {
    const scope = api()
      .get(path(sid(3)))
      .reply(400, errorJson(21211, 400, 'Bad'));
    const { dest } = destination();
    const [result] = await collect(dest.fetchStatuses([sid(3)]));
    expect(result).toMatchObject({ error: { code: 'twilio_rejected', retryable: false, twilioCode: 21211 } });
    expect(scope.isDone()).toBe(true);
  });

  it('keeps at most `concurrency` look-ups in flight and yields in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const scope = api()
      .get(/\/Messages\/SM\d+\.json$/)
      .times(6)
      .delay(5)
      .reply((request: { url: string }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        const messageSid = /(SM\d+)/.exec(request.url)?.[1] as string;
        return [200, messageJson({ sid: messageSid, status: 'delivered' })];
      });
    scope.on('replied', () => inFlight--);
    const { dest } = destination();
    const sids = [1, 2, 3, 4, 5, 6].map(sid);
    const results = await collect(dest.fetchStatuses(sids, { concurrency: 2 }));
    expect(results.map((r) => r.messageSid)).toEqual(sids);
    expect(most).toBeLessThanOrEqual(2);
    expect(scope.isDone()).toBe(true);
  });

  it('halves the look-ups in flight after a 429', async () => {
    // A client whose answers the test releases one by one, so that what is in flight is exact.
    const pending = new Map<string, { resolve: (body: unknown) => void; reject: (error: unknown) => void }>();
    const inFlightAtStart: string[] = [];
    const client = {
      get: (_base: string, path: string) =>
        new Promise((resolve, reject) => {
          const messageSid = /(SM\d+)/.exec(path)?.[1] as string;
          inFlightAtStart.push(`${messageSid.slice(-1)} beside ${pending.size}`);
          pending.set(messageSid, {
            resolve: (body) => {
              pending.delete(messageSid);
              resolve({ status: 200, body, requestId: undefined });
            },
            reject: (error) => {
              pending.delete(messageSid);
              reject(error);
            },
          });
        }),
    } as unknown as TwilioClient;
    const deps = {
      client,
      accountSid: ACCOUNT_SID,
      retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 60_000 },
      sleep: async () => {},
      random: () => 1,
      requestTimeoutMs: 1000,
    };
    const iterator = fetchStatuses([1, 2, 3, 4].map(sid), deps, { concurrency: 2 });
    const next = iterator.next();
    await expect.poll(() => pending.size).toBe(2);
    const rateLimited = new TwilioApiError({
      httpStatus: 429,
      method: 'GET',
      path: 'x',
      body: { code: 20429 },
      requestId: undefined,
      retryAfterMs: undefined,
    });
    pending.get(sid(1))?.reject(rateLimited); // halves the limit to 1; SM1 is asked again
    await expect.poll(() => pending.has(sid(1))).toBe(true);
    pending.get(sid(1))?.resolve(messageJson({ sid: sid(1), status: 'sent' }));
    expect((await next).value).toMatchObject({ messageSid: sid(1), status: 'sent' });
    const second = iterator.next();
    // At a limit of 2, SM3 would start now, beside SM2; at 1 it waits until SM2 is answered.
    await new Promise((resolve) => setImmediate(resolve));
    expect([...pending.keys()]).toEqual([sid(2)]);
    pending.get(sid(2))?.resolve(messageJson({ sid: sid(2), status: 'delivered' }));
    expect((await second).value).toMatchObject({ messageSid: sid(2), status: 'delivered' });
    const third = iterator.next();
    await expect.poll(() => pending.has(sid(3))).toBe(true);
    pending.get(sid(3))?.resolve(messageJson({ sid: sid(3), status: 'sent' }));
    await third;
    const fourth = iterator.next();
    await expect.poll(() => pending.has(sid(4))).toBe(true);
    pending.get(sid(4))?.resolve(messageJson({ sid: sid(4), status: 'sent' }));
    await fourth;
    expect(inFlightAtStart).toEqual(['1 beside 0', '2 beside 1', '1 beside 1', '3 beside 0', '4 beside 0']);
  });

  describe('with a coordinator', () => {
    const retry = { retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 60_000 };
    const depsWith = (coordinator: Coordinator) => ({
      client: createClient({
        apiBaseUrl: API,
        messagingBaseUrl: API,
        username: ACCOUNT_SID,
        password: AUTH_TOKEN,
        timeoutMs: 1000,
        dispatcher: new Agent(),
        now: Date.now,
        logger: undefined,
      }),
      accountSid: ACCOUNT_SID,
      retry,
      sleep: async () => {},
      random: () => 1,
      coordinator,
      requestTimeoutMs: 1000,
    });

    it('takes a lookup permit per GET and tells it how each ended', async () => {
      const scope = api()
        .get(path(sid(1)))
        .reply(429, errorJson(20429, 429))
        .get(path(sid(1)))
        .reply(200, messageJson({ sid: sid(1), status: 'delivered' }))
        .get(path(sid(2)))
        .reply(404, errorJson(20404, 404));
      const asked: PermitRequest[] = [];
      const ends: string[] = [];
      const readies: unknown[] = [];
      const coordinator: Coordinator = {
        ready: async (context) => {
          readies.push(context);
        },
        acquire: async (request) => {
          asked.push(request);
          return { release: async (end) => void ends.push(end.kind) };
        },
      };
      const results = await collect(
        fetchStatuses([sid(1), sid(2)], depsWith(coordinator), { concurrency: 1 }),
      );
      expect(results.map((r) => r.kind)).toEqual(['found', 'not_found']);
      expect(readies).toEqual([{ accountSid: ACCOUNT_SID, requestTimeoutMs: 1000 }]);
      expect(asked.map(({ signal: _signal, ...rest }) => rest)).toEqual(
        Array(3).fill({
          accountSid: ACCOUNT_SID,
          kind: 'lookup',
          sender: '',
          segments: 0,
          segmentsPerSecond: undefined,
        }),
      );
      expect(ends).toEqual(['rate_limited', 'ok', 'other']);
      expect(scope.isDone()).toBe(true);
    });

    it('polls under the coordinator given in the destination options', async () => {
      const scope = api()
        .get(path(sid(4)))
        .reply(200, messageJson({ sid: sid(4), status: 'delivered' }));
      const kinds: string[] = [];
      const coordinator: Coordinator = {
        ready: async () => {},
        acquire: async (request) => {
          kinds.push(request.kind);
          return { release: async (end) => void kinds.push(end.kind) };
        },
      };
      const dest = new TwilioDestination(baseConfig(), { coordinator });
      const results = await collect(dest.fetchStatuses([sid(4)]));
      expect(results.map((r) => r.kind)).toEqual(['found']);
      expect(kinds).toEqual(['lookup', 'ok']);
      expect(scope.isDone()).toBe(true);
      await dest.close();
    });

    it('asks nothing when the coordinator is unreachable: every message fails coordinator_error', async () => {
      const coordinator: Coordinator = {
        ready: async () => {},
        acquire: async () => {
          throw new CoordinatorUnavailableError(
            'Redis coordinator (127.0.0.1:1)',
            'Redis coordinator (127.0.0.1:1) is unreachable',
          );
        },
      };
      const results = await collect(
        fetchStatuses([sid(1), sid(2)], depsWith(coordinator), { concurrency: 1 }),
      );
      expect(results).toEqual(
        [sid(1), sid(2)].map((messageSid) => ({
          kind: 'failed',
          messageSid,
          error: {
            code: 'coordinator_error',
            message: 'Redis coordinator (127.0.0.1:1) is unreachable',
            retryable: true,
          },
        })),
      );
    });

    it('ends as aborted while waiting for a permit', async () => {
      const controller = new AbortController();
      const coordinator: Coordinator = {
        ready: async () => {},
        acquire: (request) =>
          new Promise((_, reject) => {
            request.signal.addEventListener('abort', () => reject(request.signal.reason));
            controller.abort();
          }),
      };
      const results = await collect(
        fetchStatuses([sid(1)], depsWith(coordinator), { concurrency: 1, signal: controller.signal }),
      );
      expect(results).toEqual([
        {
          kind: 'failed',
          messageSid: sid(1),
          error: { code: 'aborted', message: 'Polling was aborted', retryable: true },
        },
      ]);
    });
  });

  it('ends look-ups in flight as aborted and starts none after the signal aborts', async () => {
    const controller = new AbortController();
    const scope = api()
      .get(path(sid(1)))
      .delay(10_000)
      .reply(200, messageJson());
    const { dest } = destination();
    const iterator = dest.fetchStatuses([sid(1), sid(2)], { signal: controller.signal, concurrency: 1 });
    const first = iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await first).value).toMatchObject({
      kind: 'failed',
      messageSid: sid(1),
      error: { code: 'aborted' },
    });
    expect((await iterator.next()).done).toBe(true);
    scope.done();
  });

  it('asks nothing when the signal has already aborted', async () => {
    const { dest } = destination();
    expect(await collect(dest.fetchStatuses([sid(1)], { signal: AbortSignal.abort() }))).toEqual([]);
  });

  it('aborts during a retry wait', async () => {
    const controller = new AbortController();
    const scope = api()
      .get(path(sid(1)))
      .reply(503, errorJson(20500, 503));
    const { dest } = destination(
      {},
      {
        sleep: (_ms, signal) =>
          new Promise((_, reject) => {
            signal?.addEventListener('abort', () => reject(signal.reason));
            controller.abort();
          }),
      },
    );
    const results = await collect(dest.fetchStatuses([sid(1)], { signal: controller.signal }));
    expect(results).toEqual([
      {
        kind: 'failed',
        messageSid: sid(1),
        error: { code: 'aborted', message: 'Polling was aborted', retryable: true },
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('throws ConfigError at the call for bad credentials or concurrency, before any request', () => {
    const { dest } = destination({ credentials: { accountSid: 'nope', authToken: 'x' } });
    expect(() => dest.fetchStatuses([sid(1)])).toThrow(ConfigError);
    const good = destination().dest;
    expect(() => good.fetchStatuses([sid(1)], { concurrency: 0 })).toThrow(
      /fetchStatuses.concurrency: must be a whole number/,
    );
  });
});
