import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Imports `specifiers` in a fresh Node process (the built package) and lists the driver modules it loaded. */
function driversLoadedBy(specifiers: string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        const match = /node_modules\\/(ioredis|redis|@redis\\/[^/]+)\\//.exec(result.url);
        if (match) loaded.add(match[1]);
        return result;
      },
    });
    for (const specifier of ${JSON.stringify(specifiers)}) await import(specifier);
    console.log(JSON.stringify([...loaded].sort()));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return JSON.parse(output.toString()) as string[];
}

it('loads neither Redis driver when the main entry is imported, nor when the Redis subpath is', () => {
  expect(driversLoadedBy(['twilio-destination'])).toEqual([]);
  expect(driversLoadedBy(['twilio-destination/redis'])).toEqual([]);
});

it('would notice a driver being loaded', () => {
  expect(driversLoadedBy(['twilio-destination', 'ioredis', 'redis'])).toEqual(
    expect.arrayContaining(['ioredis', 'redis']),
  );
});

it('exports RedisCoordinator from twilio-destination/redis', () => {
  const output = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const m = await import('twilio-destination/redis'); console.log(typeof m.RedisCoordinator)",
    ],
    { cwd: root },
  );
  expect(output.toString().trim()).toBe('function');
});
