/**
 * `twilio-destination status RESULTS [--wait 10m] [--interval 15s] [--out FILE]`: reads the results
 * file of a `send` (JSON Lines, or the CSV `send --out results.csv` writes), asks Twilio where each sent message stands (polling until every one is final or the
 * wait ends), writes one JSON line per message and prints the counts by delivery outcome.
 */
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DELIVERY_OUTCOMES, type StatusResult } from '../index.js';
import type { CliOptions, CommandLine } from './args.js';
import type { CommandIo } from './commands.js';
import { type OutFile, OutFileError, openOutFile } from './out-file.js';
import { lineWriter } from './output.js';
import { formatDuration } from './report.js';
import { readCsv, readJsonLines } from './rows.js';
import { type Session, UsageError } from './session.js';
import { isSettled, pollStatuses, type TrackedMessage } from './status-poll.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads a duration: `500ms`, `30s`, `10m`, `1h`, or a bare number of seconds.
 * @example
 * parseDuration('10m'); // 600000
 */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError('Not a duration (e.g. 30s, 10m, 1h).');
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 's'] as number));
}

/** The help after `status`'s options: its own input, output and exit codes. */
export const STATUS_HELP_AFTER = `
Credentials come only from the environment, never from flags: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN,
or with TWILIO_API_KEY and TWILIO_API_SECRET (the API key wins when both are set).

Input: the results file of send --out, JSON Lines (results.jsonl) or CSV (results.csv, read by its header:
"index", "status", "messageSid"). Rows that failed are counted, not asked about.
Output: one JSON line per sent message (its row's "index" and where the message stands) to --out, or to
stdout; the counts by outcome go to stderr. An existing --out file is kept unless --force or --append, the
results file itself is refused, and the file appears only when the command ends.

A local Twilio stand-in: twilio-destination simulator (then --api-base-url with the URL it prints).

Exit codes: 0 every message reached a final outcome, 1 some are still pending, unknown to Twilio or could
not be looked up, 2 usage or configuration error, 130 interrupted with Ctrl-C.

Examples:
  twilio-destination status results.jsonl
  twilio-destination status results.csv --wait 10m --out statuses.jsonl`;

/** Adds the `status` command to the program; `onParsed` receives its command line. */
export function addStatusCommand(program: Command, onParsed: (line: CommandLine) => void): void {
  program
    .command('status')
    .description('ask Twilio where each message of a send results file stands, and count the outcomes')
    .argument('<results>', 'the results file written by send --out (JSON Lines, or CSV)')
    .option(
      '--wait <duration>',
      'keep asking until every message is final, for at most this long (e.g. 10m)',
      parseDuration,
    )
    .option('--interval <duration>', 'pause between two rounds of asking (default 15s)', parseDuration)
    .option('--out <file>', 'write one JSON line per message to this file instead of stdout')
    .option('--force', 'replace an existing --out file')
    .addOption(new Option('--append', 'add to an existing --out file').conflicts('force'))
    .option('--concurrency <n>', 'look-ups in flight at most (default 1)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new InvalidArgumentError('Not a whole number.');
      return n;
    })
    .option(
      '--api-base-url <url>',
      'a Twilio-compatible server instead of Twilio, e.g. the URL `twilio-destination simulator` prints',
    )
    .addHelpText('after', STATUS_HELP_AFTER)
    .action((file: string, options: CliOptions) => onParsed({ command: 'status', file, options }));
}

/** The sent messages of a results file, and how many rows it holds that created none. */
async function readResults(file: string): Promise<{ messages: TrackedMessage[]; notSent: number }> {
  await access(file, constants.R_OK).catch((error: Error) => {
    throw new UsageError(`cannot read ${file}: ${error.message}`);
  });
  const messages: TrackedMessage[] = [];
  let notSent = 0;
  let line = 0;
  const csv = file.toLowerCase().endsWith('.csv');
  const rows = csv ? readCsv(createReadStream(file), file) : readJsonLines(createReadStream(file), file);
  for await (const { row } of rows) {
    line++;
    if (row['status'] === 'sent' && typeof row['messageSid'] === 'string' && row['messageSid'] !== '') {
      // A CSV's values are text: its "index" column is read back as the number send wrote.
      const index = typeof row['index'] === 'string' ? Number(row['index']) : row['index'];
      messages.push({
        index: typeof index === 'number' && Number.isInteger(index) ? index : line - 1,
        messageSid: row['messageSid'],
      });
    } else if (row['status'] === 'failed') {
      notSent++;
    } else {
      throw new UsageError(
        `${file} result ${line}: not a send result (no "status": "sent" with a "messageSid", nor "failed"). ` +
          'status reads the results of send --out (JSON Lines, or CSV with its header), not the rows',
      );
    }
  }
  return { messages, notSent };
}

/** The summary lines: counts by outcome, then what could not be told. */
export function statusSummary(
  results: readonly StatusResult[],
  end: { notSent: number; elapsedMs: number; to: string; interrupted: boolean },
): string[] {
  const counts = new Map<string, number>();
  for (const result of results) {
    const key =
      result.kind === 'found' ? result.outcome : result.kind === 'not_found' ? 'not found' : 'lookup failed';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const order = [...DELIVERY_OUTCOMES, 'not found', 'lookup failed'];
  const parts = order.filter((key) => counts.has(key)).map((key) => `${counts.get(key)} ${key}`);
  const lines = [
    `${results.length} message${results.length === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''} (asked for ${formatDuration(end.elapsedMs)}; one line each to ${end.to})`,
  ];
  if (end.notSent > 0)
    lines.push(
      `${end.notSent} row${end.notSent === 1 ? ' was' : 's were'} not sent (no message to ask about).`,
    );
  if (end.interrupted) lines.push('Interrupted: the statuses are as of the last answer.');
  return lines;
}

/** The `--out` file, opened before the first request: a wrong one is refused before any waiting. */
async function openStatusOut(line: CommandLine): Promise<OutFile | undefined> {
  const { out: path, force = false, append = false } = line.options;
  if (path === undefined) return undefined;
  try {
    return await openOutFile(path, { input: line.file, inputKind: 'results', force, append });
  } catch (error) {
    throw new UsageError(
      error instanceof OutFileError
        ? error.message
        : `cannot write --out ${path}: ${(error as Error).message}`,
    );
  }
}

/** `status`: exit 0 when every message has a final outcome, 1 otherwise, 130 on Ctrl-C. */
export async function status(line: CommandLine, session: Session, io: CommandIo): Promise<number> {
  const { messages, notSent } = await readResults(line.file as string);
  const file = await openStatusOut(line);
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    controller.abort();
  };
  io.signals.on('SIGINT', onSignal);
  const started = io.now();
  const options = line.options;
  const writer = lineWriter(file?.stream ?? io.stdout, file !== undefined);
  let committed = false;
  try {
    const { latest } = await pollStatuses(session.destination, messages, {
      waitMs: options.wait ?? 0,
      intervalMs: options.interval ?? 15_000,
      now: io.now,
      sleep: (ms, signal) => delay(ms, undefined, { signal }),
      signal: controller.signal,
    });
    // Interrupted before Twilio answered about a message: its status is unknown.
    const results = messages.map(
      (m): StatusResult =>
        latest.get(m.messageSid) ?? {
          kind: 'failed',
          messageSid: m.messageSid,
          error: { code: 'aborted', message: 'Polling was aborted', retryable: true },
        },
    );
    for (const [i, result] of results.entries()) await writer.write({ index: messages[i]?.index, ...result });
    await writer.close();
    await file?.commit();
    committed = true;
    const summary = statusSummary(results, {
      notSent,
      elapsedMs: io.now() - started,
      to: options.out ?? 'stdout',
      interrupted,
    });
    io.stderr.write(`${summary.join('\n')}\n`);
    if (interrupted) return 130;
    return results.every((result) => isSettled(result) && result.kind === 'found') ? 0 : 1;
  } finally {
    io.signals.off('SIGINT', onSignal);
    if (file !== undefined && !committed) {
      await writer.close().catch(() => undefined);
      await file.discard();
    }
  }
}
