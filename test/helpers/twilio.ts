/**
 * Shared fixtures for tests against Twilio's REST API through nock: credentials, Twilio-shaped bodies, a
 * destination with recorded sleeps, and `expectCreate`, the one nock scope for a create request.
 */
import nock from 'nock';
import type { DestinationOptions } from '../../src/config/index.js';
import { TwilioDestination } from '../../src/destination.js';
import type { DestinationConfig } from '../../src/types.js';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = `${'f0e1d2c3'.repeat(4)}`;
export const API_KEY_SID = `SK${'b2'.repeat(16)}`;
export const API_KEY_SECRET = 'apiKeySecretValue0123456789abcdef';
export const MG_SID = `MG${'c3'.repeat(16)}`;
export const FROM = '+15005550006';
export const API = 'https://api.twilio.com';
export const MESSAGING = 'https://messaging.twilio.com';
export const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
export const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
export const KEY_BASIC = `Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString('base64')}`;

/** Account SID + Auth Token credentials. */
export const TOKEN_CREDENTIALS = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };
/** API key credentials of the same account. */
export const KEY_CREDENTIALS = {
  accountSid: ACCOUNT_SID,
  apiKeySid: API_KEY_SID,
  apiKeySecret: API_KEY_SECRET,
};

/** Every secret the suite uses; the secrets test checks none leaks. */
export const SECRETS = [AUTH_TOKEN, API_KEY_SECRET, BASIC, KEY_BASIC, BASIC.slice(6), KEY_BASIC.slice(6)];

/** A Message resource as Twilio's 201 answer shapes it. */
export function messageJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account_sid: ACCOUNT_SID,
    api_version: '2010-04-01',
    body: 'Hi',
    date_created: 'Thu, 26 Nov 2026 10:00:00 +0000',
    date_sent: null,
    date_updated: 'Thu, 26 Nov 2026 10:00:00 +0000',
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: FROM,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: `SM${'0'.repeat(31)}1`,
    status: 'queued',
    subresource_uris: { media: '/media.json' },
    to: '+14155550100',
    uri: '/message.json',
    ...overrides,
  };
}

/** Twilio's error body. */
export function errorJson(code: number, status: number, message = 'Error'): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Records the waits the sender asks for and returns at once. */
export function recordingSleep(): {
  waits: number[];
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
} {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number, signal?: AbortSignal) => {
      waits.push(ms);
      signal?.throwIfAborted();
    },
  };
}

type ConfigOverrides = Omit<Partial<DestinationConfig>, 'settings'> & {
  settings?: Partial<DestinationConfig['settings']>;
};

export function baseConfig(overrides: ConfigOverrides = {}): DestinationConfig {
  return {
    credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
    ...overrides,
    settings: { from: FROM, messageTemplate: 'Hi {{first_name}}', ...overrides.settings },
  } as DestinationConfig;
}

/** A destination with instant, recorded sleeps and a fixed random factor of 1 (no jitter). */
export function destination(config: ConfigOverrides = {}, options: DestinationOptions = {}) {
  const sleeper = recordingSleep();
  const dest = new TwilioDestination(baseConfig(config), {
    sleep: sleeper.sleep,
    random: () => 1,
    ...options,
  });
  return { dest, waits: sleeper.waits };
}

export function api() {
  return nock(API, { reqheaders: { authorization: BASIC } });
}

/** The recipient most tests send to. */
export const TO = '+14155550100';

/** A create request's form fields in order; an array repeats its key (`MediaUrl`). */
export type CreateFields = Readonly<Record<string, string | readonly string[]>>;

/** The exact form body Twilio receives for `fields`. */
export function createForm(fields: CreateFields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const item of typeof value === 'string' ? [value] : value) params.append(key, item);
  }
  return params.toString();
}

/**
 * A create request (POST Messages.json) whose form body is exactly `fields`, with the account's Basic auth
 * (or `authorization`), still to be answered: `createRequest(fields).reply(500, errorJson(…))`.
 */
export function createRequest(fields: CreateFields, authorization = BASIC): nock.Interceptor {
  return nock(API, { reqheaders: { authorization } }).post(MESSAGES_PATH, createForm(fields));
}

/** Expects one create request with exactly `fields` and answers 201 with `messageJson(message)`. */
export function expectCreate(fields: CreateFields, message: Record<string, unknown> = {}): nock.Scope {
  return createRequest(fields).reply(201, messageJson(message));
}

/** The `sent` result of row `index` answered by `messageJson()`, with `extra` fields. */
export function sentResult(index: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: 'sent',
    index,
    attempts: 1,
    messageSid: `SM${'0'.repeat(31)}1`,
    twilioStatus: 'queued',
    segments: 1,
    ...extra,
  };
}

/** The `failed` result of row `index` after `attempts` create requests. */
export function failedResult(
  index: number,
  error: Record<string, unknown>,
  attempts = 1,
): Record<string, unknown> {
  return { status: 'failed', index, attempts, error };
}
