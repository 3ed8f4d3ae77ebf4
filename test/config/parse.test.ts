import { describe, expect, it } from 'vitest';
import {
  defaultSleep,
  parseConfig,
  parseCredentials,
  parseOptions,
  parseSettings,
} from '../../src/config/index.js';
import { TwilioDestination } from '../../src/destination.js';
import { ConfigError } from '../../src/errors.js';
import {
  ACCOUNT_SID,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  baseConfig,
  FROM,
  KEY_CREDENTIALS,
  MG_SID,
  TOKEN_CREDENTIALS,
} from '../helpers/twilio.js';

describe('parseConfig', () => {
  it('accepts Account SID + Auth Token credentials and fills an empty mapping', () => {
    const parsed = parseConfig(baseConfig());
    expect(parsed).toEqual({
      ok: true,
      value: {
        credentials: TOKEN_CREDENTIALS,
        settings: { from: FROM, messageTemplate: 'Hi {{first_name}}' },
        mapping: {},
      },
    });
  });

  it('accepts API key credentials and a mapping', () => {
    const parsed = parseConfig({
      ...baseConfig({
        credentials: KEY_CREDENTIALS,
      }),
      mapping: { to: 'phone', body: 'text' },
    });
    expect(parsed.ok && parsed.value.mapping).toEqual({ to: 'phone', body: 'text' });
  });

  it('reports a misspelt key with a suggestion instead of ignoring it', () => {
    const parsed = parseConfig({
      credentials: TOKEN_CREDENTIALS,
      settings: { from: FROM, messageTemplte: 'Hi' },
    });
    expect(parsed).toEqual({
      ok: false,
      issues: [
        {
          field: 'settings.messageTemplate',
          code: 'required',
          message: 'settings.messageTemplate is required',
        },
        {
          field: 'settings.messageTemplte',
          code: 'unknown_key',
          message:
            'Unknown key "messageTemplte" in settings; did you mean "messageTemplate"? (known keys: from, messageTemplate, defaultCountry, smartEncoded, validityPeriod, shortenUrls, statusCallback, maxSegments, contentSid, contentVariables)',
        },
      ],
    });
  });

  it('reports unknown top-level keys without a far-fetched suggestion', () => {
    const parsed = parseConfig({ ...baseConfig(), extra: 1 });
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      {
        field: 'extra',
        code: 'unknown_key',
        message: 'Unknown key "extra" in the configuration (known keys: credentials, settings, mapping)',
      },
    ]);
  });

  it('reports every problem at once, with paths, codes and what is expected', () => {
    const parsed = parseConfig({
      credentials: { accountSid: 'AC123', authToken: 'nope' },
      settings: { from: 'not a sender!', messageTemplate: 42 },
      mapping: { to: '' },
    });
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      {
        field: 'credentials.accountSid',
        code: 'invalid_account_sid',
        message:
          'Account SID must start with AC followed by 32 hexadecimal characters (find it in the Twilio Console under Account info)',
      },
      {
        field: 'credentials.authToken',
        code: 'invalid_auth_token',
        message:
          'Auth Token must be 32 hexadecimal characters (copy it from the Twilio Console under Account info)',
      },
      {
        field: 'settings.from',
        code: 'invalid_sender',
        message: expect.stringMatching(/^from must be a Twilio phone number in E\.164 format/),
      },
      {
        field: 'settings.messageTemplate',
        code: 'invalid_type',
        message: 'settings.messageTemplate must be a string (got a number)',
      },
      { field: 'mapping.to', code: 'empty', message: 'mapping.to must not be empty' },
    ]);
  });

  it('never echoes a secret value in an issue', () => {
    const parsed = parseConfig({
      credentials: { accountSid: ACCOUNT_SID, authToken: 'secret-token-value!' },
      settings: {},
    });
    expect(JSON.stringify(parsed)).not.toContain('secret-token-value');
  });

  it.each([
    [{ accountSid: ACCOUNT_SID }, 'credentials.authToken', 'required'],
    [
      { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiKeySid: API_KEY_SID, apiKeySecret: 'x' },
      'credentials',
      'ambiguous_credentials',
    ],
    [{ accountSid: ACCOUNT_SID, apiKeySecret: API_KEY_SECRET }, 'credentials.apiKeySid', 'required'],
    [{ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID }, 'credentials.apiKeySecret', 'required'],
    [
      { accountSid: ACCOUNT_SID, apiKeySid: 'SK1', apiKeySecret: API_KEY_SECRET },
      'credentials.apiKeySid',
      'invalid_api_key_sid',
    ],
    [
      { accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: 'has space' },
      'credentials.apiKeySecret',
      'invalid_api_key_secret',
    ],
    [{ accountSid: '  ', authToken: AUTH_TOKEN }, 'credentials.accountSid', 'empty'],
    ['AC…', 'credentials', 'invalid_type'],
  ])('reports credentials %j at %s as %s', (credentials, field, code) => {
    const parsed = parseCredentials(credentials);
    expect(parsed.ok ? [] : parsed.issues.map((issue) => [issue.field, issue.code])).toEqual([[field, code]]);
  });

  it('names an array where an object belongs', () => {
    const parsed = parseConfig({ ...baseConfig(), settings: [] });
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { field: 'settings', code: 'invalid_type', message: 'settings must be an object (got an array)' },
    ]);
  });

  it('reports a configuration that is not an object', () => {
    const parsed = parseConfig(null);
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { field: 'config', code: 'invalid_type', message: 'config must be an object (got null)' },
    ]);
  });

  it.each([[FROM], [MG_SID], ['12345'], ['Acme 2'], ['whatsapp:+14155550100']])(
    'accepts the sender %s',
    (from) => {
      expect(parseSettings({ from, messageTemplate: 'x' }, undefined).ok).toBe(true);
    },
  );
});

describe('parseOptions', () => {
  it('fills the documented defaults', () => {
    const parsed = parseOptions(undefined);
    expect(parsed.ok && { ...parsed.value, now: undefined, random: undefined }).toEqual({
      apiBaseUrl: 'https://api.twilio.com',
      messagingBaseUrl: 'https://messaging.twilio.com',
      retry: { retries: 3, minDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 },
      timeoutMs: 30_000,
      concurrency: 1,
      segmentsPerSecond: undefined,
      onProgress: undefined,
      dispatcher: undefined,
      duplicateCheck: { clockSkewMs: 30_000, pages: 2, pageSize: 50, pauseMs: 1000 },
      logger: undefined,
      sleep: defaultSleep,
      coordinator: undefined,
      now: undefined,
      random: undefined,
    });
  });

  it('merges partial retry settings over the defaults', () => {
    const parsed = parseOptions({ retry: { retries: 5, minDelayMs: 10, maxDelayMs: undefined } });
    expect(parsed.ok && parsed.value.retry).toEqual({
      retries: 5,
      minDelayMs: 10,
      maxDelayMs: 30_000,
      maxRetryAfterMs: 60_000,
    });
  });

  it.each([
    [{ apiBaseUrl: 'http://127.0.0.1:4010' }],
    [{ apiBaseUrl: 'http://localhost:4010/twilio' }],
    [{ messagingBaseUrl: 'http://[::1]:4010' }],
    [{ apiBaseUrl: 'http://staging.internal', allowInsecureHttp: true }],
    [{ logger: console, duplicateCheck: true }],
  ])('accepts %j', (options) => {
    expect(parseOptions(options).ok).toBe(true);
  });

  it.each([
    [{ apiBaseUrl: 'http://staging.internal' }, 'options.apiBaseUrl', 'insecure_url'],
    [{ apiBaseUrl: 'ftp://x' }, 'options.apiBaseUrl', 'invalid_url'],
    [{ apiBaseUrl: 'not a url' }, 'options.apiBaseUrl', 'invalid_url'],
    [{ messagingBaseUrl: 'https://user:pw@host' }, 'options.messagingBaseUrl', 'invalid_url'],
    [{ timeoutMs: 0 }, 'options.timeoutMs', 'out_of_range'],
    [{ timeoutMs: 1.5 }, 'options.timeoutMs', 'out_of_range'],
    [{ retry: { retries: -1 } }, 'options.retry.retries', 'out_of_range'],
    [{ retry: { minDelayMs: 100, maxDelayMs: 10 } }, 'options.retry.maxDelayMs', 'out_of_range'],
    [{ retry: { retires: 2 } }, 'options.retry.retires', 'unknown_key'],
    [{ dispatcher: {} }, 'options.dispatcher', 'invalid_type'],
    [{ sleep: 5 }, 'options.sleep', 'invalid_type'],
    [{ concurrency: 0 }, 'options.concurrency', 'out_of_range'],
    [{ concurrency: 65 }, 'options.concurrency', 'out_of_range'],
    [{ segmentsPerSecond: 0 }, 'options.segmentsPerSecond', 'out_of_range'],
    [{ segmentsPerSecond: 0.01 }, 'options.segmentsPerSecond', 'out_of_range'],
    [{ segmentsPerSecond: 1, retry: { maxRetryAfterMs: 999 } }, 'options.segmentsPerSecond', 'out_of_range'],
    [{ onProgress: 'yes' }, 'options.onProgress', 'invalid_type'],
    [{ logger: { info() {} } }, 'options.logger', 'invalid_type'],
    [{ duplicateCheck: { pages: 0 } }, 'options.duplicateCheck.pages', 'out_of_range'],
    [{ timeoutMs: '10' }, 'options.timeoutMs', 'invalid_type'],
  ])('rejects %j at %s with %s', (options, field, code) => {
    const parsed = parseOptions(options);
    expect(parsed.ok ? [] : parsed.issues.map((issue) => [issue.field, issue.code])).toEqual([[field, code]]);
  });

  it.each([
    [{ segmentsPerSecond: 1, retry: { maxRetryAfterMs: 1000 } }],
    [{ segmentsPerSecond: 1 / 60 }],
    [{ segmentsPerSecond: 0.01, retry: { maxRetryAfterMs: 100_000 } }],
  ])('accepts a pace whose one-segment wait is within the wait cap: %j', (options) => {
    expect(parseOptions(options).ok).toBe(true);
  });

  it('explains a pace slower than the wait cap allows, and what to change', () => {
    const parsed = parseOptions({ segmentsPerSecond: 0.01 });
    expect(parsed.ok ? '' : parsed.issues[0]?.message).toBe(
      'options.segmentsPerSecond must pace one segment at least every retry.maxRetryAfterMs (60000 ms), the longest wait the package makes, but paces one every 100000 ms: raise segmentsPerSecond to at least 0.017 or retry.maxRetryAfterMs to at least 100000',
    );
  });

  it('explains why plain http is refused', () => {
    const parsed = parseOptions({ apiBaseUrl: 'http://staging.internal' });
    expect(parsed.ok ? '' : parsed.issues[0]?.message).toBe(
      'options.apiBaseUrl must use https: plain http would send the credentials unencrypted (http is allowed only for loopback addresses, or with allowInsecureHttp: true for a staging server you trust)',
    );
  });
});

describe('duplicateCheck option', () => {
  it.each([
    [undefined, { clockSkewMs: 30_000, pages: 2, pageSize: 50, pauseMs: 1000 }],
    [true, { clockSkewMs: 30_000, pages: 2, pageSize: 50, pauseMs: 1000 }],
    [false, undefined],
    [
      { pauseMs: 5, pages: undefined },
      { clockSkewMs: 30_000, pages: 2, pageSize: 50, pauseMs: 5 },
    ],
  ])('resolves %j to %j', (duplicateCheck, expected) => {
    const parsed = parseOptions({ duplicateCheck });
    expect(parsed.ok && parsed.value.duplicateCheck).toEqual(expected);
  });
});

describe('write with an invalid configuration', () => {
  it('throws one ConfigError listing every problem before any request', async () => {
    const destination = new TwilioDestination(
      {
        credentials: { accountSid: 'AC1', authToken: AUTH_TOKEN },
        settings: { from: FROM, messageTemplate: 'Hi {{#x}}' },
      },
      { timeoutMs: -1 },
    );
    const error = await destination.write([{ to: '+14155550100' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.field)).toEqual([
      'credentials.accountSid',
      'options.timeoutMs',
    ]);
    expect((error as ConfigError).message).toMatch(
      /^Invalid configuration \(2 problems\):\n- credentials\.accountSid: /,
    );
  });

  it('names each field once in the error message', async () => {
    const destination = new TwilioDestination(baseConfig(), { concurrency: 0 });
    const error = await destination.write([]).catch((e: unknown) => e);
    expect((error as ConfigError).message).toBe(
      'Invalid configuration (1 problem):\n- options.concurrency must be at least 1 (got 0)',
    );
  });

  it('reports a template that does not compile', async () => {
    const destination = new TwilioDestination(
      baseConfig({ settings: { messageTemplate: 'Hi {{> partial}}' } }),
    );
    const error = (await destination.write([]).catch((e: unknown) => e)) as ConfigError;
    expect(error.issues).toEqual([
      { field: 'settings.messageTemplate', code: 'template_partial', message: expect.any(String) },
    ]);
    expect(error.message).toMatch(/^Invalid configuration \(1 problem\):/);
  });

  it('reports a template whose fixed text is over 1,600 characters', async () => {
    const destination = new TwilioDestination(
      baseConfig({ settings: { messageTemplate: `${'x'.repeat(1601)}{{a}}` } }),
    );
    const error = (await destination.write([]).catch((e: unknown) => e)) as ConfigError;
    expect(error.issues.map((issue) => issue.code)).toEqual(['template_too_long']);
  });
});
