/**
 * The schema of every configuration field, once: the credentials' fields, the settings' fields and a
 * mapping column. Both validation and the manifest's JSON Schemas are built from these (schemas.ts), so
 * a rule, a message or a description is written in one place.
 */
import { getCountries } from 'libphonenumber-js';
import { z } from 'zod';
import { isKnownCountry } from '../phone.js';
import { checkCallbackUrl, classifySender, SENDER_FORMS } from '../recipient.js';
import { checked, matches, notBlank, SECRET, sidPattern, text } from './zod-helpers.js';

export const accountSid = text(
  notBlank,
  matches(
    sidPattern('AC'),
    'invalid_account_sid',
    'Account SID must start with AC followed by 32 hexadecimal characters (find it in the Twilio Console under Account info)',
  ),
).meta({
  title: 'Account SID',
  description: 'AC followed by 32 hexadecimal characters: Twilio Console, Account info.',
  examples: ['AC0123456789abcdef0123456789abcdef'],
});
export const authToken = text(
  notBlank,
  matches(
    /^[0-9a-fA-F]{32}$/,
    'invalid_auth_token',
    'Auth Token must be 32 hexadecimal characters (copy it from the Twilio Console under Account info)',
  ),
).meta({
  title: 'Auth Token',
  description: "The account's Auth Token, 32 hexadecimal characters: Twilio Console, Account info.",
  ...SECRET,
});
export const apiKeySid = text(
  notBlank,
  matches(
    sidPattern('SK'),
    'invalid_api_key_sid',
    'API key SID must start with SK followed by 32 hexadecimal characters',
  ),
).meta({
  title: 'API key SID',
  description: 'SK followed by 32 hexadecimal characters: Twilio Console, API keys & tokens.',
  examples: ['SK0123456789abcdef0123456789abcdef'],
});
export const apiKeySecret = text(
  notBlank,
  // After notBlank, "no white space at all" is the same as this pattern.
  matches(/^\S+$/, 'invalid_api_key_secret', 'API key secret must not contain white space'),
).meta({
  title: 'API key secret',
  description: 'Shown once, when the API key was created.',
  ...SECRET,
});

function defaultCountryProblem(value: string): readonly [string, string] | undefined {
  if (isKnownCountry(value)) return undefined;
  if (value.trim() === '') return ['empty', 'must not be empty'];
  const upper = value.trim().toUpperCase();
  if (isKnownCountry(upper)) {
    return ['invalid_country', `must be an ISO 3166-1 alpha-2 country code in upper case: use "${upper}"`];
  }
  if (upper === 'UK') {
    return ['invalid_country', 'must be an ISO 3166-1 alpha-2 country code: the United Kingdom is "GB"'];
  }
  return [
    'invalid_country',
    `must be an ISO 3166-1 alpha-2 country code such as "US", "GB" or "AU" (got ${JSON.stringify(value.slice(0, 20))})`,
  ];
}

/** The keys of `contentVariables`: Twilio numbers a Content template's variables 1, 2, … */
export const CONTENT_VARIABLE_KEY = /^[1-9]\d*$/;

/**
 * Every `from` that `classifySender` accepts, as one JSON Schema pattern: the alternation of its anchored
 * patterns (recipient.ts's `SENDER_FORMS`), each stripped of its own `^` and `$`.
 */
const SENDER_PATTERN = `^(?:${SENDER_FORMS.map(([, pattern]) => pattern.source.slice(1, -1)).join('|')})$`;

export const from = text(notBlank, [
  (v) => classifySender(v) !== undefined,
  'invalid_sender',
  'from must be a Twilio phone number in E.164 format (+15551234567), a Messaging Service SID (MG followed by 32 hexadecimal characters), a short code (5–6 digits), an alphanumeric sender ID (1–11 letters, digits or spaces, at least one letter) or whatsapp:+15551234567',
  { pattern: SENDER_PATTERN },
]).meta({
  title: 'From',
  description:
    'The sender: a Twilio phone number in E.164 format, a Messaging Service SID (MG…), a short code, an alphanumeric sender ID or whatsapp:+15551234567.',
  examples: ['+15551234567', 'MG0123456789abcdef0123456789abcdef', 'whatsapp:+15551234567'],
});
export const messageTemplate = text(notBlank).meta({
  title: 'Message template',
  description:
    'The message body, with {{field}} placeholders filled from each row (mustache syntax; nothing is escaped). An empty placeholder fails its row: put optional parts in {{#field}}…{{/field}}.',
  examples: ['Hi {{first_name}}, your order {{order_id}} has shipped.'],
  'x-widget': 'textarea',
});
export const defaultCountry = checked(defaultCountryProblem).meta({
  title: 'Default country',
  description:
    'ISO 3166-1 alpha-2 code for recipients written without a country code: they are normalised to E.164. Without it, recipients must already be E.164.',
  // The codes isKnownCountry accepts: exact, and a list a UI can offer.
  enum: getCountries().sort(),
});
export const smartEncoded = z.boolean().meta({
  title: 'Smart encoding',
  description:
    'Twilio replaces look-alike Unicode (curly quotes, dashes) with GSM-7 characters, so one character does not triple the segments.',
  default: false,
});
// Twilio's range for ValidityPeriod, in seconds.
export const validityPeriod = z.number().int().min(1).max(36_000).meta({
  title: 'Validity period (seconds)',
  description:
    "How long a message may wait in Twilio's queue before Twilio drops it; for messages worthless when late. Twilio's default is 36000.",
});
export const shortenUrls = z.boolean().meta({
  title: 'Shorten URLs',
  description:
    "Twilio replaces links with short links on the Messaging Service's domain. Messaging Service senders (MG…) only.",
  default: false,
});
export const statusCallback = checked((value) => {
  if (value.trim() === '') return ['empty', 'must not be empty'];
  const url = checkCallbackUrl('settings.statusCallback', value);
  return url.ok ? undefined : ['invalid_url', url.message];
}).meta({
  title: 'Status callback URL',
  description:
    "Twilio posts each message's status changes here; a row's status_callback overrides it. http(s), no underscore in the host.",
  format: 'uri',
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
});
export const maxSegments = z.number().int().min(1).max(1600).meta({
  title: 'Maximum segments per message',
  description:
    'A message that would take more segments fails its row before any request. An MMS counts as 1.',
});
export const contentSid = text(
  notBlank,
  matches(
    sidPattern('HX'),
    'invalid_content_sid',
    'settings.contentSid must start with HX followed by 32 hexadecimal characters (copy it from the Twilio Console under Messaging > Content Template Builder)',
  ),
).meta({
  title: 'Content template SID',
  description:
    'A Content template (HX…), sent instead of a body: business-initiated WhatsApp messages outside the 24-hour window need one.',
});
// The key pattern is metadata only: the settings schema checks the raw input's keys itself (schemas.ts).
export const contentVariables = z
  .record(z.string().meta({ pattern: CONTENT_VARIABLE_KEY.source }), text(notBlank))
  .meta({
    title: 'Content variables',
    description:
      "The Content template's variable numbers, each with a {{field}} template rendered per row and sent as ContentVariables.",
    examples: [{ '1': '{{first_name}}', '2': '{{order_id}}' }],
  });

/** The optional send options both kinds of message share, in the order the settings list them. */
export const sendOptionFields = {
  defaultCountry,
  smartEncoded,
  validityPeriod,
  shortenUrls,
  statusCallback,
  maxSegments,
};

/** A source column named in the mapping. */
export const column = text(notBlank);
