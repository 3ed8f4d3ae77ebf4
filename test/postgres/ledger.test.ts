import pg from 'pg';
import { afterAll, expect, it, vi } from 'vitest';
import { migrate, PostgresLedger } from '../../src/postgres/index.js';
import { LedgerUnavailableError } from '../../src/seams/ledger.js';
import { DATABASE_URL, describePostgres, uniqueName } from '../helpers/services.js';
import { ledgerContract } from '../ledger/contract.js';

const tables: string[] = [];

describePostgres('PostgresLedger', () => {
  const url = DATABASE_URL ?? '';
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  afterAll(async () => {
    for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });
  const table = () => {
    const name = uniqueName('ledger');
    tables.push(name);
    return name;
  };

  ledgerContract({
    config: () => ({ store: 'postgres', url, table: table() }),
    broken: async () => {
      // Nothing listens on port 1.
      const ledger = new PostgresLedger({
        connection: 'postgres://postgres@127.0.0.1:1/test',
        table: table(),
      });
      return { ledger, dispose: () => ledger.close() };
    },
  });

  it('opens and ends its own pool from a connection string, naming where it is but not the password', async () => {
    const name = table();
    const withPassword = url.replace('postgres://postgres@', 'postgres://postgres:s3cret@');
    const ledger = new PostgresLedger({ connection: withPassword, table: name, leaseMs: 7000 });
    expect(ledger.description).toBe(`PostgreSQL ledger (127.0.0.1:5432/test, table ${name})`);
    expect(ledger.description).not.toContain('s3cret');
    expect(ledger.leaseMs).toBe(7000);
    await ledger.open();
    await ledger.markSent({ accountSid: 'AC1', runId: 'r', rowKey: 'k' }, 'me', 'SM1');
    await ledger.close();
    await ledger.close();
    const { rows } = await pool.query(`SELECT state, message_sid FROM "${name}"`);
    expect(rows).toEqual([{ state: 'sent', message_sid: 'SM1' }]);
  });

  it('does not guess where a connection string that is not a URL points', () => {
    expect(new PostgresLedger({ connection: 'host=localhost dbname=test', table: 't' }).description).toBe(
      'PostgreSQL ledger (table t)',
    );
  });

  it('names a host without a port as just the host', () => {
    expect(
      new PostgresLedger({ connection: 'postgres://u:pw@db.example.com/app', table: 't' }).description,
    ).toBe('PostgreSQL ledger (db.example.com/app, table t)');
  });

  it('keeps its claims in twilio_destination_ledger when given no table', async () => {
    // A schema of its own on the search path keeps the default table apart from other tests.
    const schema = uniqueName('schema');
    await pool.query(`CREATE SCHEMA "${schema}"`);
    try {
      const ledger = new PostgresLedger({
        connection: `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      });
      expect(ledger.description).toBe(
        'PostgreSQL ledger (127.0.0.1:5432/test, table twilio_destination_ledger)',
      );
      const claim = await ledger.claim(
        { accountSid: 'AC1', runId: 'r', rowKey: 'k' },
        { owner: 'a', leaseMs: 1000 },
      );
      expect(claim.state).toBe('claimed');
      await ledger.close();
      const { rows } = await pool.query(
        `SELECT row_key, owner, state FROM "${schema}".twilio_destination_ledger`,
      );
      expect(rows).toEqual([{ row_key: 'k', owner: 'a', state: 'pending' }]);
    } finally {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });

  it('reports a driver that rejects with a non-Error as the ledger unavailable, with its text', async () => {
    const queries: string[] = [];
    const ledger = new PostgresLedger({
      connection: {
        query: (text: string) => {
          queries.push(text);
          return Promise.reject('connection reset by peer');
        },
      },
      table: 't',
    });
    const error = await ledger.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as LedgerUnavailableError).message).toBe(
      'PostgreSQL ledger (table t) failed to open: connection reset by peer',
    );
    expect((error as LedgerUnavailableError).cause).toBe('connection reset by peer');
    // The table's migration was the one statement tried; nothing ran after it failed.
    expect(queries).toHaveLength(1);
    await ledger.close();
  });

  it('survives its own idle connection being dropped by the server, and reconnects for the next claim', async () => {
    const name = table();
    const app = uniqueName('app');
    const ledger = new PostgresLedger({ connection: `${url}?application_name=${app}`, table: name });
    await ledger.open();
    // Resolves when a pool reports an idle client's error (unhandled, it would crash the process).
    const original = pg.Pool.prototype.emit;
    let dropped: (() => void) | undefined;
    const droppedOnce = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    const emit = vi.spyOn(pg.Pool.prototype, 'emit').mockImplementation(function (
      this: pg.Pool,
      event: string | symbol,
      ...args: unknown[]
    ) {
      const handled = original.call(this, event, ...args);
      if (event === 'error') dropped?.();
      return handled;
    });
    try {
      const { rows } = await pool.query(
        'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      expect(rows).toEqual([{ terminated: true }]);
      await droppedOnce;
    } finally {
      emit.mockRestore();
    }
    const claim = await ledger.claim(
      { accountSid: 'AC1', runId: 'r', rowKey: 'k' },
      { owner: 'a', leaseMs: 1000 },
    );
    expect(claim.state).toBe('claimed');
    await ledger.close();
  });

  it('reports pg missing as the ledger unavailable, and still closes cleanly', async () => {
    // Importing pg fails, as when the optional peer dependency is not installed.
    vi.doMock('pg', () => {
      throw new Error("Cannot find package 'pg'");
    });
    try {
      const ledger = new PostgresLedger({ connection: url, table: 't' });
      const error = await ledger.open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerUnavailableError);
      expect((error as Error).message).toMatch(
        /^PostgreSQL ledger \(127\.0\.0\.1:5432\/test, table t\) failed to open: \S/,
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
      await expect(ledger.close()).resolves.toBeUndefined();
    } finally {
      vi.doUnmock('pg');
    }
  });

  it('creates the table ahead of time with migrate(), and again without harm, even when raced', async () => {
    const name = table();
    await Promise.all([
      migrate(pool, { table: name }),
      migrate(pool, { table: name }),
      migrate(pool, { table: name }),
    ]);
    await migrate(pool, { table: name });
    const { rows } = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [name],
    );
    expect(rows.map((r: { column_name: string }) => r.column_name)).toEqual([
      'account_sid',
      'run_id',
      'row_key',
      'state',
      'owner',
      'lease_expires_at',
      'first_attempt_at',
      'message_sid',
      'sent_at',
    ]);
  });

  it('accepts a schema-qualified table and refuses a malformed name', async () => {
    const schema = uniqueName('schema');
    await pool.query(`CREATE SCHEMA "${schema}"`);
    try {
      const ledger = new PostgresLedger({ connection: pool, table: `${schema}.ledger` });
      expect(ledger.description).toBe(`PostgreSQL ledger (table ${schema}.ledger)`);
      expect(
        (await ledger.claim({ accountSid: 'AC1', runId: 'r', rowKey: 'k' }, { owner: 'a', leaseMs: 1000 }))
          .state,
      ).toBe('claimed');
      await ledger.close();
    } finally {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
    expect(() => new PostgresLedger({ connection: pool, table: 'a.b.c' })).toThrow(
      'The ledger\'s table name "a.b.c" must be "name" or "schema.name".',
    );
    await expect(migrate(pool, { table: '' })).rejects.toThrow('must be "name" or "schema.name"');
  });
});
