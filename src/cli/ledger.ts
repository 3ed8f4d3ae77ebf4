/**
 * `send`'s ledger: a SQLite file under `.twilio-destination/` by default (`--ledger PATH`, `--no-ledger`), and
 * a run id derived from the rows file's contents and the settings (`--run-id NAME`), so that running the
 * same command again resumes instead of texting everyone twice; plus the summary line for resumed rows.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { DestinationConfig } from '../index.js';
import type { Ledger } from '../seams/ledger.js';
import { SqliteLedger } from '../sqlite/index.js';
import type { CommandLine } from './args.js';

/** Where the ledger is kept when `--ledger` does not say. */
export const DEFAULT_LEDGER_PATH = join('.twilio-destination', 'ledger.db');

/** The ledger and run id of a `send`, or `undefined` with the reason when it runs without one. */
export type CliLedger =
  /** `runId` reads the rows file: called once the file is known to be readable. */
  { ledger: Ledger; runId: () => Promise<string> } | { ledger: undefined; note: string | undefined };

/**
 * The ledger for `line`: on by default for a `send` of a file to Twilio. Off with `--no-ledger`; off by
 * default with `--simulate` (a new simulator has sent nothing, so remembering its messages would be wrong)
 * and for stdin without `--run-id` (no file to derive the run id from).
 */
export function cliLedger(line: CommandLine, config: DestinationConfig): CliLedger {
  const { options } = line;
  if (line.command !== 'send' || options.ledger === false) return { ledger: undefined, note: undefined };
  const explicit = typeof options.ledger === 'string';
  if (!explicit && (options.simulate === true || options.apiBaseUrl !== undefined)) {
    return { ledger: undefined, note: undefined };
  }
  if (line.file === undefined && options.runId === undefined) {
    return {
      ledger: undefined,
      note: 'No ledger: rows from stdin have no file to derive a run id from, so a re-run would send them again. Give --run-id NAME to resume safely.',
    };
  }
  const { runId } = options;
  return {
    ledger: new SqliteLedger({ path: explicit ? (options.ledger as string) : DEFAULT_LEDGER_PATH }),
    runId: async () => runId ?? deriveRunId(line.file as string, config),
  };
}

/** A run id from the file's bytes and what decides each message (sender, template, mapping, options). */
export async function deriveRunId(file: string, config: DestinationConfig): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  hash.update(JSON.stringify([config.credentials.accountSid, config.settings, config.mapping ?? {}]));
  return `cli-${hash.digest('hex').slice(0, 24)}`;
}

/** `YYYY-MM-DD HH:MM` in local time. */
function minute(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The summary's line about rows an earlier run had sent (`firstSentAt`: the earliest of their times). */
export function alreadySentLine(count: number, firstSentAt: string | undefined): string {
  const rows = count === 1 ? '1 row was' : `${count} rows were`;
  const when = firstSentAt === undefined ? '' : ` on ${minute(firstSentAt)}`;
  return `${rows} already sent in this run${when}; use --run-id to send again.`;
}
