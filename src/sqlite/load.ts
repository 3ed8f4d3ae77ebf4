/**
 * Loads Node's built-in `node:sqlite` on first use (never when the package's main entry is imported), and
 * keeps Node 22's "SQLite is an experimental feature" warning out of the user's output.
 */
import type * as Sqlite from 'node:sqlite';

let loaded: typeof Sqlite | undefined;

/** The `node:sqlite` module. */
export function loadSqlite(): typeof Sqlite {
  if (loaded) return loaded;
  // Node 22 emits an ExperimentalWarning when the module first loads; the ledger is not experimental to
  // its users, so that one warning is dropped (any other warning passes through untouched).
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    loaded = process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
