/**
 * HTTP plumbing shared by the endpoints: answers as values, Twilio's error body, body and form reading.
 */
import type { IncomingMessage } from 'node:http';
import type { SimulatorClock } from './types.js';

/** What `later` and `delay` need: the clock, and the set of pending timers `close()` clears. */
export interface TimerState {
  clock: SimulatorClock;
  timers: Set<unknown>;
}

/** What an endpoint answers; the server adds Twilio's headers when it writes it. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Parameters of a query string or form body: a repeated name becomes an array. */
export type Params = Record<string, string | string[]>;

/** Twilio's error body (`{ code, message, more_info, status }`) as an answer. */
export function twilioError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): Answer {
  const body = { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** 401 / 20003, with the challenge Twilio sends. */
export function authError(): Answer {
  return twilioError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
}

/** 404 / 20404, naming the resource as Twilio does. */
export function notFound(path: string): Answer {
  return twilioError(404, 20404, `The requested resource ${path} was not found`);
}

/** Turns URL-encoded parameters into a record, keeping repeated names (`MediaUrl`) as arrays. */
export function toParams(search: URLSearchParams): Params {
  const params: Params = {};
  for (const [name, value] of search) {
    const previous = params[name];
    if (previous === undefined) params[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else params[name] = [previous, value];
  }
  return params;
}

/** The first value of a parameter, or undefined. */
export function first(params: Params | undefined, name: string): string | undefined {
  const value = params?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a parameter, in order. */
export function all(params: Params, name: string): string[] {
  const value = params[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Headers as recorded: lower-case names, `authorization` redacted so no secret is ever kept. */
export function redactHeaders(headers: IncomingMessage['headers']): Params {
  const kept: Params = {};
  for (const [name, value] of Object.entries(headers)) {
    // Node never stores an undefined header value; the type merely allows it.
    kept[name] = name === 'authorization' ? '[redacted]' : (value as string | string[]);
  }
  return kept;
}

/** E.164: `+`, a non-zero country digit, up to 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** Runs `run` after `ms` on the simulator's clock, with the timer tracked so `close()` can clear it. */
export function later(state: TimerState, ms: number, run: () => void): void {
  const timer = state.clock.setTimeout(() => {
    state.timers.delete(timer);
    run();
  }, ms);
  state.timers.add(timer);
}

/** Resolves after `ms` on the simulator's clock, with the timer tracked so `close()` can clear it. */
export function delay(state: TimerState, ms: number): Promise<void> {
  return new Promise((resolve) => later(state, ms, resolve));
}
