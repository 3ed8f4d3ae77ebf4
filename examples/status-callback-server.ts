/**
 * A status callback receiver: the other half of sending. Twilio posts each status change of a message
 * (`queued` → `sent` → `delivered`, or `undelivered` / `failed` with an `ErrorCode`) to the URL in the row's
 * `status_callback` column. This server checks Twilio's signature on every post and keeps each message's
 * latest status; since Twilio does not promise order, a callback for an earlier status than the one already
 * known is ignored.
 *
 * As a program:
 * ```sh
 * TWILIO_AUTH_TOKEN=… npx tsx examples/status-callback-server.ts --port 3000 --public-url https://hooks.example.com
 * ```
 * then map a `status_callback` column to `https://hooks.example.com/twilio/status`. `--public-url` is the
 * address Twilio posts to, which a proxy in front of this server hides from it: the signature covers it.
 * `npx tsx examples/status-callback-server.ts --demo` tries it against the local simulator instead.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { TwilioDestination, verifyTwilioSignature } from '../src/index.js';
import { startTwilioSimulator } from '../src/simulator/index.js';

/** What the receiver knows about one message. */
export interface DeliveryStatus {
  /** `SM…` or `MM…`. */
  messageSid: string;
  /** The latest `MessageStatus`: `queued`, `sent`, `delivered`, `undelivered`, `failed`, `read`, … */
  status: string;
  /** The recipient. */
  to: string | undefined;
  /** Twilio's delivery error (e.g. 30003 unreachable handset) with `undelivered` or `failed`. */
  errorCode: number | undefined;
  /** When the callback that set this status arrived. */
  receivedAt: Date;
}

/** Options of {@link startStatusCallbackServer}. */
export interface StatusCallbackServerOptions {
  /**
   * The Auth Token Twilio signs with. During a rotation give both, new first: Twilio signs with whichever
   * is primary when it posts, and callbacks of older messages keep arriving for a while.
   */
  authToken: string | readonly string[];
  /**
   * The origin Twilio posts to (`https://hooks.example.com`), when a proxy or tunnel stands in front of this
   * server. The request's path is appended to it.
   * @default `http://` + the request's `Host` header
   */
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
  /** Callbacks recorded, ignored as out of order or repeated, and refused (bad signature or request). */
  counts: { recorded: number; ignored: number; refused: number };
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Where each status stands in a message's life. A callback whose status ranks lower than, or the same as,
 * the one already known arrived late (or twice) and changes nothing. Final statuses share a rank: the first
 * one to arrive stays.
 */
const RANK: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  canceled: 4,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  partially_delivered: 4,
  read: 5,
};

/** Status callbacks are a few hundred bytes; anything much larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Records `status` unless the message already has a status as late in its life. An unknown status (one
 * Twilio adds later) is kept only while nothing else is known.
 * @returns whether it became the message's latest status
 */
export function recordStatus(statuses: Map<string, DeliveryStatus>, status: DeliveryStatus): boolean {
  const known = statuses.get(status.messageSid);
  if (known !== undefined && (RANK[status.status] ?? -1) <= (RANK[known.status] ?? -1)) return false;
  statuses.set(status.messageSid, status);
  return true;
}

/** Form fields as signed: a repeated field is signed once per value. */
function formParams(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const previous = params[name];
    params[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the receiver on `host:port`. Every path is accepted: the signature covers the path Twilio used. */
export async function startStatusCallbackServer(
  options: StatusCallbackServerOptions,
): Promise<StatusCallbackServer> {
  const tokens = typeof options.authToken === 'string' ? [options.authToken] : options.authToken;
  const statuses = new Map<string, DeliveryStatus>();
  const counts = { recorded: 0, ignored: 0, refused: 0 };
  const sockets = new Set<Socket>();

  const refuse = (res: ServerResponse, status: number, why: string) => {
    counts.refused++;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return refuse(res, 405, 'POST only');
    const body = await readBody(req);
    if (body === undefined) return refuse(res, 413, 'body too large');
    const params = formParams(body);
    const url = `${options.publicUrl?.replace(/\/+$/, '') ?? `http://${req.headers.host}`}${req.url}`;
    const signature = req.headers['x-twilio-signature'];
    const signed =
      typeof signature === 'string' &&
      tokens.some((authToken) => verifyTwilioSignature({ authToken, url, params, signature }));
    // Not from Twilio (or signed for another URL, or with another token): never act on it.
    if (!signed) return refuse(res, 403, 'invalid X-Twilio-Signature');
    const messageSid = params['MessageSid'];
    const messageStatus = params['MessageStatus'];
    if (typeof messageSid !== 'string' || typeof messageStatus !== 'string') {
      return refuse(res, 400, 'not a message status callback');
    }
    const to = params['To'];
    const errorCode = Number(params['ErrorCode']);
    const status: DeliveryStatus = {
      messageSid,
      status: messageStatus,
      to: typeof to === 'string' ? to : undefined,
      errorCode: Number.isInteger(errorCode) && errorCode > 0 ? errorCode : undefined,
      receivedAt: new Date(),
    };
    if (recordStatus(statuses, status)) {
      counts.recorded++;
      options.onStatus?.(status);
    } else {
      counts.ignored++;
    }
    // 2xx either way: a late callback is not an error, and Twilio need not send it again.
    res.writeHead(204).end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => refuse(res, 400, 'unreadable request'));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
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
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Sends three messages through the simulator with this receiver as their status callback. */
async function demo(log: (line: string) => void): Promise<void> {
  const sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 200, deliveredAfterMs: 500 } });
  const receiver = await startStatusCallbackServer({
    authToken: sim.credentials.authToken,
    onStatus: (s) =>
      log(`${s.messageSid} ${s.to}: ${s.status}${s.errorCode ? ` (error ${s.errorCode})` : ''}`),
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
    const final = new Set(['delivered', 'undelivered', 'failed']);
    const deadline = Date.now() + 5000;
    while (
      !sids.every((sid) => final.has(receiver.statuses.get(sid)?.status ?? '')) &&
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
    onStatus: (s) => log(`${s.messageSid} ${s.status}${s.errorCode ? ` (error ${s.errorCode})` : ''}`),
  });
  log(`Listening on ${server.url}; Ctrl+C stops.`);
  return { exitCode: 0, server };
}

// Only when started as a program, not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = (await main(process.argv.slice(2))).exitCode;
}
