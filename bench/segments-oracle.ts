/**
 * The oracle run: `countSegments` against Twilio's calculator on 100,000 seeded random bodies of every kind
 * (test/helpers/segment-texts.ts), too slow for the suite, which runs 300 of them. Run by `npm run bench`,
 * or alone with `npx tsx bench/segments-oracle.ts [count] [seed]`; exits 1 on any disagreement.
 */
import { fileURLToPath } from 'node:url';
import { countSegments } from '../src/segments.js';
import { compareWithCalculator, type Mismatch } from '../test/helpers/segment-texts.js';

/** What one oracle run found. */
export interface OracleResult {
  bodies: number;
  seed: number;
  seconds: number;
  mismatches: Mismatch[];
}

/**
 * Compares `count` bodies from `seed` (plain and smart-encoded alternately) and returns the disagreements.
 * @example
 * const { mismatches } = benchOracle(10_000, 1);
 */
export function benchOracle(count = 100_000, seed = 20_261_202): OracleResult {
  const started = performance.now();
  const mismatches = compareWithCalculator(countSegments, { count, seed });
  return { bodies: count, seed, seconds: (performance.now() - started) / 1000, mismatches };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = benchOracle(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 20_261_202));
  console.log(
    `${result.bodies} bodies (seed ${result.seed}) in ${result.seconds.toFixed(1)} s: ${result.mismatches.length} disagreements`,
  );
  for (const mismatch of result.mismatches) console.log(JSON.stringify(mismatch));
  process.exitCode = result.mismatches.length === 0 ? 0 : 1;
}
