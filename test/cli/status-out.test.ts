/**
 * `twilio-destination status`: its `--out` is refused before any request when it exists (unless `--force`
 * or `--append`) or is the results file; its help is its own; it reads the CSV results `send` writes.
 */

import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../../src/cli/session.js';
import { status } from '../../src/cli/status.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { capture, envFor, fixture, jsonLines, runCli, sendFlags, simulator } from './helpers.js';

let sim: TwilioSimulator;
let dir: string;
beforeEach(async () => {
  sim = await simulator();
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-status-out-'));
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `send` on the fixture's five rows (two sent) with `--out out`, and returns `out`. */
async function sendTo(out: string): Promise<string> {
  const run = await runCli(['send', fixture('customers.csv'), ...sendFlags(sim.url), '--out', out], {
    env: envFor(sim),
  });
  expect(run.code).toBe(1);
  return out;
}

const gets = () => sim.requests.filter((r) => r.method === 'GET');
const sentSids = () => sim.messages.map((m) => m.sid);

describe('status --out', () => {
  it('refuses an existing file without --force or --append, keeps it, and asks Twilio nothing', async () => {
    const results = await sendTo(join(dir, 'results.jsonl'));
    const keep = join(dir, 'keep.txt');
    await writeFile(keep, 'precious\n');
    const run = await runCli(
      ['status', results, '--wait', '1h', '--interval', '1h', '--out', keep, '--api-base-url', sim.url],
      { env: envFor(sim) },
    );
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      `error: --out ${keep} already exists: add --force to replace it, or --append to add to it (its lines are kept)\n`,
    );
    expect(await readFile(keep, 'utf8')).toBe('precious\n');
    expect(gets()).toEqual([]);
  });

  it('refuses the results file itself as --out before the first request, even with --force', async () => {
    const results = await sendTo(join(dir, 'results.jsonl'));
    const before = await readFile(results, 'utf8');
    const run = await runCli(
      ['status', results, '--wait', '1h', '--out', results, '--force', '--api-base-url', sim.url],
      { env: envFor(sim) },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: --out ${results} is the results file itself: writing the results there would destroy the results. Choose another --out file\n`,
    );
    expect(await readFile(results, 'utf8')).toBe(before);
    expect(gets()).toEqual([]);
  });

  it('replaces an existing file with --force, and adds to it with --append', async () => {
    const results = await sendTo(join(dir, 'results.jsonl'));
    const out = join(dir, 'statuses.jsonl');
    await writeFile(out, '{"earlier":true}\n');
    const forced = await runCli(['status', results, '--out', out, '--force', '--api-base-url', sim.url], {
      env: envFor(sim),
    });
    expect(forced.code).toBe(1);
    const replaced = jsonLines(await readFile(out, 'utf8')) as { index: number; messageSid: string }[];
    expect(replaced.map((l) => [l.index, l.messageSid])).toEqual([
      [0, sentSids()[0]],
      [1, sentSids()[1]],
    ]);
    const appended = await runCli(['status', results, '--out', out, '--append', '--api-base-url', sim.url], {
      env: envFor(sim),
    });
    expect(appended.code).toBe(1);
    const all = jsonLines(await readFile(out, 'utf8')) as { index: number }[];
    expect(all.map((l) => l.index)).toEqual([0, 1, 0, 1]);
    expect(gets()).toHaveLength(4);
  });

  it('leaves no temporary file behind when the results cannot be given the --out name', async () => {
    const results = await sendTo(join(dir, 'results.jsonl'));
    // A folder where --out should go, made while Twilio is being asked (after the checks): no file can be
    // renamed over it.
    const out = join(dir, 'statuses');
    sim.configure({
      faults: () => {
        mkdirSync(out, { recursive: true });
        return undefined;
      },
    });
    const run = await runCli(['status', results, '--out', out, '--api-base-url', sim.url], {
      env: envFor(sim),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*statuses/);
    expect((await readdir(dir)).sort()).toEqual(['results.jsonl', 'statuses']);
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses an existing --out itself too, when the file appears after the first check', async () => {
    const results = await sendTo(join(dir, 'results.jsonl'));
    const out = join(dir, 'late.jsonl');
    await writeFile(out, 'late\n');
    // Called past main's check, as when the file is created between the two: nothing is asked either.
    const io = {
      stdin: undefined as never,
      stdout: capture(),
      stderr: capture(),
      signals: new EventEmitter(),
      now: Date.now,
      progressIntervalMs: 1000,
      announce: () => undefined,
    };
    const session = { destination: undefined } as unknown as Session;
    await expect(status({ command: 'status', file: results, options: { out } }, session, io)).rejects.toThrow(
      `--out ${out} already exists: add --force to replace it`,
    );
    expect(await readFile(out, 'utf8')).toBe('late\n');
  });

  it('refuses --force with --append', async () => {
    const run = await runCli(['status', join(dir, 'r.jsonl'), '--out', 'x', '--force', '--append']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/option '--append' cannot be used with option '--force'/);
  });
});

describe('status --help', () => {
  it("shows --api-base-url, --force and --append, and status's own input, output and exit codes", async () => {
    const run = await runCli(['status', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--api-base-url <url>', '--force', '--append', '--out <file>', '--wait <duration>'])
      expect(run.stdout).toContain(flag);
    expect(run.stdout).toContain('An existing --out file is kept unless --force or --append');
    expect(run.stdout).toContain('Exit codes: 0 every message reached a final outcome');
    expect(run.stdout).toContain('JSON Lines (results.jsonl) or CSV (results.csv');
    // Nothing of send's footer, which speaks of rows, --key and sending.
    expect(run.stdout).not.toContain('Rows: a CSV');
    expect(run.stdout).not.toContain('--key');
    expect(run.stdout).not.toContain('every row sent');
  });
});

describe('status on CSV results', () => {
  it('reads the CSV that send --out results.csv writes, as it reads the JSON Lines', async () => {
    const csv = await sendTo(join(dir, 'results.csv'));
    const run = await runCli(['status', csv, '--api-base-url', sim.url], { env: envFor(sim) });
    expect(run.code).toBe(1);
    const lines = jsonLines(run.stdout) as { index: number; messageSid: string; kind: string }[];
    expect(lines.map((l) => [l.index, l.messageSid, l.kind])).toEqual([
      [0, sentSids()[0], 'found'],
      [1, sentSids()[1], 'found'],
    ]);
    expect(run.stderr).toMatch(/^2 messages: 2 pending .*\n3 rows were not sent/);
    expect(gets().map((r) => r.path.split('/').pop())).toEqual(sentSids().map((sid) => `${sid}.json`));
  });

  it('numbers a result without "index" by its place in the file', async () => {
    const results = join(dir, 'results.jsonl');
    await sendTo(results);
    const lines = (await readFile(results, 'utf8')).split('\n').filter((l) => l !== '');
    const noIndex = lines.map((l) => {
      const { index: _, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    await writeFile(results, `${[...noIndex.slice(2), ...noIndex.slice(0, 2)].join('\n')}\n`);
    const run = await runCli(['status', results, '--api-base-url', sim.url], { env: envFor(sim) });
    const found = jsonLines(run.stdout) as { index: number; messageSid: string }[];
    expect(found.map((l) => [l.index, l.messageSid])).toEqual([
      [3, sentSids()[0]],
      [4, sentSids()[1]],
    ]);
  });

  it('says that status reads the results of send, not the rows, for a rows file', async () => {
    const run = await runCli(['status', fixture('customers.csv'), '--api-base-url', sim.url], {
      env: envFor(sim),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${fixture('customers.csv')} result 1: not a send result (no "status": "sent" with a "messageSid", nor "failed"). status reads the results of send --out (JSON Lines, or CSV with its header), not the rows\n`,
    );
    expect(gets()).toEqual([]);
  });
});
