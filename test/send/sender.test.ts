import { describe, expect, it } from 'vitest';
import { TwilioDestination } from '../../src/destination.js';
import { type Coordinator, CoordinatorUnavailableError, InProcessCoordinator } from '../../src/send/index.js';
import { sendRows } from '../../src/send/sender.js';
import { instantDispatcher } from '../helpers/instant-dispatcher.js';
import { fakeClient, recordingCoordinator, sendContext } from '../helpers/send.js';
import { ACCOUNT_SID, baseConfig, messageJson } from '../helpers/twilio.js';

const request = { to: '+14155550100', from: '+15005550006', body: 'Hi', mediaUrls: [] };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('sendRows', () => {
  it('reports an unexpected failure as possibly sent, never to be resent blindly', async () => {
    const client = fakeClient({
      create: () => {
        throw new Error('bug in a dependency');
      },
    });
    const context = sendContext(client, {
      retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      random: () => 1,
      now: () => 0,
      duplicateCheck: false,
    });
    const results = await collect(sendRows([{}], () => ({ ok: true, request }), context));
    expect(client.creates).toHaveLength(1);
    expect(results).toEqual([
      {
        status: 'failed',
        index: 0,
        attempts: 1,
        error: {
          code: 'network_error',
          message: 'Row 0: unexpected failure (bug in a dependency)',
          retryable: false,
          possiblySent: true,
        },
      },
    ]);
  });

  // The abort lands inside the source's next(): the row is pulled, but never started.
  const abortingSources = {
    'a synchronous source': (controller: AbortController) =>
      (function* () {
        controller.abort();
        yield {};
        yield {};
      })(),
    'an asynchronous source answering at once': (controller: AbortController) => ({
      [Symbol.asyncIterator]() {
        return {
          next: () => {
            controller.abort();
            return Promise.resolve({ done: false, value: {} });
          },
        };
      },
    }),
  };
  for (const [source, rows] of Object.entries(abortingSources)) {
    it(`fails a row pulled from ${source} as aborted, unsent, when the abort lands during its pull`, async () => {
      const client = fakeClient({});
      const controller = new AbortController();
      let builds = 0;
      const results = await collect(
        sendRows(
          rows(controller),
          () => {
            builds++;
            return { ok: true, request };
          },
          sendContext(client, { now: () => 0, duplicateCheck: false }),
          controller.signal,
        ),
      );
      expect(results).toEqual([
        {
          status: 'failed',
          index: 0,
          attempts: 0,
          error: {
            code: 'aborted',
            message:
              'Row 0: not sent because the write was aborted before this row started; it can be sent again',
            retryable: true,
            possiblySent: false,
          },
        },
      ]);
      expect(builds).toBe(0);
      expect(client.creates).toHaveLength(0);
    });
  }
});

/**
 * A write whose first row creates SM-first for +14155550100 and whose `failAt`-th create answers 500; every
 * look-up lists SM-first. Whether a later identical row takes SM-first for its own shows whether the sender
 * still remembers that its first row created it.
 */
function identicalRows(failAt: number, options: { now?: () => number; onCreate?: () => void } = {}) {
  let creates = 0;
  const first = messageJson({
    sid: 'SMad5d21e01a74142beac92e497d3f08ac',
    to: '+14155550100',
    body: 'Hi',
    date_created: new Date().toUTCString(),
  });
  const dispatcher = instantDispatcher((request) => {
    if (request.method === 'GET') return { status: 200, body: JSON.stringify({ messages: [first] }) };
    creates++;
    options.onCreate?.();
    if (creates === 1) return { status: 201, body: JSON.stringify(first) };
    if (creates === failAt) return { status: 500, body: '{}' };
    return {
      status: 201,
      body: JSON.stringify(messageJson({ sid: `SM${String(creates).padStart(32, '0')}` })),
    };
  });
  return new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hi' } }), {
    dispatcher,
    sleep: async () => {},
    ...(options.now ? { now: options.now } : {}),
  });
}

describe('memory of the messages a write created', () => {
  it('forgets the oldest SIDs past 50,000, so memory stays flat', async () => {
    const count = 50_001;
    const destination = identicalRows(count + 1);
    function* rows() {
      yield { to: '+14155550100' };
      for (let i = 1; i < count; i++) yield { to: '+14155550199' };
      yield { to: '+14155550100' };
    }
    let last: unknown;
    for await (const result of destination.stream(rows())) last = result;
    // Within the window the first row's SID would be excluded; past the cap it is forgotten, so the
    // identical last row, failing ambiguously, takes it for its own (the documented limit).
    expect(last).toMatchObject({
      status: 'sent',
      index: count,
      messageSid: 'SMad5d21e01a74142beac92e497d3f08ac',
      recovered: true,
    });
    // A budget for 50,001 rows on a busy machine; nothing here measures time.
  }, 60_000);

  it('still excludes a recent SID of an identical row', async () => {
    const results = await identicalRows(2).write([{ to: '+14155550100' }, { to: '+14155550100' }]);
    expect(results.map((r) => r.status === 'sent' && r.messageSid)).toEqual([
      'SMad5d21e01a74142beac92e497d3f08ac',
      `SM${'3'.padStart(32, '0')}`,
    ]);
  });

  it('forgets SIDs recorded before any look-up could see them', async () => {
    let now = 0;
    // Each create takes the fake clock past the window (2 × 30 s skew + 1 s).
    const destination = identicalRows(3, { now: () => now, onCreate: () => (now += 70_000) });
    const results = await destination.write([
      { to: '+14155550100' },
      { to: '+14155550199' },
      { to: '+14155550100' },
    ]);
    // The listed message's date passes the (fake-clock) date filter; only the exclusion could stop it, and
    // the first SID was forgotten once the window had passed.
    expect(results[2]).toMatchObject({
      status: 'sent',
      messageSid: 'SMad5d21e01a74142beac92e497d3f08ac',
      recovered: true,
    });
  });
});

describe('the coordinator of a write', () => {
  const unavailable = () =>
    new CoordinatorUnavailableError('Redis coordinator (127.0.0.1:6379)', 'ECONNREFUSED');

  function destinationWith(coordinator: Coordinator) {
    let creates = 0;
    const dispatcher = instantDispatcher(() => {
      creates++;
      return {
        status: 201,
        body: JSON.stringify(messageJson({ sid: `SM${String(creates).padStart(32, '0')}` })),
      };
    });
    const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hi' } }), {
      dispatcher,
      coordinator,
      timeoutMs: 7000,
    });
    return { destination, dispatcher };
  }

  it('fails every row with coordinator_error and makes no request when it is not ready', async () => {
    const coordinator = recordingCoordinator(undefined, { ready: unavailable() });
    const { destination, dispatcher } = destinationWith(coordinator);
    const results = await destination.write([{ to: '+14155550100' }, { to: '+14155550101' }]);
    expect(dispatcher.requests).toHaveLength(0);
    expect(coordinator.events).toEqual([`ready ${ACCOUNT_SID} 7000`]);
    expect(results).toEqual([
      {
        status: 'failed',
        index: 0,
        attempts: 0,
        error: {
          code: 'coordinator_error',
          message:
            'Row 0: not sent because the Redis coordinator (127.0.0.1:6379) could not be reached (ECONNREFUSED); send it again once it answers',
          retryable: true,
          possiblySent: false,
        },
      },
      {
        status: 'failed',
        index: 1,
        attempts: 0,
        error: {
          code: 'coordinator_error',
          message:
            'Not sent: the batch stopped at row 0 because the Redis coordinator (127.0.0.1:6379) could not be reached (ECONNREFUSED). Send the failed rows again once it answers',
          retryable: true,
          possiblySent: false,
        },
      },
    ]);
  });

  it('ends the batch at the row whose permit it cannot give, with no further request', async () => {
    const coordinator = recordingCoordinator(undefined, { acquireAt: 2, acquire: unavailable() });
    const { destination, dispatcher } = destinationWith(coordinator);
    const results = await destination.write([
      { to: '+14155550100' },
      { to: '+14155550101' },
      { to: '+14155550102' },
    ]);
    expect(dispatcher.requests).toHaveLength(1);
    expect(results.map((r) => (r.status === 'sent' ? 'sent' : `${r.error.code}/${r.attempts}`))).toEqual([
      'sent',
      'coordinator_error/0',
      'coordinator_error/0',
    ]);
    expect(results[2]).toMatchObject({
      error: {
        message: expect.stringMatching(/^Not sent: the batch stopped at row 1 because the Redis coordinator/),
      },
    });
  });

  it('names a coordinator that throws something else as the coordinator', async () => {
    const coordinator = recordingCoordinator(undefined, { ready: new Error('boom') });
    const { destination } = destinationWith(coordinator);
    const [result] = await destination.write([{ to: '+14155550100' }]);
    expect(result).toMatchObject({
      error: {
        code: 'coordinator_error',
        message:
          'Row 0: not sent because the coordinator could not be reached (boom); send it again once it answers',
      },
    });
  });

  it('is shared between writes when passed in options, one permit per request', async () => {
    const coordinator = recordingCoordinator(
      new InProcessCoordinator({ concurrency: 1, now: () => 0, sleep: async () => {} }),
    );
    const { destination } = destinationWith(coordinator);
    await destination.write([{ to: '+14155550100' }]);
    await destination.write([{ to: '+14155550101' }]);
    expect(coordinator.events).toEqual([
      `ready ${ACCOUNT_SID} 7000`,
      'acquire create +15005550006 1',
      'release ok',
      `ready ${ACCOUNT_SID} 7000`,
      'acquire create +15005550006 1',
      'release ok',
    ]);
  });

  it('refuses an option that is not a coordinator', () => {
    const destination = new TwilioDestination(baseConfig(), { coordinator: {} as Coordinator });
    expect(() => destination.stream([])).toThrow(/options\.coordinator.*must be a Coordinator/s);
  });
});
