/**
 * The ledger end to end, on the simulator with a real SQLite ledger: what a re-run of the same run id does
 * with each row (already sent, released, left pending, held by another worker, taken over from a dead one),
 * duplicate keys in one write, and a ledger that fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationOptions } from '../../src/config/index.js';
import { TwilioDestination } from '../../src/destination.js';
import { ConfigError } from '../../src/errors.js';
import type { Ledger } from '../../src/seams/ledger.js';
import { startTwilioSimulator, TWILIO_TEST_SENDER, type TwilioSimulator } from '../../src/simulator/index.js';
import { SqliteLedger } from '../../src/sqlite/index.js';
import type { FieldMapping, Row, RowResult } from '../../src/types.js';
import { FAST, TEMPLATE } from './harness.js';

let sim: TwilioSimulator;
const dir = mkdtempSync(join(tmpdir(), 'td-ledger-e2e-'));
let n = 0;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  nock.restore();
  sim = await startTwilioSimulator({ lifecycle: false });
});
afterAll(async () => {
  await sim.close();
  nock.activate();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
  sim.configure({ faults: undefined });
});

const newLedger = (options: { leaseMs?: number } = {}) => {
  const ledger = new SqliteLedger({ path: join(dir, `${++n}.db`), ...options });
  opened.push(ledger);
  return ledger;
};
const destination = (
  ledger: Ledger | undefined,
  options: DestinationOptions = {},
  mapping: FieldMapping = { to: 'phone', key: 'id' },
) => {
  const d = new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: TWILIO_TEST_SENDER, messageTemplate: TEMPLATE },
      mapping,
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, ...FAST, ...(ledger ? { ledger } : {}), ...options },
  );
  opened.push(d);
  return d;
};
const row = (id: string | number, to: string, name = 'Ada'): Row => ({
  id,
  phone: to,
  first_name: name,
  order_id: `O-${id}`,
});
const creates = () => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json'));
const short = (r: RowResult) =>
  r.status === 'sent'
    ? {
        index: r.index,
        status: r.status,
        attempts: r.attempts,
        alreadySent: r.alreadySent ?? false,
        recovered: r.recovered ?? false,
      }
    : {
        index: r.index,
        status: r.status,
        attempts: r.attempts,
        code: r.error.code,
        retryable: r.error.retryable,
        possiblySent: r.error.possiblySent ?? false,
      };
const key = (rowKey: string, runId = 'run-1') => ({ accountSid: sim.credentials.accountSid, runId, rowKey });

describe('options.ledger with write(rows, { runId })', () => {
  it('refuses a ledger without a run id, a run id without a ledger, and an empty run id, before any request', async () => {
    const before = sim.requests.length;
    const ledger = newLedger();
    await expect(destination(ledger).write([row(1, '+14155550100')])).rejects.toThrow(
      /runId is required with options\.ledger \(the SQLite ledger \(.*\)\): pass write\(rows, \{ runId \}\)/,
    );
    const error = await destination(undefined)
      .write([row(1, '+14155550100')], { runId: 'r' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        field: 'runId',
        code: 'run_id_without_ledger',
        message: expect.stringContaining('runId needs options.ledger'),
      },
    ]);
    expect(() => destination(ledger).stream([], { runId: ' ' })).toThrow(
      'runId must be a non-empty string of at most 500 characters',
    );
    expect(() => destination({} as Ledger).stream([], { runId: 'r' })).toThrow(
      /options\.ledger.*must be a Ledger/,
    );
    expect(sim.requests.length).toBe(before);
  });

  it('sends each row once; a re-run of the run id reports them already sent with their SIDs and makes no request', async () => {
    const ledger = newLedger();
    const rows = [row(1, '+14155550101'), row(2, '+14155550102'), row('x-3', '+14155550103')];
    const first = await destination(ledger).write(rows, { runId: 'run-1' });
    expect(first.map(short)).toEqual(
      [0, 1, 2].map((index) => ({
        index,
        status: 'sent',
        attempts: 1,
        alreadySent: false,
        recovered: false,
      })),
    );
    const posted = creates().length;
    const again = await destination(ledger).write(rows, { runId: 'run-1' });
    expect(again).toEqual(
      first.map((r) => ({
        status: 'sent',
        index: r.index,
        attempts: 0,
        messageSid: (r as { messageSid: string }).messageSid,
        twilioStatus: 'unknown',
        alreadySent: true,
        sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      })),
    );
    expect(creates().length).toBe(posted);
    // Another run id is another run: everything is sent again.
    const other = await destination(ledger).write(rows, { runId: 'run-2' });
    expect(other.map((r) => r.status === 'sent' && r.attempts)).toEqual([1, 1, 1]);
    expect(creates().length).toBe(posted + 3);
  });

  it('keys rows by a hash of their message when no key column is mapped', async () => {
    const ledger = newLedger();
    const noKey = { to: 'phone' };
    await destination(ledger, {}, noKey).write([row(1, '+14155550111')], { runId: 'run-1' });
    const again = await destination(ledger, {}, noKey).write(
      [row(1, '+14155550111'), row(1, '+14155550111', 'Bob')],
      { runId: 'run-1' },
    );
    // The same message is already sent; a changed body is a new message.
    expect(again.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 0, alreadySent: true, recovered: false },
      { index: 1, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
    ]);
  });

  it('fails the second row with a key seen earlier in the write, naming the first row', async () => {
    const results = await destination(newLedger()).write(
      [row(7, '+14155550121'), row(8, '+14155550122'), row(7, '+14155550123')],
      { runId: 'run-1' },
    );
    expect(results.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
      { index: 1, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
      { index: 2, status: 'failed', attempts: 0, code: 'invalid_row', retryable: false, possiblySent: false },
    ]);
    expect(results[2]?.status === 'failed' && results[2].error.message).toMatch(
      /^Row 2: not sent because row 0 of this write has the same key "7" \(column "id"\)/,
    );
  });

  it('releases a row proven unsent, so that a later write of the run sends it', async () => {
    const ledger = newLedger();
    sim.configure({ faults: [{ to: '+14155550131', kind: '429' }] });
    const first = await destination(ledger, { retry: { retries: 0 } }).write([row(1, '+14155550131')], {
      runId: 'run-1',
    });
    expect(first.map(short)).toEqual([
      { index: 0, status: 'failed', attempts: 1, code: 'rate_limited', retryable: true, possiblySent: false },
    ]);
    expect(await ledger.claim(key('1'), { owner: 'probe', leaseMs: 1 })).toMatchObject({ state: 'claimed' });
    await ledger.release(key('1'), 'probe');
    sim.configure({ faults: undefined });
    const again = await destination(ledger).write([row(1, '+14155550131')], { runId: 'run-1' });
    expect(again.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
    ]);
  });

  it('leaves a possibly sent row pending; the next write settles it with the duplicate check and sends nothing', async () => {
    const ledger = newLedger();
    sim.configure({ faults: [{ nth: 1, kind: 'created_then_500' }] });
    const first = await destination(ledger, { duplicateCheck: false }).write([row(1, '+14155550141')], {
      runId: 'run-1',
    });
    expect(first.map(short)).toEqual([
      { index: 0, status: 'failed', attempts: 1, code: 'server_error', retryable: false, possiblySent: true },
    ]);
    expect(sim.messages.filter((m) => m.to === '+14155550141')).toHaveLength(1);
    // Without the check, the next write cannot tell: it fails the row and sends nothing.
    const unchecked = await destination(ledger, { duplicateCheck: false }).write([row(1, '+14155550141')], {
      runId: 'run-1',
    });
    expect(unchecked.map(short)).toEqual([
      { index: 0, status: 'failed', attempts: 0, code: 'in_progress', retryable: false, possiblySent: true },
    ]);
    const posted = creates().length;
    const again = await destination(ledger).write([row(1, '+14155550141')], { runId: 'run-1' });
    expect(again.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 0, alreadySent: false, recovered: true },
    ]);
    expect(again[0]?.status === 'sent' && again[0].messageSid).toBe(
      sim.messages.find((m) => m.to === '+14155550141')?.sid,
    );
    expect(creates().length).toBe(posted);
    // Recovered is recorded as sent.
    expect(await ledger.claim(key('1'), { owner: 'probe', leaseMs: 1 })).toMatchObject({ state: 'sent' });
  });

  it('sends a row whose dead worker’s claim ran out when the duplicate check proves no message exists', async () => {
    const ledger = newLedger();
    const dead = await ledger.claim(key('1'), { owner: 'dead-worker', leaseMs: 1 });
    // The SQLite ledger's clock is Date.now: wait until the 1 ms lease has run out.
    await expect
      .poll(() => Date.now())
      .toBeGreaterThan((dead.state === 'claimed' ? dead.firstAttemptAt : 0) + 1);
    const posted = creates().length;
    const results = await destination(ledger).write([row(1, '+14155550151')], { runId: 'run-1' });
    expect(results.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
    ]);
    expect(creates().length).toBe(posted + 1);
    // The look-ups ran before the create.
    expect(sim.requests.slice(-3).map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
  });

  it('fails a row another live worker holds, retryable, naming the worker, without a request', async () => {
    const ledger = newLedger();
    await ledger.claim(key('1'), { owner: 'host-b:42:abcd', leaseMs: 600_000 });
    const before = sim.requests.length;
    const results = await destination(ledger).write([row(1, '+14155550161'), row(2, '+14155550162')], {
      runId: 'run-1',
    });
    expect(results.map(short)).toEqual([
      { index: 0, status: 'failed', attempts: 0, code: 'in_progress', retryable: true, possiblySent: false },
      { index: 1, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
    ]);
    expect(results[0]?.status === 'failed' && results[0].error.message).toMatch(
      /^Row 0: not sent now because another worker \(host-b:42:abcd\) holds it in run "run-1" of the SQLite ledger \(.*\) until \d{4}-\d\d-\d\dT[\d:.]+Z; send it again later/,
    );
    expect(sim.requests.length).toBe(before + 1);
  });

  it('keeps renewing the claim while the row waits to retry, so that no other worker takes it', async () => {
    // The ledgers' clock is the test's: a lease runs out only when the test moves the clock past it.
    let clock = 1_000_000;
    const path = join(dir, `${++n}.db`);
    const ledger = new SqliteLedger({ path, leaseMs: 30, now: () => clock });
    const other = new SqliteLedger({ path, now: () => clock });
    opened.push(ledger, other);
    const renewals: number[] = [];
    const renew = ledger.renew.bind(ledger);
    ledger.renew = async (k, lease) => {
      await renew(k, lease);
      renewals.push(clock);
    };
    sim.configure({ faults: [{ nth: 1, kind: '503' }] });
    const seen: string[] = [];
    const sleep = async () => {
      // While the row waits to retry: 20 ms on, a renewal comes (every third of the lease); then 45 ms
      // after the claim, past the first lease (30 ms) but within the renewed one, the row is still held.
      clock += 20;
      const count = renewals.length;
      await expect.poll(() => renewals.length, { timeout: 60_000 }).toBeGreaterThan(count);
      clock += 25;
      seen.push((await other.claim(key('1'), { owner: 'other', leaseMs: 30 })).state);
    };
    const results = await destination(ledger, { sleep }).write([row(1, '+14155550171')], { runId: 'run-1' });
    expect(results.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 2, alreadySent: false, recovered: false },
    ]);
    // The duplicate check's pause sleeps too: every look from the other worker found the row held.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((state) => state === 'held')).toBe(true);
    // And the lease was renewed once more, at the clock's last time, before the retry's request.
    expect(renewals.at(-1)).toBe(clock);
  });

  it('does not retry a row whose claim cannot be renewed: it fails ledger_error and the batch ends', async () => {
    const ledger = newLedger();
    ledger.renew = async () => {
      throw new Error('database is locked');
    };
    sim.configure({ faults: [{ nth: 1, kind: '503' }] });
    const posted = creates().length;
    const results = await destination(ledger).write([row(1, '+14155550175'), row(2, '+14155550176')], {
      runId: 'run-1',
    });
    expect(results.map(short)).toEqual([
      { index: 0, status: 'failed', attempts: 1, code: 'ledger_error', retryable: true, possiblySent: false },
      { index: 1, status: 'failed', attempts: 0, code: 'ledger_error', retryable: true, possiblySent: false },
    ]);
    expect(results[0]?.status === 'failed' && results[0].error.message).toContain('(database is locked)');
    expect(creates().length).toBe(posted + 1);
  });

  it('fails every row ledger_error, not sent, when the ledger cannot be opened, and makes no request', async () => {
    const before = sim.requests.length;
    const ledger = new SqliteLedger({ path: join(dir, 'not-a-dir', '\0bad') });
    const results = await destination(ledger).write([row(1, '+14155550181'), row(2, '+14155550182')], {
      runId: 'run-1',
    });
    expect(results.map(short)).toEqual([
      { index: 0, status: 'failed', attempts: 0, code: 'ledger_error', retryable: true, possiblySent: false },
      { index: 1, status: 'failed', attempts: 0, code: 'ledger_error', retryable: true, possiblySent: false },
    ]);
    expect(results[0]?.status === 'failed' && results[0].error.message).toMatch(
      /^Row 0: not sent because the SQLite ledger \(.*\) could not be read or written/,
    );
    expect(results[1]?.status === 'failed' && results[1].error.message).toMatch(
      /^Not sent: the batch stopped at row 0 because the SQLite ledger/,
    );
    expect(sim.requests.length).toBe(before);
  });

  it('reports a created message sent even when the ledger cannot record it, and ends the batch', async () => {
    const ledger = newLedger();
    ledger.markSent = async () => {
      throw new Error('disk I/O error');
    };
    const results = await destination(ledger).write([row(1, '+14155550191'), row(2, '+14155550192')], {
      runId: 'run-1',
    });
    expect(results.map(short)).toEqual([
      { index: 0, status: 'sent', attempts: 1, alreadySent: false, recovered: false },
      { index: 1, status: 'failed', attempts: 0, code: 'ledger_error', retryable: true, possiblySent: false },
    ]);
    expect(results[1]?.status === 'failed' && results[1].error.message).toContain(
      'could not be read or written (disk I/O error)',
    );
  });
});
