/**
 * The commands in-process, for what a child process cannot reach cheaply: a first row that cannot be
 * read, a `--key` the rows lack, a long stdin, the simulator sub-command's lifecycle, the proxy settings,
 * a results file that fails as it closes, and the confirmation's wording.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandLine } from '../../src/cli/args.js';
import { lineWriter } from '../../src/cli/output.js';
import { confirmationText } from '../../src/cli/send-command.js';
import { proxyFromEnv } from '../../src/cli/session.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { capture, envFor, jsonLines, messageFlags, runCli, simulator } from './helpers.js';

let sim: TwilioSimulator;
beforeEach(async () => {
  sim = await simulator();
});
afterEach(async () => {
  await sim.close();
});

const message = ['--from', '+15005550006', '--template', 'Hi {{first_name}}', '--map', 'to=phone'];
const send = (...extra: string[]) => ['send', '--api-base-url', sim.url, ...message, ...extra];

describe('send from stdin', () => {
  it('prints only the error when the first line cannot be read, and sends nothing', async () => {
    const run = await runCli(send('--format', 'jsonl'), { env: envFor(sim), stdinText: '{oops\n' });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^error: stdin line 1: not valid JSON/);
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses JSON Lines whose first row lacks the recipient column, and only for that', async () => {
    const run = await runCli(send('--format', 'jsonl', '--template', 'Hi {{first_name}} {{maybe}}'), {
      env: envFor(sim),
      stdinText: '{"mobile":"+14155550100","first_name":"Ada"}\n',
    });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr.split('\n')).toEqual([
      'Invalid configuration (1 problem):',
      '  --map to=… [missing_column]: The rows have no column "phone", which --map to=… reads the recipient from. Their columns: "mobile", "first_name"',
      '',
    ]);
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses a --key column the rows do not have, naming their columns', async () => {
    const run = await runCli(send('--format', 'jsonl', '--key', 'id'), {
      env: envFor(sim),
      stdinText: '{"phone":"+14155550100","first_name":"Ada"}\n',
    });
    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'error: --key id: the rows have no column "id". Their columns: "phone", "first_name"\n',
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('checks a CSV header from stdin, and keys and lines its results', async () => {
    const refused = await runCli(send('--format', 'csv', '--template', 'Hi {{name}}'), {
      env: envFor(sim),
      stdinText: 'phone,first_name\n+14155550100,Ada\n',
    });
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(
      /^Invalid configuration \(1 problem\):\n {2}--template \[missing_column\]: The template reads "name"/,
    );
    expect(sim.requests).toHaveLength(0);
    const run = await runCli(send('--format', 'csv', '--key', 'id'), {
      env: envFor(sim),
      stdinText: 'phone,first_name,id\n+14155550100,Ada,a\n\n+14155550101,Grace,b\n',
    });
    expect(run.code).toBe(0);
    expect((jsonLines(run.stdout) as { line: number; key: string }[]).map((r) => [r.line, r.key])).toEqual([
      [2, 'a'],
      [4, 'b'],
    ]);
  });
});

describe('preview of a WhatsApp batch with many repeats', () => {
  it('counts every repeated recipient and shows the first three', async () => {
    const rows = [0, 1, 2, 3, 4].map((i) => JSON.stringify({ phone: '+14155550100', first_name: `N${i}` }));
    const run = await runCli(
      [
        'preview',
        '--format',
        'jsonl',
        '--from',
        'whatsapp:+15005550006',
        '--template',
        'Hi {{first_name}}',
        '--map',
        'to=phone',
      ],
      { stdinText: `${rows.join('\n')}\n` },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'Duplicate recipients: 4 rows send to a number an earlier row already sends to, e.g. whatsapp:+14155550100 (lines 1 and 2), whatsapp:+14155550100 (lines 1 and 3), whatsapp:+14155550100 (lines 1 and 4).',
    );
  });
});

describe('preview in-process', () => {
  it('leaves no --out file when the rows turn out malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'twilio-destination-commands-'));
    try {
      const input = join(dir, 'rows.csv');
      await writeFile(input, 'phone,first_name\n+14155550100,Ada\n+14155550101\n');
      const run = await runCli(['preview', input, ...message, '--out', join(dir, 'out.csv')]);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(/^error: .*rows\.csv: Invalid Record Length/);
      expect(await readdir(dir)).toEqual(['rows.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checks a CSV header from stdin too, and shows no bar for stdin on a terminal', async () => {
    const stderr = Object.assign(capture(), { isTTY: true, columns: 120 });
    let now = 0;
    const run = await runCli(
      ['preview', '--format', 'csv', ...message, '--template', 'Hi {{first_name}} {{nope}}'],
      {
        stdinText: 'phone,first_name\n+14155550100,Ada\n',
        stderr,
        now: () => (now += 1000),
      },
    );
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('--template [missing_column]: The template reads "nope"');
    const ok = await runCli(['preview', '--format', 'csv', ...message], {
      stdinText: 'phone,first_name\n+14155550100,Ada\n',
      stderr: Object.assign(capture(), { isTTY: true, columns: 120 }),
      now: () => (now += 1000),
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain(' preview ');
    expect(ok.stderr).toMatch(/^Preview of 1 row: 1 ready\./);
  });
});

describe('a safe first send in-process', () => {
  it('--to sends the first row only, to the test number; --limit the first rows', async () => {
    const stdinText = ['+14155550100', '+14155550101', '+14155550102']
      .map((phone, i) => JSON.stringify({ phone, first_name: `N${i}` }))
      .join('\n');
    const test = await runCli(send('--format', 'jsonl', '--to', '+14155550199'), {
      env: envFor(sim),
      stdinText,
    });
    expect(test.code).toBe(0);
    const limited = await runCli(send('--format', 'jsonl', '--limit', '2'), { env: envFor(sim), stdinText });
    expect(limited.code).toBe(0);
    expect(sim.messages.map((m) => [m.to, m.body])).toEqual([
      ['+14155550199', 'Hi N0'],
      ['+14155550100', 'Hi N0'],
      ['+14155550101', 'Hi N1'],
    ]);
  });

  it('refuses an existing --out before any request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'twilio-destination-commands-'));
    try {
      const out = join(dir, 'out.jsonl');
      await writeFile(out, 'kept\n');
      const run = await runCli(send('--format', 'jsonl', '--out', out), {
        env: envFor(sim),
        stdinText: '{"phone":"+14155550100","first_name":"Ada"}\n',
      });
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toBe(
        `error: --out ${out} already exists: add --force to replace it, or --append to add to it (its lines are kept)\n`,
      );
      expect(sim.requests).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a results file that cannot take its name at the end', () => {
  it('says where every result is, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'twilio-destination-commands-'));
    try {
      const out = join(dir, 'out.jsonl');
      // The rows source makes a directory of the --out path once the run is under way, so the rename fails.
      const stdin = Readable.from(
        (function* () {
          yield '{"phone":"+14155550100","first_name":"Ada"}\n';
          mkdirSync(out);
          yield '{"phone":"+14155550101","first_name":"Grace"}\n';
        })(),
      );
      const run = await runCli(send('--format', 'jsonl', '--out', out), { env: envFor(sim), stdin });
      expect(run.code).toBe(1);
      const partial = /every result is in (.+)\.\n$/.exec(run.stderr)?.[1] as string;
      expect(run.stderr).toContain(`error: could not save the results as ${out} (`);
      expect(partial).toMatch(/\/\.out\.jsonl\.[0-9a-f]{12}\.partial$/);
      expect(
        (jsonLines(await readFile(partial, 'utf8')) as { status: string }[]).map((r) => r.status),
      ).toEqual(['sent', 'sent']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the costliest rows', () => {
  it('are named by file line, however many rows passed through the list', async () => {
    // 10 rows of 1 segment, then 10 of 2, 10 of 3 and 3 of 4: 33 rows entered the top ten at some point.
    const lengths = [
      ...Array(10).fill(10),
      ...Array(10).fill(200),
      ...Array(10).fill(400),
      ...Array(3).fill(500),
    ];
    const stdinText = lengths
      .map((n) => JSON.stringify({ phone: '+14155550100', text: 'x'.repeat(n) }))
      .join('\n');
    const run = await runCli(
      ['preview', '--format', 'jsonl', ...messageFlags('{{text}}'), '--warn-above-segments', '9'],
      { stdinText },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'Most segments: line 31 (4, GSM-7), line 32 (4, GSM-7), line 33 (4, GSM-7).',
    );
  });
});

describe('the simulator sub-command in-process', () => {
  it('runs until SIGINT, then closes', async () => {
    const signals = new EventEmitter();
    // Listening for signals comes once the simulator is up and has printed its URL.
    const waiting = new Promise<void>((resolve) => {
      signals.on('newListener', (name) => {
        // Emitted just before the listener is added: resolve once it is.
        if (name === 'SIGINT') queueMicrotask(resolve);
      });
    });
    const stdout = capture();
    const running = runCli(['simulator', '--port', '0'], { signals, stdout });
    await waiting;
    expect(stdout.text()).toMatch(/^Twilio simulator listening on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(signals.listenerCount('SIGINT')).toBe(1);
    signals.emit('SIGINT');
    const run = await running;
    expect(run.code).toBe(0);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
    expect(stdout.text()).toContain('Auth Token');
  });

  it('exits 2 on a bad option, with its usage', async () => {
    const run = await runCli(['simulator', '--port', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port must be a number, got "many"');
    expect(run.stderr).toContain('Usage: twilio-destination simulator [options]');
  });
});

describe('proxyFromEnv', () => {
  it('is undefined without a proxy variable', () => {
    expect(proxyFromEnv({ NO_PROXY: 'localhost' })).toBeUndefined();
  });

  it.each([
    [{ https_proxy: 'http://proxy:3128' }, 'Using the proxy http://proxy:3128 (HTTPS_PROXY/HTTP_PROXY).'],
    [
      {
        HTTP_PROXY: 'http://user:secret@proxy:3128',
        HTTPS_PROXY: 'http://user:secret@proxy:3128',
        no_proxy: '.internal',
      },
      'Using the proxy http://…@proxy:3128 (HTTPS_PROXY/HTTP_PROXY), except for NO_PROXY .internal.',
    ],
  ])('reads %j, in either case, never showing the proxy password', async (env, notice) => {
    const proxy = proxyFromEnv(env);
    expect(proxy?.notice).toBe(notice);
    await proxy?.dispatcher.close();
  });
});

describe('lineWriter on a file that fails as it closes', () => {
  it('reports the failure from close()', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
      final(callback) {
        callback(new Error('EIO: i/o error, close'));
      },
    });
    const writer = lineWriter(stream, true);
    await writer.write({ a: 1 });
    await expect(writer.close()).rejects.toThrow('EIO: i/o error, close');
  });
});

describe('confirmationText', () => {
  const line = (options: CommandLine['options'] = {}): CommandLine => ({
    command: 'send',
    file: 'x.csv',
    options,
  });
  const scan = {
    summary: {
      rows: 12,
      ready: 1,
      failed: 11,
      failedByCode: { invalid_row: 11 },
      segments: 2,
      encodings: { 'GSM-7': 1, 'UCS-2': 0 },
      channels: { sms: 1, mms: 0 },
      warnings: {},
      mostExpensive: [],
    },
    failures: ['  [invalid_row] line 3: bad'],
    duplicates: { rows: 0, examples: [] },
    costlyLines: new Map(),
  };
  it.each([
    [
      line({ pricePerSegment: 0.05 }),
      false,
      'About to send 1 message (2 segments, about $0.10 at $0.05 per segment); 11 rows would fail and are not sent.\n  [invalid_row] line 3: bad\nSend? [y/N] ',
    ],
    [
      line(),
      true,
      'About to send 1 message (2 segments, simulated); 11 rows would fail and are not sent.\n  [invalid_row] line 3: bad\nSend? [y/N] ',
    ],
  ])('says what would be sent and what it costs', (commandLine, simulated, text) => {
    expect(confirmationText(scan, commandLine, simulated)).toBe(text);
  });
});

describe('repeated recipients beyond the remembered ones', () => {
  it('are looked for among the first recipients only, and the summary says so', async () => {
    const { scanRows } = await import('../../src/cli/scan.js');
    const { openSource } = await import('../../src/cli/source.js');
    const { TwilioDestination } = await import('../../src/destination.js');
    const destination = new TwilioDestination({
      settings: { from: '+15005550006', messageTemplate: 'Hi' },
      mapping: { to: 'phone' },
    } as never);
    const phones = ['+14155550100', '+14155550101', '+14155550102', '+14155550100', '+14155550102'];
    const line: CommandLine = { command: 'preview', file: undefined, options: { format: 'jsonl' } };
    const stdin = Readable.from([phones.map((phone) => JSON.stringify({ phone })).join('\n')]);
    const scan = await scanRows(
      destination,
      await openSource(line, stdin),
      line,
      () => undefined,
      undefined,
      2,
    );
    // Two recipients are remembered: the repeat of the first is found, the third's is not.
    expect(scan.duplicates).toEqual({ rows: 1, examples: ['+14155550100 (lines 1 and 4)'], tracked: 2 });
  });
});
