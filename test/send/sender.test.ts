import { describe, expect, it } from 'vitest';
import type { TwilioClient } from '../../src/client.js';
import { TwilioDestination } from '../../src/destination.js';
import { sendRows } from '../../src/send/sender.js';
import { instantDispatcher } from '../helpers/instant-dispatcher.js';
import { baseConfig, messageJson } from '../helpers/twilio.js';

const request = { to: '+14155550100', from: '+15005550006', body: 'Hi', mediaUrls: [] };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('sendRows', () => {
  it('reports an unexpected failure as possibly sent, never to be resent blindly', async () => {
    const client = {
      createMessage: async () => {
        throw new Error('bug in a dependency');
      },
    } as unknown as TwilioClient;
    const results = await collect(
      sendRows([{}], () => ({ ok: true, request }), {
        client,
        accountSid: 'AC1',
        retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
        sleep: async () => {},
        random: () => 1,
        now: () => 0,
        logger: undefined,
        duplicateCheck: undefined,
        concurrency: 1,
        segmentsPerSecond: undefined,
        onProgress: undefined,
        progressIntervalMs: 500,
      }),
    );
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
});

/**
 * A write whose first row creates SM-first for +14155550100 and whose `failAt`-th create answers 500; every
 * look-up lists SM-first. Whether a later identical row takes SM-first for its own shows whether the sender
 * still remembers that its first row created it.
 */
function identicalRows(failAt: number, options: { now?: () => number; onCreate?: () => void } = {}) {
  let creates = 0;
  const first = messageJson({
    sid: 'SM-first',
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
    return { status: 201, body: JSON.stringify(messageJson({ sid: `SM${creates}` })) };
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
    expect(last).toMatchObject({ status: 'sent', index: count, messageSid: 'SM-first', recovered: true });
    // 50,001 rows through the whole send path: seconds on a loaded machine, more under coverage.
  }, 60_000);

  it('still excludes a recent SID of an identical row', async () => {
    const results = await identicalRows(2).write([{ to: '+14155550100' }, { to: '+14155550100' }]);
    expect(results.map((r) => r.status === 'sent' && r.messageSid)).toEqual(['SM-first', 'SM3']);
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
    expect(results[2]).toMatchObject({ status: 'sent', messageSid: 'SM-first', recovered: true });
  });
});
