/**
 * A tiny HTTP client for the simulator tests: real requests over 127.0.0.1 with undici, Basic auth and
 * form encoding, answers parsed as JSON.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import type { TwilioSimulator } from '../../src/simulator/index.js';

/** A parsed answer. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  body: any;
}

/** Form fields; an array is sent as a repeated field (`MediaUrl`). */
export type Form = Record<string, string | readonly string[]>;

/** `Authorization: Basic …` for a user name and password. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Basic auth with the simulator's default Account SID and Auth Token. */
export function defaultAuth(sim: TwilioSimulator): string {
  return basic(sim.credentials.accountSid, sim.credentials.authToken);
}

export function encodeForm(form: Form): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const item of typeof value === 'string' ? [value] : value) params.append(name, item);
  }
  return params.toString();
}

export interface CallOptions {
  form?: Form;
  /** The `Authorization` header; `null` sends none. @default the default account's credentials */
  auth?: string | null;
  dispatcher?: Dispatcher;
  /** Aborts the request (e.g. `AbortSignal.timeout(50)`: a client that gives up). */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  body?: string;
}

/** One request to the simulator. */
export async function call(sim: TwilioSimulator, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth === undefined ? defaultAuth(sim) : options.auth;
  if (auth !== null) headers['authorization'] = auth;
  let body = options.body;
  if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = encodeForm(options.form);
  }
  const response = await request(`${sim.url}${path}`, {
    method: method as Dispatcher.HttpMethod,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  } satisfies Reply as Reply;
}

/** The default account's Messages path. */
export function messagesPath(sim: TwilioSimulator): string {
  return `/2010-04-01/Accounts/${sim.credentials.accountSid}/Messages.json`;
}

/** Creates a message on the default account (From the long code unless a sender is given). */
export function send(sim: TwilioSimulator, form: Form, options: Omit<CallOptions, 'form'> = {}) {
  const sender = 'From' in form || 'MessagingServiceSid' in form ? {} : { From: '+15551234567' };
  return call(sim, 'POST', messagesPath(sim), { ...options, form: { ...sender, ...form } });
}

/**
 * Waits until `check` is true, polling every 5 ms. The deadline only turns a condition that never comes
 * into a clear failure; it is far above any wait a loaded machine needs.
 */
export async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  await waitForAsync(async () => check(), timeoutMs);
}

/** Like `waitFor`, with a check that is itself asynchronous (a request, say). */
export async function waitForAsync(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
