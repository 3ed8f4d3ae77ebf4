import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processContext } from '../../src/cli/cli.js';
import { atFileLine } from '../../src/cli/report.js';
import { TwilioDestination } from '../../src/index.js';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import type { RowResult } from '../../src/types.js';
import {
  CSV_ROWS,
  capture,
  envFor,
  fixture,
  jsonLines,
  libraryResults,
  messageFlags,
  runCli,
  sendFlags,
  simulator,
  TEMPLATE,
} from './helpers.js';

let sim: TwilioSimulator;
let dir: string;
let send: (...extra: string[]) => string[];

beforeEach(async () => {
  sim = await simulator();
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-cli-'));
  send = (...extra) => ['send', '--api-base-url', sim.url, '--from', '+15005550006', ...extra];
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Results as the CLI writes them: each with its row's file line first (consecutive from `first`), and the
 * package's `Row n:` message start turned into `Line n:` (checked on its own in send-lines.test.ts).
 */
const withLines = (results: RowResult[], first: number) =>
  results.map((r, i) => ({ line: first + i, ...atFileLine(r, first + i) }));

const creates = () => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json'));

describe('send', () => {
  it('sends a CSV file and writes exactly the results the library gives, with a summary', async () => {
    const out = join(dir, 'results.jsonl');
    const run = await runCli(
      send(fixture('customers.csv'), '--template', TEMPLATE, '--map', 'to=phone', '--out', out),
      { env: envFor(sim) },
    );
    expect(run).toMatchObject({ code: 1, exits: [1], stdout: '' });
    expect(jsonLines(await readFile(out, 'utf8'))).toEqual(withLines(await libraryResults(CSV_ROWS), 2));
    expect(sim.messages.map((m) => [m.to, m.body])).toEqual([
      ['+14155550100', 'Hi Ada, your order A-1001 has shipped.'],
      ['+14155550101', 'Hi Grace, your order A-1002 has shipped.'],
    ]);
    const summary = run.stderr.split('\n');
    expect(summary.slice(0, 4)).toEqual([
      'Sent 2 of 5 rows; 3 failed (invalid_row 1, twilio_rejected 1, template_error 1).',
      expect.stringMatching(/^ {2}\[invalid_row\] line 4: "to" must be a phone number in E\.164 format/),
      expect.stringMatching(/^ {2}\[twilio_rejected\] line 5: the recipient has opted out/),
      expect.stringMatching(/^ {2}\[template_error\] line 6: Template field "first_name" is missing/),
    ]);
    expect(summary[4]).toBe(`Segments: 2. Results: ${out}, one line per row.`);
    expect(summary[5]).toMatch(/^Time: \d+\.\ds \(\d+\.\d rows\/s\)\.$/);
  });

  it('sends JSON Lines from stdin, with an API key from the environment, results on stdout; exit 0', async () => {
    const rows = CSV_ROWS.slice(0, 2);
    const run = await runCli(send('--format', 'jsonl', '--template', TEMPLATE, '--map', 'to=phone'), {
      env: {
        TWILIO_ACCOUNT_SID: sim.credentials.accountSid,
        TWILIO_API_KEY: sim.apiKey.sid,
        TWILIO_API_SECRET: sim.apiKey.secret,
      },
      stdinText: rows.map((row) => JSON.stringify(row)).join('\n'),
    });
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual(withLines(await libraryResults(rows), 1));
    expect(run.stderr).toMatch(/^Sent 2 of 2 rows\.\nSegments: 2\. Results: stdout, one line per row\.\n/);
    for (const secret of [sim.apiKey.secret, sim.credentials.authToken]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('prints plain progress lines when stderr is not a terminal', async () => {
    let now = 0;
    const run = await runCli(send(fixture('customers.jsonl'), '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      // Each reading of the clock moves it on a second: every report is due.
      now: () => (now += 1000),
      progressIntervalMs: 1,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^progress: 3 of 3 rows \(100%\), 2 sent, 1 failed, \d+\.\d rows\/s, ETA 0\.0s$/m,
    );
  });

  it('draws a progress bar when stderr is a terminal', async () => {
    const stderr = Object.assign(capture(), { isTTY: true, columns: 120 });
    const run = await runCli(send(fixture('customers.jsonl'), '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      stderr,
    });
    expect(run.stderr).toMatch(/100% \| 3\/3 rows \| 2 sent, 1 failed \| [\d.]+ rows\/s \| ETA/);
  });

  it('stops on Ctrl-C: the results so far are written, the rest aborted, nothing sent after; exit 130', async () => {
    const signals = new EventEmitter();
    // Ctrl-C as soon as the first result is written.
    const stdout = capture(() => {
      if (signals.listenerCount('SIGINT') > 0) signals.emit('SIGINT');
    });
    const run = await runCli(send(fixture('customers.csv'), '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      signals,
      stdout,
    });
    expect(run.code).toBe(130);
    const results = jsonLines(run.stdout) as {
      status: string;
      error?: { code: string; retryable: boolean };
    }[];
    expect(results.map((r) => r.status)).toEqual(['sent', 'failed', 'failed', 'failed', 'failed']);
    expect(results.slice(1).map((r) => r.error)).toEqual(
      Array(4).fill(expect.objectContaining({ code: 'aborted', retryable: true })),
    );
    expect(creates()).toHaveLength(1);
    expect(sim.messages).toHaveLength(1);
    expect(run.stderr).toContain('SIGINT: stopping. Requests in flight are cancelled');
    expect(run.stderr).toContain('Interrupted (SIGINT)');
    expect(run.stderr).toContain('Sent 1 of 5 rows; 4 failed (aborted 4).');
    expect(run.stderr).toContain('4 failed rows can be sent again unchanged (retryable).');
    // The handlers are gone: a second Ctrl-C gets Node's default, which ends the process.
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('stops reading stdin on SIGTERM, and exits 143', async () => {
    const signals = new EventEmitter();
    const stdin = new PassThrough();
    stdin.write(`${JSON.stringify(CSV_ROWS[0])}\n`);
    const stdout = capture(() => {
      if (stdin.writableEnded) return;
      signals.emit('SIGTERM');
      // A row that comes after the stop is never read (not even to be reported aborted).
      stdin.end(`${JSON.stringify(CSV_ROWS[1])}\n`);
    });
    const run = await runCli(send('--format', 'jsonl', '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      signals,
      stdin,
      stdout,
    });
    expect(run.code).toBe(143);
    expect(jsonLines(run.stdout)).toHaveLength(1);
    expect(sim.messages).toHaveLength(1);
  });

  it('stops sending when the results cannot be written, and exits 1', async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('EPIPE: broken pipe, write'));
      },
    });
    const run = await runCli(send(fixture('customers.csv'), '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      stdout: Object.assign(stdout, { text: () => '' }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: could not write the results to stdout: EPIPE: broken pipe, write. Sending stopped.',
    );
    // The first row was on its way when its result could not be written; no other row was sent.
    expect(sim.messages).toHaveLength(1);
  });

  it('sends the rows before a malformed line of stdin, then exits 2 naming the line', async () => {
    const run = await runCli(send('--format', 'jsonl', '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      stdinText: `${JSON.stringify(CSV_ROWS[0])}\n{"phone": oops}\n${JSON.stringify(CSV_ROWS[1])}\n`,
    });
    expect(run.code).toBe(2);
    expect(jsonLines(run.stdout)).toHaveLength(1);
    expect(sim.messages).toHaveLength(1);
    expect(run.stderr).toMatch(/\nerror: stdin line 2: not valid JSON \(.+\)\n$/);
  });

  it('refuses a malformed file before sending anything', async () => {
    const run = await runCli(send(fixture('ragged.csv'), '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
    });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^error: .*ragged\.csv: Invalid Record Length: .* on line 3\n$/);
    expect(sim.requests).toHaveLength(0);
  });

  it('lists every configuration problem, in CLI terms, and exits 2 before any request', async () => {
    const run = await runCli(
      ['send', fixture('customers.csv'), '--api-base-url', sim.url, '--from', 'nope!', '--concurrency', '0'],
      { env: { TWILIO_ACCOUNT_SID: sim.credentials.accountSid } },
    );
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      'Invalid configuration (4 problems):',
      '  TWILIO_AUTH_TOKEN [required]: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY with TWILIO_API_SECRET',
      expect.stringMatching(/^ {2}--from \[invalid_sender\]: from must be a Twilio phone number/),
      '  --template [required]: give the message with --template <text> or --template-file <path> (or --content-sid <HX…> for a Content template)',
      expect.stringMatching(/^ {2}--concurrency \[out_of_range\]: /),
      'Credentials are read only from the environment: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET.',
      '',
    ]);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    [
      ['send', '--template', 'x'],
      'error: rows come from stdin: say their format with --format csv or --format jsonl',
    ],
    [
      ['send', 'rows.txt', '--template', 'x'],
      'error: cannot tell the format of rows.txt from its name: use --format csv or --format jsonl',
    ],
    [['send', 'missing.csv', '--template', 'x'], /^error: cannot read missing\.csv: ENOENT/],
    [['send', '--template-file', 'missing.txt'], /^error: cannot read --template-file missing\.txt: ENOENT/],
  ])('exits 2 on the usage error of %j', async (argv, message) => {
    const run = await runCli(argv, { env: envFor(sim) });
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd()).toMatch(message);
  });

  it('exits 2 when --out cannot be written, before any request', async () => {
    const out = join(dir, 'no', 'such', 'dir.jsonl');
    const run = await runCli(
      send(fixture('customers.csv'), '--template', TEMPLATE, '--map', 'to=phone', '--out', out),
      {
        env: envFor(sim),
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: cannot write --out .*dir\.jsonl: ENOENT/);
    expect(sim.requests).toHaveLength(0);
  });

  it('exits 1 on an unexpected failure', async () => {
    const run = await runCli(send(fixture('customers.csv'), '--template', TEMPLATE, '--map', 'to=phone'), {
      env: envFor(sim),
      signals: {
        on: () => {
          throw new Error('signals unavailable');
        },
        off: () => undefined,
      },
    });
    expect(run).toMatchObject({ code: 1, stderr: 'error: signals unavailable\n' });
  });
});

describe('--simulate', () => {
  it('sends to the built-in simulator with its test sender, and says nothing leaves the machine', async () => {
    const run = await runCli(
      [
        'send',
        fixture('customers.csv'),
        '--simulate',
        '--template-file',
        fixture('template.txt'),
        '--map',
        'to=phone',
      ],
      { env: { TWILIO_ACCOUNT_SID: 'ACnot-used', TWILIO_AUTH_TOKEN: 'not-used' } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(
        /^SIMULATION: using the built-in Twilio simulator at http:\/\/127\.0\.0\.1:\d+\.$/,
      ),
      'Nothing leaves this machine: no message is sent, no Twilio account is used, nothing is billed.',
      "Sender +15005550006; the simulator's own credentials (TWILIO_* variables are ignored).",
    ]);
    expect(jsonLines(run.stdout)).toEqual(withLines(await libraryResults(CSV_ROWS), 2));
  });
});

describe('preview', () => {
  it('writes one preview row per row and a summary, makes no request, and exits 1 when some would fail', async () => {
    const out = join(dir, 'preview.jsonl');
    const run = await runCli(
      [
        'preview',
        fixture('customers.csv'),
        ...sendFlags(sim.url, `${TEMPLATE} 😀`),
        '--warn-above-segments',
        '1',
        '--out',
        out,
      ],
      { env: envFor(sim) },
    );
    expect(run.code).toBe(1);
    const rows = jsonLines(await readFile(out, 'utf8')) as {
      line: number;
      status: string;
      body?: string;
      segments?: number;
    }[];
    expect(rows.map((r) => [r.line, r.status])).toEqual([
      [2, 'ready'],
      [3, 'ready'],
      [4, 'failed'],
      [5, 'ready'],
      [6, 'failed'],
    ]);
    expect(rows[0]).toMatchObject({ body: 'Hi Ada, your order A-1001 has shipped. 😀', segments: 1 });
    expect(run.stderr.split('\n')).toEqual([
      'Preview of 5 rows: 3 ready, 2 would fail (invalid_row 1, template_error 1). No request was made.',
      expect.stringMatching(/^ {2}\[invalid_row\] line 4: "to" must be/),
      expect.stringMatching(/^ {2}\[template_error\] line 6: Template field "first_name"/),
      'Segments: 3 (GSM-7 0 rows, UCS-2 3 rows; SMS 3, MMS 0).',
      'Most segments: line 2 (1, UCS-2), line 3 (1, UCS-2), line 5 (1, UCS-2).',
      `Rows: ${out}, one line per row.`,
      '',
    ]);
    expect(sim.requests).toHaveLength(0);
  });

  it('exits 0 when every row is ready, with the rows on stdout', async () => {
    const run = await runCli(['preview', '--format', 'jsonl', ...messageFlags('Hi {{first_name}}')], {
      env: envFor(sim),
      stdinText: `${JSON.stringify(CSV_ROWS[0])}\n`,
    });
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([expect.objectContaining({ status: 'ready', body: 'Hi Ada' })]);
  });

  it('shows only the error when a line is malformed: no rows, no summary; exit 2', async () => {
    const run = await runCli(['preview', '--format', 'jsonl', ...messageFlags('Hi {{first_name}}')], {
      env: envFor(sim),
      stdinText: `${JSON.stringify(CSV_ROWS[0])}\n[]\n`,
    });
    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'error: stdin line 2: a row must be a JSON object (got an array)\n',
    });
  });
});

describe('validate', () => {
  it('checks the credentials and the sender with Twilio and exits 0 when both are fine', async () => {
    const run = await runCli(
      ['validate', '--api-base-url', sim.url, '--from', '+15551234567', '--template', TEMPLATE],
      {
        env: envFor(sim),
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Credentials: ok\n {2}account: \{"status":"active","type":"Full"\}\nTarget settings: ok\n/,
    );
    expect(run.stdout).toContain('  fields: ["first_name","order_id"]');
  });

  it('shows the library message for a tag that swallows the next one, and exits 2', async () => {
    const template = 'Hi {{first_name, your order {{order_id}}';
    const run = await runCli(
      ['validate', '--api-base-url', sim.url, '--from', '+15551234567', '--template', template],
      {
        env: envFor(sim),
      },
    );
    const library = await new TwilioDestination({
      credentials: sim.credentials,
      settings: { from: '+15551234567', messageTemplate: template },
    }).validateTargetSettings();
    const message = library.errors[0]?.message as string;
    expect(message).toMatch(
      /^Invalid field name "first_name, your order \{\{order_id" in the tag at line 1, column 4/,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`[template_syntax]: ${message}\n`);
  });

  it('reports refused credentials and exits 2, never printing the token', async () => {
    const token = 'ffffffffffffffffffffffffffffffff';
    const run = await runCli(
      ['validate', '--api-base-url', sim.url, '--from', '+15551234567', '--template', 'Hi'],
      {
        env: { TWILIO_ACCOUNT_SID: sim.credentials.accountSid, TWILIO_AUTH_TOKEN: token },
      },
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Credentials: 1 error/);
    expect(run.stdout + run.stderr).not.toContain(token);
  });
});

describe('help and usage', () => {
  it('prints help on stdout and exits 0, a usage error on stderr and exits 2', async () => {
    const help = await runCli(['send', '--help']);
    expect(help).toMatchObject({ code: 0, exits: [0], stderr: '' });
    expect(help.stdout).toMatch(/^Usage: twilio-destination send \[options\] \[file\]/);
    const usage = await runCli(['send', '--concurrency']);
    expect(usage).toMatchObject({ code: 2, exits: [2], stdout: '' });
    expect(usage.stderr).toMatch(/^error: option '--concurrency <n>' argument missing/);
  });

  it('runs without a signal source', async () => {
    const run = await runCli(['send', fixture('customers.jsonl'), ...sendFlags(sim.url)], {
      env: envFor(sim),
      noSignals: true,
    });
    expect(run.code).toBe(1);
    expect(sim.messages).toHaveLength(2);
    expect(run.stderr).toContain('Sent 2 of 3 rows; 1 failed (twilio_rejected 1).');
  });
});

describe('the process wiring', () => {
  let dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    dirs = [];
  });

  it('takes the real process as its context, setting the exit code rather than exiting', () => {
    const before = process.exitCode;
    const listeners = [process.stdout.listeners('error'), process.stderr.listeners('error')];
    const context = processContext();
    // A reader that went away (EPIPE) is heard, so it cannot crash the process.
    for (const [i, stream] of [process.stdout, process.stderr].entries()) {
      const added = stream.listeners('error').filter((l) => !listeners[i]?.includes(l));
      expect(added).toHaveLength(1);
      expect(() => (added[0] as (error: Error) => void)(new Error('write EPIPE'))).not.toThrow();
      stream.off('error', added[0] as () => void);
    }
    expect(context).toMatchObject({
      argv: process.argv.slice(2),
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      signals: process,
    });
    expect(context.stdin).toBe(process.stdin);
    context.exit(3);
    expect(process.exitCode).toBe(3);
    process.exitCode = before;
  });
});
