/**
 * Polling delivery outcomes end to end: messages sent to the simulator, advanced through their lifecycle,
 * then looked up with `fetchStatuses` over real HTTP, with 404s for unknown SIDs and 429s on the way.
 */
import { describe, expect, it } from 'vitest';
import type { StatusResult } from '../../src/delivery/fetch-statuses.js';
import { waitFor } from '../simulator/client.js';
import { row, useSimulator } from './harness.js';

const e2e = useSimulator({ lifecycle: { sentAfterMs: 1, deliveredAfterMs: 1 } });

async function collect(iterable: AsyncIterable<StatusResult>): Promise<StatusResult[]> {
  const out: StatusResult[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const RECIPIENTS = [
  ['+14155550100', 'delivered', undefined],
  ['+15555550100', 'transient', 30003],
  ['+15555550101', 'permanent', 30005],
  ['+15555550102', 'permanent', 30006],
  ['+15555550103', 'blocked', 30007],
  ['+15555550104', 'opted_out', 21610],
] as const;

describe('fetchStatuses against the simulator', () => {
  it('reports each message’s final status and outcome, one GET per message', async () => {
    const destination = e2e.destination();
    const results = await destination.write(RECIPIENTS.map(([to]) => row(to)));
    await waitFor(() => e2e.sim.messages.every((m) => !['queued', 'sent'].includes(m.status)));
    const before = e2e.requests().length;
    const statuses = await collect(destination.fetchStatuses(results, { concurrency: 3 }));
    expect(statuses.map((s) => (s.kind === 'found' ? [s.outcome, s.errorCode] : s.kind))).toEqual(
      RECIPIENTS.map(([, outcome, code]) => [outcome, code]),
    );
    expect(statuses[0]).toMatchObject({ kind: 'found', status: 'delivered', numSegments: 1 });
    expect(statuses[0]?.kind === 'found' && statuses[0].dateSent).toMatch(/^\d{4}-\d\d-\d\dT/);
    const gets = e2e.requests().slice(before);
    expect(gets.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(
      results.map(
        (r) =>
          `GET /2010-04-01/Accounts/${e2e.sim.credentials.accountSid}/Messages/${r.status === 'sent' ? r.messageSid : ''}.json 200`,
      ),
    );
  });

  it('answers not_found for a SID the account does not have, and rides out 429s', async () => {
    const destination = e2e.destination();
    const [result] = await destination.write([row('+14155550101')]);
    const sid = result?.status === 'sent' ? result.messageSid : '';
    await waitFor(() => e2e.sim.messages.at(-1)?.status === 'delivered');
    e2e.sim.configure({ faults: [{ on: 'fetch', nth: [1, 2], kind: '429', retryAfter: 0 }] });
    const unknown = `SM${'0'.repeat(32)}`;
    const statuses = await collect(destination.fetchStatuses([sid, unknown], { concurrency: 1 }));
    expect(statuses).toEqual([
      expect.objectContaining({ kind: 'found', messageSid: sid, status: 'delivered', outcome: 'delivered' }),
      { kind: 'not_found', messageSid: unknown, message: `Twilio has no message ${unknown} on this account` },
    ]);
    expect(e2e.trace()).toEqual(['POST 201', 'GET 429', 'GET 429', 'GET 200', 'GET 404']);
  });
});
