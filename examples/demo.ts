/**
 * `npm run demo`: the package's main job, with no account and no network. Starts the Twilio simulator on a
 * free loopback port, reads `examples/customers.csv`, runs `validateCredentials`, `validateTargetSettings`
 * and `write` through `TwilioDestination` pointed at the simulator, prints one line per row and a summary,
 * then asks Twilio (`fetchStatuses`) where each sent message ended up and prints its delivery outcome, and
 * exits 0 only when every row's outcome is the one `examples/customers.expected.json` says the sample data is
 * meant to produce. The simulator runs each message's life (sent, then delivered or not) in a few
 * milliseconds, so that the demo can show the outcomes at once.
 *
 * Against real Twilio, the same code needs only other credentials and no base URLs: see `real-twilio.ts`.
 */
import { relative, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type DeliveryOutcome, type RowResult, TwilioDestination } from '../src/index.js';
import { startTwilioSimulator, TWILIO_TEST_SENDER } from '../src/simulator/index.js';
import { CUSTOMER_MAPPING, CUSTOMER_TEMPLATE, readCustomerRows } from './lib/customers.js';
import { compareWithExpectation, type Expectation, loadExpectation } from './lib/expectation.js';
import {
  accountFacts,
  formatDeliveries,
  formatFailures,
  formatSummary,
  formatTable,
  formatValidation,
  type Output,
  templateFacts,
} from './lib/report.js';

const EXAMPLES = fileURLToPath(new URL('.', import.meta.url));

/** The sample data. */
export const DEFAULT_CSV = resolve(EXAMPLES, 'customers.csv');
/** What the sample data is meant to produce. */
export const DEFAULT_EXPECTATION = resolve(EXAMPLES, 'customers.expected.json');

/** Usage text for `--help` and after a bad argument. */
export const DEMO_USAGE = `Usage: npm run demo -- [--csv <file>] [--expected <file>]

Sends one message per CSV row through TwilioDestination to a local Twilio simulator, prints the outcome
of every row, and exits 0 only when each row ends as the expectation file says.

Options:
  --csv <file>        rows to send (default examples/customers.csv)
  --expected <file>   expected outcome per row (default: the CSV's name with .expected.json)
  -h, --help          show this help`;

/** What `runDemo` reads and where it writes. */
export interface DemoOptions {
  /** @default examples/customers.csv */
  csvPath?: string;
  /** @default examples/customers.expected.json */
  expectationPath?: string;
  /** @default the console */
  output?: Output;
}

const consoleOutput: Output = { log: console.log, error: console.error };

/** A path as the person running the demo typed it, or would have. */
function shown(path: string): string {
  const relativePath = relative(process.cwd(), path);
  return relativePath.startsWith('..') ? path : relativePath;
}

/** `customers.csv` → `customers.expected.json`, beside it. */
export function expectationPathFor(csvPath: string): string {
  return csvPath.replace(/(\.csv)?$/i, '.expected.json');
}

/** Command-line arguments → demo options; `'help'` for `--help`. Throws on a bad argument. */
export function parseDemoArgs(argv: readonly string[]): Required<Omit<DemoOptions, 'output'>> | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      csv: { type: 'string' },
      expected: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const csvPath = values.csv === undefined ? DEFAULT_CSV : resolve(values.csv);
  const expectationPath =
    values.expected !== undefined
      ? resolve(values.expected)
      : values.csv === undefined
        ? DEFAULT_EXPECTATION
        : expectationPathFor(csvPath);
  return { csvPath, expectationPath };
}

/**
 * Runs the demo and returns the exit code: 0 when every row ended as expected, 1 when a validation failed
 * or any row (or the simulator's record of messages) differs from the expectation, 2 when the CSV or the
 * expectation file cannot be read.
 */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const csvPath = options.csvPath ?? DEFAULT_CSV;
  const expectationPath = options.expectationPath ?? DEFAULT_EXPECTATION;
  const output = options.output ?? consoleOutput;
  let rows: Awaited<ReturnType<typeof readCustomerRows>>;
  let expectation: Expectation;
  try {
    rows = await readCustomerRows(csvPath);
    expectation = await loadExpectation(expectationPath);
  } catch (error) {
    output.error(`Cannot start the demo: ${(error as Error).message}`);
    return 2;
  }

  const sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 10, deliveredAfterMs: 10 } });
  const destination = new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: TWILIO_TEST_SENDER, messageTemplate: CUSTOMER_TEMPLATE },
      mapping: CUSTOMER_MAPPING,
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
  );
  try {
    output.log(`twilio-destination demo: ${rows.length} rows from ${shown(csvPath)}`);
    output.log(
      `Twilio simulator on ${sim.url} (account ${sim.credentials.accountSid}; nothing leaves this machine)`,
    );
    output.log('');
    const credentials = await destination.validateCredentials();
    const target = await destination.validateTargetSettings();
    for (const line of formatValidation('validateCredentials', credentials, accountFacts(credentials)))
      output.log(line);
    for (const line of formatValidation(
      'validateTargetSettings',
      target,
      templateFacts(target, TWILIO_TEST_SENDER),
    )) {
      output.log(line);
    }
    output.log('');
    if (!credentials.ok || !target.ok) {
      output.error('The configuration was refused, so no row was sent.');
      return 1;
    }

    const firstMessage = sim.messages.length;
    const firstRequest = sim.requests.length;
    const results = await destination.write(rows);
    for (const line of formatTable(rows, results, CUSTOMER_MAPPING.to)) output.log(line);
    const failures = formatFailures(rows, results, CUSTOMER_MAPPING.to);
    if (failures.length > 0) output.log('');
    for (const line of failures) output.log(line);
    output.log('');
    const deliveries = await deliveryOutcomes(destination, results);
    for (const line of formatDeliveries(rows, results, deliveries, CUSTOMER_MAPPING.to)) output.log(line);
    output.log('');
    for (const line of formatSummary(results)) output.log(line);

    const problems = compareWithExpectation(expectation, {
      deliveries,
      rows,
      results,
      messages: sim.messages.slice(firstMessage),
      createRequests: sim.requests
        .slice(firstRequest)
        .filter((request) => request.method === 'POST' && request.path.endsWith('/Messages.json')),
    });
    if (problems.length > 0) {
      output.error(`NOT AS EXPECTED (${shown(expectationPath)}):`);
      for (const problem of problems) output.error(`  ${problem}`);
      return 1;
    }
    output.log(
      `Every row ended as ${shown(expectationPath)} expects; the simulator holds exactly the ${results.filter((result) => result.status === 'sent').length} messages reported sent.`,
    );
    return 0;
  } finally {
    await destination.close();
    await sim.close();
  }
}

/**
 * Each sent message's delivery outcome, asked of Twilio with `fetchStatuses` until none is pending (a few
 * rounds on the simulator; 10 s at most, then what is known).
 */
export async function deliveryOutcomes(
  destination: TwilioDestination,
  results: readonly RowResult[],
  pauseMs = 25,
  deadline = Date.now() + 10_000,
): Promise<Map<string, DeliveryOutcome>> {
  const outcomes = new Map<string, DeliveryOutcome>();
  for (;;) {
    for await (const status of destination.fetchStatuses(results)) {
      if (status.kind === 'found') outcomes.set(status.messageSid, status.outcome);
    }
    if (![...outcomes.values()].includes('pending') || Date.now() >= deadline) return outcomes;
    await delay(pauseMs);
  }
}

/** The command line: arguments → `runDemo` → exit code. */
export async function main(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  let options: ReturnType<typeof parseDemoArgs>;
  try {
    options = parseDemoArgs(argv);
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    output.log(DEMO_USAGE);
    return 0;
  }
  return runDemo({ ...options, output });
}

// Only when started as a program (`tsx examples/demo.ts`), not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
