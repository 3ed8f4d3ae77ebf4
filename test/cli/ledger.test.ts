/**
 * `send`'s ledger: when it is on, where it lives, the run id derived from the file and settings, the summary
 * line of a resumed run, and the built bin killed with SIGKILL mid-run and run again (each row sent once).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommandLine } from '../../src/cli/args.js';
import { alreadySentLine, cliLedger, DEFAULT_LEDGER_PATH, deriveRunId } from '../../src/cli/ledger.js';
import type { DestinationConfig } from '../../src/index.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { SqliteLedger } from '../../src/sqlite/index.js';
import { startBin } from '../helpers/cli-process.js';
import { envFor, jsonLines, runCli, sendFlags, simulator, TEMPLATE } from './helpers.js';

const config: DestinationConfig = {
  credentials: { accountSid: `AC${'1'.repeat(32)}`, authToken: 'x'.repeat(32) },
  settings: { from: '+15005550006', messageTemplate: TEMPLATE },
  mapping: { to: 'phone' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'td-cli-ledger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (options: CommandLine['options'], file: string | undefined = 'rows.csv'): CommandLine => ({
  command: 'send',
  file,
  options,
});

describe('cliLedger', () => {
  it('keeps a SQLite ledger under .twilio-destination/ by default, or at --ledger, with the derived run id', async () => {
    const file = join(dir, 'rows.csv');
    await writeFile(file, 'phone\n+14155550100\n');
    const byDefault = cliLedger(line({}, file), config);
    expect(byDefault.ledger).toBeInstanceOf(SqliteLedger);
    expect(byDefault.ledger?.description).toBe(`SQLite ledger (${DEFAULT_LEDGER_PATH})`);
    expect('runId' in byDefault && (await byDefault.runId())).toBe(await deriveRunId(file, config));
    const atPath = cliLedger(
      line({ ledger: join(dir, 'l.db'), runId: 'mine', simulate: true }, file),
      config,
    );
    expect([atPath.ledger?.description, 'runId' in atPath && (await atPath.runId())]).toEqual([
      `SQLite ledger (${join(dir, 'l.db')})`,
      'mine',
    ]);
  });

  it.each([
    ['--no-ledger', line({ ledger: false }), undefined],
    ['--simulate', line({ simulate: true }), undefined],
    ['a test server', line({ apiBaseUrl: 'http://127.0.0.1:1' }), undefined],
    ['another command', { ...line({}), command: 'preview' as const }, undefined],
    [
      'stdin without --run-id',
      { command: 'send' as const, file: undefined, options: {} },
      'No ledger: rows from stdin have no file to derive a run id from, so a re-run would send them again. Give --run-id NAME to resume safely.',
    ],
  ])('runs without a ledger for %s', async (_, commandLine, note) => {
    expect(cliLedger(commandLine, config)).toEqual({ ledger: undefined, note });
  });

  it('derives the run id from the file’s bytes and the settings, and nothing else', async () => {
    const file = join(dir, 'rows.csv');
    await writeFile(file, 'phone\n+14155550100\n');
    const id = await deriveRunId(file, config);
    expect(id).toMatch(/^cli-[0-9a-f]{24}$/);
    expect(await deriveRunId(file, structuredClone(config))).toBe(id);
    const other = { ...config, settings: { ...config.settings, messageTemplate: 'Other' } };
    expect(await deriveRunId(file, other)).not.toBe(id);
    expect(await deriveRunId(file, { ...config, mapping: { to: 'mobile' } })).not.toBe(id);
    await writeFile(file, 'phone\n+14155550101\n');
    expect(await deriveRunId(file, config)).not.toBe(id);
  });
});

describe('alreadySentLine', () => {
  const tz = process.env['TZ'];
  beforeAll(() => {
    process.env['TZ'] = 'UTC';
  });
  afterAll(() => {
    process.env['TZ'] = tz;
  });

  it.each([
    [
      812,
      '2026-12-02T14:03:59.000Z',
      '812 rows were already sent in this run on 2026-12-02 14:03; use --run-id to send again.',
    ],
    [
      1,
      '2026-01-05T09:07:00.000Z',
      '1 row was already sent in this run on 2026-01-05 09:07; use --run-id to send again.',
    ],
    [2, undefined, '2 rows were already sent in this run; use --run-id to send again.'],
  ])('says %i rows were already sent', (count, at, text) => {
    expect(alreadySentLine(count, at)).toBe(text);
  });
});

describe('send with a ledger', () => {
  let sim: TwilioSimulator;
  beforeAll(() => nock.restore());
  afterAll(() => nock.activate());
  beforeEach(async () => {
    sim = await simulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  const rowsFile = async (n: number) => {
    const file = join(dir, 'rows.csv');
    const lines = Array.from({ length: n }, (_, i) => `+1415556${String(i).padStart(4, '0')},N${i},C-${i}`);
    await writeFile(file, `phone,first_name,order_id\n${lines.join('\n')}\n`);
    return file;
  };
  const args = (file: string, ...extra: string[]) => [
    'send',
    file,
    ...sendFlags(sim.url),
    '--ledger',
    join(dir, 'ledger.db'),
    ...extra,
  ];

  it('resumes when run again: already-sent rows are reported and skipped, and the summary says how many', async () => {
    const file = await rowsFile(3);
    const first = await runCli(args(file), { env: envFor(sim) });
    expect(first.code).toBe(0);
    const again = await runCli(args(file), { env: envFor(sim) });
    expect(again.code).toBe(0);
    expect(sim.messages).toHaveLength(3);
    const results = jsonLines(again.stdout) as {
      alreadySent?: boolean;
      attempts: number;
      messageSid: string;
    }[];
    expect(results.map((r) => [r.alreadySent, r.attempts])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0],
    ]);
    expect(results.map((r) => r.messageSid)).toEqual(sim.messages.map((m) => m.sid));
    expect(again.stderr).toMatch(
      /3 rows were already sent in this run on \d{4}-\d\d-\d\d \d\d:\d\d; use --run-id to send again\./,
    );
    // Another run id sends them again.
    const other = await runCli(args(file, '--run-id', 'second'), { env: envFor(sim) });
    expect(other.code).toBe(0);
    expect(sim.messages).toHaveLength(6);
    expect(other.stderr).not.toContain('already sent');
  });

  it('sends each row exactly once when killed with SIGKILL mid-run and run again', async () => {
    const rows = 300;
    const file = await rowsFile(rows);
    let creates = 0;
    let child: ReturnType<typeof startBin> | undefined;
    // The 40th create: the simulator creates the message and holds the answer, and the process dies.
    sim.configure({
      faults: (request) => {
        if (request.target !== 'create' || ++creates !== 40) return undefined;
        setImmediate(() => child?.kill('SIGKILL'));
        return { kind: 'created_then_hang' };
      },
    });
    const run = async () => {
      child = startBin(args(file, '--concurrency', '4', '--timeout', '2000'), envFor(sim));
      child.stdin.end();
      const exit = await child.done;
      return { ...exit, signal: child.signalCode };
    };
    const killed = await run();
    expect(killed.signal).toBe('SIGKILL');
    expect(sim.messages.length).toBeGreaterThanOrEqual(40);
    // The killed run's claims hold for timeoutMs + 5 s: until then a re-run reports those rows in_progress.
    let last = await run();
    while (last.code !== 0) {
      expect(last.code).toBe(1);
      expect(last.stderr).toMatch(/in_progress/);
      last = await run();
    }
    const results = jsonLines(last.stdout) as { status: string; messageSid: string }[];
    expect(results.every((r) => r.status === 'sent')).toBe(true);
    const recipients = sim.messages.map((m) => m.to);
    expect(new Set(recipients).size).toBe(rows);
    expect(sim.messages).toHaveLength(rows);
    expect(last.stderr).toMatch(/rows were already sent in this run/);
    expect(last.stderr).not.toMatch(/ExperimentalWarning|experimental/);
  }, 120_000);
});
