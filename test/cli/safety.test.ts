/**
 * What must never lose or misreport data, driven through the built bin in child processes as a user runs
 * it: the output file, the template file, the header, and errors that come first and alone.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { runBin } from '../helpers/cli-process.js';
import { envFor, jsonLines, simulator } from './helpers.js';

// Each test starts child processes; on a loaded machine that takes seconds, which is no failure.
vi.setConfig({ testTimeout: 60_000 });

let sim: TwilioSimulator;
let dir: string;
const CSV = 'phone,first_name,order_id\n+14155550100,Ada,A-1\n+14155550101,Grace,A-2\n';
beforeEach(async () => {
  sim = await simulator();
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-safety-'));
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const unmapped = ['--from', '+15005550006', '--template', 'Hi {{first_name}}, order {{order_id}}'];
const message = [...unmapped, '--map', 'to=phone'];
const send = (...extra: string[]) => ['send', '--api-base-url', sim.url, ...message, ...extra];
const preview = (...extra: string[]) => ['preview', ...message, ...extra];
/** Without `--map to=phone`, for the tests that map the recipient themselves. */
const sendUnmapped = (...extra: string[]) => ['send', '--api-base-url', sim.url, ...unmapped, ...extra];
const previewUnmapped = (...extra: string[]) => ['preview', ...unmapped, ...extra];

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('the --out file', () => {
  it.each([
    ['send', (input: string) => send(input, '--out', input)],
    ['preview', (input: string) => preview(input, '--out', input)],
    ['send --force', (input: string) => send(input, '--out', join(dir, '.', 'rows.csv'), '--force')],
  ])('%s refuses an --out that is the input, and leaves the input whole', async (_name, args) => {
    const input = await file('rows.csv', CSV);
    const result = await runBin(args(input), envFor(sim));
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^error: --out .*rows\.csv is the rows file itself: writing the results there would destroy the rows/,
    );
    expect(await readFile(input, 'utf8')).toBe(CSV);
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses an existing --out, keeping the earlier results; --force replaces it; --append adds to it', async () => {
    const input = await file('rows.csv', CSV);
    const out = await file('results.jsonl', '{"earlier":true}\n');
    const refused = await runBin(send(input, '--out', out), envFor(sim));
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(
      `error: --out ${out} already exists: add --force to replace it, or --append to add to it (its lines are kept)\n`,
    );
    expect(sim.requests).toHaveLength(0);
    expect(await readFile(out, 'utf8')).toBe('{"earlier":true}\n');

    const appended = await runBin(send(input, '--out', out, '--append'), envFor(sim));
    expect(appended.code).toBe(0);
    const lines = jsonLines(await readFile(out, 'utf8')) as { line?: number; status?: string }[];
    expect(lines.map((l) => [l.line, l.status])).toEqual([
      [undefined, undefined],
      [2, 'sent'],
      [3, 'sent'],
    ]);

    const forced = await runBin(send(input, '--out', out, '--force', '--limit', '1'), envFor(sim));
    expect(forced.code).toBe(0);
    expect((jsonLines(await readFile(out, 'utf8')) as { line: number }[]).map((l) => l.line)).toEqual([2]);
    // No temporary file is left beside it.
    expect((await readdir(dir)).sort()).toEqual(['results.jsonl', 'rows.csv']);
  });

  it('leaves no --out file, and no partial one, when the run fails', async () => {
    const input = await file('rows.csv', `${CSV}+14155550102,"unclosed\n`);
    const out = join(dir, 'preview.jsonl');
    const result = await runBin(preview(input, '--out', out), {});
    expect(result.code).toBe(2);
    expect(await readdir(dir)).toEqual(['rows.csv']);
  });

  it('writes CSV results to an --out ending in .csv, the header once even when appending', async () => {
    const input = await file('rows.csv', CSV);
    const out = join(dir, 'results.csv');
    expect((await runBin(send(input, '--out', out, '--key', 'order_id'), envFor(sim))).code).toBe(0);
    expect(
      (await runBin(send(input, '--out', out, '--key', 'order_id', '--append', '--limit', '1'), envFor(sim)))
        .code,
    ).toBe(0);
    const [header, ...rows] = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(header).toBe(
      'line,key,index,status,messageSid,twilioStatus,segments,attempts,recovered,requestId,error_code,error_message,error_retryable,error_possiblySent,error_httpStatus,error_twilioCode,error_requestId',
    );
    expect(rows.map((row) => row.split(',').slice(0, 4).join(','))).toEqual([
      '2,A-1,0,sent',
      '3,A-2,1,sent',
      '2,A-1,0,sent',
    ]);
    expect(rows.map((row) => row.split(',')[4])).toEqual(sim.messages.map((m) => m.sid));
  });
});

describe('the template file', () => {
  it('drops a UTF-8 byte-order mark, so that messages stay GSM-7 and do not start with it', async () => {
    const input = await file('rows.csv', CSV);
    const template = await file('message.txt', '\uFEFFHi {{first_name}}\n');
    const args = ['--from', '+15005550006', '--template-file', template, '--map', 'to=phone'];
    const previewed = await runBin(['preview', input, ...args], {});
    expect(jsonLines(previewed.stdout)).toEqual([
      expect.objectContaining({ body: 'Hi Ada', encoding: 'GSM-7', segments: 1 }),
      expect.objectContaining({ body: 'Hi Grace', encoding: 'GSM-7', segments: 1 }),
    ]);
    expect((await runBin(['send', input, '--api-base-url', sim.url, ...args], envFor(sim))).code).toBe(0);
    expect(sim.messages.map((m) => m.body)).toEqual(['Hi Ada', 'Hi Grace']);
  });
});

describe('the header', () => {
  it.each([
    ['phone,first_name,phone\n+14155550100,Ada,+14155550101\n', '"phone"'],
    ['phone,order_id,first_name,order_id\n+14155550100,A-1,Ada,A-2\n', '"order_id"'],
  ])('refuses a header that repeats a column, naming it: %j', async (text, column) => {
    const input = await file('rows.csv', text);
    const result = await runBin(send(input), envFor(sim));
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `error: ${input}: the header names the column ${column} twice; rename or remove one of them\n`,
    });
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    [
      'a mapped column that is not there',
      CSV,
      ['--map', 'to=mobile'],
      [
        '  --map to=… [missing_column]: The rows have no column "mobile", which --map to=… reads the recipient from. Their columns: "phone", "first_name", "order_id"',
      ],
    ],
    [
      'a semicolon-separated file',
      'phone;first_name;order_id\n+14155550100;Ada;A-1\n',
      ['--map', 'to=phone'],
      [
        '  --map to=… [missing_column]: The rows have no column "phone", which --map to=… reads the recipient from. Their columns: "phone;first_name;order_id". The columns seem to be separated by ";", not commas: convert the file to comma-separated CSV',
        '  --template [missing_column]: The template reads "first_name", "order_id", but the rows have no such column. Their columns: "phone;first_name;order_id". The columns seem to be separated by ";", not commas: convert the file to comma-separated CSV',
      ],
    ],
    [
      'a header with a trailing space',
      'phone ,first_name,order_id\n+14155550100,Ada,A-1\n',
      ['--map', 'to=phone'],
      [
        '  --map to=… [missing_column]: The rows have no column "phone", which --map to=… reads the recipient from. Their columns: "phone ", "first_name", "order_id". Column "phone " differs from "phone" only by white space or letter case: rename it in the file, or map it exactly',
      ],
    ],
  ])('checks %s once, before any row, for send and preview alike', async (_name, text, flags, lines) => {
    const input = await file('rows.csv', text);
    for (const args of [sendUnmapped(input, ...flags), previewUnmapped(input, ...flags)]) {
      const result = await runBin(args, envFor(sim));
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr.split('\n')).toEqual([
        `Invalid configuration (${lines.length} problem${lines.length === 1 ? '' : 's'}):`,
        ...lines,
        '',
      ]);
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('checks the recipient column of JSON Lines from stdin before the first row is sent', async () => {
    const result = await runBin(
      sendUnmapped('--format', 'jsonl', '--map', 'to=mobile'),
      envFor(sim),
      '{"phone":"+14155550100","first_name":"Ada","order_id":"A-1"}\n',
    );
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^Invalid configuration \(1 problem\):\n {2}--map to=… \[missing_column\]: The rows have no column "mobile"/,
    );
    expect(sim.requests).toHaveLength(0);
  });
});

describe('errors come first and alone', () => {
  it('prints only the error for a malformed CSV: no rows, no "Preview of 0 rows"', async () => {
    const input = await file('rows.csv', 'phone,first_name,order_id\n+14155550100,Ada\n');
    const result = await runBin(preview(input), {});
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^error: .*rows\.csv: Invalid Record Length: columns length is 3, got 2 on line 2\n$/,
    );
  });

  it('writes no row to stdout when a later JSON line is bad', async () => {
    const good = JSON.stringify({ phone: '+14155550100', first_name: 'Ada', order_id: 'A-1' });
    const result = await runBin(preview('--format', 'jsonl'), {}, `${good}\n${good}\nnot json\n`);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error: stdin line 3: not valid JSON/);
  });

  it('says what is wrong with the flags before the simulator banner, and only that', async () => {
    const input = await file('rows.csv', CSV);
    const result = await runBin(['send', input, '--simulate', ...message, '--concurrency', '0'], {});
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'Invalid configuration (1 problem):\n  --concurrency [out_of_range]: must be at least 1 (got 0)\n',
    });
  });
});
