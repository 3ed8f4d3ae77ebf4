/**
 * `PostgresLedger`: the sent ledger in one PostgreSQL table shared by any number of workers. A unique key
 * on `(account_sid, run_id, row_key)` and `INSERT … ON CONFLICT` make every claim one atomic statement;
 * leases and times come from the server's `now()`, so that workers' clocks do not matter.
 */
import {
  type Claim,
  claimLost,
  type LeaseOptions,
  type Ledger,
  type LedgerKey,
  LedgerUnavailableError,
} from '../seams/ledger.js';
import { connectPostgres, describeConnection, type Queryable } from './connection.js';
import { DEFAULT_TABLE, migrateTable, quoteTable } from './migrate.js';

/** Options of {@link PostgresLedger}. */
export interface PostgresLedgerOptions {
  /**
   * The user's `pg` `Pool` or `Client` (never ended by the ledger), or a connection string (the ledger opens
   * and ends its own pool; `pg` must be installed).
   */
  connection: Queryable | string;
  /**
   * The table, optionally schema-qualified (`ledger.sent`); created on first use.
   * @default 'twilio_destination_ledger'
   */
  table?: string;
  /**
   * How long a claim stays its worker's without a renewal.
   * @default `timeoutMs` + 5 s
   */
  leaseMs?: number;
}

/** Epoch milliseconds of a `timestamptz` column, as text (bigint does not fit a JS number exactly in pg). */
const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::bigint::text`;

/**
 * The sent ledger in a PostgreSQL table.
 * @example
 * ```ts
 * import { PostgresLedger } from 'twilio-destination/postgres';
 * const ledger = new PostgresLedger({ connection: pool }); // the user's pg Pool
 * new TwilioDestination(config, { ledger });
 * ```
 */
export class PostgresLedger implements Ledger {
  readonly description: string;
  readonly leaseMs: number | undefined;
  readonly #table: string;
  readonly #connection: Queryable | string;
  #db: Promise<{ db: Queryable; end?: () => Promise<void> }> | undefined;
  #migrated: Promise<void> | undefined;

  constructor(options: PostgresLedgerOptions) {
    const table = options.table ?? DEFAULT_TABLE;
    this.#table = quoteTable(table);
    this.#connection = options.connection;
    this.leaseMs = options.leaseMs;
    this.description = `PostgreSQL ledger (${describeConnection(options.connection)}table ${table})`;
  }

  async open(): Promise<void> {
    await this.#query('open', 'SELECT 1');
  }

  async claim(key: LedgerKey, lease: LeaseOptions): Promise<Claim> {
    const t = this.#table;
    const params = [key.accountSid, key.runId, key.rowKey];
    // One round trip: the claim (taken only when there is no record, or its lease ran out; then
    // first_attempt_at is kept), or else the record that stands in the way.
    for (;;) {
      const rows = await this.#query<{
        state: string;
        owner: string;
        lease: string;
        sid: string;
        at: string;
      }>(
        'claim',
        `WITH won AS (
           INSERT INTO ${t} AS l (account_sid, run_id, row_key, state, owner, lease_expires_at, first_attempt_at)
           VALUES ($1, $2, $3, 'pending', $4, now() + $5::float8 * interval '1 millisecond', now())
           ON CONFLICT (account_sid, run_id, row_key) DO UPDATE
             SET owner = EXCLUDED.owner, lease_expires_at = EXCLUDED.lease_expires_at
             WHERE l.state = 'pending' AND l.lease_expires_at <= now()
           RETURNING CASE WHEN xmax = 0 THEN 'claimed' ELSE 'taken_over' END AS state,
             ${ms('first_attempt_at')} AS at
         )
         SELECT state, NULL AS owner, NULL AS lease, NULL AS sid, at FROM won
         UNION ALL
         SELECT state, owner, ${ms('lease_expires_at')}, message_sid, ${ms('sent_at')} FROM ${t}
         WHERE account_sid = $1 AND run_id = $2 AND row_key = $3 AND NOT EXISTS (SELECT 1 FROM won)`,
        [...params, lease.owner, lease.leaseMs],
      );
      const record = rows[0];
      if (record?.state === 'claimed' || record?.state === 'taken_over') {
        return { state: record.state, firstAttemptAt: Number(record.at) };
      }
      if (record?.state === 'sent')
        return { state: 'sent', messageSid: record.sid, sentAt: Number(record.at) };
      if (record) return { state: 'held', owner: record.owner, leaseExpiresAt: Number(record.lease) };
      // The record standing in the way was committed after this statement's snapshot, or was released
      // meanwhile: claim again.
    }
  }

  async renew(key: LedgerKey, lease: LeaseOptions): Promise<void> {
    const rows = await this.#query(
      'renew',
      `UPDATE ${this.#table} SET lease_expires_at = now() + $5::float8 * interval '1 millisecond'
       WHERE account_sid = $1 AND run_id = $2 AND row_key = $3 AND owner = $4 AND state = 'pending'
       RETURNING 1`,
      [key.accountSid, key.runId, key.rowKey, lease.owner, lease.leaseMs],
    );
    if (rows.length === 0) throw claimLost(this.description, key);
  }

  async markSent(key: LedgerKey, owner: string, messageSid: string): Promise<void> {
    // A 2xx is a fact: recorded whoever holds the claim now (and even if it was released meanwhile).
    await this.#query(
      'mark sent',
      `INSERT INTO ${this.#table} AS l
         (account_sid, run_id, row_key, state, owner, first_attempt_at, message_sid, sent_at)
       VALUES ($1, $2, $3, 'sent', $4, now(), $5, now())
       ON CONFLICT (account_sid, run_id, row_key) DO UPDATE
         SET state = 'sent', message_sid = EXCLUDED.message_sid, sent_at = now(), lease_expires_at = NULL
         WHERE l.state = 'pending'`,
      [key.accountSid, key.runId, key.rowKey, owner, messageSid],
    );
  }

  async release(key: LedgerKey, owner: string): Promise<void> {
    await this.#query(
      'release',
      `DELETE FROM ${this.#table}
       WHERE account_sid = $1 AND run_id = $2 AND row_key = $3 AND owner = $4 AND state = 'pending'`,
      [key.accountSid, key.runId, key.rowKey, owner],
    );
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#migrated = undefined;
    const opened = await db?.catch(() => undefined);
    await opened?.end?.();
  }

  async #query<R = unknown>(what: string, text: string, values?: unknown[]): Promise<R[]> {
    try {
      this.#db ??= connectPostgres(this.#connection);
      const { db } = await this.#db;
      this.#migrated ??= migrateTable(db, this.#table);
      await this.#migrated;
      return (await db.query(text, values)).rows as R[];
    } catch (error) {
      // A failed migration (the server was down) is tried afresh by the next call.
      this.#migrated = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new LedgerUnavailableError(this.description, `${this.description} failed to ${what}: ${reason}`, {
        cause: error,
      });
    }
  }
}
