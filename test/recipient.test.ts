import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkMediaUrls,
  checkRecipient,
  checkStatusCallback,
  classifySender,
  E164,
  MAX_MEDIA_URLS,
  MAX_TO_LENGTH,
  MAX_URL_LENGTH,
  type SenderKind,
} from '../src/recipient.js';
import { longestRegexInput } from './helpers/regex-input.js';

const SID_HEX = '0123456789abcdef0123456789ABCDEF';

describe('classifySender', () => {
  it.each<[string, SenderKind]>([
    ['+15551234567', 'phone'],
    ['+12', 'phone'],
    ['+123456789012345', 'phone'],
    ['+447700900123', 'phone'],
    [`MG${SID_HEX}`, 'messaging_service'],
    [`MG${SID_HEX.toLowerCase()}`, 'messaging_service'],
    [`MG${SID_HEX.toUpperCase()}`, 'messaging_service'],
    ['12345', 'short_code'],
    ['123456', 'short_code'],
    ['A', 'alphanumeric'],
    ['Acme', 'alphanumeric'],
    ['Acme Shop 1', 'alphanumeric'],
    ['1Acme', 'alphanumeric'],
    ['MGabc', 'alphanumeric'],
    ['whatsapp:+15551234567', 'whatsapp'],
  ])('classifies %j as %s', (from, kind) => {
    expect(classifySender(from)).toBe(kind);
  });

  it.each([
    ['an empty value', ''],
    ['a lone +', '+'],
    ['a one-digit number', '+1'],
    ['a number starting with 0', '+0123456789'],
    ['a 16-digit number', '+1234567890123456'],
    ['a number with spaces', '+1 555 123 4567'],
    ['a number without +', '15551234567'],
    ['a Messaging Service SID one character short', `MG${SID_HEX.slice(1)}`],
    ['a Messaging Service SID with a lower-case prefix', `mg${SID_HEX}`],
    ['a Messaging Service SID with a non-hex character', `MG${SID_HEX.slice(1)}g`],
    ['a 4-digit short code', '1234'],
    ['a 7-digit short code', '1234567'],
    ['a 12-character sender ID', 'Acme Shop 12'],
    ['a sender ID without letters', '12 34'],
    ['a sender ID with punctuation', 'Acme-Shop'],
    ['a sender ID with accents', 'Café'],
    ['only spaces', '   '],
    ['surrounding spaces on a number', ' +15551234567'],
    ['a WhatsApp address without +', 'whatsapp:15551234567'],
    ['a WhatsApp address with an upper-case prefix', 'WhatsApp:+15551234567'],
    ['another channel', 'messenger:12345'],
  ])('refuses %s', (_name, from) => {
    expect(classifySender(from)).toBeUndefined();
  });

  it('refuses a value that is not text', () => {
    expect(classifySender(15551234567 as unknown as string)).toBeUndefined();
  });
});

describe('E164', () => {
  it.each([
    ['+14155550100', true],
    ['+12', true],
    ['+1', false],
    ['+01', false],
    ['14155550100', false],
    ['+1415555010012345', false],
  ])('tests %j as %s', (value, expected) => {
    expect(E164.test(value)).toBe(expected);
  });
});

describe('checkRecipient', () => {
  it.each<SenderKind>(['phone', 'messaging_service', 'short_code', 'alphanumeric'])(
    'accepts an E.164 number with a %s sender, trimmed',
    (sender) => {
      expect(checkRecipient('  +14155550100\n', sender)).toEqual({ ok: true, value: '+14155550100' });
    },
  );

  it('puts the whatsapp: prefix on a plain E.164 number for a WhatsApp sender (Twilio refuses the pair otherwise, 21910)', () => {
    expect(checkRecipient('  +14155550100\n', 'whatsapp')).toEqual({
      ok: true,
      value: 'whatsapp:+14155550100',
    });
  });

  it.each<SenderKind>(['whatsapp', 'messaging_service'])(
    'accepts whatsapp:+E164 with a %s sender',
    (sender) => {
      expect(checkRecipient(' whatsapp:+14155550100 ', sender)).toEqual({
        ok: true,
        value: 'whatsapp:+14155550100',
      });
    },
  );

  it.each<SenderKind>(['phone', 'short_code', 'alphanumeric'])(
    'refuses whatsapp:+E164 with a %s sender, saying which senders take it',
    (sender) => {
      expect(checkRecipient('whatsapp:+14155550100', sender)).toEqual({
        ok: false,
        message:
          '"to" must be a phone number in E.164 format such as +14155550100 (got "whatsapp:+14155550100"); ' +
          'whatsapp: recipients need a whatsapp: sender or a Messaging Service',
      });
    },
  );

  const country =
    'set settings.defaultCountry (an ISO country code such as "US") to have national and loosely formatted numbers normalised';
  it.each<[SenderKind, string, string]>([
    ['phone', '0415 555', `; ${country}`],
    ['short_code', '', ''],
    ['phone', '+0415555', ''],
    ['phone', 'Ann', ''],
    ['phone', 'whatsapp:0415', '; whatsapp: recipients need a whatsapp: sender or a Messaging Service'],
    ['alphanumeric', '+1 (415) 555-0100', `; remove spaces, dashes and brackets, or ${country}`],
    ['phone', '0044 7700 900123', `; write the leading 00 as +, or ${country}`],
    ['phone', '14155550100', `; add a leading + and the country code, or ${country}`],
    ['whatsapp', '0415 555', `; ${country}; with a WhatsApp sender, whatsapp:+14155550100 is accepted too`],
    [
      'messaging_service',
      '0415 555',
      `; ${country}; with a Messaging Service sender, whatsapp:+14155550100 is accepted too`,
    ],
    ['whatsapp', 'whatsapp:+0415', '; with a WhatsApp sender, whatsapp:+14155550100 is accepted too'],
  ])('with a %s sender and no defaultCountry, refuses %j saying what is expected', (sender, to, hint) => {
    expect(checkRecipient(to, sender)).toEqual({
      ok: false,
      message: `"to" must be a phone number in E.164 format such as +14155550100 (got ${JSON.stringify(to)})${hint}`,
    });
  });

  it('quotes a long value shortened to 40 characters', () => {
    const to = `+1${'2'.repeat(60)}`;
    const result = checkRecipient(to, 'phone');
    expect(result).toEqual({
      ok: false,
      message: `"to" must be a phone number in E.164 format such as +14155550100 (got "${to.slice(0, 39)}…")`,
    });
  });

  it('shortens without splitting a character made of two UTF-16 units', () => {
    const to = '📞'.repeat(45);
    const result = checkRecipient(to, 'phone');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(`(got "${'📞'.repeat(39)}…")`);
  });

  it('shows control characters escaped', () => {
    expect(checkRecipient('+1415\u0000555', 'phone')).toMatchObject({
      message: expect.stringContaining('"+1415\\u0000555"'),
    });
  });

  const asText = '; store phone numbers as text, since a number loses the leading +';
  it.each<[string, unknown, string]>([
    ['a number', 14155550100, `the number 14155550100)${asText}`],
    ['a bigint', 14155550100n, `the bigint 14155550100)${asText}`],
    ['undefined', undefined, 'undefined)'],
    ['null', null, 'null)'],
    ['a boolean', true, 'the boolean true)'],
    ['an object', { phone: '+14155550100' }, 'an object)'],
    ['an array', ['+14155550100'], 'an array)'],
    ['a Date', new Date(0), 'a Date)'],
    ['a symbol', Symbol('to'), 'a symbol)'],
    ['a function', () => '+14155550100', 'a function)'],
  ])('refuses %s, naming the type received', (_name, to, got) => {
    expect(checkRecipient(to, 'phone')).toEqual({
      ok: false,
      message: `"to" must be a phone number in E.164 format such as +14155550100, as text (got ${got}`,
    });
  });
});

describe('checkMediaUrls', () => {
  it.each([undefined, null, '', '   '])('returns no URLs for %j', (value) => {
    expect(checkMediaUrls(value)).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['one https URL', 'https://example.com/a.jpg', ['https://example.com/a.jpg']],
    ['one http URL, trimmed', ' http://example.com/a.jpg\n', ['http://example.com/a.jpg']],
    ['an upper-case scheme', 'HTTPS://example.com/a.jpg', ['HTTPS://example.com/a.jpg']],
    ['an empty array', [], []],
    [
      'an array of URLs, trimmed',
      ['https://a.example/1.png', ' https://b.example/2.png '],
      ['https://a.example/1.png', 'https://b.example/2.png'],
    ],
    [
      'ten URLs',
      Array.from({ length: 10 }, (_, i) => `https://example.com/${i}.jpg`),
      Array.from({ length: 10 }, (_, i) => `https://example.com/${i}.jpg`),
    ],
  ])('accepts %s', (_name, value, expected) => {
    expect(checkMediaUrls(value)).toEqual({ ok: true, value: expected });
  });

  it('refuses more than 10 URLs, with the count', () => {
    const value = Array.from({ length: 12 }, (_, i) => `https://example.com/${i}.jpg`);
    expect(checkMediaUrls(value)).toEqual({
      ok: false,
      message: `"media_url" holds 12 URLs; Twilio accepts at most ${MAX_MEDIA_URLS} per message`,
    });
  });

  it.each<[string, unknown[], string]>([
    [
      'one entry that is not text',
      ['https://example.com/a.jpg', 42],
      '"media_url" has 1 entry that is not a URL string: media_url[1] is the number 42',
    ],
    [
      'entries that are not text',
      [null, 'https://example.com/a.jpg', { url: 'x' }],
      '"media_url" has 2 entries that are not a URL string: media_url[0] is null, media_url[2] is an object',
    ],
  ])('refuses an array with %s, with the count and positions', (_name, value, message) => {
    expect(checkMediaUrls(value)).toEqual({ ok: false, message });
  });

  it.each([
    ['javascript:alert(1)', 'which uses the javascript: scheme'],
    ['file:///etc/passwd', 'which uses the file: scheme'],
    ['data:image/png;base64,AAAA', 'which uses the data: scheme'],
    ['ftp://example.com/a.jpg', 'which uses the ftp: scheme'],
    ['not a url', 'which is not a valid http(s) URL'],
    ['https://', 'which is not a valid http(s) URL'],
    ['http:example.com/a.jpg', 'which is not a valid http(s) URL'],
    ['https://exa mple.com/a.jpg', 'which is not a valid http(s) URL'],
    ['//example.com/a.jpg', 'which is not a valid http(s) URL'],
  ])('refuses %j as a media URL', (value, why) => {
    expect(checkMediaUrls(value)).toEqual({
      ok: false,
      message: `"media_url" must be an http(s) URL such as https://example.com/image.jpg (got ${JSON.stringify(value)}, ${why})`,
    });
  });

  it('names the array entry whose URL is refused', () => {
    expect(checkMediaUrls(['https://example.com/a.jpg', 'javascript:alert(1)'])).toEqual({
      ok: false,
      message:
        '"media_url[1]" must be an http(s) URL such as https://example.com/image.jpg (got "javascript:alert(1)", ' +
        'which uses the javascript: scheme)',
    });
  });

  it.each<[unknown, string]>([
    [42, 'the number 42'],
    [{ url: 'https://example.com' }, 'an object'],
    [true, 'the boolean true'],
  ])('refuses %j, naming the type received', (value, got) => {
    expect(checkMediaUrls(value)).toEqual({
      ok: false,
      message: `"media_url" must be a URL or an array of at most 10 URLs (got ${got})`,
    });
  });
});

describe('checkStatusCallback', () => {
  it.each([undefined, null, '', ' \t'])('returns no callback for %j', (value) => {
    expect(checkStatusCallback(value)).toEqual({ ok: true, value: undefined });
  });

  it.each([
    ['https://hooks.example.com/twilio', 'https://hooks.example.com/twilio'],
    [' http://127.0.0.1:4010/status?x=a_b ', 'http://127.0.0.1:4010/status?x=a_b'],
    ['https://hooks.example.com/status_updates', 'https://hooks.example.com/status_updates'],
  ])('accepts %j', (value, expected) => {
    expect(checkStatusCallback(value)).toEqual({ ok: true, value: expected });
  });

  it('refuses a host with an underscore, which Twilio refuses', () => {
    expect(checkStatusCallback('https://my_app.example.com/cb')).toEqual({
      ok: false,
      message:
        '"status_callback" host "my_app.example.com" contains an underscore, which Twilio refuses; use a host ' +
        'name without "_"',
    });
  });

  it.each([
    ['javascript:alert(1)', 'which uses the javascript: scheme'],
    ['file:///tmp/x', 'which uses the file: scheme'],
    ['data:text/plain,hi', 'which uses the data: scheme'],
    ['hooks.example.com/cb', 'which is not a valid http(s) URL'],
    ['https://[::1', 'which is not a valid http(s) URL'],
  ])('refuses %j', (value, why) => {
    expect(checkStatusCallback(value)).toEqual({
      ok: false,
      message: `"status_callback" must be an http(s) URL such as https://example.com/twilio/status (got ${JSON.stringify(value)}, ${why})`,
    });
  });

  it.each<[unknown, string]>([
    [42, 'the number 42'],
    [['https://example.com'], 'an array'],
  ])('refuses %j, naming the type received', (value, got) => {
    expect(checkStatusCallback(value)).toEqual({
      ok: false,
      message: `"status_callback" must be a URL as text (got ${got})`,
    });
  });
});

describe('hostile values', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sees every regular expression the checks run (the measure below is real)', () => {
    expect(longestRegexInput(() => checkRecipient('+1 415 555 0100 x', 'phone'))).toBeGreaterThan(10);
  });

  it.each<[string, string, 'US' | undefined]>([
    ['65 digits', `+${'1'.repeat(64)}`, undefined],
    ['40,000 digits and a letter', `${'1'.repeat(40_000)}a`, undefined],
    ['40,000 digits and a letter, with a default country', `${'1'.repeat(40_000)}a`, 'US'],
    ['10 MB of digits', '9'.repeat(10_000_000), 'US'],
  ])('refuses a `to` of %s by its length, before any parsing', (_name, to, country) => {
    let result: ReturnType<typeof checkRecipient> | undefined;
    const longest = longestRegexInput(() => {
      result = checkRecipient(to, 'whatsapp', country);
    });
    expect(result).toEqual({
      ok: false,
      message: `"to" is ${to.length} characters long; a phone number is at most ${MAX_TO_LENGTH}, even formatted (got "${to.slice(0, 39)}…")`,
    });
    expect(longest).toBe(0);
  });

  it('still reads a formatted number of exactly the maximum length', () => {
    const to = '(415) 555-0100'.padEnd(MAX_TO_LENGTH, ' ');
    expect(checkRecipient(to, 'phone', 'US')).toEqual({ ok: true, value: '+14155550100' });
  });

  it.each([
    [`${'1'.repeat(MAX_TO_LENGTH - 1)}a`, false],
    [`${'1'.repeat(MAX_TO_LENGTH - 2)}-1`, true],
    ['(-)', false],
  ])('suggests a default country only for digits and separators (%s)', (to, suggested) => {
    const result = checkRecipient(to, 'phone');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message.includes('set settings.defaultCountry')).toBe(suggested);
  });

  it.each([
    ['media_url', (url: string) => checkMediaUrls(url)],
    ['media_url[0]', (url: string) => checkMediaUrls([url])],
    ['status_callback', (url: string) => checkStatusCallback(url)],
  ])('refuses a %s longer than the URL maximum before parsing it', (name, check) => {
    const url = `https://example.com/${'a'.repeat(10_000_000)}`;
    let result: unknown;
    const longest = longestRegexInput(() => {
      result = check(url);
    });
    expect(result).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        new RegExp(
          `^"${name.replace(/[[\]]/g, '\\$&')}" must be an http\\(s\\) URL such as .*, at most ${MAX_URL_LENGTH} characters long \\(got ${url.length}: "https://example\\.com/a+…"\\)$`,
        ),
      ),
    });
    expect(longest).toBe(0);
    expect(checkMediaUrls(`https://example.com/${'a'.repeat(MAX_URL_LENGTH - 20)}`).ok).toBe(true);
  });
});
