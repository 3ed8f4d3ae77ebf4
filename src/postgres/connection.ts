/**
 * What the PostgreSQL ledger talks to: the user's `pg` Pool or Client, or a pool it opens itself from a
 * connection string (loading `pg` only then, so that `pg` stays an optional peer dependency).
 */

/** The part of a `pg` `Pool` or `Client` the ledger uses. */
export interface Queryable {
  /** Runs one parameterised statement (`$1`, `$2`, …) and resolves with its rows. */
  query(
    text: string,
    values?: unknown[],
  ): Promise<{
    /** The rows the statement returned. */
    rows: unknown[];
  }>;
}

/** The database, and how to end it when the ledger opened it itself. */
export interface Connected {
  db: Queryable;
  end?: () => Promise<void>;
}

/** Opens a pool for a connection string, or wraps the caller's own client (never ended by the ledger). */
export async function connectPostgres(connection: Queryable | string): Promise<Connected> {
  if (typeof connection !== 'string') return { db: connection };
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: connection, max: 4 });
  // An idle client's connection dropping must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return { db: pool, end: () => pool.end() };
}

/** Where the ledger is, for messages: host, port and database of a connection string, never a password. */
export function describeConnection(connection: Queryable | string): string {
  if (typeof connection !== 'string') return '';
  try {
    const url = new URL(connection);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}, `;
  } catch {
    return '';
  }
}
