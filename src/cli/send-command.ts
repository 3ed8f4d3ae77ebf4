/**
 * `send`: streams the results to `--out` (or stdout) as they come, with progress on stderr. A file is read
 * twice, one row at a time: first through the package's preview (no request) to check the columns, count
 * the rows and segments and refuse a malformed file before anything is sent, and to ask for confirmation
 * on a terminal; then to send. Ctrl-C aborts: requests in flight are cancelled, rows not started are
 * reported `aborted`, the results so far are written, and the exit code is 130. A second Ctrl-C ends the
 * process at once.
 */
import { createInterface } from 'node:readline/promises';
import { ConfigError, type RowResult } from '../index.js';
import { abortedBeforeStart } from '../send/index.js';
import type { CommandLine } from './args.js';
import { type CommandIo, openResults } from './commands.js';
import { createProgress } from './progress.js';
import { atFileLine, countResult, duplicateLine, newTally, sendSummary } from './report.js';
import { guardRows, type SourceRow } from './rows.js';
import { type Duplicates, type Scan, scanRows } from './scan.js';
import type { Session } from './session.js';
import { checkKeyColumn, openSource, withOrigins } from './source.js';

/** Exit codes of signals, as shells report a process they ended: 128 + the signal's number. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** A US SMS list price per segment, in US dollars: only for the confirmation's estimate. */
const DEFAULT_PRICE_PER_SEGMENT = 0.0083;

/** The confirmation question's text. */
export function confirmationText(scan: Scan, line: CommandLine, simulated: boolean): string {
  const { summary } = scan;
  const price = line.options.pricePerSegment ?? DEFAULT_PRICE_PER_SEGMENT;
  const cost = (summary.segments * price).toFixed(2);
  const lines = [
    `About to send ${summary.ready} message${summary.ready === 1 ? '' : 's'} (${summary.segments} segments${simulated ? ', simulated' : `, about $${cost} at $${price} per segment`})` +
      `${summary.failed > 0 ? `; ${summary.failed} rows would fail and are not sent` : ''}.`,
    ...scan.failures,
  ];
  if (scan.duplicates.rows > 0) lines.push(duplicateLine(scan.duplicates));
  lines.push('Send? [y/N] ');
  return lines.join('\n');
}

async function confirm(io: CommandIo, question: string): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await prompt.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** Runs `send` and returns its exit code. */
export async function send(line: CommandLine, session: Session, io: CommandIo): Promise<number> {
  const source = await openSource(line, io.stdin);
  const { destination } = session;
  const { options } = line;
  const controller = new AbortController();
  const state: { error?: Error } = {};
  // On abort, stdin stops being read (it may never end); a file is read to its end, so that every row
  // gets its result.
  const stop = () => source.file === undefined && controller.signal.aborted;
  let first = true;
  const simulated = options.simulate === true;
  async function* checked(): AsyncGenerator<SourceRow> {
    for await (const row of source.read()) {
      if (first && source.file === undefined) {
        // Stdin has no first pass: its first row is checked here, before it is sent.
        checkKeyColumn(options.key, Object.keys(row.row));
        const issues = destination.checkColumns(Object.keys(row.row));
        // A JSON Lines row may leave out optional columns: only the recipient's is required of it.
        const fatal =
          options.format === 'csv' ? issues : issues.filter((issue) => issue.field === 'mapping.to');
        if (fatal.length > 0) throw new ConfigError(fatal);
      }
      first = false;
      yield row;
    }
  }
  const origins = withOrigins(guardRows(checked(), state, stop), options.key);
  const runId = await session.runId();
  // Throws ConfigError here, before any file is read or written.
  const results = destination.stream(origins.rows, {
    signal: controller.signal,
    mode: 'insert',
    ...(runId === undefined ? {} : { runId }),
  });
  let total: number | undefined;
  let duplicates: Duplicates | undefined;
  if (source.file !== undefined) {
    const scan = await scanRows(destination, source, line, () => undefined);
    total = scan.summary.rows;
    duplicates = scan.duplicates;
    io.announce();
    const asks = options.yes !== true && io.stdin.isTTY === true && io.stderr.isTTY === true;
    if (asks && !(await confirm(io, confirmationText(scan, line, simulated)))) {
      io.stderr.write('Nothing was sent.\n');
      await results.return(undefined);
      return 1;
    }
  } else {
    io.announce();
  }
  const out = await openResults(line, io, 'send', false);
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
      const origin = origins.next();
      countResult(tally, result, origin.line);
      if (writeError !== undefined) continue;
      try {
        await out.writer.write({ ...origin, ...atFileLine(result, origin.line) });
      } catch (error) {
        // Without a place for the results, sending on would lose them: stop, and report the rest aborted.
        writeError = error as Error;
        controller.abort();
      }
    }
    // After an abort the package pulls no further row: a file is read to its end here, so that every row
    // gets its result (stdin is not: it may never end).
    if (controller.signal.aborted && source.file !== undefined) {
      let index = 0;
      for await (const { row, line: at } of guardRows(source.read(), state, () => false)) {
        if (index >= tally.rows) {
          const result: RowResult = {
            status: 'failed',
            index,
            attempts: 0,
            error: abortedBeforeStart(index),
          };
          const origin = options.key === undefined ? { line: at } : { line: at, key: row[options.key] };
          countResult(tally, result, origin.line);
          if (writeError === undefined)
            await out.writer.write({ ...origin, ...atFileLine(result, origin.line) });
        }
        index++;
      }
    }
  } finally {
    progress.stop();
    removeHandlers();
  }
  if (state.error !== undefined && tally.rows === 0) {
    // Nothing was sent: the error alone, and no results file.
    await out.discard();
    throw state.error;
  }
  let saveError: Error | undefined;
  try {
    await out.commit();
  } catch (error) {
    saveError = error as Error;
  }
  io.stderr.write(
    `${sendSummary(tally, { elapsedMs: io.now() - started, interruptedBy, resultsTo: out.label, duplicates }).join('\n')}\n`,
  );
  if (saveError !== undefined && writeError === undefined) {
    // Every result was written; only the last step, giving the file its name, failed: say where they are.
    io.stderr.write(
      `error: could not save the results as ${out.label} (${saveError.message}); every result is in ${out.writtenTo}.\n`,
    );
    return 1;
  }
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
