import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/index.js';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import { encodeForm } from '../src/message.js';
import {
  ACCOUNT_SID,
  api,
  baseConfig,
  createRequest,
  destination,
  errorJson,
  expectCreate,
  FROM,
  failedResult,
  MESSAGING,
  MG_SID,
  TO,
} from './helpers/twilio.js';

const CONTENT_SID = `HX${'d4'.repeat(16)}`;
const sent = {
  status: 'sent',
  index: 0,
  attempts: 1,
  messageSid: `SM${'0'.repeat(31)}1`,
  twilioStatus: 'queued',
};

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
});

describe('send options: the exact form body', () => {
  it('sends SmartEncoded=true last when smartEncoded is set', async () => {
    expectCreate({ To: TO, From: FROM, Body: 'Hi “Ann”', SmartEncoded: 'true' });
    const { dest } = destination({
      settings: { smartEncoded: true, messageTemplate: 'Hi “{{first_name}}”' },
    });
    expect(await dest.write([{ to: TO, first_name: 'Ann' }])).toMatchObject([sent]);
  });

  it('sends no SmartEncoded, ValidityPeriod or ShortenUrls when they are not set', async () => {
    expectCreate({ To: TO, From: FROM, Body: 'Hi Ann' });
    const { dest } = destination({ settings: { smartEncoded: false, shortenUrls: false } });
    expect(await dest.write([{ to: TO, first_name: 'Ann' }])).toMatchObject([sent]);
  });

  it('sends every option in one fixed order: StatusCallback, ValidityPeriod, SmartEncoded, ShortenUrls', async () => {
    expectCreate({
      To: TO,
      MessagingServiceSid: MG_SID,
      Body: 'Hi Ann, see https://example.com/a',
      MediaUrl: 'https://example.com/a.png',
      StatusCallback: 'https://hooks.example.com/status',
      ValidityPeriod: '600',
      SmartEncoded: 'true',
      ShortenUrls: 'true',
    });
    const { dest } = destination({
      settings: {
        from: MG_SID,
        messageTemplate: 'Hi {{first_name}}, see https://example.com/a',
        statusCallback: ' https://hooks.example.com/status ',
        validityPeriod: 600,
        smartEncoded: true,
        shortenUrls: true,
      },
    });
    const results = await dest.write([{ to: TO, first_name: 'Ann', media_url: 'https://example.com/a.png' }]);
    expect(results).toMatchObject([sent]);
  });

  it("lets a row's status_callback override settings.statusCallback", async () => {
    for (const callback of ['https://hooks.example.com/row', 'https://hooks.example.com/default']) {
      expectCreate({ To: TO, From: FROM, Body: 'Hi Ann', StatusCallback: callback });
    }
    const { dest } = destination({ settings: { statusCallback: 'https://hooks.example.com/default' } });
    const results = await dest.write([
      { to: TO, first_name: 'Ann', status_callback: 'https://hooks.example.com/row' },
      { to: TO, first_name: 'Ann', status_callback: '' },
    ]);
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent']);
  });

  it('sends ContentSid and ContentVariables (JSON, in numeric order) and no Body for a Content template', async () => {
    expectCreate({
      To: 'whatsapp:+14155550100',
      From: 'whatsapp:+15005550006',
      ContentSid: CONTENT_SID,
      ContentVariables: '{"1":"Ann","2":"A-1","10":"Ann & \\"Bob\\""}',
      StatusCallback: 'https://hooks.example.com/status',
    });
    const { dest } = new TestConfig({
      from: 'whatsapp:+15005550006',
      contentSid: CONTENT_SID,
      contentVariables: { '10': '{{first_name}} & "Bob"', '2': '{{order.id}}', '1': '{{first_name}}' },
      statusCallback: 'https://hooks.example.com/status',
    });
    const results = await dest.write([{ to: TO, first_name: 'Ann', order: { id: 'A-1' } }]);
    expect(results).toMatchObject([sent]);
  });

  it('sends ContentSid alone when the Content template has no variables', async () => {
    expectCreate({ To: TO, MessagingServiceSid: MG_SID, ContentSid: CONTENT_SID });
    const { dest } = new TestConfig({ from: MG_SID, contentSid: CONTENT_SID });
    expect(await dest.write([{ to: TO }])).toMatchObject([sent]);
  });

  it('encodes the options with Twilio parameter names', () => {
    expect(
      encodeForm({
        to: TO,
        from: FROM,
        body: '',
        mediaUrls: [],
        contentSid: CONTENT_SID,
        contentVariables: { '1': 'x' },
        validityPeriod: 36_000,
        smartEncoded: true,
        shortenUrls: true,
      }),
    ).toBe(
      `To=%2B14155550100&From=%2B15005550006&ContentSid=${CONTENT_SID}&ContentVariables=%7B%221%22%3A%22x%22%7D&ValidityPeriod=36000&SmartEncoded=true&ShortenUrls=true`,
    );
  });
});

/** A destination whose settings are exactly these (no default template). */
class TestConfig {
  readonly dest: TwilioDestination;
  constructor(settings: Record<string, unknown>) {
    this.dest = new TwilioDestination({ ...baseConfig(), settings: settings as never }, { random: () => 1 });
  }
}

describe('Content templates: rows that fail locally', () => {
  const content = { from: MG_SID, contentSid: CONTENT_SID, contentVariables: { '1': '{{first_name}}' } };

  it.each([
    [
      'a missing variable value',
      { to: TO },
      'template_error',
      'Row 0: Content variable 1 (settings.contentVariables): Template field "first_name" is missing or empty in this row; fill it or wrap optional parts in {{#first_name}}…{{/first_name}}',
    ],
    [
      'a row with media',
      { to: TO, first_name: 'Ann', media_url: 'https://example.com/a.png' },
      'invalid_row',
      'Row 0: a Content template (settings.contentSid) carries its own media; leave media_url empty, or send a text template (settings.messageTemplate) instead',
    ],
  ])('fails %s before any request', async (_name, row, code, message) => {
    const { dest } = new TestConfig(content);
    expect(await dest.write([row])).toEqual([failedResult(0, { code, message, retryable: false }, 0)]);
  });

  it('fails a variable that renders empty, since Twilio refuses empty template variables', async () => {
    const { dest } = new TestConfig({ ...content, contentVariables: { '1': '{{#vip}}VIP{{/vip}}' } });
    expect(await dest.write([{ to: TO, vip: false }])).toEqual([
      failedResult(
        0,
        {
          code: 'template_error',
          message:
            'Row 0: Content variable 1 (settings.contentVariables) renders empty for this row; Twilio refuses empty template variables, so fill it or give it a fixed fallback',
          retryable: false,
        },
        0,
      ),
    ]);
  });
});

describe('maxSegments: a hard cap on the write path', () => {
  const long = 'x'.repeat(161); // 2 GSM-7 segments

  it('fails a message over the cap with template_error and makes no request', async () => {
    const { dest } = destination({ settings: { maxSegments: 1, messageTemplate: '{{text}}' } });
    expect(await dest.write([{ to: TO, text: long }])).toEqual([
      failedResult(
        0,
        {
          code: 'template_error',
          message:
            "Row 0: the message would take 2 segments (GSM-7), more than settings.maxSegments (1); nothing was sent. Shorten the template or this row's values, or raise maxSegments",
          retryable: false,
        },
        0,
      ),
    ]);
  });

  it('names the characters that made a message UCS-2 and too long', async () => {
    const { dest } = destination({ settings: { maxSegments: 1, messageTemplate: '{{text}}' } });
    const [result] = await dest.write([{ to: TO, text: `${'x'.repeat(70)}😀` }]);
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: 'template_error',
        message: expect.stringMatching(
          /^Row 0: the message would take 2 segments \(UCS-2 because of "😀"\), more/,
        ),
      },
    });
  });

  it('lists at most five of those characters', async () => {
    const { dest } = destination({ settings: { maxSegments: 1, messageTemplate: '{{text}}' } });
    const [result] = await dest.write([{ to: TO, text: `çáíóú😀🎉${'x'.repeat(70)}` }]);
    expect(result).toMatchObject({
      error: {
        message: expect.stringContaining('(UCS-2 because of "ç", "á", "í", "ó", "ú" and 2 more)'),
      },
    });
  });

  it('sends a message exactly at the cap, counts after Smart Encoding, and never caps an MMS', async () => {
    expectCreate({ To: TO, From: FROM, Body: `“${'x'.repeat(158)}”`, SmartEncoded: 'true' });
    expectCreate({
      To: TO,
      From: FROM,
      Body: long,
      MediaUrl: 'https://example.com/a.png',
      SmartEncoded: 'true',
    });
    const { dest } = destination({
      settings: { maxSegments: 1, smartEncoded: true, messageTemplate: '{{text}}' },
    });
    const results = await dest.write([
      { to: TO, text: `“${'x'.repeat(158)}”` },
      { to: TO, text: long, media_url: 'https://example.com/a.png' },
    ]);
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent']);
  });
});

describe('send options: validation', () => {
  const issues = (settings: Record<string, unknown>) => {
    const parsed = parseSettings({ from: FROM, messageTemplate: 'Hi', ...settings }, undefined);
    return parsed.ok ? [] : parsed.issues;
  };

  it.each([
    [{ validityPeriod: 0 }, 'settings.validityPeriod', 'out_of_range'],
    [{ validityPeriod: 36_001 }, 'settings.validityPeriod', 'out_of_range'],
    [{ validityPeriod: 1.5 }, 'settings.validityPeriod', 'out_of_range'],
    [{ validityPeriod: '60' }, 'settings.validityPeriod', 'invalid_type'],
    [{ smartEncoded: 'yes' }, 'settings.smartEncoded', 'invalid_type'],
    [{ shortenUrls: 1 }, 'settings.shortenUrls', 'invalid_type'],
    [{ maxSegments: 0 }, 'settings.maxSegments', 'out_of_range'],
    [{ maxSegments: 2.5 }, 'settings.maxSegments', 'out_of_range'],
    [{ statusCallback: '' }, 'settings.statusCallback', 'empty'],
    [{ statusCallback: 42 }, 'settings.statusCallback', 'invalid_type'],
    [{ defaultCountry: '' }, 'settings.defaultCountry', 'empty'],
    [{ messageTemplate: undefined, contentSid: 'HX123' }, 'settings.contentSid', 'invalid_content_sid'],
  ])('refuses %j at %s with %s', (settings, field, code) => {
    expect(issues(settings).map((issue) => [issue.field, issue.code])).toEqual([[field, code]]);
  });

  it.each([
    [{ validityPeriod: 1 }],
    [{ validityPeriod: 36_000 }],
    [{ maxSegments: 1 }],
    [{ smartEncoded: true, statusCallback: 'http://127.0.0.1:8080/status', defaultCountry: 'GB' }],
    [{ from: MG_SID, shortenUrls: true }],
    [{ messageTemplate: undefined, contentSid: CONTENT_SID }],
    [{ messageTemplate: undefined, contentSid: CONTENT_SID, contentVariables: { '1': 'x', '12': '{{y}}' } }],
  ])('accepts %j', (settings) => {
    expect(issues(settings)).toEqual([]);
  });

  it.each([
    [
      { statusCallback: 'ftp://hooks.example.com' },
      'settings.statusCallback must be an http(s) URL such as https://example.com/twilio/status (got "ftp://hooks.example.com", which uses the ftp: scheme)',
    ],
    [
      { statusCallback: 'https://my_app.example.com/status' },
      'settings.statusCallback host "my_app.example.com" contains an underscore, which Twilio refuses; use a host name without "_"',
    ],
    [
      { defaultCountry: 'UK' },
      'settings.defaultCountry must be an ISO 3166-1 alpha-2 country code: the United Kingdom is "GB"',
    ],
    [
      { defaultCountry: 'us' },
      'settings.defaultCountry must be an ISO 3166-1 alpha-2 country code in upper case: use "US"',
    ],
    [
      { defaultCountry: 'Germany' },
      'settings.defaultCountry must be an ISO 3166-1 alpha-2 country code such as "US", "GB" or "AU" (got "Germany")',
    ],
    [
      { shortenUrls: true },
      'settings.shortenUrls needs a Messaging Service sender (settings.from = MG…) with a link shortening domain; Twilio cannot shorten links for other senders',
    ],
    [
      { contentSid: CONTENT_SID },
      'Set either settings.messageTemplate (a text message) or settings.contentSid (a Content template), not both: with contentSid the text comes from the Content template and no Body is sent',
    ],
    [
      { contentVariables: { '1': '{{x}}' } },
      'settings.contentVariables needs settings.contentSid: the variables fill a Content template',
    ],
  ])('explains what is wrong with %j', (settings, message) => {
    expect(issues(settings).map((issue) => issue.message)).toEqual([message]);
  });

  it('gives each setting problem its own code', () => {
    expect(
      issues({ defaultCountry: 'UK', shortenUrls: true, contentSid: CONTENT_SID }).map((issue) => [
        issue.field,
        issue.code,
      ]),
    ).toEqual([
      ['settings.messageTemplate', 'template_and_content'],
      ['settings.defaultCountry', 'invalid_country'],
      ['settings.shortenUrls', 'shorten_urls_needs_messaging_service'],
    ]);
  });

  it('requires Content variable keys to be the numbers Twilio uses, and values to be non-empty text', () => {
    const parsed = parseSettings(
      {
        from: FROM,
        contentSid: CONTENT_SID,
        contentVariables: { '1': '', first: '{{x}}', '01': 'y', '2': 3 },
      },
      undefined,
    );
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      {
        field: 'settings.contentVariables.1',
        code: 'empty',
        message: 'settings.contentVariables.1 must not be empty',
      },
      {
        field: 'settings.contentVariables.2',
        code: 'invalid_type',
        message: 'settings.contentVariables.2 must be a string (got a number)',
      },
    ]);
    const keys = parseSettings(
      { from: FROM, contentSid: CONTENT_SID, contentVariables: { first: '{{x}}', '01': 'y' } },
      undefined,
    );
    expect(keys.ok ? [] : keys.issues.map((issue) => [issue.field, issue.code])).toEqual([
      ['settings.contentVariables.first', 'invalid_content_variable'],
      ['settings.contentVariables.01', 'invalid_content_variable'],
    ]);
  });

  it('refuses Content variables that are not an object', () => {
    const parsed = parseSettings({ from: FROM, contentSid: CONTENT_SID, contentVariables: ['x'] }, undefined);
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      {
        field: 'settings.contentVariables',
        code: 'invalid_type',
        message: 'settings.contentVariables must be an object (got an array)',
      },
    ]);
  });

  it('still asks for messageTemplate, as before, when there is neither a template nor a contentSid', () => {
    expect(parseSettings({ from: FROM }, undefined)).toEqual({
      ok: false,
      issues: [
        {
          field: 'settings.messageTemplate',
          code: 'required',
          message: 'settings.messageTemplate is required',
        },
      ],
    });
  });

  it('makes write throw one ConfigError, before any request, for a bad option or Content variable template', async () => {
    const bad = new TwilioDestination(baseConfig({ settings: { validityPeriod: 0 } }));
    const error = (await bad.write([{ to: TO }]).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((issue) => issue.field)).toEqual(['settings.validityPeriod']);

    const { dest } = new TestConfig({
      from: FROM,
      contentSid: CONTENT_SID,
      contentVariables: { '2': '{{> partial}}', '1': 'Hi {{#x}}' },
    });
    const template = (await dest.write([{ to: TO }]).catch((e: unknown) => e)) as ConfigError;
    expect(template.issues.map((issue) => [issue.field, issue.code])).toEqual([
      ['settings.contentVariables.1', 'template_syntax'],
      ['settings.contentVariables.2', 'template_partial'],
    ]);
  });
});

describe('validateTargetSettings: what every message will cost', () => {
  const NUMBERS_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`;
  const owned = () =>
    api()
      .get(NUMBERS_PATH)
      .query({ PhoneNumber: FROM })
      .reply(200, { incoming_phone_numbers: [{ phone_number: FROM, capabilities: { sms: true } }] });

  it('warns that fixed text with a curly quote makes every message UCS-2, and suggests smartEncoded', async () => {
    owned();
    const result = await new TwilioDestination(
      baseConfig({ settings: { messageTemplate: 'It’s ready, {{first_name}} 🎉' } }),
    ).validateTargetSettings();
    expect(result.warnings).toEqual([
      {
        field: 'settings.messageTemplate',
        code: 'template_ucs2',
        message:
          'The template\'s fixed text contains "’", "🎉", which GSM-7 cannot encode: every message will be sent as UCS-2, 70 characters per segment (67 once split) instead of 160 (153); set settings.smartEncoded to true to have Twilio replace "’" with GSM-7 look-alikes',
      },
    ]);
    expect(result.info).toMatchObject({ fixedTextEncoding: 'UCS-2', fixedTextSegments: 1 });
  });

  it('does not suggest smartEncoded when it is already set', async () => {
    owned();
    const result = await new TwilioDestination(
      baseConfig({ settings: { smartEncoded: true, messageTemplate: 'It’s ready 🎉 {{first_name}}' } }),
    ).validateTargetSettings();
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      'The template\'s fixed text contains "🎉", which GSM-7 cannot encode: every message will be sent as UCS-2, 70 characters per segment (67 once split) instead of 160 (153)',
    ]);
  });

  it('counts the fixed text after Smart Encoding when smartEncoded is set', async () => {
    owned();
    const result = await new TwilioDestination(
      baseConfig({
        settings: { smartEncoded: true, messageTemplate: `“${'x'.repeat(160)}” {{first_name}}` },
      }),
    ).validateTargetSettings();
    expect(result.warnings).toEqual([]);
    expect(result.info).toMatchObject({
      fixedTextEncoding: 'GSM-7',
      fixedTextSegments: 2,
      fixedTextLength: 163,
    });
  });

  it('warns when the fixed text alone exceeds maxSegments', async () => {
    owned();
    const result = await new TwilioDestination(
      baseConfig({ settings: { maxSegments: 1, messageTemplate: `${'ç'.repeat(71)} {{first_name}}` } }),
    ).validateTargetSettings();
    expect(result.ok).toBe(true);
    expect(result.warnings.map((warning) => warning.code)).toEqual([
      'template_ucs2',
      'template_exceeds_max_segments',
    ]);
    expect(result.warnings[1]?.message).toBe(
      "The template's text outside sections alone takes 2 segments (UCS-2), more than settings.maxSegments (1): every SMS row will fail with template_error (an MMS counts as one). Shorten the template or raise maxSegments",
    );
  });

  it('lists the fields of Content variables and reports their syntax errors', async () => {
    nock(MESSAGING).get(`/v1/Services/${MG_SID}`).reply(200, { sid: MG_SID, friendly_name: 'Alerts' });
    const result = await new TestConfig({
      from: MG_SID,
      contentSid: CONTENT_SID,
      contentVariables: { '1': '{{first_name}}', '2': '{{order_id}} {{first_name}}', '3': '{{#x}}', '4': 5 },
    }).dest.validateTargetSettings();
    expect(result.errors.map((issue) => [issue.field, issue.code])).toEqual([
      ['settings.contentVariables.4', 'invalid_type'],
      ['settings.contentVariables.3', 'template_syntax'],
    ]);
    expect(result.info['fields']).toEqual(['first_name', 'order_id']);
  });
});

describe('21610: the recipient opted out (needs the optedOut lines in the sender)', () => {
  it('reports optedOut: true and says plainly that the recipient replied STOP', async () => {
    createRequest({ To: TO, From: FROM, Body: 'Hi Ann' }).reply(
      400,
      errorJson(21610, 400, 'Attempt to send to unsubscribed recipient'),
      {
        'Twilio-Request-Id': 'RQ815e25eebd217dd2eb208429e07cd9d0',
      },
    );
    const { dest } = destination();
    expect(await dest.write([{ to: TO, first_name: 'Ann' }])).toEqual([
      failedResult(0, {
        code: 'twilio_rejected',
        message:
          'Row 0: the recipient has opted out (replied STOP), so Twilio will not send to this number from this sender (HTTP 400, Twilio error 21610: Attempt to send to unsubscribed recipient). Suppress this recipient; they can opt back in by replying START. See https://www.twilio.com/docs/errors/21610',
        retryable: false,
        possiblySent: false,
        optedOut: true,
        httpStatus: 400,
        twilioCode: 21610,
        moreInfo: 'https://www.twilio.com/docs/errors/21610',
        requestId: 'RQ815e25eebd217dd2eb208429e07cd9d0',
      }),
    ]);
  });
});
