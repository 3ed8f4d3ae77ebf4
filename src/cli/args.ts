/**
 * The command line, read with commander: three commands (`validate`, `preview`, `send`) sharing the
 * message flags. Reading only: a usage error or `--help` ends here with its exit code; what the values mean
 * is checked by the package.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { type FieldMapping, manifest } from '../index.js';
import { addContentVariable, addMapping } from './mapping.js';
import type { RowFormat } from './rows.js';
import { addStatusCommand } from './status.js';

/** The CLI's commands. */
export type CommandName = 'validate' | 'preview' | 'send' | 'status' | 'simulator';

/** Every flag's value, as commander reads it (camelCase names). */
export interface CliOptions {
  /** `--from`: the sender. */
  from?: string;
  /** `--template`: the message template. */
  template?: string;
  /** `--template-file`: a file holding the message template. */
  templateFile?: string;
  /** `--map field=column`, repeated. */
  map?: FieldMapping;
  /** `--content-sid`: a Content template instead of a message template. */
  contentSid?: string;
  /** `--content-variable n=template`, repeated. */
  contentVariable?: Record<string, string>;
  /** `--default-country`. */
  defaultCountry?: string;
  /** `--smart-encoded`. */
  smartEncoded?: boolean;
  /** `--validity-period`, in seconds. */
  validityPeriod?: number;
  /** `--shorten-urls`. */
  shortenUrls?: boolean;
  /** `--status-callback`. */
  statusCallback?: string;
  /** `--max-segments`. */
  maxSegments?: number;
  /** `--simulate`: the embedded simulator instead of Twilio. */
  simulate?: boolean;
  /** `--api-base-url`: a Twilio-compatible server, such as `twilio-destination simulator`. */
  apiBaseUrl?: string;
  /** `--format`: the rows' format, when the file name does not say. */
  format?: RowFormat;
  /** `--out`: the file for the per-row output (`.csv`, else JSON Lines). */
  out?: string;
  /** `--force`: replace an existing `--out` file. */
  force?: boolean;
  /** `--append`: add to an existing `--out` file. */
  append?: boolean;
  /** `--key`: a column copied into each result as `key`. */
  key?: string;
  /** `--limit`: only the first N rows. */
  limit?: number;
  /** `--to` (send): send only the first row's message, to this test number. */
  to?: string;
  /** `--yes` (send): no confirmation question. */
  yes?: boolean;
  /** `--price-per-segment` (send): for the cost estimate of the confirmation. */
  pricePerSegment?: number;
  /** `--warn-above-segments` (preview). */
  warnAboveSegments?: number;
  /** `--concurrency` (send). */
  concurrency?: number;
  /** `--segments-per-second` (send). */
  segmentsPerSecond?: number;
  /** `--retries` (send). */
  retries?: number;
  /** `--timeout`, in milliseconds per request (send). */
  timeout?: number;
  /** `--ledger PATH` / `--no-ledger` (send): the SQLite ledger's file, or `false` for none. */
  ledger?: string | false;
  /** `--run-id NAME` (send): the run id, instead of one derived from the file and settings. */
  runId?: string;
  /** `--wait`, in milliseconds (status). */
  wait?: number;
  /** `--interval`, in milliseconds (status). */
  interval?: number;
}

/** A command to run. */
export interface CommandLine {
  /** Which command. */
  command: CommandName;
  /** The rows file; `undefined` for stdin (no file, or `-`) and for `validate`. */
  file: string | undefined;
  /** The arguments of `simulator`, passed to it as they are. */
  rest?: string[];
  /** The flags. */
  options: CliOptions;
}

/** Where commander writes help and errors. */
export interface CommandLineOutput {
  /** Help and version (stdout). */
  writeOut(text: string): void;
  /** Usage errors (stderr). */
  writeErr(text: string): void;
}

/** Exit code of a usage error (an unknown flag, a bad value, a missing argument). */
export const USAGE_ERROR = 2;

const HELP_AFTER = `
Credentials come only from the environment, never from flags (which other users can see in the
process list): TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET
(the API key wins when both are set, as in Twilio's own CLI).

Rows: a CSV file with a header row, or JSON Lines (.jsonl, .ndjson), or stdin with --format.
Results: one line per row (a RowResult with the row's file "line" and, with --key, its "key") to --out
(CSV when it ends in .csv, else JSON Lines), or to stdout; progress and the summary go to stderr. An
existing --out file is kept unless --force or --append; the file appears only when the run ends.

A first run: preview, then send to yourself with --to +1… (only the first row's message), then --limit.
HTTPS_PROXY / HTTP_PROXY / NO_PROXY in the environment are honoured. A local Twilio stand-in:
twilio-destination simulator (then --api-base-url with the URL it prints, and its credentials).

Exit codes: 0 every row sent (preview: ready; validate: valid), 1 some rows failed (or would fail),
2 usage or configuration error, 130 interrupted with Ctrl-C (143 on SIGTERM).

Examples:
  twilio-destination send customers.csv --from +15551234567 \\
    --template 'Hi {{first_name}}, your order {{order_id}} has shipped.' --map to=phone --out results.jsonl
  twilio-destination preview customers.csv --template-file message.txt --map to=phone --simulate`;

// Flags that would put a credential in the process list: refused before commander echoes them back.
const CREDENTIAL_FLAG =
  /^--?(?:account[-_]?sid|auth[-_]?token|token|api[-_]?key(?:[-_]?sid)?|api[-_]?(?:key[-_]?)?secret|secret|password)(?:=|$)/i;

function toNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError('Not a number.');
  return number;
}

function toCount(value: string): number {
  const number = toNumber(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('Must be a whole number ≥ 1.');
  return number;
}

/** The flags every command shares: the message and its settings. */
function messageFlags(command: Command): Command {
  return command
    .option(
      '--from <sender>',
      'sender: +E.164 number, MG… Messaging Service, short code, sender ID, whatsapp:+…',
    )
    .option('--template <text>', 'the message, with {{column}} placeholders filled from each row')
    .addOption(
      new Option(
        '--template-file <path>',
        'read the template from a file (one final newline is dropped)',
      ).conflicts('template'),
    )
    .option(
      '--map <field=column>',
      'fill a destination field (to, body, media_url, status_callback) from a column (repeatable)',
      addMapping,
    )
    .option('--content-sid <HX…>', 'send a Content template instead of a text message')
    .option(
      '--content-variable <n=template>',
      'a Content variable, e.g. 1={{first_name}} (repeatable)',
      addContentVariable,
    )
    .option(
      '--default-country <code>',
      'ISO country for numbers written without +country code, e.g. US',
      (value: string) => value.trim().toUpperCase(),
    )
    .option('--smart-encoded', 'let Twilio replace look-alike Unicode with GSM-7 characters')
    .option('--validity-period <seconds>', 'drop a message still queued after this long (1-36000)', toNumber)
    .option('--shorten-urls', 'shorten links (Messaging Service senders only)')
    .option('--status-callback <url>', 'URL Twilio posts each delivery status to')
    .option('--max-segments <n>', 'fail a row whose message would take more segments', toNumber)
    .option('--simulate', 'use the built-in Twilio simulator: nothing leaves this machine')
    .addOption(
      new Option(
        '--api-base-url <url>',
        'a Twilio-compatible server instead of Twilio, e.g. the URL `twilio-destination simulator` prints',
      ).conflicts('simulate'),
    );
}

/** The rows argument and the per-row output, of `preview` and `send`. */
function rowFlags(command: Command): Command {
  return command
    .argument('[file]', 'rows: a .csv or .jsonl file (stdin when absent or -)')
    .addOption(
      new Option('--format <format>', 'row format, when the file name does not say').choices([
        'csv',
        'jsonl',
      ]),
    )
    .option('--out <file>', 'write one result per row to this file (.csv, else JSON Lines) instead of stdout')
    .option('--force', 'replace an existing --out file')
    .addOption(new Option('--append', 'add to an existing --out file').conflicts('force'))
    .option('--key <column>', 'copy this column into each result as "key", to join results back to rows')
    .option('--limit <n>', 'only the first n rows', toCount);
}

/** The flags of `send` alone: how it runs. */
function sendFlags(command: Command): Command {
  return command
    .option('--concurrency <n>', 'requests in flight at most (default 1: one row after another)', toNumber)
    .option('--segments-per-second <n>', "pace sends to the sender's rate in segments per second", toNumber)
    .option('--retries <n>', 'retries of a 429, 5xx or network failure (default 3)', toNumber)
    .option('--timeout <ms>', 'per request (default 30000)', toNumber)
    .option(
      '--ledger <path>',
      'SQLite file remembering sent rows, so a re-run resumes (default .twilio-destination/ledger.db)',
    )
    .option('--no-ledger', 'remember nothing: running the command again sends every row again')
    .option('--run-id <name>', 'the run these rows belong to (default: derived from the file and settings)')
    .option('--to <number>', "send only the first row's message, to this test number (e.g. your own)")
    .option('--yes', 'do not ask for confirmation (it is asked only on a terminal)')
    .option(
      '--price-per-segment <usd>',
      "for the confirmation's cost estimate (default 0.0083, a US SMS list price; check your country's)",
      toNumber,
    );
}

/**
 * Reads `argv` (the arguments after the program name). Returns the command to run, or the exit code when
 * commander has already printed help (0) or a usage error (2).
 */
export function parseCommandLine(argv: readonly string[], output: CommandLineOutput): CommandLine | number {
  const credential = argv.find((arg) => CREDENTIAL_FLAG.test(arg));
  if (credential !== undefined) {
    output.writeErr(
      `error: ${credential.split('=')[0]}: credentials are not accepted as flags, which other users can see in the process list.\n` +
        'Set TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET, in the environment.\n',
    );
    return USAGE_ERROR;
  }
  let parsed: CommandLine | undefined;
  const program = new Command('twilio-destination')
    .description('Send one Twilio SMS/MMS per row of a CSV or JSON Lines file.')
    .version(manifest.version)
    .configureOutput(output)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', HELP_AFTER);
  const command = (name: CommandName, description: string) =>
    messageFlags(program.command(name).description(description).addHelpText('after', HELP_AFTER));
  command('validate', 'check the credentials and settings with Twilio, without sending').action(
    (options: CliOptions) => {
      parsed = { command: 'validate', file: undefined, options };
    },
  );
  const rows = (name: CommandName) => (file: string | undefined, options: CliOptions) => {
    parsed = { command: name, file: file === '-' ? undefined : file, options };
  };
  rowFlags(
    command('preview', 'show each message, its encoding and segments, and what would fail, without sending'),
  )
    .option('--warn-above-segments <n>', 'warn about messages over this many segments (default 3)', toNumber)
    .action(rows('preview'));
  sendFlags(rowFlags(command('send', 'send one message per row and write one result per row'))).action(
    rows('send'),
  );
  addStatusCommand(program, (line) => {
    parsed = line;
  });
  program
    .command('simulator')
    .description('run a local Twilio stand-in and print its URL and credentials (--help for its options)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]')
    .action((rest: string[]) => {
      parsed = { command: 'simulator', file: undefined, options: {}, rest };
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    // exitOverride: commander printed the help (exit code 0) or the error; both end the run here.
    return (error as { exitCode: number }).exitCode === 0 ? 0 : USAGE_ERROR;
  }
  return parsed as CommandLine;
}
