/** `twilio-destination/sqlite`: the sent ledger in one SQLite file (Node's built-in `node:sqlite`). */
export { SqliteLedger, type SqliteLedgerOptions } from './ledger.js';
