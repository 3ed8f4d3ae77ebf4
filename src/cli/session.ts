/**
 * From flags and environment to a `TwilioDestination`: credentials from the environment only (as Twilio's
 * own CLI names them), the settings and options from the flags, and with `--simulate` the embedded
 * simulator's URL, credentials and test sender. The package validates the result.
 */
import { readFile } from 'node:fs/promises';
import { EnvHttpProxyAgent } from 'undici';
import {
  type DestinationConfig,
  type DestinationOptions,
  type Progress,
  type TargetSettings,
  TwilioDestination,
} from '../index.js';
import { startTwilioSimulator, TWILIO_TEST_SENDER, type TwilioSimulator } from '../simulator/index.js';
import type { CliOptions, CommandLine } from './args.js';
import { cliLedger } from './ledger.js';

/** A usage problem found after commander's parsing (an unreadable file, a missing format): exit code 2. */
export class UsageError extends Error {
  /** Always `'UsageError'`. */
  override name = 'UsageError';
}

/** Credentials read from the environment, with notes on what was ignored. */
export interface EnvironmentCredentials {
  /** What was found; the package reports what is missing or malformed. */
  credentials: Record<string, string>;
  /** Lines for stderr about variables that were set but not used. */
  notes: string[];
}

/**
 * Credentials from `TWILIO_ACCOUNT_SID` with `TWILIO_API_KEY` and `TWILIO_API_SECRET`, or with
 * `TWILIO_AUTH_TOKEN`. The API key wins when both are complete, as in Twilio's CLI; an empty variable counts
 * as unset.
 *
 * @example
 * ```ts
 * credentialsFromEnv({ TWILIO_ACCOUNT_SID: 'AC…', TWILIO_AUTH_TOKEN: '…' }).credentials; // { accountSid, authToken }
 * ```
 */
export function credentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): EnvironmentCredentials {
  const read = (name: string) => (env[name] === '' ? undefined : env[name]);
  const accountSid = read('TWILIO_ACCOUNT_SID');
  const authToken = read('TWILIO_AUTH_TOKEN');
  const apiKeySid = read('TWILIO_API_KEY');
  const apiKeySecret = read('TWILIO_API_SECRET');
  const notes: string[] = [];
  let chosen: Record<string, string | undefined>;
  if (apiKeySid !== undefined && apiKeySecret !== undefined) {
    chosen = { accountSid, apiKeySid, apiKeySecret };
    if (authToken !== undefined)
      notes.push('Using the API key (TWILIO_API_KEY); TWILIO_AUTH_TOKEN is ignored.');
  } else if (authToken !== undefined) {
    chosen = { accountSid, authToken };
    if (apiKeySid !== undefined || apiKeySecret !== undefined) {
      notes.push('TWILIO_API_KEY and TWILIO_API_SECRET are not both set: using TWILIO_AUTH_TOKEN.');
    }
  } else {
    chosen = { accountSid, apiKeySid, apiKeySecret };
  }
  const credentials = Object.fromEntries(
    Object.entries(chosen).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { credentials, notes };
}

/** The template from `--template`, or read from `--template-file` without its final newline. */
export async function readTemplate(options: CliOptions): Promise<string | undefined> {
  if (options.templateFile === undefined) return options.template;
  try {
    // Editors end a file with a newline; a message rarely should. Some start it with a byte-order mark,
    // which would otherwise be sent in every message (and make each one UCS-2).
    return (await readFile(options.templateFile, 'utf8')).replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  } catch (error) {
    throw new UsageError(`cannot read --template-file ${options.templateFile}: ${(error as Error).message}`);
  }
}

/** The destination's first argument, from the flags, the template and the credentials. */
export function destinationConfig(
  options: CliOptions,
  template: string | undefined,
  credentials: Record<string, string>,
): DestinationConfig {
  const settings = {
    from: options.from,
    messageTemplate: template,
    defaultCountry: options.defaultCountry,
    smartEncoded: options.smartEncoded,
    validityPeriod: options.validityPeriod,
    shortenUrls: options.shortenUrls,
    statusCallback: options.statusCallback,
    maxSegments: options.maxSegments,
    contentSid: options.contentSid,
    contentVariables: options.contentVariable,
  };
  return {
    credentials: credentials as unknown as DestinationConfig['credentials'],
    settings: defined(settings) as unknown as TargetSettings,
    ...(options.map === undefined ? {} : { mapping: options.map }),
  };
}

/** The destination's options, from the send flags. */
export function destinationOptions(
  options: CliOptions,
  baseUrl: string | undefined,
  onProgress: (progress: Progress) => void,
  dispatcher?: DestinationOptions['dispatcher'],
): DestinationOptions {
  return defined({
    dispatcher,
    apiBaseUrl: baseUrl,
    messagingBaseUrl: baseUrl,
    concurrency: options.concurrency,
    segmentsPerSecond: options.segmentsPerSecond,
    retry: options.retries === undefined ? undefined : { retries: options.retries },
    timeoutMs: options.timeout,
    onProgress,
  }) as DestinationOptions;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * An undici `EnvHttpProxyAgent` when `HTTPS_PROXY`/`HTTP_PROXY` (either case) is set, honouring
 * `NO_PROXY`, as curl does; `undefined` without a proxy.
 */
export function proxyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): { dispatcher: EnvHttpProxyAgent; notice: string } | undefined {
  const read = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const httpsProxy = read('HTTPS_PROXY');
  const httpProxy = read('HTTP_PROXY');
  if (httpsProxy === undefined && httpProxy === undefined) return undefined;
  const noProxy = read('NO_PROXY');
  const dispatcher = new EnvHttpProxyAgent({
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    ...(noProxy === undefined ? {} : { noProxy }),
  });
  const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//…@');
  const via = [httpsProxy, httpProxy].filter((url): url is string => url !== undefined).map(shown);
  return {
    dispatcher,
    notice: `Using the proxy ${[...new Set(via)].join(', ')} (HTTPS_PROXY/HTTP_PROXY)${noProxy === undefined ? '' : `, except for NO_PROXY ${noProxy}`}.`,
  };
}

/** A destination ready for one command, and what it holds open. */
export interface Session {
  /** The destination built from the flags and environment. */
  destination: TwilioDestination;
  /** Receives the destination's progress reports while a send runs. */
  progress: { onProgress?: (progress: Progress) => void };
  /** Lines for stderr before the command runs: the simulation banner, notes on ignored variables. */
  notices: string[];
  /** The run id `send` passes with its ledger (reading the rows file); `undefined` without one. */
  runId: () => Promise<string | undefined>;
  /** Closes the destination's connections, the ledger and the simulator. */
  close(): Promise<void>;
}

/** Builds the destination for `line`, starting the simulator first with `--simulate`. */
export async function openSession(
  line: CommandLine,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Session> {
  const { options } = line;
  const template = await readTemplate(options);
  let simulator: TwilioSimulator | undefined;
  let credentials: EnvironmentCredentials;
  let notices: string[];
  if (options.simulate === true) {
    // No lifecycle: a simulated message never posts a status callback, so nothing leaves the machine.
    simulator = await startTwilioSimulator({ lifecycle: false, record: false });
    credentials = { credentials: simulator.credentials, notes: [] };
    options.from ??= TWILIO_TEST_SENDER;
    notices = [
      `SIMULATION: using the built-in Twilio simulator at ${simulator.url}.`,
      'Nothing leaves this machine: no message is sent, no Twilio account is used, nothing is billed.',
      `Sender ${options.from}; the simulator's own credentials (TWILIO_* variables are ignored).`,
    ];
  } else {
    credentials = credentialsFromEnv(env);
    notices = credentials.notes;
  }
  const progress: Session['progress'] = {};
  // The embedded simulator is on this machine: never through a proxy.
  const proxy = simulator === undefined ? proxyFromEnv(env) : undefined;
  if (proxy !== undefined) notices.push(proxy.notice);
  const config = destinationConfig(options, template, credentials.credentials);
  const ledger = cliLedger(line, config);
  if (ledger.ledger === undefined && ledger.note !== undefined) notices.push(ledger.note);
  const destination = new TwilioDestination(config, {
    ...destinationOptions(
      options,
      simulator?.url ?? options.apiBaseUrl,
      (p) => progress.onProgress?.(p),
      proxy?.dispatcher,
    ),
    ...(ledger.ledger === undefined ? {} : { ledger: ledger.ledger }),
  });
  return {
    destination,
    progress,
    notices,
    runId: ledger.ledger === undefined ? async () => undefined : ledger.runId,
    async close() {
      await destination.close();
      await ledger.ledger?.close();
      await proxy?.dispatcher.close();
      await simulator?.close();
    },
  };
}
