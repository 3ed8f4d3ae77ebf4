import { describe, expect, it } from 'vitest';
import { createRedactor, credentialForms, redactRowError } from '../src/redact.js';
import type { RowError } from '../src/types.js';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN } from './helpers/twilio.js';

const pair = `${ACCOUNT_SID}:${AUTH_TOKEN}`;
const base64 = Buffer.from(pair).toString('base64');
const redact = createRedactor(ACCOUNT_SID, AUTH_TOKEN);

describe('createRedactor', () => {
  it.each([
    ['the Authorization header', `echo Basic ${base64}.`, 'echo Basic [REDACTED].'],
    ['base64 without padding', `x=${base64.replace(/=+$/, '')}&y`, 'x=[REDACTED]&y'],
    ['URL-safe base64', `t ${Buffer.from(pair).toString('base64url')} t`, 't [REDACTED] t'],
    ['the URL-encoded header', `?h=${encodeURIComponent(`Basic ${base64}`)}`, '?h=Basic%20[REDACTED]'],
    ['lower-case percent escapes', `?h=${encodeURIComponent(base64).toLowerCase()}`, '?h=[REDACTED]'],
    ['the raw pair', `user ${pair} said`, 'user [REDACTED] said'],
    ['the URL-encoded pair', `u=${encodeURIComponent(pair)}`, 'u=[REDACTED]'],
    ['the token alone, twice', `${AUTH_TOKEN}/${AUTH_TOKEN}`, '[REDACTED]/[REDACTED]'],
    [
      'text with none of them',
      `The 'To' number ${ACCOUNT_SID} is not valid`,
      `The 'To' number ${ACCOUNT_SID} is not valid`,
    ],
  ])('redacts %s', (_name, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('redacts an API key secret in every form too', () => {
    const key = createRedactor(API_KEY_SID, API_KEY_SECRET);
    const header = `Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString('base64')}`;
    expect(key(`${header} ${encodeURIComponent(header)} ${API_KEY_SECRET}`)).toBe(
      'Basic [REDACTED] Basic%20[REDACTED] [REDACTED]',
    );
  });

  it('lists longer forms first, so that a form containing another is replaced whole', () => {
    const forms = credentialForms(ACCOUNT_SID, AUTH_TOKEN);
    expect(forms).toContain(base64);
    expect(forms.map((form) => form.length)).toEqual(forms.map((form) => form.length).sort((a, b) => b - a));
  });

  it('takes time linear in the text: 1 MB without a match is one pass', () => {
    const text = 'A'.repeat(1_000_000);
    expect(redact(text)).toBe(text);
  });
});

describe('redactRowError', () => {
  const base: RowError = { code: 'invalid_row', message: 'Row 0: fine', retryable: false };
  it.each([
    [
      'a message with the token',
      { ...base, message: `Row 0: (${AUTH_TOKEN})` },
      { ...base, message: 'Row 0: ([REDACTED])' },
    ],
    [
      'more info with the header',
      { ...base, moreInfo: `https://x.example/?a=Basic ${base64}` },
      { ...base, moreInfo: 'https://x.example/?a=Basic [REDACTED]' },
    ],
    ['nothing to redact', base, base],
  ] as [string, RowError, RowError][])('redacts %s', (_name, error, expected) => {
    expect(redactRowError(error, redact)).toEqual(expected);
  });

  it('returns the same object when there is nothing to redact', () => {
    expect(redactRowError(base, redact)).toBe(base);
  });
});
