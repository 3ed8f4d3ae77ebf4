/**
 * CLI paths the other tests reach only through child processes (which coverage does not see) or not at
 * all, run in-process: the preview bar's delay, a proxy from the environment, a results file that stops
 * taking lines, rows not started after Ctrl-C with their --key, an --out that appears after the check,
 * and a status Ctrl-C before the first round.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandLine } from '../../src/cli/args.js';
import { type CommandIo, openResults } from '../../src/cli/commands.js';
import { createReadProgress } from '../../src/cli/progress.js';
import { proxyFromEnv, UsageError } from '../../src/cli/session.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { waitFor } from '../simulator/client.js';
import { capture, envFor, jsonLines, messageFlags, runCli, simulator } from './helpers.js';

let sim: TwilioSimulator | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-paths-'));
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('the preview bar', () => {
  it('appears only once the preview has run for the interval', () => {
    const chunks: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, callback) {
          chunks.push(String(chunk));
          callback();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    let now = 1_000;
    const bytes = { bytesRead: 50 };
    const progress = createReadProgress({ stream, size: 100, bytes, now: () => now, intervalMs: 1000 });
    now = 1_999;
    progress.update(3);
    expect(chunks).toEqual([]);
    now = 2_000;
    progress.update(4);
    progress.stop();
    expect(chunks.join('')).toMatch(/ preview [█░]+ 50% \| 4 rows \| ETA /);
  });
});

describe('a proxy from the environment', () => {
  it('is used for HTTP_PROXY alone', async () => {
    const proxy = proxyFromEnv({ HTTP_PROXY: 'http://proxy:3128' });
    expect(proxy?.notice).toBe('Using the proxy http://proxy:3128 (HTTPS_PROXY/HTTP_PROXY).');
    await proxy?.dispatcher.close();
  });

  it('is announced by send, and NO_PROXY hosts are reached directly', async () => {
    sim = await simulator();
    const rows = join(dir, 'rows.csv');
    await writeFile(rows, 'phone,first_name\n+14155550100,Ada\n');
    const run = await runCli(
      ['send', rows, '--api-base-url', sim.url, ...messageFlags('Hi {{first_name}}')],
      {
        // Port 9 on this machine answers nothing: a request through the proxy would fail.
        env: {
          ...envFor(sim),
          HTTPS_PROXY: 'http://127.0.0.1:9',
          HTTP_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '127.0.0.1',
        },
      },
    );
    expect(run.stderr.split('\n')[0]).toBe(
      'Using the proxy http://127.0.0.1:9 (HTTPS_PROXY/HTTP_PROXY), except for NO_PROXY 127.0.0.1.',
    );
    expect(run.code).toBe(0);
    expect(sim.messages.map((m) => [m.to, m.body])).toEqual([['+14155550100', 'Hi Ada']]);
  });
});

/** A CSV of `count` rows, each with an `id` column. */
async function keyedRows(count: number): Promise<string> {
  const path = join(dir, 'keyed.csv');
  const lines = Array.from(
    { length: count },
    (_, i) => `+1415555${String(100 + i).padStart(4, '0')},P${i},id-${i}`,
  );
  await writeFile(path, `phone,first_name,id\n${lines.join('\n')}\n`);
  return path;
}

describe('send that cannot go on', () => {
  it('stops when the results file takes no more lines, and still counts every row', async () => {
    sim = await simulator();
    const rows = await keyedRows(30);
    // /dev/full takes the file open but fails every write (ENOSPC).
    const run = await runCli(
      [
        'send',
        rows,
        '--api-base-url',
        sim.url,
        ...messageFlags('Hi {{first_name}}'),
        '--concurrency',
        '4',
        '--key',
        'id',
        '--out',
        '/dev/full',
        '--append',
      ],
      { env: envFor(sim) },
    );
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toMatch(/^Sent \d+ of 30 rows; \d+ failed \(aborted \d+\)\.$/);
    expect(run.stderr).toContain('error: could not write the results to /dev/full: ');
    expect(run.stderr).toContain('Sending stopped.');
    // Fewer messages than rows: sending stopped once the first result could not be written.
    expect(sim.messages.length).toBeLessThan(30);
  });

  it('reports the rows not started after Ctrl-C as aborted, with their --key', async () => {
    sim = await simulator({ latency: { fixedMs: 60_000 } });
    const rows = await keyedRows(3);
    const signals = new EventEmitter();
    const running = runCli(
      [
        'send',
        rows,
        '--api-base-url',
        sim.url,
        ...messageFlags('Hi {{first_name}}'),
        '--concurrency',
        '1',
        '--key',
        'id',
      ],
      { env: envFor(sim), signals, stdout: capture() },
    );
    await waitFor(() => sim?.requests.length === 1);
    signals.emit('SIGINT');
    const run = await running;
    expect(run.code).toBe(130);
    const results = jsonLines(run.stdout) as {
      line: number;
      key?: string;
      status: string;
      error?: { code: string };
    }[];
    expect(results.map((r) => [r.line, r.key, r.status, r.error?.code])).toEqual([
      [2, 'id-0', 'failed', 'aborted'],
      [3, 'id-1', 'failed', 'aborted'],
      [4, 'id-2', 'failed', 'aborted'],
    ]);
  });
});

describe('status cut short', () => {
  const UNKNOWN = `SM${'0'.repeat(32)}`;
  const resultsFile = async () => {
    const file = join(dir, 'sent.jsonl');
    await writeFile(
      file,
      `${JSON.stringify({ status: 'sent', index: 0, attempts: 1, messageSid: UNKNOWN, twilioStatus: 'queued' })}\n`,
    );
    return file;
  };

  it('reports a message as aborted, asking nothing, when Ctrl-C comes before the first round', async () => {
    sim = await simulator();
    const file = await resultsFile();
    const signals = new EventEmitter();
    // The first clock reading is the status command's start, just before the first round.
    let readings = 0;
    const now = () => {
      if (++readings === 1) signals.emit('SIGINT');
      return 0;
    };
    const run = await runCli(['status', file, '--api-base-url', sim.url], { env: envFor(sim), signals, now });
    expect(run.code).toBe(130);
    expect(jsonLines(run.stdout)).toEqual([
      {
        index: 0,
        kind: 'failed',
        messageSid: UNKNOWN,
        error: { code: 'aborted', message: 'Polling was aborted', retryable: true },
      },
    ]);
    expect(sim.requests).toEqual([]);
  });

  it('fails when its --out takes no lines, leaving the error alone', async () => {
    sim = await simulator();
    const file = await resultsFile();
    const run = await runCli(['status', file, '--api-base-url', sim.url, '--out', '/dev/full', '--append'], {
      env: envFor(sim),
    });
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: ENOSPC: no space left on device, write\n',
    });
    // The one round was asked; only the writing failed.
    expect(sim.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });
});

describe('openResults', () => {
  it('refuses an --out that appeared after the first check, as a usage error', async () => {
    const out = join(dir, 'late.jsonl');
    await writeFile(out, 'kept\n');
    const line: CommandLine = { command: 'send', file: undefined, options: { out } };
    const io = { stdout: capture() } as unknown as CommandIo;
    const opening = openResults(line, io, 'send', false);
    await expect(opening).rejects.toThrow(UsageError);
    await expect(opening).rejects.toThrow(
      `--out ${out} already exists: add --force to replace it, or --append to add to it (its lines are kept)`,
    );
    expect(await readFile(out, 'utf8')).toBe('kept\n');
  });
});
