/**
 * The three commands. Each returns its exit code; problems that end a command early (a usage error, a
 * `ConfigError`, unreadable rows) are thrown and reported by main.
 */
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { isConfigError, type Row } from '../index.js';
import type { CommandLine } from './args.js';
import { type LineWriter, lineWriter, openOutFile } from './output.js';
import { createProgress } from './progress.js';
import {
  configErrorLines,
  countResult,
  newTally,
  previewSummary,
  sendSummary,
  validationLines,
} from './report.js';
import { countRows, formatOf, guardRows, InputError, type RowFormat, readRows } from './rows.js';
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
  /** Rows when no file is given. */
  stdin: Readable;
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
}

/** Exit codes of signals, as shells report a process they ended: 128 + the signal's number. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** `validate`: both checks, with requests to Twilio but no message; exit 2 when either finds an error. */
export async function validate(session: Session, io: CommandIo): Promise<number> {
  const credentials = await session.destination.validateCredentials();
  const settings = await session.destination.validateTargetSettings();
  const lines = [
    ...validationLines('Credentials', credentials),
    ...validationLines('Target settings', settings),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return credentials.ok && settings.ok ? 0 : 2;
}

/** `preview`: every row as `write` would build it, one JSON line each; exit 1 when some would fail. */
export async function preview(line: CommandLine, session: Session, io: CommandIo): Promise<number> {
  const input = await openInput(line, io);
  const state: { error?: Error } = {};
  const { warnAboveSegments } = line.options;
  const result = await session.destination.preview(
    guardRows(input.rows(), state, () => false),
    warnAboveSegments === undefined ? {} : { warnAboveSegments },
  );
  const out = await openResults(line, io);
  for (const row of result.rows) await out.writer.write(row);
  await out.writer.close();
  io.stderr.write(`${previewSummary(result, out.label).join('\n')}\n`);
  if (state.error) throw state.error;
  return result.summary.failed > 0 ? 1 : 0;
}

/**
 * `send`: streams the results to `--out` (or stdout) as they come, with progress on stderr. Ctrl-C aborts:
 * requests in flight are cancelled, rows not started are reported `aborted`, the results so far are
 * written, and the exit code is 130. A second Ctrl-C ends the process at once.
 */
export async function send(line: CommandLine, session: Session, io: CommandIo): Promise<number> {
  const input = await openInput(line, io);
  const controller = new AbortController();
  const state: { error?: Error } = {};
  // On abort, stdin stops being read (it may never end); a file is read to its end, so that every row
  // gets its result.
  const stop = () => line.file === undefined && controller.signal.aborted;
  const runId = await session.runId();
  // Throws ConfigError here, before any file is counted or written.
  const results = session.destination.stream(guardRows(input.rows(), state, stop), {
    signal: controller.signal,
    mode: 'insert',
    ...(runId === undefined ? {} : { runId }),
  });
  // A file is read twice, one row at a time: first to count (for the ETA, and to refuse a malformed file
  // before anything is sent), then to send.
  const total = line.file === undefined ? undefined : await countRows(input.rows());
  const out = await openResults(line, io);
  const progress = createProgress({
    stream: io.stderr,
    total,
    now: io.now,
    intervalMs: io.progressIntervalMs,
  });
  session.progress.onProgress = (p) => progress.update(p);

  let interruptedBy: keyof typeof SIGNAL_EXIT_CODES | undefined;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      interruptedBy = signal;
      // The next Ctrl-C gets Node's default handling: the process ends at once.
      removeHandlers();
      io.stderr.write(
        `\n${signal}: stopping. Requests in flight are cancelled; rows not started are reported "aborted". Ctrl-C again quits at once.\n`,
      );
      controller.abort();
    };
    io.signals.on(signal, handler);
    return [signal, handler] as const;
  });
  const removeHandlers = () => {
    for (const [signal, handler] of handlers) io.signals.off(signal, handler);
  };

  const tally = newTally();
  const started = io.now();
  let writeError: Error | undefined;
  try {
    for await (const result of results) {
      countResult(tally, result);
      if (writeError !== undefined) continue;
      try {
        await out.writer.write(result);
      } catch (error) {
        // Without a place for the results, sending on would lose them: stop, and report the rest aborted.
        writeError = error as Error;
        controller.abort();
      }
    }
  } finally {
    progress.stop();
    removeHandlers();
  }
  await out.writer.close().catch((error: Error) => {
    writeError ??= error;
  });
  io.stderr.write(
    `${sendSummary(tally, { elapsedMs: io.now() - started, interruptedBy, resultsTo: out.label }).join('\n')}\n`,
  );
  if (writeError !== undefined) {
    io.stderr.write(
      `error: could not write the results to ${out.label}: ${writeError.message}. Sending stopped.\n`,
    );
    return 1;
  }
  if (interruptedBy !== undefined) return SIGNAL_EXIT_CODES[interruptedBy];
  if (state.error) throw state.error;
  return tally.sent === tally.rows ? 0 : 1;
}

/** The rows source: a readable file (opened anew for each read) or stdin, and its format. */
async function openInput(line: CommandLine, io: CommandIo): Promise<{ rows: () => AsyncGenerator<Row> }> {
  const { file } = line;
  const format = formatOf(file, line.options.format);
  if (format === undefined) {
    throw new UsageError(
      file === undefined
        ? 'rows come from stdin: say their format with --format csv or --format jsonl'
        : `cannot tell the format of ${file} from its name: use --format csv or --format jsonl`,
    );
  }
  if (file !== undefined) {
    await access(file, constants.R_OK).catch((error: Error) => {
      throw new UsageError(`cannot read ${file}: ${error.message}`);
    });
  }
  // Lazy: nothing is opened until the rows are read.
  async function* rows(): AsyncGenerator<Row> {
    yield* readRows(
      file === undefined ? io.stdin : createReadStream(file),
      format as RowFormat,
      file ?? 'stdin',
    );
  }
  return { rows };
}

async function openResults(line: CommandLine, io: CommandIo): Promise<{ writer: LineWriter; label: string }> {
  const path = line.options.out;
  if (path === undefined) return { writer: lineWriter(io.stdout, false), label: 'stdout' };
  try {
    return { writer: lineWriter(await openOutFile(path), true), label: path };
  } catch (error) {
    throw new UsageError(`cannot write --out ${path}: ${(error as Error).message}`);
  }
}

/** Lines for an error that ended a command early, and its exit code. */
export function describeFailure(error: unknown): { lines: string[]; exitCode: number } {
  if (isConfigError(error)) return { lines: configErrorLines(error.issues), exitCode: 2 };
  const lines = [`error: ${(error as Error).message}`];
  return { lines, exitCode: error instanceof UsageError || error instanceof InputError ? 2 : 1 };
}
