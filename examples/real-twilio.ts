/**
 * The demo's flow against real Twilio: credentials and sender from environment variables, rows from a CSV
 * shaped like `examples/customers.csv`. Without `--send` it only validates and says how many rows it would
 * send, so that nobody texts customers (or pays for it) by accident.
 *
 * ```sh
 * export TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… TWILIO_FROM=+15551234567
 * npx tsx examples/real-twilio.ts my-customers.csv          # validate only
 * npx tsx examples/real-twilio.ts my-customers.csv --send   # validate, then send one message per row
 * ```
 *
 * In your own project, import from `'twilio-destination'` instead of `'../src/index.js'`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type DestinationConfig, type DestinationOptions, TwilioDestination } from '../src/index.js';
import { CUSTOMER_MAPPING, CUSTOMER_TEMPLATE, readCustomerRows } from './lib/customers.js';
import {
  accountFacts,
  formatFailures,
  formatSummary,
  formatTable,
  formatValidation,
  type Output,
  templateFacts,
} from './lib/report.js';

/** Usage text, printed for `--help` and whenever the script refuses to run. */
export const REAL_TWILIO_USAGE = `Usage: npx tsx examples/real-twilio.ts <rows.csv> [--send]

Validates the configuration against Twilio, then (with --send) sends one message per CSV row.
The CSV has the columns of examples/customers.csv: phone, first_name, order_id, note, media_urls.

Environment:
  TWILIO_ACCOUNT_SID    your Account SID (AC…)
  TWILIO_AUTH_TOKEN     its Auth Token
  TWILIO_FROM           the sender: a number of the account (+15551234567) or a Messaging Service SID (MG…)
  TWILIO_API_BASE_URL   optional: another Twilio-compatible server, such as \`npm run simulator\`

Options:
  --send        send the messages (without it, nothing is sent)
  -h, --help    show this help`;

/** What the script runs with, read from the command line and the environment. */
export interface RealTwilioSetup {
  csvPath: string;
  send: boolean;
  config: DestinationConfig;
  options: DestinationOptions;
}

const REQUIRED = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const;

/**
 * Reads the setup; `'help'` for `--help`; `{ error }` when an argument or variable is missing or wrong.
 * Never includes a variable's value in an error (the Auth Token is one).
 */
export function readSetup(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): RealTwilioSetup | 'help' | { error: string } {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (parsed.values.help) return 'help';
  const missing = REQUIRED.filter((name) => (env[name] ?? '').trim() === '');
  if (missing.length > 0) {
    return {
      error: `Set ${missing.join(', ')} in the environment (the Account SID and Auth Token are on the Twilio Console's dashboard; TWILIO_FROM is a number or Messaging Service of that account). To try the package without an account, run \`npm run demo\`.`,
    };
  }
  const [csv, ...extra] = parsed.positionals;
  if (csv === undefined) return { error: 'Name the CSV file of rows to send.' };
  if (extra.length > 0)
    return { error: `Expected one CSV file, got ${parsed.positionals.length} arguments.` };
  const baseUrl = env['TWILIO_API_BASE_URL']?.trim();
  return {
    csvPath: resolve(csv),
    send: parsed.values.send,
    config: {
      credentials: {
        accountSid: (env['TWILIO_ACCOUNT_SID'] as string).trim(),
        authToken: (env['TWILIO_AUTH_TOKEN'] as string).trim(),
      },
      settings: { from: (env['TWILIO_FROM'] as string).trim(), messageTemplate: CUSTOMER_TEMPLATE },
      mapping: CUSTOMER_MAPPING,
    },
    options: baseUrl ? { apiBaseUrl: baseUrl, messagingBaseUrl: baseUrl } : {},
  };
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      send: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/**
 * Validates, then sends when `setup.send` is set. Returns the exit code: 0 when every row was sent (or,
 * without `--send`, when the configuration is valid), 1 when a validation or any row failed, 2 when the
 * CSV cannot be read.
 */
export async function runRealTwilio(setup: RealTwilioSetup, output: Output): Promise<number> {
  let rows: Awaited<ReturnType<typeof readCustomerRows>>;
  try {
    rows = await readCustomerRows(setup.csvPath);
  } catch (error) {
    output.error(`Cannot read the rows: ${(error as Error).message}`);
    return 2;
  }
  const destination = new TwilioDestination(setup.config, setup.options);
  try {
    const credentials = await destination.validateCredentials();
    const target = await destination.validateTargetSettings();
    for (const line of formatValidation('validateCredentials', credentials, accountFacts(credentials)))
      output.log(line);
    for (const line of formatValidation(
      'validateTargetSettings',
      target,
      templateFacts(target, setup.config.settings.from),
    )) {
      output.log(line);
    }
    if (!credentials.ok || !target.ok) {
      output.error('The configuration was refused, so no row was sent.');
      return 1;
    }
    if (!setup.send) {
      output.log(`The configuration is valid. Run again with --send to send ${rows.length} message(s).`);
      return 0;
    }
    const results = await destination.write(rows);
    output.log('');
    for (const line of formatTable(rows, results, CUSTOMER_MAPPING.to)) output.log(line);
    const failures = formatFailures(rows, results, CUSTOMER_MAPPING.to);
    if (failures.length > 0) output.log('');
    for (const line of failures) output.log(line);
    output.log('');
    for (const line of formatSummary(results)) output.log(line);
    return results.every((result) => result.status === 'sent') ? 0 : 1;
  } finally {
    await destination.close();
  }
}

/** The command line: arguments and environment → `runRealTwilio` → exit code (2 when it refuses to run). */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  output: Output = { log: console.log, error: console.error },
): Promise<number> {
  const setup = readSetup(argv, env);
  if (setup === 'help') {
    output.log(REAL_TWILIO_USAGE);
    return 0;
  }
  if ('error' in setup) {
    output.error(`${setup.error}\n\n${REAL_TWILIO_USAGE}`);
    return 2;
  }
  return runRealTwilio(setup, output);
}

// Only when started as a program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
