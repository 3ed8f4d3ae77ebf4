import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LedgerUnavailableError } from '../../src/seams/ledger.js';
import { SqliteLedger } from '../../src/sqlite/index.js';
import { ledgerContract } from '../ledger/contract.js';

const dir = mkdtempSync(join(tmpdir(), 'td-sqlite-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('SqliteLedger', () => {
  ledgerContract({
    config: () => ({ store: 'sqlite', path: join(dir, `${++n}`, 'ledger.db') }),
    broken: async () => {
      const path = join(dir, `broken-${++n}.db`);
      writeFileSync(path, 'this is not a SQLite database, it is text '.repeat(200));
      const ledger = new SqliteLedger({ path });
      return { ledger, dispose: () => ledger.close() };
    },
  });

  it('keeps the file in WAL mode, and rolls a failed claim back, reporting it', async () => {
    const path = join(dir, `wal-${++n}.db`);
    const ledger = new SqliteLedger({ path });
    await ledger.open();
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const other = new DatabaseSync(path);
    expect(other.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    // A trigger makes the insert inside the claim's transaction fail.
    other.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON twilio_destination_ledger BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    const key = { accountSid: 'AC1', runId: 'r', rowKey: 'k' };
    await expect(ledger.claim(key, { owner: 'a', leaseMs: 1000 })).rejects.toThrow(
      `SQLite ledger (${path}) failed to claim: refused`,
    );
    other.exec('DROP TRIGGER refuse');
    other.close();
    // The transaction was rolled back: the ledger still works.
    expect((await ledger.claim(key, { owner: 'a', leaseMs: 1000 })).state).toBe('claimed');
    await ledger.close();
  });

  it('names its file and keeps the lease it was given', () => {
    const ledger = new SqliteLedger({ path: '/data/ledger.db', leaseMs: 9000 });
    expect([ledger.description, ledger.leaseMs]).toEqual(['SQLite ledger (/data/ledger.db)', 9000]);
    expect(new SqliteLedger({ path: 'x.db' }).leaseMs).toBeUndefined();
  });

  it('uses the injected clock for the first attempt and the lease', async () => {
    let now = 1_000_000;
    const path = join(dir, `clock-${++n}.db`);
    const ledger = new SqliteLedger({ path, now: () => now, synchronous: 'full' });
    const other = new SqliteLedger({ path, now: () => now });
    const key = { accountSid: 'AC1', runId: 'r', rowKey: 'k' };
    expect(await ledger.claim(key, { owner: 'a', leaseMs: 500 })).toEqual({
      state: 'claimed',
      firstAttemptAt: 1_000_000,
    });
    now += 499;
    expect(await other.claim(key, { owner: 'b', leaseMs: 500 })).toEqual({
      state: 'held',
      owner: 'a',
      leaseExpiresAt: 1_000_500,
    });
    now += 1;
    expect(await other.claim(key, { owner: 'b', leaseMs: 500 })).toEqual({
      state: 'taken_over',
      firstAttemptAt: 1_000_000,
    });
    await ledger.close();
    await ledger.close();
    await other.close();
  });
  it('reads rows another writer left without owner, lease, SID or send time as held, expired or sent', async () => {
    const path = join(dir, `nulls-${++n}.db`);
    const ledger = new SqliteLedger({ path, now: () => 5000 });
    await ledger.open();
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const other = new DatabaseSync(path);
    other.exec(`INSERT INTO twilio_destination_ledger
      (account_sid, run_id, row_key, state, owner, lease_expires_at, first_attempt_at, message_sid, sent_at) VALUES
      ('AC1', 'r', 'sent', 'sent', NULL, NULL, 100, NULL, NULL),
      ('AC1', 'r', 'no-lease', 'pending', 'a', NULL, 200, NULL, NULL),
      ('AC1', 'r', 'no-owner', 'pending', NULL, 9000, 300, NULL, NULL)`);
    other.close();
    const claim = (rowKey: string) =>
      ledger.claim({ accountSid: 'AC1', runId: 'r', rowKey }, { owner: 'b', leaseMs: 1000 });
    expect(await claim('sent')).toEqual({ state: 'sent', messageSid: '', sentAt: 0 });
    expect(await claim('no-lease')).toEqual({ state: 'taken_over', firstAttemptAt: 200 });
    expect(await claim('no-owner')).toEqual({ state: 'held', owner: '', leaseExpiresAt: 9000 });
    // The row without a lease is now b's, leased from the injected clock.
    expect(await claim('no-lease')).toEqual({ state: 'held', owner: 'b', leaseExpiresAt: 6000 });
    await ledger.close();
  });

  it('reports a claim whose transaction a trigger rolled back itself, and keeps working', async () => {
    const path = join(dir, `rollback-${++n}.db`);
    const ledger = new SqliteLedger({ path });
    await ledger.open();
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    const other = new DatabaseSync(path);
    // RAISE(ROLLBACK) ends the claim's transaction inside SQLite: the ledger must not roll back again.
    other.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON twilio_destination_ledger BEGIN SELECT RAISE(ROLLBACK, 'rolled back'); END",
    );
    const key = { accountSid: 'AC1', runId: 'r', rowKey: 'k' };
    await expect(ledger.claim(key, { owner: 'a', leaseMs: 1000 })).rejects.toThrow(
      `SQLite ledger (${path}) failed to claim: rolled back`,
    );
    other.exec('DROP TRIGGER refuse');
    other.close();
    expect((await ledger.claim(key, { owner: 'a', leaseMs: 1000 })).state).toBe('claimed');
    await ledger.close();
  });

  it('reports a clock that throws a non-Error as the ledger unavailable, and passes its own errors through', async () => {
    const path = join(dir, `clock-fails-${++n}.db`);
    const key = { accountSid: 'AC1', runId: 'r', rowKey: 'k' };
    const stopped = new SqliteLedger({
      path,
      now: () => {
        throw 'clock stopped';
      },
    });
    const error = await stopped.claim(key, { owner: 'a', leaseMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as Error).message).toBe(`SQLite ledger (${path}) failed to claim: clock stopped`);
    await stopped.close();
    const own = new LedgerUnavailableError('SQLite ledger (elsewhere)', 'already explained');
    const passing = new SqliteLedger({
      path,
      now: () => {
        throw own;
      },
    });
    await expect(passing.claim(key, { owner: 'a', leaseMs: 1000 })).rejects.toBe(own);
    await passing.close();
    // Both claims were rolled back: nothing was recorded.
    const working = new SqliteLedger({ path, now: () => 1 });
    expect(await working.claim(key, { owner: 'a', leaseMs: 1000 })).toEqual({
      state: 'claimed',
      firstAttemptAt: 1,
    });
    await working.close();
  });
});
