/**
 * The HTTP server and the path every request takes: record → route → concurrency limit (429/20429) →
 * latency → fault → authentication (401/20003) → endpoint → fault after processing → answer with Twilio's
 * headers. Sockets are tracked so connections can be counted and `close()` can destroy them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { authorize, parseBasic } from './auth.js';
import { type Fault, isAfterProcessing, latencyFor, pickFault } from './faults.js';
import { type Answer, delay, redactHeaders, toParams, twilioError } from './http.js';
import { matchRoute } from './routes.js';
import { randomHex, type SimulatorState } from './state.js';
import type { RecordedRequest } from './types.js';

/** One request in progress. */
interface Exchange {
  res: ServerResponse;
  socket: Socket;
  recorded: RecordedRequest;
  requestId: string;
  /** Whose concurrency this request counts against: the path's Account SID, else the Basic auth user. */
  key: string;
}

/** Creates the simulator's `node:http` server (not yet listening). */
export function createSimulatorServer(state: SimulatorState): Server {
  const server = createServer((req, res) => {
    handle(state, req, res).catch(() => {
      // Only a fault function that throws gets here (before anything was written): the test's bug, but the
      // client still gets a Twilio-shaped answer.
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(twilioError(500, 20500, 'Internal Server Error').body));
    });
  });
  server.on('connection', (socket) => {
    state.connections++;
    state.sockets.add(socket);
    socket.once('close', () => state.sockets.delete(socket));
  });
  return server;
}

async function handle(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url as string, 'http://simulator');
  const method = req.method as string;
  const query = toParams(url.searchParams);
  const isForm = /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
  const form = isForm ? toParams(new URLSearchParams(body)) : undefined;
  const recorded: RecordedRequest = {
    method,
    path: url.pathname,
    query,
    headers: redactHeaders(req.headers),
    at: new Date(state.clock.now()),
  };
  if (form !== undefined) recorded.form = form;
  if (state.record) {
    state.requests.push(recorded);
    // With `at`, how long the request was in progress: in-flight counts over time (coordinator tests).
    res.once('close', () => {
      recorded.endedAt = new Date(state.clock.now());
    });
  }

  const route = matchRoute(state, { method, path: url.pathname, query, form });
  const exchange: Exchange = {
    res,
    socket: req.socket,
    recorded,
    requestId: `RQ${randomHex(state)}`,
    key: '',
  };
  if (!('scope' in route)) return send(state, exchange, route);

  const key = route.scope.pathAccount ?? accountKey(state, parseBasic(req.headers.authorization)?.user);
  exchange.key = key;
  const inFlight = (state.inFlight.get(key) ?? 0) + 1;
  state.inFlight.set(key, inFlight);
  res.once('close', () => state.inFlight.set(key, (state.inFlight.get(key) as number) - 1));

  const concurrency = state.knobs.concurrency;
  if (concurrency !== undefined && inFlight > concurrency.limit) {
    // 20429: too many concurrent requests for the account; Twilio never processed it.
    return send(state, exchange, tooManyRequests(concurrency.retryAfter));
  }
  const wait = latencyFor(state);
  if (wait > 0) await delay(state, wait);
  const fault = pickFault(state, { target: route.target, method, path: url.pathname, query, form });
  if (fault !== undefined) recorded.fault = fault.kind;
  if (fault !== undefined && !isAfterProcessing(fault.kind)) {
    const outcome = faultOutcome(fault);
    if (outcome === 'reset') reset(exchange);
    else if (outcome !== 'hang') send(state, exchange, outcome);
    return;
  }

  const principal = authorize(state, req.headers.authorization, route.scope);
  const answer = 'status' in principal ? principal : route.run(principal);
  if (fault === undefined) return send(state, exchange, answer);
  // The request was processed (a message may now exist), but the client is told otherwise.
  if (fault.kind === 'reset_after_create') return reset(exchange);
  if (fault.kind === 'created_then_hang') return;
  return send(state, exchange, twilioError(500, 20500, 'Internal Server Error'));
}

/**
 * Whose concurrency a request without an Account SID in its path (Messaging v1) counts against: the account
 * its credentials name, an API key's account, or the raw user name when neither is known.
 */
function accountKey(state: SimulatorState, user: string | undefined): string {
  if (user === undefined || state.accounts.has(user)) return user ?? '';
  for (const account of state.accounts.values()) {
    if (account.apiKeys.some((key) => key.sid === user)) return account.sid;
  }
  return user;
}

function tooManyRequests(retryAfter: number | string | undefined): Answer {
  const headers = retryAfter === undefined ? undefined : { 'Retry-After': String(retryAfter) };
  return twilioError(429, 20429, 'Too Many Requests', headers);
}

/** What a fault that stops processing does instead: an error answer, a reset, or nothing at all (hang). */
function faultOutcome(fault: Fault): Answer | 'reset' | 'hang' {
  switch (fault.kind) {
    case '500':
      return twilioError(500, 20500, 'Internal Server Error');
    case '503':
      return twilioError(503, 20503, 'Service Unavailable');
    case '429':
      return tooManyRequests(fault.retryAfter);
    case 'hang':
      // No answer: the socket stays open until the client gives up or close() destroys it.
      return 'hang';
    default:
      return 'reset';
  }
}

/** Drops the connection with a TCP RST, so the client sees ECONNRESET. */
function reset(exchange: Exchange): void {
  exchange.socket.resetAndDestroy();
}

function send(state: SimulatorState, exchange: Exchange, answer: Answer): void {
  const { res } = exchange;
  // The client may have gone away while the answer was delayed.
  if (res.destroyed) return;
  exchange.recorded.status = answer.status;
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'twilio-request-id': exchange.requestId,
    'twilio-concurrent-requests': String(state.inFlight.get(exchange.key) ?? 0),
    ...answer.headers,
  });
  res.end(payload);
}
