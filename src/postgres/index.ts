/** `twilio-destination/postgres`: the sent ledger in a PostgreSQL table (on `pg`, an optional peer dependency). */
export type { Queryable } from './connection.js';
export { PostgresLedger, type PostgresLedgerOptions } from './ledger.js';
export { migrate } from './migrate.js';
