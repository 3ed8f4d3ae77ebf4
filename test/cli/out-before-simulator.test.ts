/**
 * A wrong `--out` (the rows file, or an existing file without `--force`/`--append`) is refused before
 * `--simulate` starts the simulator: the error comes alone, with no SIMULATION banner before it.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture, runCli, TEMPLATE } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-out-first-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const flags = ['--simulate', '--template', TEMPLATE, '--map', 'to=phone'];

describe('--out is checked before the simulator starts', () => {
  it.each(['send', 'preview'])(
    '%s --simulate --out ROWS refuses the rows file, with no banner',
    async (command) => {
      const rows = join(dir, 'c.csv');
      await copyFile(fixture('customers.csv'), rows);
      const before = await readFile(rows, 'utf8');
      const run = await runCli([command, rows, ...flags, '--out', rows]);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toBe(
        `error: --out ${rows} is the rows file itself: writing the results there would destroy the rows. Choose another --out file\n`,
      );
      expect(await readFile(rows, 'utf8')).toBe(before);
    },
  );

  it('send --simulate refuses an existing --out without --force, with no banner', async () => {
    const out = join(dir, 'results.jsonl');
    await writeFile(out, 'earlier\n');
    const run = await runCli(['send', fixture('customers.csv'), ...flags, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: --out ${out} already exists: add --force to replace it, or --append to add to it (its lines are kept)\n`,
    );
    expect(await readFile(out, 'utf8')).toBe('earlier\n');
  });
});
