import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { TwilioDestination } from '../src/destination.js';
import { closedPort, startServer } from './helpers/server.js';
import {
  ACCOUNT_SID,
  API,
  AUTH_TOKEN,
  api,
  baseConfig,
  errorJson,
  FROM,
  KEY_BASIC,
  KEY_CREDENTIALS,
  MESSAGING,
  MG_SID,
} from './helpers/twilio.js';

const ACCOUNT_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}.json`;
const NUMBERS_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`;
/** `validateCredentials()` of a destination with API key credentials. */
const validateKey = () =>
  new TwilioDestination(baseConfig({ credentials: KEY_CREDENTIALS })).validateCredentials();
const account = (status: string, type: string) => ({ sid: ACCOUNT_SID, status, type, friendly_name: 'Acme' });

/** An issue whose message contains `text`. */
const issueWith = (field: string, code: string, text: string) => ({
  field,
  code,
  message: expect.stringContaining(text),
});

describe('validateCredentials', () => {
  it('reports an active full account as ok with its status and type', async () => {
    const scope = api().get(ACCOUNT_PATH).reply(200, account('active', 'Full'));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result).toEqual({
      ok: true,
      errors: [],
      warnings: [],
      info: { account: { status: 'active', type: 'Full' } },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('warns that a trial account reaches only verified numbers', async () => {
    api().get(ACCOUNT_PATH).reply(200, account('active', 'Trial'));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      issueWith('credentials.accountSid', 'trial_account', 'verified phone numbers'),
    ]);
  });

  it.each([
    ['suspended', 'account_suspended'],
    ['closed', 'account_closed'],
  ])('refuses a %s account', async (status, code) => {
    api().get(ACCOUNT_PATH).reply(200, account(status, 'Full'));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result).toMatchObject({
      ok: false,
      errors: [{ field: 'credentials.accountSid', code, message: expect.stringContaining(`is ${status}`) }],
      info: { account: { status, type: 'Full' } },
    });
  });

  it('says the SID/token pair was refused, and where to find the right one, on 401', async () => {
    api()
      .get(ACCOUNT_PATH)
      .reply(401, errorJson(20003, 401, 'Authenticate'));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'credentials.authToken',
          code: 'credentials_refused',
          message: expect.stringMatching(
            /^Twilio refused this Account SID and Auth Token pair \(HTTP 401, error 20003\)\. Copy the Account SID and Auth Token from the Twilio Console/,
          ),
        },
      ],
      warnings: [],
      info: {},
    });
  });

  it('treats 403 as authenticated with limited permission (test credentials)', async () => {
    api().get(ACCOUNT_PATH).reply(403, errorJson(20403, 403));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result).toMatchObject({
      ok: true,
      errors: [],
      warnings: [{ field: 'credentials.authToken', code: 'permission_limited' }],
    });
  });

  it('reports an unknown account on 404', async () => {
    api().get(ACCOUNT_PATH).reply(404, errorJson(20404, 404));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result.errors.map((e) => e.code)).toEqual(['account_not_found']);
  });

  it('reports a Twilio failure without calling the credentials bad', async () => {
    api().get(ACCOUNT_PATH).reply(503, errorJson(20503, 503));
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([['credentials', 'twilio_error']]);
  });

  it('reports a network failure as network_error, never as bad credentials', async () => {
    const result = await new TwilioDestination(baseConfig(), {
      apiBaseUrl: await closedPort(),
    }).validateCredentials();
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'credentials', code: 'network_error' }] });
  });

  it('checks the format first and makes no request for malformed credentials', async () => {
    const result = await new TwilioDestination(
      baseConfig({ credentials: { accountSid: 'AC12', authToken: AUTH_TOKEN } }),
      { timeoutMs: 0 },
    ).validateCredentials();
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['credentials.accountSid', 'invalid_account_sid'],
      ['options.timeoutMs', 'out_of_range'],
    ]);
  });

  it('checks an API key on Messages when /Accounts refuses it', async () => {
    const scope = nock(API, { reqheaders: { authorization: KEY_BASIC } })
      .get(ACCOUNT_PATH)
      .reply(401, errorJson(20003, 401))
      .get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`)
      .query({ PageSize: '1' })
      .reply(200, { messages: [] });
    const result = await validateKey();
    expect(result).toEqual({
      ok: true,
      errors: [],
      warnings: [
        issueWith('credentials.apiKeySid', 'account_status_unknown', 'status and type could not be checked'),
      ],
      info: {},
    });
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    [401, false, 'credentials_refused'],
    [403, true, 'permission_limited'],
    [500, false, 'twilio_error'],
  ])('reports an API key that Messages answers with %i', async (status, ok, code) => {
    nock(API)
      .get(ACCOUNT_PATH)
      .reply(403, errorJson(20403, 403))
      .get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`)
      .query({ PageSize: '1' })
      .reply(status, errorJson(status === 500 ? 20500 : 20003, status));
    const result = await validateKey();
    expect(result.ok).toBe(ok);
    expect([...result.errors, ...result.warnings].map((issue) => issue.code)).toEqual([code]);
  });

  it('reports a network failure while checking an API key on Messages', async () => {
    // The first answer closes the server, so the Messages check meets a refused connection.
    const server = await startServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(errorJson(20003, 401)));
      void server.close();
    });
    const result = await new TwilioDestination(baseConfig({ credentials: KEY_CREDENTIALS }), {
      apiBaseUrl: server.url,
    }).validateCredentials();
    expect(result.errors.map((e) => e.code)).toEqual(['network_error']);
    expect(server.received.map((r) => r.url)).toEqual([ACCOUNT_PATH]);
  });

  it('accepts a full-permission API key on /Accounts directly', async () => {
    nock(API).get(ACCOUNT_PATH).reply(200, account('active', 'Full'));
    const result = await validateKey();
    expect(result).toEqual({
      ok: true,
      errors: [],
      warnings: [],
      info: { account: { status: 'active', type: 'Full' } },
    });
  });
});

describe('validateTargetSettings', () => {
  it('checks an owned number with one request, lists the template fields and counts the text outside sections', async () => {
    const scope = api()
      .get(NUMBERS_PATH)
      .query({ PhoneNumber: FROM })
      .reply(200, {
        incoming_phone_numbers: [{ phone_number: FROM, capabilities: { sms: true, mms: true } }],
      });
    const result = await new TwilioDestination(
      baseConfig({
        settings: { messageTemplate: 'Hi {{first_name}}, order {{order.id}}{{#vip}} ⭐{{/vip}}' },
      }),
    ).validateTargetSettings();
    expect(result).toEqual({
      ok: true,
      errors: [],
      warnings: [],
      info: {
        fields: ['first_name', 'order.id', 'vip'],
        fixedTextLength: 13,
        // The ⭐ is inside a section, so not every message has it: the floor stays GSM-7.
        fixedTextEncoding: 'GSM-7',
        fixedTextSegments: 1,
        sender: { kind: 'phone', number: FROM, capabilities: { sms: true, mms: true } },
      },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('explains that a number the account does not own would fail every row with 21606', async () => {
    api().get(NUMBERS_PATH).query({ PhoneNumber: FROM }).reply(200, { incoming_phone_numbers: [] });
    const result = await new TwilioDestination(baseConfig()).validateTargetSettings();
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      issueWith('settings.from', 'sender_not_owned', 'error 21606 for every row'),
    ]);
  });

  it('refuses an owned number that cannot send SMS', async () => {
    api()
      .get(NUMBERS_PATH)
      .query({ PhoneNumber: FROM })
      .reply(200, { incoming_phone_numbers: [{ phone_number: FROM, capabilities: { sms: false } }] });
    const result = await new TwilioDestination(baseConfig()).validateTargetSettings();
    expect(result.errors.map((e) => e.code)).toEqual(['sender_not_sms_capable']);
  });

  it('checks a Messaging Service on the Messaging API', async () => {
    nock(MESSAGING).get(`/v1/Services/${MG_SID}`).reply(200, { sid: MG_SID, friendly_name: 'Alerts' });
    const result = await new TwilioDestination(
      baseConfig({ settings: { from: MG_SID } }),
    ).validateTargetSettings();
    expect(result.info['sender']).toEqual({ kind: 'messaging_service', sid: MG_SID, friendlyName: 'Alerts' });
    expect(result.ok).toBe(true);
  });

  it('reports a Messaging Service that does not exist', async () => {
    nock(MESSAGING).get(`/v1/Services/${MG_SID}`).reply(404, errorJson(20404, 404));
    const result = await new TwilioDestination(
      baseConfig({ settings: { from: MG_SID } }),
    ).validateTargetSettings();
    expect(result.errors.map((e) => e.code)).toEqual(['sender_not_found']);
  });

  it.each([
    ['a 401', (s: nock.Interceptor) => s.reply(401, errorJson(20003, 401))],
    ['a 403', (s: nock.Interceptor) => s.reply(403, errorJson(20403, 403))],
  ])('turns %s on the sender check into a warning', async (_name, answer) => {
    answer(nock(API).get(NUMBERS_PATH).query({ PhoneNumber: FROM }));
    const result = await new TwilioDestination(baseConfig()).validateTargetSettings();
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.field, w.code])).toEqual([['settings.from', 'sender_unverified']]);
  });

  it('turns a network failure on the sender check into a warning', async () => {
    const result = await new TwilioDestination(baseConfig(), {
      apiBaseUrl: await closedPort(),
    }).validateTargetSettings();
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.field, w.code])).toEqual([['settings.from', 'sender_unverified']]);
  });

  it.each([['12345'], ['Acme'], ['whatsapp:+14155550100']])(
    'makes no request for the sender %s and says it was not checked',
    async (from) => {
      const result = await new TwilioDestination(baseConfig({ settings: { from } })).validateTargetSettings();
      expect(result.ok).toBe(true);
      expect(result.warnings.map((w) => w.code)).toEqual(['sender_not_checked']);
    },
  );

  it('reports an unclosed tag with its position, and makes no sender request for a malformed sender', async () => {
    const result = await new TwilioDestination(
      baseConfig({ settings: { from: 'bad sender!', messageTemplate: 'Hi {{#vip}}VIP' } }),
    ).validateTargetSettings();
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['settings.from', 'invalid_sender'],
      ['settings.messageTemplate', 'template_syntax'],
    ]);
    expect(result.errors[1]?.message).toMatch(/line 1, column 4/);
  });

  it('refuses a tag that swallows the next one, pointing at it, instead of listing it as a field', async () => {
    const result = await new TwilioDestination(
      baseConfig({ settings: { from: 'Acme', messageTemplate: 'Hi {{first_name, your order {{order_id}}' } }),
    ).validateTargetSettings();
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        field: 'settings.messageTemplate',
        code: 'template_syntax',
        message: expect.stringMatching(
          /^Invalid field name "first_name, your order \{\{order_id" in the tag at line 1, column 4 \(position 3\): it contains "\{\{"/,
        ),
      },
    ]);
    expect(result.info['fields']).toBeUndefined();
  });

  it('refuses a template nested 5,000 sections deep with a validation error instead of throwing', async () => {
    const messageTemplate = `${'{{#a}}'.repeat(5000)}x${'{{/a}}'.repeat(5000)}`;
    const result = await new TwilioDestination(
      baseConfig({ settings: { from: 'Acme', messageTemplate } }),
    ).validateTargetSettings();
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['settings.messageTemplate', 'template_too_deep'],
    ]);
  });

  it('refuses partials and fixed text over 1,600 characters', async () => {
    const partial = await new TwilioDestination(
      baseConfig({ settings: { from: 'Acme', messageTemplate: '{{> footer}}' } }),
    ).validateTargetSettings();
    expect(partial.errors.map((e) => e.code)).toEqual(['template_partial']);
    const long = await new TwilioDestination(
      baseConfig({ settings: { from: 'Acme', messageTemplate: 'x'.repeat(1601) } }),
    ).validateTargetSettings();
    expect(long.errors.map((e) => e.code)).toEqual(['template_too_long']);
    expect(long.info['fixedTextLength']).toBe(1601);
  });

  it('reports unknown setting and mapping keys, and bad options, without a live check', async () => {
    const result = await new TwilioDestination(
      {
        ...baseConfig(),
        settings: { from: FROM, messageTemplate: 'x', sendAt: 'now' },
        mapping: { phone: 'to' },
      } as never,
      { apiBaseUrl: 'http://example.com' },
    ).validateTargetSettings();
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['settings.sendAt', 'unknown_key'],
      ['mapping.phone', 'unknown_key'],
      ['options.apiBaseUrl', 'insecure_url'],
    ]);
  });

  it('skips the live check when the credentials are malformed', async () => {
    const result = await new TwilioDestination(
      baseConfig({ credentials: { accountSid: ACCOUNT_SID, authToken: 'x' } }),
    ).validateTargetSettings();
    expect(result).toEqual({
      ok: true,
      errors: [],
      warnings: [],
      info: { fields: ['first_name'], fixedTextLength: 3, fixedTextEncoding: 'GSM-7', fixedTextSegments: 1 },
    });
  });

  it('never throws, even for a configuration that is not an object', async () => {
    const destination = new TwilioDestination(null as never, null as never);
    expect((await destination.validateTargetSettings()).ok).toBe(false);
    expect((await destination.validateCredentials()).ok).toBe(false);
  });
});

describe('validation edge answers', () => {
  it('reports an unreadable account answer as a network-level failure', async () => {
    api().get(ACCOUNT_PATH).reply(200, 'not json');
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result.errors).toEqual([
      { field: 'credentials', code: 'network_error', message: expect.stringContaining('is not valid JSON') },
    ]);
  });

  it('names error 20003 when a 401 carries no code', async () => {
    api().get(ACCOUNT_PATH).reply(401, '');
    const result = await new TwilioDestination(baseConfig()).validateCredentials();
    expect(result.errors[0]?.message).toContain('(HTTP 401, error 20003)');
  });

  it('keeps a Messaging Service without a friendly name', async () => {
    nock(MESSAGING).get(`/v1/Services/${MG_SID}`).reply(200, { sid: MG_SID });
    const result = await new TwilioDestination(
      baseConfig({ settings: { from: MG_SID } }),
    ).validateTargetSettings();
    expect(result.info['sender']).toEqual({ kind: 'messaging_service', sid: MG_SID, friendlyName: null });
  });

  it.each([
    [{}, 'sender_not_owned'],
    [{ incoming_phone_numbers: [null, { phone_number: '+19999999999' }] }, 'sender_not_owned'],
  ])('treats the number list %j as not owned', async (body, code) => {
    api().get(NUMBERS_PATH).query({ PhoneNumber: FROM }).reply(200, body);
    const result = await new TwilioDestination(baseConfig()).validateTargetSettings();
    expect(result.errors.map((e) => e.code)).toEqual([code]);
  });

  it('accepts an owned number whose capabilities are not given', async () => {
    api()
      .get(NUMBERS_PATH)
      .query({ PhoneNumber: FROM })
      .reply(200, { incoming_phone_numbers: [{ phone_number: FROM }] });
    const result = await new TwilioDestination(baseConfig()).validateTargetSettings();
    expect(result).toMatchObject({
      ok: true,
      info: { sender: { kind: 'phone', number: FROM, capabilities: null } },
    });
  });
});
