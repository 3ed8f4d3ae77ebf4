/**
 * `npm run simulator -- --port 4010`: runs the simulator on its own and prints its URL and the
 * credentials it accepts. Ctrl+C (SIGINT) or SIGTERM stops it.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_UNREACHABLE } from './defaults.js';
import { startTwilioSimulator } from './index.js';
import type { SimulatorOptions, TwilioSimulator } from './types.js';

/** Usage text printed by `--help` and after a bad argument. */
export const USAGE = `Usage: twilio-destination simulator [options]   (in this repository: npm run simulator -- [options])

Options:
  --port <n>            port to listen on (default 4010; 0 picks a free one)
  --host <address>      interface to listen on (default 127.0.0.1)
  --seed <n>            seed for random faults, jitter and SIDs
  --latency <ms>        fixed response latency
  --jitter <ms>         random extra latency, up to this much
  --fault-rate <0..1>   share of create requests that get a random fault
  --no-lifecycle        leave messages queued (no sent/delivered, no status callbacks)
  --quiet-requests      keep no request history (for long runs)
  -h, --help            show this help`;

/** Where the CLI writes; the process streams by default. */
export interface CliOutput {
  log: (line: string) => void;
  error: (line: string) => void;
}

function toNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new Error(`--${name} must be a number, got "${value}"`);
  return number;
}

/** Turns command-line arguments into simulator options; throws on a bad argument. */
export function parseCliOptions(argv: readonly string[]): SimulatorOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      'fault-rate': { type: 'string' },
      'no-lifecycle': { type: 'boolean', default: false },
      'quiet-requests': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const port = toNumber('port', values.port) as number;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0–65535, got ${port}`);
  const options: SimulatorOptions = { port, host: values.host };
  const seed = toNumber('seed', values.seed);
  if (seed !== undefined) options.seed = seed;
  const fixedMs = toNumber('latency', values.latency) ?? 0;
  const jitterMs = toNumber('jitter', values.jitter) ?? 0;
  if (fixedMs > 0 || jitterMs > 0) options.latency = { fixedMs, jitterMs };
  const rate = toNumber('fault-rate', values['fault-rate']);
  if (rate !== undefined) options.randomFaults = { rate };
  if (values['no-lifecycle']) options.lifecycle = false;
  if (values['quiet-requests']) options.record = false;
  return options;
}

/** The lines printed at start: where the simulator listens and what it accepts. */
export function describeSimulator(sim: TwilioSimulator): string[] {
  const unreachable = Object.entries(DEFAULT_UNREACHABLE).map(([number, code]) => `${number} (${code})`);
  return [
    `Twilio simulator listening on ${sim.url}`,
    `  Account SID        ${sim.credentials.accountSid}`,
    `  Auth Token         ${sim.credentials.authToken}`,
    `  API key            ${sim.apiKey.sid} (secret ${sim.apiKey.secret})`,
    `  Numbers            ${sim.numbers.join(', ')}`,
    `  Messaging Service  ${sim.messagingServiceSid}`,
    `  Delivery errors    ${unreachable.join(', ')}`,
    `Use ${sim.url} as both apiBaseUrl and messagingBaseUrl. Ctrl+C stops it.`,
  ];
}

/**
 * Runs the CLI: starts the simulator and prints how to reach it. Returns the running simulator (undefined
 * for `--help` or a bad argument) and the exit code to use.
 */
export async function main(
  argv: readonly string[],
  output: CliOutput = { log: console.log, error: console.error },
): Promise<{ simulator: TwilioSimulator | undefined; exitCode: number }> {
  let options: SimulatorOptions | 'help';
  try {
    options = parseCliOptions(argv);
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${USAGE}`);
    return { simulator: undefined, exitCode: 2 };
  }
  if (options === 'help') {
    output.log(USAGE);
    return { simulator: undefined, exitCode: 0 };
  }
  const simulator = await startTwilioSimulator(options);
  for (const line of describeSimulator(simulator)) output.log(line);
  return { simulator, exitCode: 0 };
}

/** A process-like object whose signals stop the simulator (the real `process` when run as a program). */
export interface SignalSource {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exitCode?: number | string | null | undefined;
}

/** `main`, then exit code and signal wiring: SIGINT or SIGTERM closes the simulator. */
export async function run(
  argv: readonly string[],
  proc: SignalSource = process,
): Promise<TwilioSimulator | undefined> {
  const { simulator, exitCode } = await main(argv);
  proc.exitCode = exitCode;
  if (simulator !== undefined) {
    const stop = () => void simulator.close();
    proc.once('SIGINT', stop);
    proc.once('SIGTERM', stop);
  }
  return simulator;
}

// Only when started as a program (`tsx src/simulator/cli.ts`); the spawn test covers this line.
/* v8 ignore next 3 */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.slice(2));
}
