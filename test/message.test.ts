import { describe, expect, it } from 'vitest';
import {
  type BuildResult,
  buildMessage,
  describeCharacters,
  encodeForm,
  type MessagePlan,
  type MessageRequest,
  messageSegments,
} from '../src/message.js';
import { preparePlan } from '../src/plan.js';
import type { FieldMapping, TargetSettings } from '../src/types.js';
import { FROM, MG_SID, TO } from './helpers/twilio.js';

const CONTENT_SID = `HX${'d4'.repeat(16)}`;

function plan(settings: Partial<TargetSettings> = {}, mapping: FieldMapping = {}): MessagePlan {
  const prepared = preparePlan({ from: FROM, messageTemplate: 'Hi {{first_name}}', ...settings }, mapping);
  if (prepared.plan === undefined) throw new Error(JSON.stringify(prepared.issues));
  return prepared.plan;
}

function contentPlan(contentVariables?: Record<string, string>): MessagePlan {
  const settings = { from: FROM, contentSid: CONTENT_SID, ...(contentVariables && { contentVariables }) };
  const prepared = preparePlan(settings, {});
  if (prepared.plan === undefined) throw new Error(JSON.stringify(prepared.issues));
  return prepared.plan;
}

const request = (fields: Partial<MessageRequest>): MessageRequest => ({
  to: TO,
  originalTo: TO,
  from: FROM,
  body: 'Hi Ann',
  mediaUrls: [],
  ...fields,
});

describe('buildMessage', () => {
  it.each<[string, unknown, MessagePlan, BuildResult]>([
    ['a plain row', { to: TO, first_name: 'Ann' }, plan(), { ok: true, request: request({}) }],
    [
      'a row whose to needs trimming',
      { to: ` ${TO} `, first_name: 'Ann' },
      plan(),
      { ok: true, request: request({ originalTo: ` ${TO} ` }) },
    ],
    [
      'a national number with a default country',
      { to: '(415) 555-0100', first_name: 'Ann' },
      plan({ defaultCountry: 'US' }),
      { ok: true, request: request({ originalTo: '(415) 555-0100' }) },
    ],
    [
      'a Messaging Service sender',
      { to: TO, first_name: 'Ann' },
      plan({ from: MG_SID }),
      {
        ok: true,
        request: { to: TO, originalTo: TO, messagingServiceSid: MG_SID, body: 'Hi Ann', mediaUrls: [] },
      },
    ],
    [
      'mapped columns, and send options from the settings',
      { phone: TO, name: 'Ann', pics: 'https://example.com/a.png', hook: 'https://hooks.example.com/row' },
      plan(
        { messageTemplate: 'Hi {{name}}', validityPeriod: 600, smartEncoded: true, shortenUrls: false },
        { to: 'phone', media_url: 'pics', status_callback: 'hook' },
      ),
      {
        ok: true,
        request: request({
          mediaUrls: ['https://example.com/a.png'],
          statusCallback: 'https://hooks.example.com/row',
          validityPeriod: 600,
          smartEncoded: true,
        }),
      },
    ],
    [
      'the settings status callback when the row has none',
      { to: TO, first_name: 'Ann' },
      plan({ statusCallback: ' https://hooks.example.com/s ' }),
      { ok: true, request: request({ statusCallback: 'https://hooks.example.com/s' }) },
    ],
    [
      'a Content template with its variables',
      { to: TO, first_name: 'Ann', order: 7 },
      contentPlan({ '2': '{{order}}', '1': '{{first_name}}' }),
      {
        ok: true,
        request: request({ body: '', contentSid: CONTENT_SID, contentVariables: { '1': 'Ann', '2': '7' } }),
      },
    ],
  ])('builds the request for %s', (_name, row, messagePlan, expected) => {
    expect(buildMessage(row, 0, messagePlan)).toEqual(expected);
  });

  it.each<[string, unknown, MessagePlan, string, string]>([
    ['null', null, plan(), 'invalid_row', 'Row 3: a row must be an object of column values (got null)'],
    [
      'an array',
      [TO],
      plan(),
      'invalid_row',
      'Row 3: a row must be an object of column values (got an array)',
    ],
    ['a string', TO, plan(), 'invalid_row', 'Row 3: a row must be an object of column values (got a string)'],
    [
      'a row with no to',
      { first_name: 'Ann' },
      plan({}, { to: 'phone' }),
      'invalid_row',
      'Row 3: "to" must be a phone number in E.164 format such as +14155550100, as text (got undefined) (read from column "phone")',
    ],
    [
      'a missing placeholder',
      { to: TO },
      plan(),
      'template_error',
      'Row 3: Template field "first_name" is missing or empty in this row; fill it or wrap optional parts in {{#first_name}}…{{/first_name}}',
    ],
    [
      'a body over 1,600 characters',
      { to: TO, first_name: 'x'.repeat(1598) },
      plan(),
      'template_error',
      "Row 3: the rendered message is 1601 characters; Twilio accepts at most 1600 (error 21617). Shorten the template or this row's values",
    ],
    [
      'an empty body and no media',
      { to: TO },
      plan({ messageTemplate: '{{#x}}x{{/x}}' }),
      'template_error',
      'Row 3: the rendered message is empty and the row has no media_url; Twilio needs a body or media (error 21602)',
    ],
    [
      'media with a Content template',
      { to: TO, media_url: 'https://example.com/a.png' },
      contentPlan(),
      'invalid_row',
      'Row 3: a Content template (settings.contentSid) carries its own media; leave media_url empty, or send a text template (settings.messageTemplate) instead',
    ],
    [
      'an empty Content variable',
      { to: TO },
      contentPlan({ '1': '{{#nick}}{{nick}}{{/nick}}' }),
      'template_error',
      'Row 3: Content variable 1 (settings.contentVariables) renders empty for this row; Twilio refuses empty template variables, so fill it or give it a fixed fallback',
    ],
    [
      'a Content variable that cannot render',
      { to: TO, first_name: () => 'x' },
      contentPlan({ '1': '{{first_name}}' }),
      'template_error',
      'Row 3: Content variable 1 (settings.contentVariables): Template field "first_name" is a function; functions in rows are never called',
    ],
    [
      'a message over maxSegments',
      { to: TO, first_name: '“Ann”'.repeat(20) },
      plan({ maxSegments: 1 }),
      'template_error',
      'Row 3: the message would take 2 segments (UCS-2 because of "“", "”"), more than settings.maxSegments (1); nothing was sent. Shorten the template or this row\'s values, or raise maxSegments',
    ],
    [
      'a row whose getter throws',
      Object.defineProperty({}, 'to', {
        enumerable: true,
        get() {
          throw new Error('revoked');
        },
      }),
      plan(),
      'invalid_row',
      'Row 3: the row could not be read (revoked)',
    ],
  ])('fails %s before any request', (_name, row, messagePlan, code, message) => {
    expect(buildMessage(row, 3, messagePlan)).toEqual({
      ok: false,
      error: { code, message, retryable: false },
    });
  });

  it.each<[string, MessagePlan, boolean, number | undefined]>([
    ['counts nothing on the write path without maxSegments', plan(), false, undefined],
    ['counts the segments when measuring', plan(), true, 1],
    ['counts the segments to enforce maxSegments', plan({ maxSegments: 3 }), false, 1],
  ])('%s', (_name, messagePlan, measure, segments) => {
    const built = buildMessage({ to: TO, first_name: 'Ann' }, 0, messagePlan, { measure });
    expect(built.ok && built.segments?.segments).toBe(segments ?? undefined);
  });
});

describe('encodeForm', () => {
  it.each<[string, MessageRequest, string]>([
    ['To, From and Body', request({}), `To=%2B14155550100&From=%2B15005550006&Body=Hi+Ann`],
    [
      'no Body when it is blank',
      request({ body: ' ', mediaUrls: ['https://e.com/a.png'] }),
      'To=%2B14155550100&From=%2B15005550006&MediaUrl=https%3A%2F%2Fe.com%2Fa.png',
    ],
    [
      'every field in its fixed order',
      {
        to: TO,
        messagingServiceSid: MG_SID,
        body: 'x',
        mediaUrls: ['a', 'b'],
        contentSid: CONTENT_SID,
        contentVariables: { '2': 'b', '1': 'a' },
        statusCallback: 'https://h',
        validityPeriod: 60,
        smartEncoded: true,
        shortenUrls: true,
      },
      new URLSearchParams([
        ['To', TO],
        ['MessagingServiceSid', MG_SID],
        ['Body', 'x'],
        ['MediaUrl', 'a'],
        ['MediaUrl', 'b'],
        ['ContentSid', CONTENT_SID],
        ['ContentVariables', '{"1":"a","2":"b"}'],
        ['StatusCallback', 'https://h'],
        ['ValidityPeriod', '60'],
        ['SmartEncoded', 'true'],
        ['ShortenUrls', 'true'],
      ]).toString(),
    ],
  ])('writes %s', (_name, messageRequest, form) => {
    expect(encodeForm(messageRequest)).toBe(form);
  });
});

describe('messageSegments', () => {
  it.each<[string, Partial<MessageRequest>, { encoding: string; segments: number }]>([
    ['GSM-7 text', { body: 'x'.repeat(161) }, { encoding: 'GSM-7', segments: 2 }],
    ['UCS-2 text', { body: '“'.repeat(71) }, { encoding: 'UCS-2', segments: 2 }],
    [
      'an MMS as one, whatever its text',
      { body: 'x'.repeat(500), mediaUrls: ['a'] },
      { encoding: 'GSM-7', segments: 1 },
    ],
    ['a Content template as one', { body: '', contentSid: CONTENT_SID }, { encoding: 'GSM-7', segments: 1 }],
    [
      'smart-encoded text as Twilio would send it',
      { body: '“hi”', smartEncoded: true },
      { encoding: 'GSM-7', segments: 1 },
    ],
  ])('counts %s', (_name, fields, expected) => {
    expect(messageSegments(request(fields))).toMatchObject(expected);
  });
});

describe('describeCharacters', () => {
  it.each<[string[], string]>([
    [['“'], '"“"'],
    [['a', 'b', 'c', 'd', 'e'], '"a", "b", "c", "d", "e"'],
    [['a', 'b', 'c', 'd', 'e', 'f', 'g'], '"a", "b", "c", "d", "e" and 2 more'],
  ])('describes %j as %s', (characters, text) => {
    expect(describeCharacters(characters)).toBe(text);
  });
});
