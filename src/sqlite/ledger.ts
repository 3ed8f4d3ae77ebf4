/**
 * `SqliteLedger`: the sent ledger in one SQLite file, no server, on Node's built-in `node:sqlite`. WAL mode;
 * every claim is its own `BEGIN IMMEDIATE` transaction, so two processes sharing the file never both win a
 * row, and a claim is in the file (it survives `kill -9`; with `synchronous: 'full'`, a power cut too) once
 * `claim()` resolved.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  type Claim,
  claimLost,
  type LeaseOptions,
  type Ledger,
  type LedgerKey,
  LedgerUnavailableError,
} from '../seams/ledger.js';
import { loadSqlite } from './load.js';

/** Options of {@link SqliteLedger}. */
export interface SqliteLedgerOptions {
  /** The database file; created (with its folder) when missing. Processes on one machine may share it. */
  path: string;
  /**
   * How long a claim stays its worker's without a renewal.
   * @default `timeoutMs` + 5 s
   */
  leaseMs?: number;
  /**
   * SQLite's `synchronous` setting. `normal`: a commit is written to the WAL before `claim()` resolves, so it
   * survives the process being killed (`kill -9`), but the last commits can be lost if the machine itself
   * fails. `full`: every commit is also synced to disk (survives a power cut), at the cost of a disk sync per
   * claim and per `sent` record, which blocks the event loop meanwhile (measured on a shared 2-core machine:
   * a twelfth of `normal`'s throughput).
   * @default 'normal'
   */
  synchronous?: 'full' | 'normal';
  /**
   * How long a claim waits for another process's transaction on the same file.
   * @default 10000
   */
  busyTimeoutMs?: number;
  /** The clock, epoch ms (injectable for tests). @default Date.now */
  now?: () => number;
}

const TABLE = 'twilio_destination_ledger';

/** A row of the ledger table. */
interface Record {
  state: 'pending' | 'sent';
  owner: string | null;
  lease_expires_at: number | null;
  first_attempt_at: number;
  message_sid: string | null;
  sent_at: number | null;
}

/**
 * The sent ledger in one SQLite file.
 * @example
 * ```ts
 * import { SqliteLedger } from 'twilio-destination/sqlite';
 * const destination = new TwilioDestination(config, { ledger: new SqliteLedger({ path: 'ledger.db' }) });
 * await destination.write(rows, { runId: 'campaign-2026-12-02' });
 * ```
 */
export class SqliteLedger implements Ledger {
  readonly description: string;
  readonly leaseMs: number | undefined;
  readonly #options: SqliteLedgerOptions;
  readonly #now: () => number;
  #db: DatabaseSync | undefined;
  #statements: ReturnType<typeof prepare> | undefined;

  constructor(options: SqliteLedgerOptions) {
    this.#options = options;
    this.description = `SQLite ledger (${options.path})`;
    this.leaseMs = options.leaseMs;
    this.#now = options.now ?? Date.now;
  }

  async open(): Promise<void> {
    this.#use(() => undefined, 'open');
  }

  async claim(key: LedgerKey, lease: LeaseOptions): Promise<Claim> {
    return this.#use((db, s) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const now = this.#now();
        const found = s.select.get(key.accountSid, key.runId, key.rowKey) as Record | undefined;
        let claim: Claim;
        if (found === undefined) {
          s.insert.run(key.accountSid, key.runId, key.rowKey, lease.owner, now + lease.leaseMs, now);
          claim = { state: 'claimed', firstAttemptAt: now };
        } else if (found.state === 'sent') {
          claim = { state: 'sent', messageSid: found.message_sid ?? '', sentAt: found.sent_at ?? 0 };
        } else if ((found.lease_expires_at ?? 0) <= now) {
          s.takeOver.run(lease.owner, now + lease.leaseMs, key.accountSid, key.runId, key.rowKey);
          claim = { state: 'taken_over', firstAttemptAt: found.first_attempt_at };
        } else {
          claim = { state: 'held', owner: found.owner ?? '', leaseExpiresAt: found.lease_expires_at ?? 0 };
        }
        db.exec('COMMIT');
        return claim;
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    }, 'claim');
  }

  async renew(key: LedgerKey, lease: LeaseOptions): Promise<void> {
    const changed = this.#use(
      (_db, s) =>
        s.renew.run(this.#now() + lease.leaseMs, key.accountSid, key.runId, key.rowKey, lease.owner).changes,
      'renew',
    );
    if (Number(changed) === 0) throw claimLost(this.description, key);
  }

  async markSent(key: LedgerKey, owner: string, messageSid: string): Promise<void> {
    this.#use((_db, s) => {
      const now = this.#now();
      s.markSent.run(key.accountSid, key.runId, key.rowKey, owner, now, messageSid, now);
    }, 'mark sent');
  }

  async release(key: LedgerKey, owner: string): Promise<void> {
    this.#use((_db, s) => s.release.run(key.accountSid, key.runId, key.rowKey, owner), 'release');
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#statements = undefined;
    if (db?.isOpen) db.close();
  }

  /** Runs `work` on the open database (opening it first); any failure is a {@link LedgerUnavailableError}. */
  #use<T>(work: (db: DatabaseSync, statements: ReturnType<typeof prepare>) => T, what: string): T {
    try {
      if (this.#db === undefined || this.#statements === undefined) {
        const db = this.#openDatabase();
        this.#statements = prepare(db);
        this.#db = db;
      }
      return work(this.#db, this.#statements);
    } catch (error) {
      if (error instanceof LedgerUnavailableError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new LedgerUnavailableError(this.description, `${this.description} failed to ${what}: ${reason}`, {
        cause: error,
      });
    }
  }

  #openDatabase(): DatabaseSync {
    const { DatabaseSync } = loadSqlite();
    mkdirSync(dirname(this.#options.path), { recursive: true });
    const db = new DatabaseSync(this.#options.path);
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.#options.busyTimeoutMs ?? 10_000))}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${this.#options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (
        account_sid TEXT NOT NULL,
        run_id TEXT NOT NULL,
        row_key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
        owner TEXT,
        lease_expires_at INTEGER,
        first_attempt_at INTEGER NOT NULL,
        message_sid TEXT,
        sent_at INTEGER,
        PRIMARY KEY (account_sid, run_id, row_key)
      ) WITHOUT ROWID`);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }
}

function prepare(db: DatabaseSync): {
  [name in 'select' | 'insert' | 'takeOver' | 'renew' | 'markSent' | 'release']: StatementSync;
} {
  const where = 'account_sid = ? AND run_id = ? AND row_key = ?';
  return {
    select: db.prepare(`SELECT * FROM ${TABLE} WHERE ${where}`),
    insert: db.prepare(
      `INSERT INTO ${TABLE} (account_sid, run_id, row_key, state, owner, lease_expires_at, first_attempt_at)
       VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
    ),
    takeOver: db.prepare(`UPDATE ${TABLE} SET owner = ?, lease_expires_at = ? WHERE ${where}`),
    renew: db.prepare(
      `UPDATE ${TABLE} SET lease_expires_at = ? WHERE ${where} AND owner = ? AND state = 'pending'`,
    ),
    // A 2xx is a fact: recorded whoever holds the claim now (and even if the claim was released meanwhile).
    markSent: db.prepare(
      `INSERT INTO ${TABLE} (account_sid, run_id, row_key, state, owner, first_attempt_at, message_sid, sent_at)
       VALUES (?, ?, ?, 'sent', ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET state = 'sent', message_sid = excluded.message_sid,
         sent_at = excluded.sent_at, lease_expires_at = NULL
       WHERE state = 'pending'`,
    ),
    release: db.prepare(`DELETE FROM ${TABLE} WHERE ${where} AND owner = ? AND state = 'pending'`),
  };
}
