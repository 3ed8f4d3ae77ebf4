import { describe, expect, it } from 'vitest';
import { TwilioDestination } from '../../src/destination.js';
import type { Row, RowResult } from '../../src/types.js';
import { instantDispatcher } from '../helpers/instant-dispatcher.js';
import { baseConfig, messageJson } from '../helpers/twilio.js';

/** A destination answering every create at once (201), or every one with `status`. */
function destinationAnswering(status = 201) {
  let creates = 0;
  const dispatcher = instantDispatcher(() => {
    creates++;
    return status === 201
      ? { status, body: JSON.stringify(messageJson({ sid: `SM${String(creates).padStart(32, '0')}` })) }
      : { status, body: JSON.stringify({ code: 20003, message: 'Authenticate', status }) };
  });
  const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hi' } }), {
    dispatcher,
    sleep: async () => {},
  });
  return { destination, dispatcher };
}

/** Counts turns of the event loop (setImmediate callbacks) until stopped. */
function eventLoopTurns() {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

const row = { to: '+14155550100' };

describe('cancellation', () => {
  it('ends a write over an infinite source after an abort, and closes the source', async () => {
    const { destination, dispatcher } = destinationAnswering();
    const controller = new AbortController();
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Row> {
      try {
        for (;;) {
          pulled++;
          yield row;
        }
      } finally {
        closed = true;
      }
    }
    const results: RowResult[] = [];
    for await (const result of destination.stream(endless(), { signal: controller.signal })) {
      results.push(result);
      if (result.index === 2) controller.abort();
    }
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect([pulled, dispatcher.requests.length, closed]).toEqual([3, 3, true]);
  });

  it('settles after an abort while the source’s next() never answers, calling its return()', async () => {
    const { destination } = destinationAnswering();
    const controller = new AbortController();
    const calls: string[] = [];
    let nexts = 0;
    const stalled: AsyncIterable<Row> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          calls.push('next');
          if (nexts++ === 0) return Promise.resolve({ done: false, value: row });
          // The second pull never answers; the caller gives up meanwhile.
          queueMicrotask(() => controller.abort());
          return new Promise<IteratorResult<Row>>(() => {});
        },
        return: () => {
          calls.push('return');
          return new Promise<IteratorResult<Row>>(() => {});
        },
      }),
    };
    // Settles with nothing advanced: no timer, no wall-clock wait (a hang fails the test by its timeout).
    const results = await destination.write(stalled, { signal: controller.signal });
    expect(results).toEqual([expect.objectContaining({ status: 'sent', index: 0 })]);
    expect(calls).toEqual(['next', 'next', 'return']);
  });

  it('settles even when the abandoned source’s return() rejects', async () => {
    const { destination } = destinationAnswering();
    const controller = new AbortController();
    let returned = 0;
    const stalled: AsyncIterable<Row> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          queueMicrotask(() => controller.abort());
          return new Promise<IteratorResult<Row>>(() => {});
        },
        return: () => {
          returned++;
          return Promise.reject(new Error('cannot close'));
        },
      }),
    };
    await expect(destination.write(stalled, { signal: controller.signal })).resolves.toEqual([]);
    expect(returned).toBe(1);
  });

  it('returns one result per element of an aborted Array of a million rows, yielding to the event loop', async () => {
    const { destination, dispatcher } = destinationAnswering();
    const controller = new AbortController();
    const rows: Row[] = new Array(1_000_000).fill(row);
    const turns = eventLoopTurns();
    const writing = destination.write(rows, { signal: controller.signal });
    controller.abort();
    const results = await writing;
    const counted = turns.stop();
    expect(results).toHaveLength(1_000_000);
    expect(dispatcher.requests).toHaveLength(0);
    expect(results[999_999]).toEqual({
      status: 'failed',
      index: 999_999,
      attempts: 0,
      error: {
        code: 'aborted',
        message:
          'Row 999999: not sent because the write was aborted before this row started; it can be sent again',
        retryable: true,
        possiblySent: false,
      },
    });
    expect(
      results.every((r, i) => r.index === i && r.status === 'failed' && r.error.code === 'aborted'),
    ).toBe(true);
    // One turn per chunk of 1,024 rows at least: the loop was never blocked for the whole Array.
    expect(counted).toBeGreaterThanOrEqual(Math.floor(1_000_000 / 1024) - 1);
    // A budget for a million rows on a busy machine; nothing here measures time.
  }, 60_000);

  it('does not starve the event loop while a synchronous source yields millions of rows', async () => {
    // The first row ends the batch (401): every later row fails at once, without a request.
    const { destination, dispatcher } = destinationAnswering(401);
    const count = 2_000_000;
    function* rows(): Generator<Row> {
      for (let i = 0; i < count; i++) yield row;
    }
    const turns = eventLoopTurns();
    let results = 0;
    for await (const result of destination.stream(rows())) {
      if (result.status === 'failed') results++;
    }
    const counted = turns.stop();
    expect([results, dispatcher.requests.length]).toEqual([count, 1]);
    expect(counted).toBeGreaterThanOrEqual(Math.floor(count / 1024) - 1);
  }, 60_000);
});
