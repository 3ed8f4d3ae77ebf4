/**
 * Shared by the CLI tests: fixture paths, a simulator per test, the library's own results for the same rows
 * (what the CLI's JSON Lines must equal), the flags of a message, and an in-process runner with captured
 * streams. The child-process runner is test/helpers/cli-process.ts.
 */
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type CliContext, main } from '../../src/cli/cli.js';
import { TwilioDestination } from '../../src/destination.js';
import {
  type SimulatorOptions,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import type { Row, RowResult } from '../../src/types.js';

export const TEMPLATE = 'Hi {{first_name}}, your order {{order_id}} has shipped.';

/** The absolute path of a file in test/fixtures/cli. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/cli/${name}`, import.meta.url));
}

/** The rows of test/fixtures/cli/customers.csv, as the CSV reader yields them. */
export const CSV_ROWS: Row[] = [
  { phone: '+14155550100', first_name: 'Ada', order_id: 'A-1001' },
  { phone: '+14155550101', first_name: 'Grace', order_id: 'A-1002' },
  { phone: 'not a number', first_name: 'Linus', order_id: 'A-1003' },
  { phone: '+15005550004', first_name: 'Margaret', order_id: 'A-1004' },
  { phone: '+14155550102', first_name: '', order_id: 'A-1005' },
];

/** A simulator as the CLI tests use it: no lifecycle, so nothing is pending when it closes. */
export function simulator(options: SimulatorOptions = {}): Promise<TwilioSimulator> {
  return startTwilioSimulator({ lifecycle: false, ...options });
}

/** The flags of a message: the test sender, `template`, and the recipient in the `phone` column. */
export function messageFlags(template = TEMPLATE): string[] {
  return ['--from', '+15005550006', '--template', template, '--map', 'to=phone'];
}

/** The flags of a send (or preview) against the simulator at `url`, with {@link messageFlags}. */
export function sendFlags(url: string, template = TEMPLATE): string[] {
  return ['--api-base-url', url, ...messageFlags(template)];
}

/** Environment credentials for `sim`. */
export function envFor(sim: TwilioSimulator): Record<string, string> {
  return { TWILIO_ACCOUNT_SID: sim.credentials.accountSid, TWILIO_AUTH_TOKEN: sim.credentials.authToken };
}

/**
 * What the library itself returns for `rows` on a fresh simulator with the same (seeded) behaviour: the
 * CLI must write exactly these results, SIDs and request ids included.
 */
export async function libraryResults(
  rows: Row[],
  settings: Record<string, unknown> = {},
  mapping: Record<string, string> = { to: 'phone' },
): Promise<RowResult[]> {
  const sim = await simulator();
  const destination = new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: '+15005550006', messageTemplate: TEMPLATE, ...settings },
      mapping,
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
  );
  try {
    return await destination.write(rows);
  } finally {
    await destination.close();
    await sim.close();
  }
}

/** Parses JSON Lines. */
export function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** A writable that keeps its text; `onWrite` sees each chunk as it comes. */
export function capture(onWrite?: (chunk: string) => void): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      onWrite?.(String(chunk));
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

/** What an in-process run left behind. */
export interface CliRun {
  code: number;
  exits: number[];
  stdout: string;
  stderr: string;
}

/** Runs `main` in-process with captured streams. */
export async function runCli(
  argv: string[],
  context: Partial<Omit<CliContext, 'argv' | 'exit'>> & { stdinText?: string; noSignals?: true } = {},
): Promise<CliRun> {
  const { stdinText, noSignals, ...rest } = context;
  const stdout = (context.stdout as ReturnType<typeof capture> | undefined) ?? capture();
  const stderr = (context.stderr as ReturnType<typeof capture> | undefined) ?? capture();
  const exits: number[] = [];
  const full: CliContext = {
    env: {},
    stdin: Readable.from(stdinText === undefined ? [] : [stdinText]),
    signals: new EventEmitter(),
    ...rest,
    argv,
    stdout,
    stderr,
    exit: (c) => exits.push(c),
  };
  if (noSignals) delete full.signals;
  const code = await main(full);
  return { code, exits, stdout: stdout.text(), stderr: stderr.text() };
}
