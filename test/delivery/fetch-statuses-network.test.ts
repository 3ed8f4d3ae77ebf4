/**
 * `fetchStatuses` against a real closed loopback port, connections counted at the connector: a failure to
 * reach Twilio at all that survives a message's retries ends polling, as it ends a `write` batch.
 */
import nock from 'nock';
import { Agent, buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/server.js';
import { destination } from '../helpers/twilio.js';

// nock's socket-level interception would stand between undici and the socket and make a refused connection
// look like one that was written to (see write-network.test.ts).
beforeAll(() => nock.restore());
afterAll(() => nock.activate());

const sid = (n: number) => `SM${String(n).padStart(32, '0')}`;

describe('fetchStatuses when Twilio cannot be reached', () => {
  it('stops connecting after one message’s retries: the rest fail the same way without a connection', async () => {
    let connections = 0;
    const connector = buildConnector({});
    const dispatcher = new Agent({
      connect: (options, callback) => {
        connections++;
        connector(options, callback);
      },
    });
    const { dest, waits } = destination(
      {},
      { retry: { retries: 2 }, apiBaseUrl: await closedPort(), dispatcher },
    );
    const results = [];
    for await (const result of dest.fetchStatuses([1, 2, 3, 4, 5].map(sid), { concurrency: 1 })) {
      results.push(result);
    }
    expect(results.map((r) => `${r.messageSid} ${r.kind === 'failed' ? r.error.code : r.kind}`)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `${sid(n)} network_error`),
    );
    // Each carries the failure that stopped polling (the first message's), and may succeed later.
    for (const result of results) {
      expect(result).toMatchObject({
        kind: 'failed',
        error: {
          retryable: true,
          message: expect.stringMatching(
            new RegExp(
              `^Could not complete GET .*/Messages/${sid(1)}\\.json on 127\\.0\\.0\\.1:\\d+: ECONNREFUSED`,
            ),
          ),
        },
      });
    }
    // The first message's attempt and its two retries; nothing for the other four.
    expect(connections).toBe(3);
    expect(waits).toHaveLength(2);
    await dest.close();
    await dispatcher.close();
  });
});
