import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
