/**
 * The built bin (dist/cli/main.js, built by the global setup) run as a child process, as a user runs it:
 * real argv, environment, pipes and signals, against a simulator started here.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { atFileLine } from '../../src/cli/report.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { BIN, runBin, startBin } from '../helpers/cli-process.js';
import { CSV_ROWS, envFor, fixture, jsonLines, libraryResults, sendFlags, simulator } from './helpers.js';

// Each test starts child processes; on a loaded machine that takes seconds, which is no failure.
vi.setConfig({ testTimeout: 60_000 });

let sim: TwilioSimulator;
let dir: string;
beforeEach(async () => {
  sim = await simulator();
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-bin-'));
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const sendArgs = (...extra: string[]) => ['send', ...sendFlags(sim.url), ...extra];

describe('the twilio-destination bin', () => {
  it('sends a CSV file with credentials from the environment only, writing every result to --out', async () => {
    const out = join(dir, 'results.jsonl');
    const result = await runBin(sendArgs(fixture('customers.csv'), '--out', out), envFor(sim));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(jsonLines(await readFile(out, 'utf8'))).toEqual(
      (await libraryResults(CSV_ROWS)).map((r, i) => ({ line: i + 2, ...atFileLine(r, i + 2) })),
    );
    expect(result.stderr.split('\n').slice(0, 5)).toEqual([
      'Sent 2 of 5 rows; 3 failed (invalid_row 1, twilio_rejected 1, template_error 1).',
      expect.stringMatching(/^ {2}\[invalid_row\] line 4: /),
      expect.stringMatching(/^ {2}\[twilio_rejected\] line 5: /),
      expect.stringMatching(/^ {2}\[template_error\] line 6: /),
      `Segments: 2. Results: ${out}, one line per row.`,
    ]);
    expect(result.stdout + result.stderr).not.toContain(sim.credentials.authToken);
  });

  it('reads JSON Lines from a pipe with an API key, writes the results to stdout, and exits 0', async () => {
    const rows = CSV_ROWS.slice(0, 2);
    const env = {
      TWILIO_ACCOUNT_SID: sim.credentials.accountSid,
      TWILIO_API_KEY: sim.apiKey.sid,
      TWILIO_API_SECRET: sim.apiKey.secret,
    };
    const result = await runBin(
      sendArgs('--format', 'jsonl'),
      env,
      rows.map((r) => JSON.stringify(r)).join('\n'),
    );
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual(
      (await libraryResults(rows)).map((r, i) => ({ line: i + 1, ...atFileLine(r, i + 1) })),
    );
    expect(result.stderr).toMatch(/^Sent 2 of 2 rows\.\n/);
    expect(result.stdout + result.stderr).not.toContain(sim.apiKey.secret);
  });

  it('runs on the embedded simulator with --simulate, saying that nothing leaves the machine', async () => {
    const result = await runBin([
      'send',
      fixture('customers.jsonl'),
      '--simulate',
      '--template-file',
      fixture('template.txt'),
      '--map',
      'to=phone',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Nothing leaves this machine: no message is sent');
    expect(jsonLines(result.stdout).map((r) => (r as { status: string }).status)).toEqual([
      'sent',
      'sent',
      'failed',
    ]);
  });

  it('exits 2 with a clear message on usage and configuration errors, and never echoes a secret', async () => {
    const env = envFor(sim);
    const unknown = await runBin(sendArgs('--colour', 'blue'), env);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^error: unknown option '--colour'/);

    const map = await runBin(sendArgs('--map', 'phone'), env);
    expect(map.code).toBe(2);
    expect(map.stderr).toContain("argument 'phone' is invalid. expected field=column");

    const missing = await runBin(['send', fixture('customers.csv'), '--api-base-url', sim.url], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--template [required]: give the message with --template <text>');
    expect(missing.stderr).toContain('--from [required]');

    const flag = await runBin([
      ...sendArgs(fixture('customers.csv')),
      `--auth-token=${sim.credentials.authToken}`,
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('credentials are not accepted as flags');
    expect(flag.stderr).not.toContain(sim.credentials.authToken);
    expect(sim.requests).toHaveLength(0);
  });

  it('prints its help through a symlink, as npm installs it', async () => {
    const link = join(dir, 'twilio-destination');
    await symlink(BIN, link);
    const child = startBin(['--help'], {}, { script: link });
    const result = await child.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: twilio-destination [options] [command]');
  });

  it.runIf(process.platform === 'linux')(
    'sends with the heap flags in the same process (same PID); a flag the user gave keeps its value',
    async () => {
      sim.configure({ latency: { fixedMs: 150 } });
      const out = join(dir, 'results.jsonl');
      const child = startBin(sendArgs(fixture('eight.csv'), '--out', out), envFor(sim));
      while (sim.requests.length < 1) await sleep(10);
      const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0');
      const environ = (await readFile(`/proc/${child.pid}/environ`, 'utf8')).split('\0');
      expect(cmdline.slice(0, 4)).toEqual([
        process.execPath,
        '--optimize-for-size',
        '--max-old-space-size=256',
        BIN,
      ]);
      expect(environ).toContain('TWILIO_DESTINATION_HEAP_FLAGS=applied');
      const result = await child.done;
      expect(result.code).toBe(0);
      expect(jsonLines(await readFile(out, 'utf8'))).toHaveLength(8);
      expect(result.stderr).toMatch(/^Sent 8 of 8 rows\./);

      // A user's own value wins, and is not repeated.
      sim.configure({ latency: { fixedMs: 150 } });
      const own = startBin(sendArgs(fixture('eight.csv'), '--out', join(dir, 'own.jsonl')), {
        ...envFor(sim),
        NODE_OPTIONS: '--max-old-space-size=512',
      });
      const before = sim.requests.length;
      while (sim.requests.length < before + 1) await sleep(10);
      expect((await readFile(`/proc/${own.pid}/cmdline`, 'utf8')).split('\0').slice(0, 3)).toEqual([
        process.execPath,
        '--optimize-for-size',
        BIN,
      ]);
      expect((await own.done).code).toBe(0);
    },
  );

  it.runIf(process.platform === 'linux')(
    're-runs before loading any dependency, so that the CLI is loaded once',
    async () => {
      // A module hook (kept by the re-run, through NODE_OPTIONS) notes every module loaded, and by which run.
      const log = join(dir, 'loaded.txt');
      const hook = join(dir, 'hook.mjs');
      await writeFile(
        hook,
        `import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const run = process.env.TWILIO_DESTINATION_HEAP_FLAGS ?? 'first';
registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, run + ' ' + url + '\\n'); return next(url, context); } });
`,
      );
      const result = await runBin(sendArgs(fixture('eight.csv'), '--out', join(dir, 'r.jsonl')), {
        ...envFor(sim),
        NODE_OPTIONS: `--import=${hook}`,
      });
      expect(result.code).toBe(0);
      const loaded = (await readFile(log, 'utf8')).trim().split('\n');
      const cli = (url: string) => url.slice(url.lastIndexOf('/dist/') + 1);
      const first = loaded.filter((l) => l.startsWith('first ')).map((l) => cli(l.slice(6)));
      expect(first.filter((url) => !url.startsWith('node:')).sort()).toEqual([
        'dist/cli/entry.js',
        'dist/cli/heap-flags.js',
        'dist/cli/main.js',
        'dist/cli/node-check.js',
        'dist/node-version.js',
      ]);
      const rerun = loaded.filter((l) => l.startsWith('applied '));
      expect(rerun.some((l) => l.includes('/node_modules/undici/'))).toBe(true);
      expect(rerun.some((l) => l.endsWith('/dist/cli/send-command.js'))).toBe(true);
    },
  );

  it('stops cleanly on Ctrl-C: exit 130, every row has a result, nothing is sent afterwards', async () => {
    sim.configure({ latency: { fixedMs: 150 } });
    const out = join(dir, 'results.jsonl');
    const child = startBin(sendArgs(fixture('eight.csv'), '--out', out), envFor(sim));
    while (sim.messages.length < 2) await sleep(10);
    const killedAt = Date.now();
    child.kill('SIGINT');
    const result = await child.done;
    const createdAtExit = sim.requests.length;

    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGINT: stopping.');
    expect(result.stderr).toContain('Interrupted (SIGINT)');
    const results = jsonLines(await readFile(out, 'utf8')) as {
      status: string;
      messageSid?: string;
      error?: { code: string; possiblySent?: boolean };
    }[];
    expect(results).toHaveLength(8);
    const sent = results.filter((r) => r.status === 'sent');
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(results.slice(sent.length).every((r) => r.error?.code === 'aborted')).toBe(true);
    // Every message the simulator holds is reported sent, or by a row that says it may have been sent.
    const maybe = results.filter((r) => r.error?.possiblySent === true).length;
    const unclaimed = sim.messages.filter((m) => !sent.some((r) => r.messageSid === m.sid));
    expect(unclaimed.length).toBeLessThanOrEqual(maybe);
    expect(sim.messages.length).toBeLessThanOrEqual(sent.length + 1);
    // At most the request already on its way as the signal arrived; none after the process ended.
    expect(sim.requests.filter((r) => r.at.getTime() > killedAt).length).toBeLessThanOrEqual(1);
    await sleep(300);
    expect(sim.requests.length).toBe(createdAtExit);
  });
});
