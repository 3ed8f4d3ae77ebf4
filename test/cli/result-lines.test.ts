/**
 * The CLI's results speak of file lines: the package's `Row n:` (a 0-based index, meaningless beside a
 * file) becomes `Line n:` in the messages `send` and `preview` write, while the library keeps `Row n:`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atFileLine } from '../../src/cli/report.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import {
  CSV_ROWS,
  envFor,
  fixture,
  jsonLines,
  libraryResults,
  runCli,
  sendFlags,
  simulator,
  TEMPLATE,
} from './helpers.js';

let sim: TwilioSimulator;
let dir: string;
beforeEach(async () => {
  sim = await simulator();
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-lines-'));
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

type Written = { line: number; index: number; error?: { message: string }; warnings?: { message: string }[] };

describe('messages in the CLI results', () => {
  it('send writes "Line n:" with the row\'s file line where the library says "Row index:"', async () => {
    const out = join(dir, 'results.jsonl');
    const run = await runCli(['send', fixture('customers.csv'), ...sendFlags(sim.url), '--out', out], {
      env: envFor(sim),
    });
    expect(run.code).toBe(1);
    const failed = (jsonLines(await readFile(out, 'utf8')) as Written[]).filter((r) => r.error);
    expect(failed.map((r) => [r.line, r.index, r.error?.message.slice(0, 40)])).toEqual([
      [4, 2, 'Line 4: "to" must be a phone number in E'],
      [5, 3, 'Line 5: the recipient has opted out (rep'],
      [6, 4, 'Line 6: Template field "first_name" is m'],
    ]);
    // The library itself still numbers rows by index: it knows no file.
    const library = await libraryResults(CSV_ROWS);
    expect(library.flatMap((r) => (r.status === 'failed' ? [r.error.message.slice(0, 7)] : []))).toEqual([
      'Row 2: ',
      'Row 3: ',
      'Row 4: ',
    ]);
  });

  it('preview writes warnings with the file line', async () => {
    const run = await runCli([
      'preview',
      fixture('customers.csv'),
      '--simulate',
      '--template',
      `${TEMPLATE} ${'x'.repeat(400)}`,
      '--map',
      'to=phone',
      '--warn-above-segments',
      '1',
    ]);
    const rows = jsonLines(run.stdout) as Written[];
    expect(rows[0]?.warnings?.map((w) => w.message.slice(0, 30))).toEqual(['Line 2: the message takes 3 se']);
    expect(rows[1]?.line).toBe(3);
    expect(rows[1]?.warnings?.[0]?.message).toMatch(/^Line 3: /);
  });
});

describe('atFileLine', () => {
  it.each([
    [
      'an error starting with its row',
      { index: 2, error: { message: 'Row 2: bad' } },
      { index: 2, error: { message: 'Line 4: bad' } },
    ],
    [
      'an error naming another row',
      { index: 2, error: { message: 'Row 1: bad' } },
      { index: 2, error: { message: 'Row 1: bad' } },
    ],
    [
      'warnings',
      { index: 2, warnings: [{ message: 'Row 2: long' }, { message: 'other' }] },
      { index: 2, warnings: [{ message: 'Line 4: long' }, { message: 'other' }] },
    ],
    ['a result with neither', { index: 2, status: 'sent' }, { index: 2, status: 'sent' }],
  ])('rewrites %s', (_, result, expected) => {
    expect(atFileLine(result, 4)).toEqual(expected);
  });
});
