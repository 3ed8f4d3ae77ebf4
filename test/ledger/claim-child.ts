/**
 * A child process for the contract suite: claims every given row key on the store with its own owner, at
 * once, and prints the keys it won (`claimed`) as one JSON line. Two of them race on the same keys.
 */
import { openLedger, type StoreConfig } from './stores.js';

const [configJson, owner, count] = process.argv.slice(2) as [string, string, string];
const opened = await openLedger(JSON.parse(configJson) as StoreConfig, 60_000);
await opened.ledger.open();
// Both children start claiming once the parent says go, so that their claims overlap.
await new Promise((resolve) => process.stdin.once('data', resolve));
const keys = Array.from({ length: Number(count) }, (_, i) => `row-${i}`);
const claims = await Promise.all(
  keys.map((rowKey) =>
    opened.ledger.claim({ accountSid: 'AC_child', runId: 'race', rowKey }, { owner, leaseMs: 60_000 }),
  ),
);
const won = keys.filter((_, i) => claims[i]?.state === 'claimed');
process.stdout.write(`${JSON.stringify({ won, states: [...new Set(claims.map((c) => c.state))] })}\n`);
await opened.dispose();
