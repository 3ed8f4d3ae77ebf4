/**
 * `twilio-destination status`: in-process against the simulator (every outcome, unknown SIDs, rows not
 * sent, a wait that ends, Ctrl-C, bad input), and the built bin as a child process.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDuration, statusSummary } from '../../src/cli/status.js';
import { isSettled } from '../../src/cli/status-poll.js';
import type { StatusResult } from '../../src/delivery/fetch-statuses.js';
import { TwilioDestination } from '../../src/destination.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import type { RowResult } from '../../src/types.js';
import { runBin } from '../helpers/cli-process.js';
import { waitFor } from '../simulator/client.js';
import { envFor, jsonLines, runCli, simulator } from './helpers.js';

const UNKNOWN = `SM${'0'.repeat(32)}`;

let sim: TwilioSimulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-status-'));
});
afterEach(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sends to `recipients` through the library and writes the results file `send` would have written. */
async function sendAndSave(
  recipients: string[],
  extra: RowResult[] = [],
): Promise<{ file: string; results: RowResult[] }> {
  const destination = new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: '+15005550006', messageTemplate: 'Hi' },
      mapping: { to: 'phone' },
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
  );
  const results = [...(await destination.write(recipients.map((phone) => ({ phone })))), ...extra];
  await destination.close();
  const file = join(dir, 'results.jsonl');
  await writeFile(file, `${results.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return { file, results };
}

const sidOf = (result: RowResult | undefined) => (result?.status === 'sent' ? result.messageSid : '');

describe('twilio-destination status, in process', () => {
  it('polls until every message is final and writes one line per message with its outcome', async () => {
    sim = await simulator({ lifecycle: { sentAfterMs: 1, deliveredAfterMs: 1 } });
    const { file, results } = await sendAndSave(
      [
        '+14155550100',
        '+15555550100',
        '+15555550101',
        '+15555550102',
        '+15555550103',
        '+15555550104',
        'not a number',
      ],
      [{ status: 'sent', index: 7, attempts: 1, messageSid: UNKNOWN, twilioStatus: 'queued' }],
    );
    const out = join(dir, 'statuses.jsonl');
    const run = await runCli(
      ['status', file, '--wait', '10s', '--interval', '5ms', '--out', out, '--api-base-url', sim.url],
      {
        env: envFor(sim),
      },
    );
    const lines = jsonLines(await readFile(out, 'utf8')) as Record<string, unknown>[];
    expect(lines.map((l) => [l['index'], l['messageSid'], l['kind'], l['outcome'], l['errorCode']])).toEqual([
      [0, sidOf(results[0]), 'found', 'delivered', undefined],
      [1, sidOf(results[1]), 'found', 'transient', 30003],
      [2, sidOf(results[2]), 'found', 'permanent', 30005],
      [3, sidOf(results[3]), 'found', 'permanent', 30006],
      [4, sidOf(results[4]), 'found', 'blocked', 30007],
      [5, sidOf(results[5]), 'found', 'opted_out', 21610],
      [7, UNKNOWN, 'not_found', undefined, undefined],
    ]);
    expect(run.stderr).toMatch(
      /^7 messages: 1 delivered, 1 transient, 2 permanent, 1 opted_out, 1 blocked, 1 not found \(asked for [\d.]+s; one line each to .*statuses\.jsonl\)\n1 row was not sent \(no message to ask about\)\.\n$/,
    );
    // An unknown SID is not a final outcome: exit 1.
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
  });

  it('exits 0 when every message reached a final outcome', async () => {
    sim = await simulator({ lifecycle: { sentAfterMs: 1, deliveredAfterMs: 1 } });
    const { file } = await sendAndSave(['+14155550100', '+14155550101']);
    const run = await runCli(
      ['status', file, '--wait', '10s', '--interval', '5ms', '--concurrency', '2', '--api-base-url', sim.url],
      {
        env: envFor(sim),
      },
    );
    expect(run.code).toBe(0);
    expect((jsonLines(run.stdout) as { outcome: string }[]).map((l) => l.outcome)).toEqual([
      'delivered',
      'delivered',
    ]);
  });

  it('asks once without --wait, reports pending messages as such, and exits 1', async () => {
    sim = await simulator();
    const { file, results } = await sendAndSave(['+14155550100']);
    const before = sim.requests.length;
    const run = await runCli(['status', file, '--api-base-url', sim.url], { env: envFor(sim) });
    expect(jsonLines(run.stdout)).toEqual([
      {
        index: 0,
        kind: 'found',
        messageSid: sidOf(results[0]),
        status: 'queued',
        outcome: 'pending',
        numSegments: 1,
        priceUnit: 'USD',
      },
    ]);
    expect(sim.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    expect(run.stderr).toMatch(/^1 message: 1 pending /);
    expect(run.code).toBe(1);
  });

  it('asks again each interval until the wait ends', async () => {
    sim = await simulator();
    const { file } = await sendAndSave(['+14155550100']);
    let clock = 0;
    const before = sim.requests.length;
    // Each reading of the injected clock moves it 4 s on: the start (4 s), the deadline (8 + 10 = 18 s),
    // then one reading after each round (12 s, 16 s: 2 s left, 20 s: over), so three rounds.
    const run = await runCli(
      ['status', file, '--wait', '10s', '--interval', '1ms', '--api-base-url', sim.url],
      {
        env: envFor(sim),
        now: () => {
          clock += 4000;
          return clock;
        },
      },
    );
    expect(sim.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(run.code).toBe(1);
  });

  it('stops on Ctrl-C, writes what it knows and exits 130', async () => {
    sim = await simulator();
    const { file, results } = await sendAndSave(['+14155550100']);
    const { EventEmitter } = await import('node:events');
    const signals = new EventEmitter();
    let readings = 0;
    // The clock is read at the start, for the deadline, and after the first round: press Ctrl-C then.
    const now = () => {
      readings++;
      if (readings === 3) signals.emit('SIGINT');
      return 0;
    };
    const running = runCli(['status', file, '--wait', '1h', '--interval', '1h', '--api-base-url', sim.url], {
      env: envFor(sim),
      signals,
      now,
    });
    const run = await running;
    expect(run.code).toBe(130);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ messageSid: sidOf(results[0]), outcome: 'pending' }),
    ]);
    expect(run.stderr).toMatch(/Interrupted: the statuses are as of the last answer\.\n$/);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('keeps the last answer when Ctrl-C cuts a later round short', async () => {
    sim = await simulator({ faults: [{ on: 'fetch', nth: 2, kind: 'hang' }] });
    const { file, results } = await sendAndSave(['+14155550100']);
    const { EventEmitter } = await import('node:events');
    const signals = new EventEmitter();
    const running = runCli(['status', file, '--wait', '1h', '--interval', '1ms', '--api-base-url', sim.url], {
      env: envFor(sim),
      signals,
    });
    await waitFor(() => sim.requests.filter((r) => r.method === 'GET').length === 2);
    signals.emit('SIGINT');
    const run = await running;
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ kind: 'found', messageSid: sidOf(results[0]), outcome: 'pending' }),
    ]);
    expect(run.code).toBe(130);
  });

  it('reports a message as aborted when Ctrl-C comes before any answer', async () => {
    sim = await simulator({ latency: { fixedMs: 60_000 } });
    const file = join(dir, 'r.jsonl');
    await writeFile(
      file,
      `${JSON.stringify({ status: 'sent', index: 0, attempts: 1, messageSid: UNKNOWN, twilioStatus: 'queued' })}\n`,
    );
    const { EventEmitter } = await import('node:events');
    const signals = new EventEmitter();
    const running = runCli(['status', file, '--api-base-url', sim.url], { env: envFor(sim), signals });
    await waitFor(() => sim.requests.length === 1);
    signals.emit('SIGINT');
    const run = await running;
    expect(jsonLines(run.stdout)).toEqual([
      {
        index: 0,
        kind: 'failed',
        messageSid: UNKNOWN,
        error: { code: 'aborted', message: 'Polling was aborted', retryable: true },
      },
    ]);
    expect(run.stderr).toMatch(/^1 message: 1 lookup failed/);
    expect(run.code).toBe(130);
  });

  it.each([
    ['a missing file', (d: string) => join(d, 'missing.jsonl'), /^error: cannot read .*missing\.jsonl/],
    [
      'a line that is not a result',
      (d: string) => join(d, 'bad.jsonl'),
      /^error: .*bad\.jsonl result 1: not a send result/,
    ],
  ])('exits 2 for %s, asking nothing', async (_, path, message) => {
    sim = await simulator();
    await writeFile(join(dir, 'bad.jsonl'), '{"phone":"+14155550100"}\n');
    const run = await runCli(['status', path(dir), '--api-base-url', sim.url], { env: envFor(sim) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(sim.requests).toEqual([]);
  });

  it('asks nothing when no row of the file was sent', async () => {
    sim = await simulator();
    const { file } = await sendAndSave(['not a number']);
    const before = sim.requests.length;
    const run = await runCli(['status', file, '--api-base-url', sim.url], { env: envFor(sim) });
    expect(sim.requests.length).toBe(before);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^0 messages \(asked for [\d.]+s; one line each to stdout\)\n1 row was not sent/,
    );
    expect(run.code).toBe(0);
  });

  it('stops asking when Twilio refuses the credentials, and exits 1', async () => {
    sim = await simulator();
    const { file } = await sendAndSave(['+14155550100', '+14155550101']);
    const before = sim.requests.length;
    const env = { ...envFor(sim), TWILIO_AUTH_TOKEN: 'f'.repeat(32) };
    const run = await runCli(
      ['status', file, '--wait', '1h', '--interval', '1ms', '--api-base-url', sim.url],
      { env },
    );
    expect((jsonLines(run.stdout) as { error: { code: string } }[]).map((l) => l.error.code)).toEqual([
      'auth_failed',
      'auth_failed',
    ]);
    expect(sim.requests.slice(before).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 401']);
    expect(run.stderr).toMatch(/^2 messages: 2 lookup failed/);
    expect(run.code).toBe(1);
  });

  it('exits 2 for an --out it cannot write, and for a bad --wait', async () => {
    sim = await simulator();
    const { file } = await sendAndSave(['+14155550100']);
    const out = await runCli(
      ['status', file, '--out', join(dir, 'no', 'such', 'dir.jsonl'), '--api-base-url', sim.url],
      {
        env: envFor(sim),
      },
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^error: cannot write --out .*dir\.jsonl/);
    const wait = await runCli(['status', file, '--wait', 'soon'], { env: envFor(sim) });
    expect(wait.code).toBe(2);
    expect(wait.stderr).toMatch(/Not a duration/);
    const concurrency = await runCli(['status', file, '--concurrency', '1.5'], { env: envFor(sim) });
    expect(concurrency.stderr).toMatch(/Not a whole number/);
  });
});

describe('isSettled', () => {
  const found = (outcome: string) =>
    ({ kind: 'found', messageSid: UNKNOWN, status: 'x', outcome }) as StatusResult;
  const failed = (code: string) =>
    ({ kind: 'failed', messageSid: UNKNOWN, error: { code, message: 'x', retryable: true } }) as StatusResult;
  it.each<[string, StatusResult | undefined, boolean]>([
    ['no answer yet', undefined, false],
    ['a pending message', found('pending'), false],
    ['a delivered message', found('delivered'), true],
    ['a transient failure', found('transient'), true],
    ['an unknown SID', { kind: 'not_found', messageSid: UNKNOWN, message: 'x' }, true],
    ['a refused look-up (401)', failed('auth_failed'), true],
    ['a look-up that may work next round', failed('server_error'), false],
  ])('%s: %s', (_, result, expected) => {
    expect(isSettled(result)).toBe(expected);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['30', 30_000],
    ['1.5m', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '-1s', '10 minutes', '1d'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow('Not a duration (e.g. 30s, 10m, 1h).');
  });
});

describe('statusSummary', () => {
  it('says when there is nothing to count', () => {
    expect(statusSummary([], { notSent: 2, elapsedMs: 1500, to: 'stdout', interrupted: false })).toEqual([
      '0 messages (asked for 1.5s; one line each to stdout)',
      '2 rows were not sent (no message to ask about).',
    ]);
  });
});

describe('twilio-destination status, the built bin', () => {
  it('polls the simulator until every message is final and prints the counts', async () => {
    sim = await simulator({ lifecycle: { sentAfterMs: 1, deliveredAfterMs: 1 } });
    const { file, results } = await sendAndSave(['+14155550100', '+15555550101']);
    const { code, stdout, stderr } = await runBin(
      ['status', file, '--wait', '30s', '--interval', '10ms', '--api-base-url', sim.url],
      envFor(sim),
    );
    expect(code).toBe(0);
    expect(
      (jsonLines(stdout) as { messageSid: string; outcome: string }[]).map((l) => [l.messageSid, l.outcome]),
    ).toEqual([
      [sidOf(results[0]), 'delivered'],
      [sidOf(results[1]), 'permanent'],
    ]);
    expect(stderr).toMatch(/^2 messages: 1 delivered, 1 permanent \(asked for/);
  });
});
