import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { TwilioDestination } from '../src/destination.js';
import type { DestinationConfig } from '../src/types.js';
import { recordingLogger } from './helpers/logger.js';
import { closedPort, startServer } from './helpers/server.js';
import {
  ACCOUNT_SID,
  API,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  BASIC,
  baseConfig,
  errorJson,
  KEY_BASIC,
  KEY_CREDENTIALS,
  MESSAGES_PATH,
  MESSAGING,
  MG_SID,
  messageJson,
  SECRETS,
  TOKEN_CREDENTIALS,
} from './helpers/twilio.js';

/** Everything a user could see: results, errors with their causes, validation reports. */
function exposures(value: unknown): string[] {
  return [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    JSON.stringify(value, (_key, v: unknown) =>
      v instanceof Error ? { ...v, name: v.name, message: v.message, stack: v.stack, cause: v.cause } : v,
    ) ?? '',
    String(value),
  ];
}

const TO = '+14155550100';
const rows = [
  { to: TO, first_name: 'A' },
  { to: 'bad', first_name: 'B' },
  { to: TO },
  { to: TO, first_name: 'C' },
];

const credentialSets: [string, DestinationConfig['credentials']][] = [
  ['auth token', TOKEN_CREDENTIALS],
  ['API key', KEY_CREDENTIALS],
];

describe('secrets never leak', () => {
  it.each(credentialSets)('through any result, error, cause or report (%s)', async (_name, credentials) => {
    const gathered: unknown[] = [];
    const secret = 'authToken' in credentials ? AUTH_TOKEN : API_KEY_SECRET;
    const authorization = 'authToken' in credentials ? BASIC : KEY_BASIC;
    const config = baseConfig({ credentials });
    const logger = recordingLogger();
    const fast = { sleep: async () => {}, retry: { retries: 1 }, logger };

    // Every answer class Twilio can give, including one that echoes the Authorization header back.
    nock(API)
      .post(MESSAGES_PATH)
      .reply(500, errorJson(20500, 500))
      .post(MESSAGES_PATH)
      .reply(201, messageJson())
      .post(MESSAGES_PATH)
      .reply(400, { code: 21000, message: `echo: ${authorization} ${secret}` })
      .post(MESSAGES_PATH)
      .reply(201, 'not json')
      .post(MESSAGES_PATH)
      .reply(429, errorJson(20429, 429), { 'Retry-After': '3600' })
      .post(MESSAGES_PATH)
      .reply(401, errorJson(20003, 401));
    const destination = new TwilioDestination(config, fast);
    gathered.push(
      await destination.write([...rows, { to: TO, first_name: 'D' }, { to: TO, first_name: 'E' }]),
    );
    gathered.push(await destination.write([{ to: TO, first_name: 'F' }]));
    gathered.push(await destination.write([{ to: TO, first_name: 'G' }]));
    gathered.push(destination);

    // Validation reports for every outcome.
    nock(API).persist().get(/.*/).reply(401, errorJson(20003, 401));
    gathered.push(await destination.validateCredentials());
    gathered.push(await destination.validateTargetSettings());

    // Network failures, timeouts and aborts, with undici's own errors as causes.
    const refused = new TwilioDestination(config, { ...fast, apiBaseUrl: await closedPort() });
    gathered.push(
      await refused.write(rows),
      await refused.validateCredentials(),
      await refused.validateTargetSettings(),
    );
    const hang = await startServer(() => {});
    const slow = new TwilioDestination(config, { ...fast, apiBaseUrl: hang.url, timeoutMs: 50 });
    gathered.push(await slow.write(rows.slice(0, 1)));
    gathered.push(await slow.write(rows.slice(0, 1), { signal: AbortSignal.timeout(20) }));
    await slow.close();
    await hang.close();

    // Thrown configuration errors, even with the secret pasted into the wrong field.
    const misplaced = new TwilioDestination(
      { ...config, settings: { from: AUTH_TOKEN, messageTemplate: API_KEY_SECRET } } as never,
      {
        apiBaseUrl: `https://${API_KEY_SECRET}@x.example`,
      },
    );
    gathered.push(await misplaced.write(rows).catch((error: unknown) => error));
    gathered.push(await misplaced.validateCredentials(), await misplaced.validateTargetSettings());

    // The client's own errors.
    const client = createClient({
      apiBaseUrl: await closedPort(),
      messagingBaseUrl: API,
      username: ACCOUNT_SID,
      password: AUTH_TOKEN,
      timeoutMs: 1000,
      dispatcher: new (await import('undici')).Agent(),
      now: Date.now,
      logger: undefined,
    });
    gathered.push(await client.createMessage(ACCOUNT_SID, 'To=x').catch((error: unknown) => error));
    gathered.push(client);

    gathered.push(logger.lines);
    expect(logger.lines.length).toBeGreaterThan(10);
    expect(gathered.length).toBeGreaterThan(10);
    for (const item of gathered) {
      for (const text of exposures(item)) {
        for (const secret of SECRETS) expect(text).not.toContain(secret);
      }
    }
  });
});

/** Every form in which a credential pair can be echoed: raw, base64 (padded, unpadded, URL-safe), URL-encoded. */
function forms(user: string, password: string): Record<string, string> {
  const pair = `${user}:${password}`;
  const base64 = Buffer.from(pair).toString('base64');
  const unpadded = base64.replace(/=+$/, '');
  return {
    password,
    pair,
    base64,
    unpadded,
    base64url: Buffer.from(pair).toString('base64url'),
    header: `Basic ${base64}`,
    urlEncodedHeader: encodeURIComponent(`Basic ${base64}`),
    urlEncodedLowerCase: encodeURIComponent(`Basic ${base64}`).replace(/%3D/g, '%3d'),
    urlEncodedPair: encodeURIComponent(pair),
  };
}

const REQUEST_ID = `RQ${'0123456789abcdef'.repeat(2)}`;

describe('every form of the credentials, in every field copied from an answer', () => {
  it.each(credentialSets)(
    'is kept out of results, errors, reports and logs (%s)',
    async (_name, credentials) => {
      const user = 'authToken' in credentials ? ACCOUNT_SID : API_KEY_SID;
      const password = 'authToken' in credentials ? AUTH_TOKEN : API_KEY_SECRET;
      const echoes = forms(user, password);
      // Padding really is there to drop: the test would prove nothing for unpadded forms otherwise.
      expect(echoes['base64']).toMatch(/=$/);
      const logger = recordingLogger();
      const destination = new TwilioDestination(baseConfig({ credentials }), {
        sleep: async () => {},
        retry: { retries: 0 },
        duplicateCheck: false,
        logger,
      });
      const all = Object.values(echoes).join(' | ');
      nock(API)
        // The header itself, as a request id, on a success and on an error.
        .post(MESSAGES_PATH)
        .reply(201, messageJson(), { 'Twilio-Request-Id': echoes['header'] as string })
        .post(MESSAGES_PATH)
        .reply(
          400,
          { code: 21211, message: `To: ${all}`, more_info: `https://x.example/?a=${all}`, status: 400 },
          {
            'Twilio-Request-Id': password,
          },
        )
        // A well-formed request id is kept.
        .post(MESSAGES_PATH)
        .reply(201, messageJson(), { 'Twilio-Request-Id': REQUEST_ID })
        // A 2xx whose status, then whose sid, is a secret.
        .post(MESSAGES_PATH)
        .reply(201, messageJson({ status: password }))
        .post(MESSAGES_PATH)
        .reply(201, messageJson({ sid: `SM${password}` }))
        .post(MESSAGES_PATH)
        .reply(201, messageJson({ sid: echoes['unpadded'] }));
      const results = await destination.write(
        Array.from({ length: 6 }, (_, i) => ({ to: TO, first_name: `R${i}` })),
      );
      expect(
        results.map((r) =>
          r.status === 'sent' ? `sent ${r.requestId ?? '-'}` : `${r.error.code} ${r.error.requestId ?? '-'}`,
        ),
      ).toEqual([
        'sent -',
        'twilio_rejected -',
        `sent ${REQUEST_ID}`,
        'server_error -',
        'server_error -',
        'server_error -',
      ]);
      const rejected = results[1];
      expect(rejected?.status === 'failed' && rejected.error.message).toContain(
        'To: [REDACTED] | [REDACTED] | [REDACTED]',
      );
      expect(rejected?.status === 'failed' && rejected.error.moreInfo).toMatch(
        /^https:\/\/x\.example\/\?a=\[REDACTED\]/,
      );
      await destination.close();

      // Validation copies the account's status and type and a Messaging Service's name.
      nock(API)
        .get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`)
        .reply(
          200,
          { status: password, type: echoes['header'] },
          { 'Twilio-Request-Id': echoes['pair'] as string },
        );
      nock(MESSAGING)
        .get(`/v1/Services/${MG_SID}`)
        .reply(200, { sid: MG_SID, friendly_name: `Alerts ${all}` });
      const validating = new TwilioDestination(baseConfig({ credentials, settings: { from: MG_SID } }), {
        logger,
      });
      const validation = await validating.validateCredentials();
      expect(validation.info['account']).toEqual({ status: 'unknown', type: 'unknown' });
      const target = await validating.validateTargetSettings();
      expect((target.info['sender'] as { friendlyName: string }).friendlyName).toMatch(
        /^Alerts \[REDACTED\]/,
      );

      expect(logger.lines.length).toBeGreaterThan(6);
      for (const item of [results, validation, target, logger.lines]) {
        for (const text of exposures(item)) {
          for (const [form, secret] of Object.entries(echoes)) expect(text, form).not.toContain(secret);
        }
      }
    },
  );
});

describe('every form of the credentials, in a polled message status', () => {
  const SID = `SM${'a'.repeat(32)}`;
  const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${SID}.json`;

  it.each(credentialSets)(
    'is redacted from free text and refused in shaped fields (%s)',
    async (_name, credentials) => {
      const user = 'authToken' in credentials ? ACCOUNT_SID : API_KEY_SID;
      const password = 'authToken' in credentials ? AUTH_TOKEN : API_KEY_SECRET;
      const echoes = forms(user, password);
      const all = Object.values(echoes).join(' | ');
      const destination = new TwilioDestination(baseConfig({ credentials }), {
        sleep: async () => {},
        retry: { retries: 1 },
      });
      const hostile = { sid: SID, error_code: '30003', error_message: `echo ${all}`, num_segments: '1' };
      nock(API)
        .get(path)
        .reply(200, { ...hostile, status: 'undelivered', price: password, price_unit: echoes['header'] })
        .get(path)
        .reply(200, { ...hostile, status: 'failed', price: '-0.00790', price_unit: 'USD' })
        // A status that is no Twilio status is an unreadable answer: retried, then a failed look-up.
        .get(path)
        .reply(200, { ...hostile, status: { a: 1 } })
        .get(path)
        .reply(200, { ...hostile, status: password });
      const results = [];
      for await (const result of destination.fetchStatuses([SID, SID, SID])) results.push(result);
      expect(nock.isDone()).toBe(true);
      expect(results[0]).toEqual({
        kind: 'found',
        messageSid: SID,
        status: 'undelivered',
        errorCode: 30003,
        // password, pair, base64, unpadded, base64url, then the header in three encodings, then the pair.
        errorMessage:
          'echo [REDACTED] | [REDACTED] | [REDACTED] | [REDACTED] | [REDACTED] | Basic [REDACTED] | ' +
          'Basic%20[REDACTED] | Basic%20[REDACTED] | [REDACTED]',
        outcome: 'transient',
        numSegments: 1,
      });
      expect(results[1]).toMatchObject({
        kind: 'found',
        status: 'failed',
        price: '-0.00790',
        priceUnit: 'USD',
      });
      expect(results[2]).toMatchObject({
        kind: 'failed',
        messageSid: SID,
        error: {
          code: 'network_error',
          retryable: true,
          message: expect.stringContaining('no valid message status'),
        },
      });
      for (const text of exposures(results)) {
        for (const [form, secret] of Object.entries(echoes)) expect(text, form).not.toContain(secret);
      }
      await destination.close();
    },
  );
});

describe("every form of the credentials, in a row's own exception text", () => {
  it.each(credentialSets)('is redacted from write and preview results (%s)', async (_name, credentials) => {
    const user = 'authToken' in credentials ? ACCOUNT_SID : API_KEY_SID;
    const password = 'authToken' in credentials ? AUTH_TOKEN : API_KEY_SECRET;
    const echoes = forms(user, password);
    const all = Object.values(echoes).join(' | ');
    const throwing = () => {
      throw new Error(`bad ${all}`);
    };
    const hostileRows = () => [
      {
        get to(): string {
          return throwing();
        },
        first_name: 'A',
      },
      {
        to: TO,
        get first_name(): string {
          return throwing();
        },
      },
      new Proxy({ to: TO }, { get: throwing, has: throwing, ownKeys: throwing }),
    ];
    const logger = recordingLogger();
    const destination = new TwilioDestination(baseConfig({ credentials }), { logger, duplicateCheck: false });
    // No answer is armed: a request would fail the row with a network error, not invalid_row.
    nock(API);
    const results = await destination.write(hostileRows());
    const preview = await destination.preview(hostileRows());
    expect(results.map((r) => r.status === 'failed' && r.error.code)).toEqual([
      'invalid_row',
      'invalid_row',
      'invalid_row',
    ]);
    expect(preview.rows.map((r) => r.status === 'failed' && r.error.code)).toEqual([
      'invalid_row',
      'invalid_row',
      'invalid_row',
    ]);
    // The text is still there, with the credentials taken out.
    expect(results.some((r) => r.status === 'failed' && r.error.message.includes('bad [REDACTED]'))).toBe(
      true,
    );
    expect(preview.rows.map((r) => r.status === 'failed' && r.error.message)).toEqual(
      results.map((r) => r.status === 'failed' && r.error.message),
    );
    for (const item of [results, preview, logger.lines]) {
      for (const text of exposures(item)) {
        for (const [form, secret] of Object.entries(echoes)) expect(text, form).not.toContain(secret);
      }
    }
    await destination.close();
  });
});
