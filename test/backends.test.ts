import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Imports `specifier` from the built package in a fresh Node and lists the drivers that were loaded. */
function driversLoaded(specifier: string, then = ''): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        if (/^(pg|ioredis|redis|@redis\\/client)(\\/|$)/.test(specifier)) seen.add(specifier.split('/')[0]);
        return next(specifier, context);
      },
    });
    const loaded = await import(${JSON.stringify(specifier)});
    ${then}
    if (process.moduleLoadList.some((m) => m === 'NativeModule sqlite')) seen.add('node:sqlite');
    console.log(JSON.stringify([...seen].sort()));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe('back-end drivers', () => {
  it('are never loaded by importing the main entry', () => {
    expect(driversLoaded('twilio-destination')).toEqual([]);
  });

  it.each([
    ['twilio-destination/sqlite', 'SqliteLedger'],
    ['twilio-destination/postgres', 'PostgresLedger'],
    ['twilio-destination/redis', 'RedisLedger'],
  ])('%s exports %s and loads no driver until it is used', (specifier, name) => {
    expect(
      driversLoaded(specifier, `if (typeof loaded.${name} !== 'function') throw new Error('missing');`),
    ).toEqual([]);
  });

  it('loads node:sqlite when a SQLite ledger opens, without printing Node 22’s experimental warning', () => {
    const script = `
      import { SqliteLedger } from 'twilio-destination/sqlite';
      const ledger = new SqliteLedger({ path: ':memory:' });
      await ledger.open();
      await ledger.close();
      process.emitWarning('a warning that is not about SQLite');
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    // Other warnings still reach the user; only the one about SQLite being experimental is dropped.
    expect(result.stderr).toContain('a warning that is not about SQLite');
    expect(result.stderr).not.toContain('experimental');
  });
});
