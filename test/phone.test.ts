import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { isKnownCountry, normalisePhoneNumber } from '../src/phone.js';
import { checkRecipient, type SenderKind } from '../src/recipient.js';
import { destination, expectCreate, FROM, failedResult, MG_SID } from './helpers/twilio.js';

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
});

describe('isKnownCountry', () => {
  it.each([
    ['US', true],
    ['GB', true],
    ['AU', true],
    ['UK', false],
    ['us', false],
    ['USA', false],
    ['XX', false],
    ['', false],
  ])('says %j is %s', (code, known) => {
    expect(isKnownCountry(code)).toBe(known);
  });
});

describe('normalisePhoneNumber', () => {
  it.each([
    ['(415) 555-0100', 'US', '+14155550100'],
    ['415.555.0100', 'US', '+14155550100'],
    ['4155550100', 'US', '+14155550100'],
    ['1 (415) 555-0100', 'US', '+14155550100'],
    ['０４１２ ３４５ ６７８', 'AU', '+61412345678'],
    ['0412 345 678', 'AU', '+61412345678'],
    ['00 44 20 7946 0958', 'GB', '+442079460958'],
    ['00 44 20 7946 0958', 'DE', '+442079460958'],
    ['011 44 20 7946 0958', 'US', '+442079460958'],
    ['+44 (0)20 7946 0958', 'US', '+442079460958'],
    ['+1 415 555 0100', 'GB', '+14155550100'],
    ['+15005550006', 'US', '+15005550006'],
    // Possible but not valid (555 numbers are fictional): refused by Twilio, not here.
    ['+15555550100', 'US', '+15555550100'],
  ] as const)('normalises %j read in %s to %s', (text, country, e164) => {
    expect(normalisePhoneNumber(text, country)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['555-0100', 'US', 'it is too short'],
    ['+1415555010', 'US', 'it is too short'],
    ['+12', 'US', 'it is too short'],
    ['00 44 20 7946 0958', 'US', 'it is too long'],
    ['+65 912 345 678', 'US', 'no number of its country has that length'],
    ['+0123', 'US', 'it has no valid country calling code'],
    ['abc', 'US', 'it is not a phone number'],
    ['', 'US', 'it is not a phone number'],
    ['call 415 555 0100 now', 'US', 'it is not a phone number'],
    ['1-800-FLOWERS', 'US', 'it is not a phone number'],
    ['415-555-0100 ext. 12', 'US', 'it has an extension (12), which cannot receive text messages'],
  ] as const)('refuses %j read in %s: %s', (text, country, reason) => {
    expect(normalisePhoneNumber(text, country)).toEqual({ ok: false, reason });
  });
});

describe('checkRecipient with a default country', () => {
  it.each<[SenderKind, string, string, string]>([
    ['phone', ' (415) 555-0100 ', 'US', '+14155550100'],
    ['phone', '+1 415 555 0100', 'AU', '+14155550100'],
    ['messaging_service', '0412 345 678', 'AU', '+61412345678'],
    ['whatsapp', '(415) 555-0100', 'US', 'whatsapp:+14155550100'],
    ['whatsapp', 'whatsapp:(415) 555-0100', 'US', 'whatsapp:+14155550100'],
    ['messaging_service', 'whatsapp:0412 345 678', 'AU', 'whatsapp:+61412345678'],
  ])('with a %s sender, normalises %j read in %s to %s', (sender, to, country, value) => {
    expect(checkRecipient(to, sender, country as never)).toEqual({ ok: true, value });
  });

  it('refuses an impossible number, saying why and which country it was read with', () => {
    expect(checkRecipient('555-0100', 'phone', 'US')).toEqual({
      ok: false,
      message:
        '"to" is not a possible phone number: it is too short (got "555-0100", read with settings.defaultCountry "US")',
    });
  });

  it('suggests writing 00 as + when the default country dials abroad with another prefix', () => {
    expect(checkRecipient('00 44 20 7946 0958', 'phone', 'US')).toEqual({
      ok: false,
      message:
        '"to" is not a possible phone number: it is too long (got "00 44 20 7946 0958", read with settings.defaultCountry "US"); write the leading 00 as +',
    });
  });

  it('still refuses a whatsapp: address for a sender that cannot use it', () => {
    expect(checkRecipient('whatsapp:(415) 555-0100', 'phone', 'US')).toMatchObject({
      ok: false,
      message: expect.stringContaining('whatsapp: recipients need a whatsapp: sender or a Messaging Service'),
    });
  });

  it('still refuses a number stored as a number, since its leading 0 or + is gone', () => {
    expect(checkRecipient(4155550100, 'phone', 'US')).toMatchObject({ ok: false });
  });
});

describe('write with settings.defaultCountry', () => {
  it('sends the E.164 form of national and loosely formatted numbers', async () => {
    for (const to of ['+14155550100', '+442079460958']) {
      expectCreate({ To: to, From: FROM, Body: 'Hi Ann' });
    }
    const { dest } = destination({ settings: { defaultCountry: 'US' } });
    const results = await dest.write([
      { to: '(415) 555-0100', first_name: 'Ann' },
      { to: '011 44 20 7946 0958', first_name: 'Ann' },
    ]);
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent']);
  });

  it('fails an impossible number with invalid_row before any request', async () => {
    const { dest } = destination({ settings: { defaultCountry: 'US' } });
    const results = await dest.write([{ to: '555-0100', first_name: 'Ann' }]);
    expect(results).toEqual([
      failedResult(
        0,
        {
          code: 'invalid_row',
          message:
            'Row 0: "to" is not a possible phone number: it is too short (got "555-0100", read with settings.defaultCountry "US")',
          retryable: false,
        },
        0,
      ),
    ]);
  });

  it('without it, refuses a national number and suggests setting it', async () => {
    const { dest } = destination();
    const [result] = await dest.write([{ to: '(415) 555-0100', first_name: 'Ann' }]);
    expect(result).toEqual(
      failedResult(
        0,
        {
          code: 'invalid_row',
          message:
            'Row 0: "to" must be a phone number in E.164 format such as +14155550100 (got "(415) 555-0100"); add a leading + and the country code, or set settings.defaultCountry (an ISO country code such as "US") to have national and loosely formatted numbers normalised',
          retryable: false,
        },
        0,
      ),
    );
  });

  it('prefixes whatsapp: for a WhatsApp sender and leaves a Messaging Service recipient as it is', async () => {
    expectCreate({ To: 'whatsapp:+14155550100', From: 'whatsapp:+15005550006', Body: 'Hi Ann' });
    expectCreate({ To: '+14155550100', MessagingServiceSid: MG_SID, Body: 'Hi Ann' });
    const whatsapp = destination({ settings: { from: 'whatsapp:+15005550006' } }).dest;
    const service = destination({ settings: { from: MG_SID } }).dest;
    expect((await whatsapp.write([{ to: '+14155550100', first_name: 'Ann' }]))[0]?.status).toBe('sent');
    expect((await service.write([{ to: '+14155550100', first_name: 'Ann' }]))[0]?.status).toBe('sent');
  });
});
