/**
 * Creates the ledger table (idempotent, and safe when many workers start at once): the unique key
 * `(account_sid, run_id, row_key)` is what makes a claim atomic.
 */
import type { Queryable } from './connection.js';

/** The table's name when none is given. */
export const DEFAULT_TABLE = 'twilio_destination_ledger';

/** Quotes `name` or `schema.name` as SQL identifiers. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new TypeError(`The ledger's table name "${table}" must be "name" or "schema.name".`);
  }
  return parts.map((part) => `"${part.replaceAll('"', '""')}"`).join('.');
}

/** Creates the (quoted) table when missing. */
export async function migrateTable(db: Queryable, quotedTable: string): Promise<void> {
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS ${quotedTable} (
      account_sid text NOT NULL,
      run_id text NOT NULL,
      row_key text NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'sent')),
      owner text,
      lease_expires_at timestamptz,
      first_attempt_at timestamptz NOT NULL,
      message_sid text,
      sent_at timestamptz,
      PRIMARY KEY (account_sid, run_id, row_key)
    )`);
  } catch (error) {
    // Two workers creating the table at once: the loser meets the winner's type, relation or constraint
    // (23505, 42P07, 42710: seen when many claimers create the table together).
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P07' && code !== '42710') throw error;
  }
}

/**
 * Creates the ledger's table ahead of time (the ledger otherwise creates it on first use), e.g. from a
 * deployment step whose role may create tables when the workers' role may not.
 * @example
 * ```ts
 * import { migrate } from 'twilio-destination/postgres';
 * await migrate(pool);
 * ```
 */
export async function migrate(db: Queryable, options: { table?: string } = {}): Promise<void> {
  await migrateTable(db, quoteTable(options.table ?? DEFAULT_TABLE));
}
