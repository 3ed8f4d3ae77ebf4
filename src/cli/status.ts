/**
 * `twilio-destination status RESULTS.jsonl [--wait 10m] [--interval 15s] [--out FILE]`: reads the results
 * file of a `send`, asks Twilio where each sent message stands (polling until every one is final or the
 * wait ends), writes one JSON line per message and prints the counts by delivery outcome.
 */
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DELIVERY_OUTCOMES, type StatusResult } from '../index.js';
import type { CliOptions, CommandLine } from './args.js';
import type { CommandIo } from './commands.js';
import { OutFileError, openOutFile } from './out-file.js';
import { lineWriter } from './output.js';
import { formatDuration } from './report.js';
import { readJsonLines } from './rows.js';
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

/** Adds the `status` command to the program; `onParsed` receives its command line. */
export function addStatusCommand(
  program: Command,
  helpAfter: string,
  onParsed: (line: CommandLine) => void,
): void {
  program
    .command('status')
    .description('ask Twilio where each message of a send results file stands, and count the outcomes')
    .argument('<results>', 'the JSON Lines results file written by send')
    .option(
      '--wait <duration>',
      'keep asking until every message is final, for at most this long (e.g. 10m)',
      parseDuration,
    )
    .option('--interval <duration>', 'pause between two rounds of asking (default 15s)', parseDuration)
    .option('--out <file>', 'write one JSON line per message to this file instead of stdout')
    .option('--concurrency <n>', 'look-ups in flight at most (default 1)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new InvalidArgumentError('Not a whole number.');
      return n;
    })
    .addOption(new Option('--api-base-url <url>').hideHelp())
    .addHelpText('after', helpAfter)
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
  for await (const { row } of readJsonLines(createReadStream(file), file)) {
    line++;
    if (row['status'] === 'sent' && typeof row['messageSid'] === 'string') {
      messages.push({
        index: typeof row['index'] === 'number' ? row['index'] : line - 1,
        messageSid: row['messageSid'],
      });
    } else if (row['status'] === 'failed') {
      notSent++;
    } else {
      throw new UsageError(
        `${file} result ${line}: not a send result (no "status": "sent" with a "messageSid", nor "failed")`,
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

/** `status`: exit 0 when every message has a final outcome, 1 otherwise, 130 on Ctrl-C. */
export async function status(line: CommandLine, session: Session, io: CommandIo): Promise<number> {
  const { messages, notSent } = await readResults(line.file as string);
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    controller.abort();
  };
  io.signals.on('SIGINT', onSignal);
  const started = io.now();
  const options = line.options;
  try {
    const { latest } = await pollStatuses(session.destination, messages, {
      waitMs: options.wait ?? 0,
      intervalMs: options.interval ?? 15_000,
      now: io.now,
      sleep: (ms, signal) => delay(ms, undefined, { signal }),
      signal: controller.signal,
    });
    const path = options.out;
    // Replaced when it exists (as before), never the results file itself, and renamed into place at the end.
    const file =
      path === undefined
        ? undefined
        : await openOutFile(path, { input: line.file, force: true, append: false }).catch((error: Error) => {
            throw new UsageError(
              error instanceof OutFileError ? error.message : `cannot write --out ${path}: ${error.message}`,
            );
          });
    const writer = lineWriter(file?.stream ?? io.stdout, file !== undefined);
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
    const summary = statusSummary(results, {
      notSent,
      elapsedMs: io.now() - started,
      to: path ?? 'stdout',
      interrupted,
    });
    io.stderr.write(`${summary.join('\n')}\n`);
    if (interrupted) return 130;
    return results.every((result) => isSettled(result) && result.kind === 'found') ? 0 : 1;
  } finally {
    io.signals.off('SIGINT', onSignal);
  }
}
