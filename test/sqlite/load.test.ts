import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.resetModules();
});

it('drops only the experimental-SQLite warning while node:sqlite loads, and loads it once', async () => {
  const passed: unknown[][] = [];
  const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => {
    passed.push(args);
  });
  const real = process.getBuiltinModule.bind(process);
  const getBuiltinModule = vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => {
    // What Node 22 does when node:sqlite first loads, and an unrelated warning at the same moment.
    process.emitWarning(
      'SQLite is an experimental feature and might change at any time',
      'ExperimentalWarning',
    );
    process.emitWarning(new Error('something else'));
    return real(id);
  }) as typeof process.getBuiltinModule);
  const { loadSqlite } = await import('../../src/sqlite/load.js');
  const sqlite = loadSqlite();
  expect(typeof sqlite.DatabaseSync).toBe('function');
  expect(loadSqlite()).toBe(sqlite);
  expect(getBuiltinModule).toHaveBeenCalledTimes(1);
  expect(passed).toEqual([[new Error('something else')]]);
  // Restored afterwards: a later SQLite-worded warning is the user's own and passes.
  process.emitWarning('SQLite said something later');
  expect(passed).toHaveLength(2);
  emitWarning.mockRestore();
});
