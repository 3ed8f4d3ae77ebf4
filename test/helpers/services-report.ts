/**
 * Vitest global setup: names the suites skipped for want of a server, once, at the end of the run; with
 * `REQUIRE_SERVICES=1` (CI) a missing server fails the run before any test starts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICES = [
  { env: 'REDIS_URL', marker: 'describeRedis(', example: 'REDIS_URL=redis://127.0.0.1:6379' },
  {
    env: 'DATABASE_URL',
    marker: 'describePostgres(',
    example: 'DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
  },
] as const;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

export default function servicesReport(): () => void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const missing = SERVICES.filter((service) => !process.env[service.env]);
  if (missing.length > 0 && process.env['REQUIRE_SERVICES'] === '1') {
    throw new Error(
      `REQUIRE_SERVICES=1 but ${missing.map((s) => s.env).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the suites that need them would be skipped`,
    );
  }
  return () => {
    for (const service of missing) {
      const files = testFiles(join(root, 'test'))
        .filter((file) => readFileSync(file, 'utf8').includes(service.marker))
        .map((file) => relative(root, file));
      if (files.length === 0) continue;
      console.log(
        `Skipped (no ${service.env}): ${files.join(', ')}. Run them with ${service.example} npm test.`,
      );
    }
  };
}
