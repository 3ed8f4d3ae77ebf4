/**
 * A status callback receiver: the other half of sending, built on the package's
 * `createStatusCallbackHandler`. Twilio posts each status change of a message (`queued` → `sent` →
 * `delivered`, or `undelivered` / `failed` with an `ErrorCode`) to the URL in the row's `status_callback`
 * column. The handler checks Twilio's signature on every post; this server keeps each message's latest
 * status. Twilio posts more than once and out of order, so a callback that `statusSupersedes` says is not
 * later than what is known is ignored (and still answered 204, so that Twilio does not post it again).
 *
 * As a program:
 * ```sh
 * TWILIO_AUTH_TOKEN=… npx tsx examples/status-callback-server.ts --port 3000 --public-url https://hooks.example.com
 * ```
 * then map a `status_callback` column to `https://hooks.example.com/twilio/status`. `--public-url` is the
 * address Twilio posts to, which a proxy in front of this server hides from it: the signature covers it.
 * `npx tsx examples/status-callback-server.ts --demo` tries it against the local simulator instead.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createStatusCallbackHandler,
  type DeliveryEvent,
  isFinalStatus,
  statusSupersedes,
  TwilioDestination,
} from '../src/index.js';
import { startTwilioSimulator } from '../src/simulator/index.js';

/** What the receiver knows about one message: its latest callback, and when that arrived. */
export interface DeliveryStatus extends DeliveryEvent {
  receivedAt: Date;
}

/** Options of {@link startStatusCallbackServer}. */
export interface StatusCallbackServerOptions {
  /** The Auth Token Twilio signs with; during a rotation both, new first. */
  authToken: string | readonly string[];
  /** The origin Twilio posts to, when a proxy or tunnel stands in front of this server. */
  publicUrl?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Called with each status that became a message's latest. */
  onStatus?: (status: DeliveryStatus) => void;
}

/** A running receiver. */
export interface StatusCallbackServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Each message's latest status, by Message SID. */
  statuses: ReadonlyMap<string, DeliveryStatus>;
  /** Callbacks recorded, ignored as out of order or repeated, and refused (answered 4xx). */
  counts: { recorded: number; ignored: number; refused: number };
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts the receiver on `host:port`. Every path is accepted: the signature covers the path Twilio used. */
export async function startStatusCallbackServer(
  options: StatusCallbackServerOptions,
): Promise<StatusCallbackServer> {
  const statuses = new Map<string, DeliveryStatus>();
  const counts = { recorded: 0, ignored: 0, refused: 0 };
  const handler = createStatusCallbackHandler({
    authToken: options.authToken,
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    onStatus: (event) => {
      if (!statusSupersedes(event.status, statuses.get(event.messageSid)?.status)) {
        counts.ignored++;
        return;
      }
      const status = { ...event, receivedAt: new Date() };
      statuses.set(event.messageSid, status);
      counts.recorded++;
      options.onStatus?.(status);
    },
  });
  const server = createServer((req, res) => {
    void handler(req, res).then(() => {
      if (res.statusCode >= 400 && res.statusCode < 500) counts.refused++;
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    statuses,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const describeStatus = (s: DeliveryStatus) =>
  `${s.messageSid} ${s.to}: ${s.status}${s.errorCode ? ` (error ${s.errorCode}, ${s.outcome})` : ''}`;

/** Sends three messages through the simulator with this receiver as their status callback. */
async function demo(log: (line: string) => void): Promise<void> {
  const sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 200, deliveredAfterMs: 500 } });
  const receiver = await startStatusCallbackServer({
    authToken: sim.credentials.authToken,
    onStatus: (s) => log(describeStatus(s)),
  });
  const destination = new TwilioDestination(
    { credentials: sim.credentials, settings: { from: '+15551234567', messageTemplate: 'Hi {{name}}' } },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
  );
  try {
    const callback = `${receiver.url}/twilio/status`;
    const results = await destination.write([
      { to: '+14155550100', name: 'Ada', status_callback: callback },
      { to: '+14155550101', name: 'Grace', status_callback: callback },
      { to: '+15555550100', name: 'Alan', status_callback: callback }, // unreachable in the simulator
    ]);
    const sids = results.flatMap((result) => (result.status === 'sent' ? [result.messageSid] : []));
    const deadline = Date.now() + 5000;
    while (
      !sids.every((sid) => isFinalStatus(receiver.statuses.get(sid)?.status ?? '')) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    log(
      `recorded ${receiver.counts.recorded}, ignored ${receiver.counts.ignored}, refused ${receiver.counts.refused}`,
    );
  } finally {
    await destination.close();
    await receiver.close();
    await sim.close();
  }
}

/**
 * The command line. Returns the exit code, and the running server when it was started (it runs until the
 * process is stopped).
 */
export async function main(
  argv: readonly string[],
  log: (line: string) => void = console.log,
): Promise<{ exitCode: number; server?: StatusCallbackServer }> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' },
      demo: { type: 'boolean', default: false },
    },
  });
  if (values.demo) {
    await demo(log);
    return { exitCode: 0 };
  }
  const authToken = process.env['TWILIO_AUTH_TOKEN'];
  if (!authToken) {
    log('Set TWILIO_AUTH_TOKEN to the Auth Token Twilio signs callbacks with (or pass --demo).');
    return { exitCode: 2 };
  }
  const server = await startStatusCallbackServer({
    authToken,
    port: Number(values.port),
    host: values.host,
    ...(values['public-url'] === undefined ? {} : { publicUrl: values['public-url'] }),
    onStatus: (s) =>
      log(`${s.messageSid} ${s.status}${s.errorCode ? ` (error ${s.errorCode}, ${s.outcome})` : ''}`),
  });
  log(`Listening on ${server.url}; Ctrl+C stops.`);
  return { exitCode: 0, server };
}

// Only when started as a program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = (await main(process.argv.slice(2))).exitCode;
}
