/**
 * Address rules: which `from` values Twilio accepts as a sender, and the per-row `to`, `media_url` and
 * `status_callback` values. Pure functions; messages say what format is expected and never name the row
 * (the caller prefixes `Row 3: `). Over 300 lines because the address rules read better side by side.
 */
import { types } from 'node:util';
import { type CountryCode, normalisePhoneNumber } from './phone.js';

/** The forms of `from` that Twilio accepts. */
export type SenderKind = 'phone' | 'messaging_service' | 'short_code' | 'alphanumeric' | 'whatsapp';

/**
 * An E.164 phone number: `+`, then 2–15 digits, the first not 0 (ITU-T E.164 allows 15 digits at most).
 *
 * @example
 * ```ts
 * E164.test('+14155550100'); // true
 * ```
 */
export const E164: RegExp = /^\+[1-9]\d{1,14}$/;

const WHATSAPP_E164 = /^whatsapp:\+[1-9]\d{1,14}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const SHORT_CODE = /^\d{5,6}$/;
// Twilio: up to 11 characters, ASCII letters, digits and spaces, at least one letter (all digits would be
// read as a phone number).
const ALPHANUMERIC_SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

/**
 * Each form of `from` that Twilio accepts, with its pattern (anchored at both ends), in the order
 * `classifySender` tries them. The configuration states the same list as one JSON Schema pattern.
 */
export const SENDER_FORMS: readonly (readonly [kind: SenderKind, pattern: RegExp])[] = [
  ['phone', E164],
  ['whatsapp', WHATSAPP_E164],
  ['messaging_service', MESSAGING_SERVICE_SID],
  ['short_code', SHORT_CODE],
  ['alphanumeric', ALPHANUMERIC_SENDER_ID],
];

const MEDIA_EXAMPLE = 'https://example.com/image.jpg';

/** Twilio caps media at 10 URLs per message. */
export const MAX_MEDIA_URLS = 10;

/**
 * The longest `to` that is read at all: E.164 is at most 16 characters and a `whatsapp:` address 25; a
 * formatted national number with spaces and brackets stays well below. A longer value is refused before
 * any parsing, so a hostile cell costs nothing.
 */
export const MAX_TO_LENGTH = 64;

/** The longest media or status callback URL that is read at all (a pre-signed URL is a few thousand). */
export const MAX_URL_LENGTH = 8192;

/**
 * Classifies a `from` value; undefined when it is none of the accepted forms. The value is not trimmed:
 * it is sent as it is, so it must already be exact.
 *
 * @example
 * ```ts
 * classifySender('+15551234567'); // 'phone'
 * classifySender('MG0123456789abcdef0123456789abcdef'); // 'messaging_service'
 * classifySender('whatsapp:+15551234567'); // 'whatsapp'
 * ```
 */
export function classifySender(from: string): SenderKind | undefined {
  if (typeof from !== 'string') return undefined;
  return SENDER_FORMS.find(([, pattern]) => pattern.test(from))?.[0];
}

/** A checked value, or why it was refused. */
export type CheckResult = { ok: true; value: string } | { ok: false; message: string };

const TO_FORMAT = '"to" must be a phone number in E.164 format such as +14155550100';
const WHATSAPP_PREFIX = 'whatsapp:';
const WHATSAPP_EXAMPLE = 'whatsapp:+14155550100';
const SET_COUNTRY =
  'set settings.defaultCountry (an ISO country code such as "US") to have national and loosely formatted numbers normalised';

/**
 * `to` for a given sender kind, trimmed. Without `defaultCountry` it must be E.164; with it, any form
 * libphonenumber-js can read as a possible number of that country (or of the country its `+` code names)
 * is normalised to E.164. A `whatsapp:` address is accepted with a `whatsapp` or `messaging_service` sender
 * (a Messaging Service may hold WhatsApp senders), and a `whatsapp` sender puts the prefix on a plain
 * number, since Twilio refuses a WhatsApp sender with an SMS recipient (21910).
 *
 * @example
 * ```ts
 * checkRecipient(' +14155550100 ', 'phone'); // { ok: true, value: '+14155550100' }
 * checkRecipient('+14155550100', 'whatsapp'); // { ok: true, value: 'whatsapp:+14155550100' }
 * checkRecipient('(415) 555-0100', 'phone', 'US'); // { ok: true, value: '+14155550100' }
 * ```
 */
export function checkRecipient(to: unknown, sender: SenderKind, defaultCountry?: CountryCode): CheckResult {
  const whatsappAllowed = sender === 'whatsapp' || sender === 'messaging_service';
  if (typeof to !== 'string') {
    const hint =
      typeof to === 'number' || typeof to === 'bigint'
        ? '; store phone numbers as text, since a number loses the leading +'
        : '';
    return { ok: false, message: `${TO_FORMAT}, as text (got ${describeType(to)})${hint}` };
  }
  if (to.length > MAX_TO_LENGTH) {
    return {
      ok: false,
      message: `"to" is ${to.length} characters long; a phone number is at most ${MAX_TO_LENGTH}, even formatted (got ${quoteValue(to)})`,
    };
  }
  const value = to.trim();
  const channel = value.startsWith(WHATSAPP_PREFIX);
  if (channel && !whatsappAllowed) {
    return {
      ok: false,
      message: `${TO_FORMAT} (got ${quoteValue(to)}); whatsapp: recipients need a whatsapp: sender or a Messaging Service`,
    };
  }
  const number = channel ? value.slice(WHATSAPP_PREFIX.length) : value;
  let e164: string;
  if (defaultCountry !== undefined) {
    const normalised = normalisePhoneNumber(number, defaultCountry);
    if (!normalised.ok) {
      const hint = internationalPrefixHint(number);
      return {
        ok: false,
        message: `"to" is not a possible phone number: ${normalised.reason} (got ${quoteValue(to)}, read with settings.defaultCountry "${defaultCountry}")${hint}`,
      };
    }
    e164 = normalised.value;
  } else if (E164.test(number)) {
    e164 = number;
  } else {
    const hints = [formatHint(number)].filter((hint) => hint !== '');
    if (whatsappAllowed) {
      const senderName = sender === 'whatsapp' ? 'a WhatsApp sender' : 'a Messaging Service sender';
      hints.push(`with ${senderName}, ${WHATSAPP_EXAMPLE} is accepted too`);
    }
    const hint = hints.length === 0 ? '' : `; ${hints.join('; ')}`;
    return { ok: false, message: `${TO_FORMAT} (got ${quoteValue(to)})${hint}` };
  }
  return { ok: true, value: channel || sender === 'whatsapp' ? `${WHATSAPP_PREFIX}${e164}` : e164 };
}

/**
 * A nudge for the usual near misses, and the suggestion to set `defaultCountry` for anything that looks
 * like a phone number; the number itself is never rewritten here (that would guess a country).
 */
function formatHint(value: string): string {
  const compact = value.replace(/[\s().-]/g, '');
  const country = `or ${SET_COUNTRY}`;
  if (compact !== value && E164.test(compact)) return `remove spaces, dashes and brackets, ${country}`;
  if (/^00/.test(compact) && E164.test(`+${compact.slice(2)}`))
    return `write the leading 00 as +, ${country}`;
  if (E164.test(`+${compact}`)) return `add a leading + and the country code, ${country}`;
  // A leading + with a bad country code, or letters: a country would not help. Two linear tests, where one
  // pattern with a digit between two stars backtracks quadratically on a long run of digits.
  return /^[\d\s().-]+$/.test(value) && /\d/.test(value) ? SET_COUNTRY : '';
}

/** `00 44 …` read with a country whose international prefix is not 00 (such as the US, which dials 011). */
function internationalPrefixHint(value: string): string {
  const compact = value.replace(/[\s().-]/g, '');
  return /^00/.test(compact) && E164.test(`+${compact.slice(2)}`) ? '; write the leading 00 as +' : '';
}

/**
 * One media URL or an array of at most 10; each http(s). Returns the list (empty when value is
 * undefined/null/'' or only white space). URLs are trimmed.
 *
 * @example
 * ```ts
 * checkMediaUrls('https://example.com/a.jpg'); // { ok: true, value: ['https://example.com/a.jpg'] }
 * checkMediaUrls(undefined); // { ok: true, value: [] }
 * ```
 */
export function checkMediaUrls(
  value: unknown,
): { ok: true; value: string[] } | { ok: false; message: string } {
  if (value === undefined || value === null) return { ok: true, value: [] };
  if (typeof value === 'string') {
    if (value.trim() === '') return { ok: true, value: [] };
    const checked = checkHttpUrl('"media_url"', value, MEDIA_EXAMPLE);
    return checked.ok ? { ok: true, value: [checked.value] } : checked;
  }
  if (!Array.isArray(value)) {
    return {
      ok: false,
      message: `"media_url" must be a URL or an array of at most ${MAX_MEDIA_URLS} URLs (got ${describeType(value)})`,
    };
  }
  if (value.length > MAX_MEDIA_URLS) {
    return {
      ok: false,
      message: `"media_url" holds ${value.length} URLs; Twilio accepts at most ${MAX_MEDIA_URLS} per message`,
    };
  }
  const notText: string[] = [];
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string') notText.push(`media_url[${index}] is ${describeType(entry)}`);
  });
  if (notText.length > 0) {
    const count = notText.length === 1 ? '1 entry that is' : `${notText.length} entries that are`;
    return { ok: false, message: `"media_url" has ${count} not a URL string: ${notText.join(', ')}` };
  }
  const urls: string[] = [];
  for (const [index, entry] of (value as string[]).entries()) {
    const checked = checkHttpUrl(`"media_url[${index}]"`, entry, MEDIA_EXAMPLE);
    if (!checked.ok) return checked;
    urls.push(checked.value);
  }
  return { ok: true, value: urls };
}

/**
 * An http(s) URL whose host has no underscore (Twilio refuses those). undefined,
 * null, '' and white space → ok with value undefined. The URL is trimmed.
 *
 * @example
 * ```ts
 * checkStatusCallback('https://hooks.example.com/twilio'); // { ok: true, value: 'https://hooks.example.com/twilio' }
 * checkStatusCallback('https://my_app.example.com/cb'); // { ok: false, message: '… contains an underscore …' }
 * ```
 */
export function checkStatusCallback(
  value: unknown,
): { ok: true; value: string | undefined } | { ok: false; message: string } {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string') {
    return { ok: false, message: `"status_callback" must be a URL as text (got ${describeType(value)})` };
  }
  if (value.trim() === '') return { ok: true, value: undefined };
  return checkCallbackUrl('"status_callback"', value);
}

/**
 * A status callback URL, trimmed: http(s), with a host name without underscores (Twilio refuses those).
 * `name` starts the message (`"status_callback"`, `settings.statusCallback`).
 *
 * @example
 * ```ts
 * checkCallbackUrl('settings.statusCallback', 'https://hooks.example.com/twilio'); // { ok: true, value: 'https://hooks.example.com/twilio' }
 * ```
 */
export function checkCallbackUrl(name: string, value: string): CheckResult {
  const checked = checkHttpUrl(name, value, 'https://example.com/twilio/status');
  if (!checked.ok) return checked;
  const host = new URL(checked.value).hostname;
  if (host.includes('_')) {
    return {
      ok: false,
      message:
        `${name} host ${quoteValue(host)} contains an underscore, which Twilio refuses; ` +
        'use a host name without "_"',
    };
  }
  return checked;
}

/**
 * The raw text must start with `http://` or `https://`: WHATWG URL parsing would otherwise accept
 * `https:example.com`, and Twilio fetches only http(s), so `javascript:`, `file:` and `data:` are refused.
 */
function checkHttpUrl(name: string, raw: string, example: string): CheckResult {
  const expected = `${name} must be an http(s) URL such as ${example}`;
  if (raw.length > MAX_URL_LENGTH) {
    return {
      ok: false,
      message: `${expected}, at most ${MAX_URL_LENGTH} characters long (got ${raw.length}: ${quoteValue(raw)})`,
    };
  }
  const value = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    return { ok: false, message: `${expected} (got ${quoteValue(value)}, which uses the ${scheme}: scheme)` };
  }
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) {
    return { ok: false, message: `${expected} (got ${quoteValue(value)}, which is not a valid http(s) URL)` };
  }
  return { ok: true, value };
}

/**
 * A received value for a message: JSON-quoted (control characters stay visible), cut to at most 40
 * characters so that a whole cell never floods a log line.
 */
function quoteValue(value: string): string {
  // Only the head is split into characters: a 10 MB cell must not become a 10-million-entry array.
  const chars = Array.from(value.slice(0, 84));
  return JSON.stringify(chars.length <= 40 ? value : `${chars.slice(0, 39).join('')}…`);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return `the ${typeof value} ${String(value)}`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'object':
      return types.isDate(value) ? 'a Date' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}
