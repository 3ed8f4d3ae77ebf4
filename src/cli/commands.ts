/**
 * `validate` and what every command shares: where the results go (an `--out` file written safely, or
 * stdout) and how an error that ended a command early is reported. `preview` and `send` have their own
 * modules. Problems that end a command early (a usage error, a `ConfigError`, unreadable rows) are thrown
 * and reported by main.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isConfigError } from '../index.js';
import type { CommandLine } from './args.js';
import { OutFileError, openOutFile } from './out-file.js';
import { csvLines, type LineWriter, lineWriter } from './output.js';
import { configErrorLines, type FlagNames, validationLines } from './report.js';
import { InputError } from './rows.js';
import { type Session, UsageError } from './session.js';

/** A process-like source of signals (the real `process` when run as a program). */
export interface SignalSource {
  /** Adds a listener. */
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  /** Removes it. */
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** What a command reads and writes. */
export interface CommandIo {
  /** Rows when no file is given; the answer to the confirmation question when it is a terminal. */
  stdin: Readable & { isTTY?: boolean };
  /** Results (without `--out`) and validation reports. */
  stdout: Writable;
  /** Progress, notices, summaries and errors. */
  stderr: Writable & { isTTY?: boolean };
  /** Where Ctrl-C comes from. */
  signals: SignalSource;
  /** The clock, in epoch milliseconds. */
  now: () => number;
  /** The least time between two plain progress lines. */
  progressIntervalMs: number;
  /** Prints the session's notices (once): called once the configuration is known to be valid. */
  announce: () => void;
}

/** `validate`: both checks, with requests to Twilio but no message; exit 2 when either finds an error. */
export async function validate(session: Session, io: CommandIo, flags: FlagNames): Promise<number> {
  const credentials = await session.destination.validateCredentials();
  const settings = await session.destination.validateTargetSettings();
  io.announce();
  const lines = [
    ...validationLines('Credentials', credentials, flags),
    ...validationLines('Target settings', settings, flags),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return credentials.ok && settings.ok ? 0 : 2;
}

/** The CSV columns of each command's results. */
const CSV_COLUMNS = {
  send: [
    'line',
    'key',
    'index',
    'status',
    'messageSid',
    'twilioStatus',
    'segments',
    'attempts',
    'recovered',
    'requestId',
    'error_code',
    'error_message',
    'error_retryable',
    'error_possiblySent',
    'error_httpStatus',
    'error_twilioCode',
    'error_requestId',
  ],
  preview: [
    'line',
    'key',
    'index',
    'status',
    'channel',
    'to',
    'from',
    'body',
    'mediaUrls',
    'encoding',
    'segments',
    'warnings',
    'error_code',
    'error_message',
  ],
} as const;

/** Where the results go, and how the run ends for that place. */
export interface Results {
  /** Writes one result per line. */
  writer: LineWriter;
  /** `stdout`, or the `--out` path. */
  label: string;
  /** The file the lines are written to until `commit`, when it is not `label`. */
  writtenTo?: string;
  /** Ends the writing and makes the results visible (renames the file; copies a spool to stdout). */
  commit(): Promise<void>;
  /** Drops what was written, when the command failed (nothing is left behind). */
  discard(): Promise<void>;
}

/**
 * The results' place: the `--out` file (refused when it is the input or exists without --force/--append,
 * written under a temporary name until `commit`), or stdout. With `spool`, stdout's lines go to a
 * temporary file first and are copied at `commit`, so that an error found late comes first and alone.
 */
export async function openResults(
  line: CommandLine,
  io: CommandIo,
  command: 'send' | 'preview',
  spool: boolean,
): Promise<Results> {
  const { out, force = false, append = false } = line.options;
  const csv = out?.toLowerCase().endsWith('.csv') === true;
  if (out === undefined && !spool) {
    return {
      writer: lineWriter(io.stdout, false),
      label: 'stdout',
      commit: async () => undefined,
      discard: async () => undefined,
    };
  }
  if (out === undefined) {
    const dir = await mkdtemp(join(tmpdir(), 'twilio-destination-'));
    const path = join(dir, 'results.jsonl');
    const file = await openOutFile(path, { input: undefined, force: false, append: false });
    const writer = lineWriter(file.stream, true);
    return {
      writer,
      label: 'stdout',
      async commit() {
        await writer.close();
        await file.commit();
        await pipeline(createReadStream(path), io.stdout, { end: false });
        await rm(dir, { recursive: true, force: true });
      },
      async discard() {
        await closeQuietly(writer);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  let file: Awaited<ReturnType<typeof openOutFile>>;
  try {
    file = await openOutFile(out, { input: line.file, force, append });
  } catch (error) {
    if (error instanceof OutFileError) throw new UsageError(error.message);
    throw new UsageError(`cannot write --out ${out}: ${(error as Error).message}`);
  }
  const writer = lineWriter(
    file.stream,
    true,
    csv ? csvLines(CSV_COLUMNS[command], !file.appending) : undefined,
  );
  return {
    writer,
    label: out,
    writtenTo: file.writtenTo,
    async commit() {
      await writer.close();
      await file.commit();
    },
    async discard() {
      await closeQuietly(writer);
      await file.discard();
    },
  };
}

/** Ends a writer whose lines are being dropped: its own failure no longer matters. */
async function closeQuietly(writer: LineWriter): Promise<void> {
  try {
    await writer.close();
  } catch {
    // The command already failed; this file is removed next.
  }
}

/** Lines for an error that ended a command early, and its exit code. */
export function describeFailure(
  error: unknown,
  flags: FlagNames = {},
): { lines: string[]; exitCode: number } {
  if (isConfigError(error)) return { lines: configErrorLines(error.issues, flags), exitCode: 2 };
  const lines = [`error: ${(error as Error).message}`];
  return { lines, exitCode: error instanceof UsageError || error instanceof InputError ? 2 : 1 };
}
