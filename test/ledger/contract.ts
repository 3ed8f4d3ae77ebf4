/**
 * The contract every `Ledger` keeps, as one suite run against each store (SQLite, PostgreSQL, Redis):
 * claim / taken_over / sent / held, lease expiry and renewal, release, markSent, atomic claims under many
 * parallel claimers and across two processes, and store failures as `LedgerUnavailableError`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { type Ledger, type LedgerKey, LedgerUnavailableError } from '../../src/seams/ledger.js';
import { openLedger, type StoreConfig } from './stores.js';

/** How the suite reaches one store. */
export interface ContractStore {
  /** A fresh, empty store for one test. */
  config(): StoreConfig;
  /** A ledger whose store cannot be reached or written; `dispose` undoes what it opened. */
  broken(): Promise<{ ledger: Ledger; dispose(): Promise<void> }>;
}

const key = (rowKey = 'row-1', runId = 'run-1', accountSid = 'AC1'): LedgerKey => ({
  accountSid,
  runId,
  rowKey,
});
const A = { owner: 'worker-a', leaseMs: 60_000 };
const B = { owner: 'worker-b', leaseMs: 60_000 };

/** `array[index]`, which the test knows is there. */
function at<T>(array: T[], index: number): T {
  const value = array[index];
  if (value === undefined) throw new Error(`nothing at ${index}`);
  return value;
}

/** Polls `check` until it returns a value (no upper bound on the time taken: a busy machine is slow). */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs the contract against `store`. */
export function ledgerContract(store: ContractStore): void {
  const disposers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(disposers.splice(0).map((dispose) => dispose()));
  });
  /** A ledger on this test's store; call again with the same config for a second worker. */
  const open = async (config: StoreConfig, leaseMs?: number): Promise<Ledger> => {
    const opened = await openLedger(config, leaseMs);
    disposers.push(opened.dispose);
    await opened.ledger.open();
    return opened.ledger;
  };

  it('claims a new row: pending, ours, with the first attempt time and the lease', async () => {
    const config = store.config();
    const [a, b] = [await open(config), await open(config)];
    const claim = await a.claim(key(), A);
    expect(claim).toEqual({ state: 'claimed', firstAttemptAt: expect.any(Number) });
    const held = await b.claim(key(), B);
    expect(held).toEqual({ state: 'held', owner: 'worker-a', leaseExpiresAt: expect.any(Number) });
    if (claim.state !== 'claimed' || held.state !== 'held') throw new Error('unreachable');
    expect(held.leaseExpiresAt - claim.firstAttemptAt).toBeGreaterThanOrEqual(A.leaseMs - 1);
    expect(held.leaseExpiresAt - claim.firstAttemptAt).toBeLessThanOrEqual(A.leaseMs + 1);
  });

  it('keeps each (account, run id, row key) apart', async () => {
    const ledger = await open(store.config());
    await ledger.claim(key('k', 'r', 'AC1'), A);
    const claims = await Promise.all([
      ledger.claim(key('k2', 'r', 'AC1'), B),
      ledger.claim(key('k', 'r2', 'AC1'), B),
      ledger.claim(key('k', 'r', 'AC2'), B),
      ledger.claim(key('r:k', 'r', 'AC1'), B),
      ledger.claim(key('k', 'r:r', 'AC1'), B),
    ]);
    expect(claims.map((c) => c.state)).toEqual(['claimed', 'claimed', 'claimed', 'claimed', 'claimed']);
    expect((await ledger.claim(key('k', 'r', 'AC1'), B)).state).toBe('held');
  });

  it('reports a sent row with its SID to every later claimer, and makes it no one’s', async () => {
    const config = store.config();
    const [a, b] = [await open(config), await open(config)];
    const claim = await a.claim(key(), A);
    await a.markSent(key(), A.owner, 'SM0001');
    const later = await b.claim(key(), B);
    expect(later).toEqual({ state: 'sent', messageSid: 'SM0001', sentAt: expect.any(Number) });
    if (claim.state !== 'claimed' || later.state !== 'sent') throw new Error('unreachable');
    expect(later.sentAt).toBeGreaterThanOrEqual(claim.firstAttemptAt);
    expect(await a.claim(key(), A)).toEqual(later);
    await expect(a.renew(key(), A)).rejects.toThrow(LedgerUnavailableError);
  });

  it('keeps the first SID when a row is marked sent twice, and records a sent row nobody claimed', async () => {
    const ledger = await open(store.config());
    await ledger.claim(key(), A);
    await ledger.markSent(key(), A.owner, 'SM0001');
    await ledger.markSent(key(), B.owner, 'SM0002');
    await ledger.markSent(key('unclaimed'), B.owner, 'SM0003');
    expect(await ledger.claim(key(), B)).toMatchObject({ state: 'sent', messageSid: 'SM0001' });
    expect(await ledger.claim(key('unclaimed'), A)).toMatchObject({ state: 'sent', messageSid: 'SM0003' });
  });

  it('forgets a released claim, so that a later run may send the row', async () => {
    const config = store.config();
    const [a, b] = [await open(config), await open(config)];
    await a.claim(key(), A);
    await b.release(key(), B.owner); // not B's: nothing happens
    expect((await b.claim(key(), B)).state).toBe('held');
    await a.release(key(), A.owner);
    expect(await b.claim(key(), B)).toEqual({ state: 'claimed', firstAttemptAt: expect.any(Number) });
    await a.release(key('never-claimed'), A.owner);
    expect((await a.claim(key('never-claimed'), A)).state).toBe('claimed');
  });

  it('lets another worker take over a claim whose lease ran out, keeping the first attempt time', async () => {
    const config = store.config();
    const [a, b] = [await open(config), await open(config)];
    const first = await a.claim(key(), { owner: A.owner, leaseMs: 30 });
    const takeover = await eventually(async () => {
      const claim = await b.claim(key(), B);
      return claim.state === 'held' ? undefined : claim;
    });
    expect(takeover).toEqual({
      state: 'taken_over',
      firstAttemptAt: first.state === 'claimed' ? first.firstAttemptAt : -1,
    });
    // The first worker has lost it: its renewal fails, its release does nothing, its claim is held.
    await expect(a.renew(key(), A)).rejects.toThrow(/no longer held by this worker/);
    await a.release(key(), A.owner);
    expect(await a.claim(key(), A)).toMatchObject({ state: 'held', owner: 'worker-b' });
  });

  it('extends the lease on renew, from the store’s time of the renewal', async () => {
    const config = store.config();
    const [a, b] = [await open(config), await open(config)];
    const first = await a.claim(key(), { owner: A.owner, leaseMs: 1 });
    // Even once the 1 ms lease has run out, nobody took the row: it is still ours to renew.
    await a.renew(key(), { owner: A.owner, leaseMs: 120_000 });
    const held = await b.claim(key(), B);
    if (first.state !== 'claimed' || held.state !== 'held') throw new Error(`unexpected ${held.state}`);
    expect(held.leaseExpiresAt).toBeGreaterThanOrEqual(first.firstAttemptAt + 120_000 - 1);
    await expect(b.renew(key(), B)).rejects.toThrow(LedgerUnavailableError);
    await expect(b.renew(key('unknown'), B)).rejects.toThrow(LedgerUnavailableError);
  });

  it('gives a row to exactly one of many parallel claimers', async () => {
    const config = store.config();
    const workers = await Promise.all(Array.from({ length: 4 }, () => open(config)));
    const rows = Array.from({ length: 20 }, (_, i) => `row-${i}`);
    const claims = await Promise.all(
      rows.flatMap((rowKey) =>
        Array.from({ length: 8 }, (_, w) =>
          at(workers, w % workers.length)
            .claim(key(rowKey), { owner: `w${w}`, leaseMs: 60_000 })
            .then((claim) => ({ rowKey, claim })),
        ),
      ),
    );
    for (const rowKey of rows) {
      const states = claims.filter((c) => c.rowKey === rowKey).map((c) => c.claim.state);
      expect(states.filter((s) => s === 'claimed')).toHaveLength(1);
      expect(states.filter((s) => s === 'held')).toHaveLength(7);
    }
  });

  it('gives an expired claim to exactly one of many parallel claimers', async () => {
    const config = store.config();
    const workers = await Promise.all(Array.from({ length: 4 }, () => open(config)));
    const dead = await at(workers, 0).claim(key(), { owner: 'dead', leaseMs: 1 });
    const expiresAt = (dead.state === 'claimed' ? dead.firstAttemptAt : Number.NaN) + 1;
    // Wait until the store's clock has passed the lease (by a millisecond: PostgreSQL keeps microseconds),
    // seen through claims on throwaway keys.
    await eventually(async () => {
      const probe = await at(workers, 1).claim(key(`probe-${Math.random()}`), { owner: 'p', leaseMs: 1 });
      return probe.state === 'claimed' && probe.firstAttemptAt > expiresAt ? true : undefined;
    });
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, w) =>
        at(workers, w % workers.length).claim(key(), { owner: `w${w}`, leaseMs: 60_000 }),
      ),
    );
    expect(claims.filter((c) => c.state === 'taken_over')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'held')).toHaveLength(11);
  });

  it('gives each row to exactly one of two processes claiming the same rows at once', async () => {
    const config = store.config();
    const child = (owner: string) => {
      const process_ = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(new URL('./claim-child.ts', import.meta.url)),
          JSON.stringify(config),
          owner,
          '300',
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      let out = '';
      process_.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
      });
      return {
        process_,
        done: new Promise<{ won: string[]; states: string[] }>((resolve, reject) => {
          process_.on('exit', (code) =>
            code === 0
              ? resolve(JSON.parse(out) as { won: string[]; states: string[] })
              : reject(new Error(`child exited ${code}`)),
          );
        }),
      };
    };
    // The store is created before the race, so that both children only claim.
    await open(config);
    const children = [child('proc-a'), child('proc-b')];
    for (const c of children) c.process_.stdin.end('go\n');
    const [a, b] = await Promise.all(children.map((c) => c.done));
    const won = [a, b].flatMap((c) => c?.won ?? []).sort();
    expect(won).toEqual(Array.from({ length: 300 }, (_, i) => `row-${i}`).sort());
    expect(new Set(won).size).toBe(300);
  }, 60_000);

  it('rejects every operation with LedgerUnavailableError, naming the ledger, when the store fails', async () => {
    const { ledger, dispose } = await store.broken();
    disposers.push(dispose);
    const operations = [
      ledger.open(),
      ledger.claim(key(), A),
      ledger.renew(key(), A),
      ledger.markSent(key(), A.owner, 'SM1'),
      ledger.release(key(), A.owner),
    ];
    for (const operation of operations) {
      const error = await operation.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LedgerUnavailableError);
      expect((error as LedgerUnavailableError).ledger).toBe(ledger.description);
      expect((error as Error).message).toContain(ledger.description);
    }
  });
}
