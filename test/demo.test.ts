/**
 * The examples: `npm run demo` (in process and as a child process), the expectation check that keeps a
 * broken package from passing as a working demo, and `examples/real-twilio.ts`'s argument and environment
 * handling (against the simulator, never the network).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CSV,
  DEFAULT_EXPECTATION,
  DEMO_USAGE,
  main as demoMain,
  expectationPathFor,
  parseDemoArgs,
  runDemo,
} from '../examples/demo.js';
import { toRow } from '../examples/lib/customers.js';
import { compareWithExpectation, type Expectation, loadExpectation } from '../examples/lib/expectation.js';
import { formatSummary, maskRecipient } from '../examples/lib/report.js';
import { REAL_TWILIO_USAGE, readSetup, main as realMain } from '../examples/real-twilio.js';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_AUTH_TOKEN,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../src/simulator/index.js';
import type { RowResult } from '../src/types.js';
import { captureLines } from './helpers/lines.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

// The demo talks to its own loopback simulator; nock's socket interception has no business in between.
beforeAll(() => nock.restore());
afterAll(() => nock.activate());

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** SIDs and the port change from run to run; everything else is exact. */
function normalise(line: string): string {
  return line
    .replace(/\b(SM|MM)[0-9a-f]{32}\b/g, '$1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
    .replace(/:\d+\b/g, ':PORT');
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'demo-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const EXPECTED_HEAD = `twilio-destination demo: 25 rows from examples/customers.csv
Twilio simulator on http://127.0.0.1:PORT (account AC00000000000000000000000000000001; nothing leaves this machine)

validateCredentials     ok  account active, Full
validateTargetSettings  ok  sender +15005550006, template fields: first_name, order_id, note
`;

const EXPECTED_TABLE = `row  recipient     status  SID or error                        attempts  segments
  0  +1415•••0100  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
  1  +1415•••0101  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
  2  +1415•••0102  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
  3  415-5•••5-01  failed  invalid_row                                0         -
  4  +1415•••0104  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
  5  +1500•••0004  failed  twilio_rejected 21610                      1         -
  6  +1415•••0106  failed  template_error                             0         -
  7  +1415•••0107  sent    MMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
  8  +1415•••0108  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
  9  +1415•••0109  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         2
 10  +1500•••0009  failed  twilio_rejected 21614                      1         -
 11  +4477•••0123  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 12  +1415•••0112  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 13  +1500•••0003  failed  twilio_rejected 21408                      1         -
 14  +1415•••0114  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 15  +6149•••0156  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 16  +1415•••0116  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         2
 17  +1415•••0117  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 18  +1415•••0118  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 19  +1415•••0119  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 20  +1555•••0100  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 21  +1555•••0101  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 22  +1555•••0102  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 23  +1555•••0103  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
 24  +1555•••0104  sent    SMxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx         1         1
`;

const EXPECTED_SUMMARY = [
  'Summary: 25 rows: 20 sent, 5 failed',
  '  failed by code: invalid_row × 1, template_error × 1, twilio_rejected 21408 × 1, twilio_rejected 21610 × 1, twilio_rejected 21614 × 1',
];

const lines = (text: string) => text.split('\n').slice(0, -1);

describe('npm run demo, in process', () => {
  it('validates, sends the 25 sample rows to the simulator, prints every outcome and exits 0', async () => {
    const { out, err, output } = captureLines();
    expect(await runDemo({ output })).toBe(0);
    expect(err).toEqual([]);
    const printed = out.map(normalise);
    const tableStart = lines(EXPECTED_HEAD).length + 1;
    expect(printed.slice(0, tableStart)).toEqual([...lines(EXPECTED_HEAD), '']);
    expect(printed.slice(tableStart, tableStart + 26)).toEqual(lines(EXPECTED_TABLE));

    // The reasons come from the package; the lines name the row and code, and mask the recipient.
    const why = printed.slice(tableStart + 27, tableStart + 33);
    expect(why.map((line) => line.split(': ').slice(0, 2).join(': '))).toEqual([
      'Why rows failed:',
      '  row 3: invalid_row',
      '  row 5: twilio_rejected 21610',
      '  row 6: template_error',
      '  row 10: twilio_rejected 21614',
      '  row 13: twilio_rejected 21408',
    ]);
    expect(why[1]).toContain('"415-5•••5-01"');
    expect(why[3]).toContain('"first_name"');
    for (const raw of ['415-555-01', '+15005550004', '+15005550009', '+15005550003']) {
      expect(out.join('\n')).not.toContain(raw);
    }
    // Then where each sent message ended up, asked of the simulator with fetchStatuses.
    expect(printed.slice(tableStart + 34, tableStart + 41)).toEqual([
      'Delivery (fetchStatuses): 15 delivered, 1 transient, 2 permanent, 1 opted_out, 1 blocked',
      '  row 20 +1555•••0100: transient (try again in a later sync)',
      '  row 21 +1555•••0101: permanent (fix the number or drop it)',
      '  row 22 +1555•••0102: permanent (fix the number or drop it)',
      '  row 23 +1555•••0103: blocked (change the content or register the sender)',
      '  row 24 +1555•••0104: opted_out (suppress: the recipient replied STOP)',
      '',
    ]);
    expect(printed.slice(-3)).toEqual([
      ...EXPECTED_SUMMARY,
      'Every row ended as examples/customers.expected.json expects; the simulator holds exactly the 20 messages reported sent.',
    ]);
  });

  it.each<[string, (expectation: Expectation) => void, string]>([
    [
      'a failed row expected to be sent',
      (e) => {
        e.rows[5] = {
          row: 5,
          customer_id: 'C-1006',
          case: 'x',
          status: 'sent',
          attempts: 1,
          kind: 'sms',
          segments: 1,
          body: 'x',
        };
      },
      'row 5: expected sent (sms, 1 segment(s)), got failed twilio_rejected 21610',
    ],
    [
      'another Twilio code',
      (e) => Object.assign(e.rows[10] as object, { twilioCode: 21612 }),
      'row 10: expected failed twilio_rejected 21612, got failed twilio_rejected 21614',
    ],
    [
      'another segment count',
      (e) => Object.assign(e.rows[9] as object, { segments: 1 }),
      'row 9: expected sent (sms, 1 segment(s)), got sent (sms, 2 segment(s))',
    ],
    [
      'another text',
      (e) => Object.assign(e.rows[0] as object, { body: 'Hi Ada, your order A-1001 is late.' }),
      'row 0: expected the text "Hi Ada, your order A-1001 is late.", Twilio got "Hi Ada, your order A-1001 has shipped."',
    ],
    [
      'another delivery outcome',
      (e) => Object.assign(e.rows[20] as object, { delivery: 'delivered' }),
      'row 20: expected delivery outcome delivered, got transient',
    ],
    [
      'an SMS where an MMS was meant',
      (e) => Object.assign(e.rows[7] as object, { kind: 'sms' }),
      'row 7: expected sent (sms, 1 segment(s)), got sent (mms, 1 segment(s))',
    ],
    [
      'another number of attempts',
      (e) => Object.assign(e.rows[3] as object, { attempts: 1 }),
      'row 3: expected 1 attempt(s), got 0',
    ],
    ['a row the CSV does not have', (e) => e.rows.pop(), 'the expectation describes 24 rows, the CSV has 25'],
  ])('exits 1 and says what differs when the expectation has %s', async (_, change, problem) => {
    const expectation = await loadExpectation(DEFAULT_EXPECTATION);
    change(expectation);
    const path = join(await tempDir(), 'customers.expected.json');
    await writeFile(path, JSON.stringify(expectation));
    const { out, err, output } = captureLines();
    expect(await runDemo({ expectationPath: path, output })).toBe(1);
    expect(err[0]).toMatch(/^NOT AS EXPECTED \(.*customers\.expected\.json\):$/);
    expect(err.slice(1)).toEqual([`  ${problem}`]);
    expect(out.at(-1)).toBe(EXPECTED_SUMMARY[1]);
  });

  it('exits 2 and sends nothing when the expectation file is malformed or the CSV is missing', async () => {
    const path = join(await tempDir(), 'bad.expected.json');
    await writeFile(path, JSON.stringify({ description: 'x', rows: [{ row: 0, status: 'delivered' }] }));
    const bad = captureLines();
    expect(await runDemo({ expectationPath: path, output: bad.output })).toBe(2);
    expect(bad.err[0]).toMatch(
      /^Cannot start the demo: .*bad\.expected\.json is not a valid expectation file/,
    );
    expect(bad.out).toEqual([]);

    const missing = captureLines();
    expect(await runDemo({ csvPath: join(ROOT, 'examples/nope.csv'), output: missing.output })).toBe(2);
    expect(missing.err[0]).toMatch(/^Cannot start the demo: ENOENT/);
  });
});

describe('the expectation check', () => {
  const expectation: Expectation = {
    description: 'one row',
    rows: [
      {
        row: 0,
        customer_id: 'C-1',
        case: 'x',
        status: 'sent',
        attempts: 1,
        kind: 'sms',
        segments: 1,
        body: 'Hi',
      },
    ],
  };
  const result: RowResult = {
    status: 'sent',
    index: 0,
    attempts: 1,
    messageSid: 'SM1',
    twilioStatus: 'queued',
    segments: 1,
  };
  const message = { sid: 'SM1', body: 'Hi', num_media: '0', num_segments: '1' } as never;
  const create = { method: 'POST' } as never;
  const rows = [{ customer_id: 'C-1' }];

  it('accepts a run that is exactly as expected', () => {
    expect(
      compareWithExpectation(expectation, {
        rows,
        results: [result],
        messages: [message],
        createRequests: [create],
      }),
    ).toEqual([]);
  });

  it('catches a message sent twice for one row, and a request the results do not count', () => {
    const doubled = { ...(message as object), sid: 'SM2' } as never;
    expect(
      compareWithExpectation(expectation, {
        rows,
        results: [result],
        messages: [message, doubled],
        createRequests: [create, create],
      }),
    ).toEqual([
      'the simulator created 2 message(s) but 1 row(s) were reported sent: they must match SID for SID',
      'the results count 1 attempt(s), but the simulator received 2 create request(s)',
    ]);
  });

  it('catches a row reported sent that the simulator never created, and a CSV whose rows moved', () => {
    expect(
      compareWithExpectation(expectation, {
        rows: [{ customer_id: 'C-2' }],
        results: [result],
        messages: [],
        createRequests: [create],
      }),
    ).toEqual([
      'row 0: expected customer C-1, but the CSV has C-2',
      'row 0: reported sent as SM1, but the simulator has no such message',
      'the simulator created 0 message(s) but 1 row(s) were reported sent: they must match SID for SID',
    ]);
  });
});

describe('demo helpers', () => {
  it.each([
    ['+14155550100', '+1415•••0100'],
    ['+447700900123', '+4477•••0123'],
    ['whatsapp:+14155550100', 'whatsapp:+1415•••0100'],
    ['415-555-01', '415-5•••5-01'],
    ['5550100', '55•••00'],
    ['12345', '1•••'],
    ['', '(none)'],
    [undefined, '(none)'],
  ])('masks %j as %j', (value, masked) => {
    expect(maskRecipient(value)).toBe(masked);
  });

  it('reads empty CSV cells as missing and space-separated media URLs as a list', () => {
    expect(
      toRow({
        first_name: '',
        phone: '+14155550100',
        media_urls: 'https://a.example/1.jpg https://a.example/2.jpg',
      }),
    ).toEqual({
      phone: '+14155550100',
      media_urls: ['https://a.example/1.jpg', 'https://a.example/2.jpg'],
    });
  });

  it('prints no failure counts when every row was sent', () => {
    const sent: RowResult = {
      status: 'sent',
      index: 0,
      attempts: 1,
      messageSid: 'SM1',
      twilioStatus: 'queued',
    };
    expect(formatSummary([sent])).toEqual(['Summary: 1 rows: 1 sent, 0 failed']);
  });

  it('reads --csv and --expected, deriving the expectation beside the CSV', () => {
    expect(parseDemoArgs([])).toEqual({ csvPath: DEFAULT_CSV, expectationPath: DEFAULT_EXPECTATION });
    expect(parseDemoArgs(['--csv', '/data/x.csv'])).toEqual({
      csvPath: '/data/x.csv',
      expectationPath: '/data/x.expected.json',
    });
    expect(parseDemoArgs(['--csv', '/data/x.csv', '--expected', '/e.json'])).toEqual({
      csvPath: '/data/x.csv',
      expectationPath: '/e.json',
    });
    expect(expectationPathFor('/data/rows')).toBe('/data/rows.expected.json');
    expect(parseDemoArgs(['-h'])).toBe('help');
  });

  it('prints the usage for --help and exits 2 on a bad argument', async () => {
    const help = captureLines();
    expect(await demoMain(['--help'], help.output)).toBe(0);
    expect(help.out).toEqual([DEMO_USAGE]);
    const bad = captureLines();
    expect(await demoMain(['--colour'], bad.output)).toBe(2);
    expect(bad.err[0]).toMatch(/Unknown option '--colour'[\s\S]*Usage: npm run demo/);
  });
});

describe('npm run demo, as a newcomer runs it', () => {
  it('exits 0 and prints the table and the summary', async () => {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'demo'], { cwd: ROOT });
    expect(stderr).not.toMatch(/NOT AS EXPECTED|Error/);
    const printed = stdout.split('\n').map(normalise);
    expect(printed).toEqual(expect.arrayContaining([...lines(EXPECTED_TABLE), ...EXPECTED_SUMMARY]));
    expect(printed.at(-2)).toMatch(/^Every row ended as examples\/customers\.expected\.json expects/);
  }, 30_000);

  it('exits 1 when a row does not end as expected', async () => {
    const expectation = await loadExpectation(DEFAULT_EXPECTATION);
    Object.assign(expectation.rows[5] as object, { twilioCode: 21211 });
    const path = join(await tempDir(), 'wrong.expected.json');
    await writeFile(path, JSON.stringify(expectation));
    const child = run('npx', ['tsx', 'examples/demo.ts', '--expected', path], { cwd: ROOT });
    await expect(child).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'row 5: expected failed twilio_rejected 21211, got failed twilio_rejected 21610',
      ),
    });
  }, 30_000);
});

describe('examples/real-twilio.ts', () => {
  const ENV = {
    TWILIO_ACCOUNT_SID: DEFAULT_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: DEFAULT_AUTH_TOKEN,
    TWILIO_FROM: '+15005550006',
  };

  it.each([
    [{}, 'Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM in the environment'],
    [{ ...ENV, TWILIO_FROM: ' ' }, 'Set TWILIO_FROM in the environment'],
    [{ ...ENV, TWILIO_ACCOUNT_SID: undefined }, 'Set TWILIO_ACCOUNT_SID in the environment'],
  ])('refuses to run with exit code 2 when variables are missing (%j)', async (env, message) => {
    const { out, err, output } = captureLines();
    expect(await realMain(['rows.csv', '--send'], env, output)).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toContain(message);
    expect(err[0]).toContain(REAL_TWILIO_USAGE);
    expect(err[0]).not.toContain(DEFAULT_AUTH_TOKEN);
  });

  it.each([
    [[], 'Name the CSV file of rows to send.'],
    [['a.csv', 'b.csv'], 'Expected one CSV file, got 2 arguments.'],
    [['a.csv', '--sned'], "Unknown option '--sned'"],
  ])('refuses to run with exit code 2 on bad arguments (%j)', async (argv, message) => {
    const { err, output } = captureLines();
    expect(await realMain(argv, ENV, output)).toBe(2);
    expect(err[0]).toContain(message);
  });

  it('reads credentials and sender from the environment, and talks to Twilio unless told otherwise', () => {
    expect(readSetup(['rows.csv'], { ...ENV, TWILIO_AUTH_TOKEN: ` ${DEFAULT_AUTH_TOKEN}\n` })).toEqual({
      csvPath: join(process.cwd(), 'rows.csv'),
      send: false,
      config: {
        credentials: { accountSid: DEFAULT_ACCOUNT_SID, authToken: DEFAULT_AUTH_TOKEN },
        settings: { from: '+15005550006', messageTemplate: expect.stringContaining('{{first_name}}') },
        mapping: { to: 'phone', media_url: 'media_urls' },
      },
      options: {},
    });
    expect(
      readSetup(['rows.csv', '--send'], { ...ENV, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' }),
    ).toMatchObject({
      send: true,
      options: { apiBaseUrl: 'http://127.0.0.1:4010', messagingBaseUrl: 'http://127.0.0.1:4010' },
    });
    expect(readSetup(['--help'], {})).toBe('help');
  });

  describe('against a Twilio-compatible server (the simulator)', () => {
    let sim: TwilioSimulator;
    beforeAll(async () => {
      sim = await startTwilioSimulator({ lifecycle: false });
    });
    afterAll(() => sim.close());
    const env = () => ({ ...ENV, TWILIO_API_BASE_URL: sim.url });

    it('only validates without --send', async () => {
      const { out, output } = captureLines();
      expect(await realMain([DEFAULT_CSV], env(), output)).toBe(0);
      expect(out).toEqual([
        'validateCredentials     ok  account active, Full',
        'validateTargetSettings  ok  sender +15005550006, template fields: first_name, order_id, note',
        'The configuration is valid. Run again with --send to send 25 message(s).',
      ]);
      expect(sim.messages).toEqual([]);
    });

    it('sends with --send and exits 1 because some rows failed', async () => {
      const { out, output } = captureLines();
      expect(await realMain([DEFAULT_CSV, '--send'], env(), output)).toBe(1);
      expect(out.map(normalise)).toEqual(
        expect.arrayContaining([...lines(EXPECTED_TABLE), ...EXPECTED_SUMMARY]),
      );
      expect(sim.messages).toHaveLength(20);
    });

    it('sends nothing and exits 1 when the credentials are refused', async () => {
      const { err, out, output } = captureLines();
      expect(
        await realMain([DEFAULT_CSV, '--send'], { ...env(), TWILIO_AUTH_TOKEN: 'f'.repeat(32) }, output),
      ).toBe(1);
      expect(out[0]).toBe('validateCredentials     FAILED');
      expect(out[1]).toMatch(/^ {2}error credentials\.authToken \(credentials_refused\): /);
      expect(err).toEqual(['The configuration was refused, so no row was sent.']);
      expect(out.join('\n')).not.toContain('f'.repeat(32));
    });

    it('exits 2 when the CSV cannot be read', async () => {
      const { err, output } = captureLines();
      expect(await realMain([join(ROOT, 'examples/nope.csv')], env(), output)).toBe(2);
      expect(err[0]).toMatch(/^Cannot read the rows: ENOENT/);
    });
  });
});
