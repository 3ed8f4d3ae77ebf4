/**
 * The real servers some suites need. A suite that needs Redis is declared with `describeRedis`, one that
 * needs PostgreSQL with `describePostgres`: without `REDIS_URL` / `DATABASE_URL` they are skipped, and
 * `services-report.ts` names them at the end of the run (CI sets `REQUIRE_SERVICES=1`, which fails a run
 * that would skip them).
 */
import { describe } from 'vitest';

/** e.g. `redis://127.0.0.1:6379`. */
export const REDIS_URL = process.env['REDIS_URL'];
/** e.g. `postgres://postgres@127.0.0.1:5432/test`. */
export const DATABASE_URL = process.env['DATABASE_URL'];

/** `describe` when `REDIS_URL` is set, else `describe.skip`. */
export const describeRedis = REDIS_URL ? describe : describe.skip;
/** `describe` when `DATABASE_URL` is set, else `describe.skip`. */
export const describePostgres = DATABASE_URL ? describe : describe.skip;

/** A key prefix or schema name no other run (or parallel test file) uses. */
export function uniqueName(label: string): string {
  return `td_${label}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
