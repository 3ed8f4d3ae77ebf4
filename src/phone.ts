/**
 * Phone numbers in national or loosely formatted form (`(415) 555-0100`, `0412 345 678`,
 * `00 44 20 7946 0958`) turned into E.164 with libphonenumber-js, for `settings.defaultCountry`. Pure
 * functions; messages never name the row (the caller prefixes `Row 3: `).
 *
 * Only numbers the library calls impossible (wrong length for their country, no country calling code, not a
 * number at all) are refused: `isValid()` would also refuse numbers in ranges its metadata does not know yet,
 * and fictional ones such as +1 555 555 0100 that tests and simulators rely on. Twilio still answers 21211
 * for a possible number that does not exist.
 */
import {
  type CountryCode,
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js';

export type { CountryCode } from 'libphonenumber-js';

/**
 * Whether `code` is an ISO 3166-1 alpha-2 country code (upper case) that libphonenumber-js has numbering
 * rules for.
 *
 * @example
 * ```ts
 * isKnownCountry('GB'); // true
 * isKnownCountry('UK'); // false: the ISO code of the United Kingdom is GB
 * ```
 */
export function isKnownCountry(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/** A number in E.164, or why the library could not make one of the text. */
export type PhoneResult = { ok: true; value: string } | { ok: false; reason: string };

/** libphonenumber-js's parse and length errors, as the end of a sentence. */
const REASONS: Readonly<Record<string, string>> = {
  NOT_A_NUMBER: 'it is not a phone number',
  INVALID_COUNTRY: 'it has no valid country calling code',
  TOO_SHORT: 'it is too short',
  TOO_LONG: 'it is too long',
  INVALID_LENGTH: 'no number of its country has that length',
};

/**
 * Normalises `text` to E.164. A number without a country calling code (`+44…`, or an international prefix
 * such as `00` or `011` that `country` dials) is read as a number of `country`. The whole text must be the
 * number: `call 415 555 0100` and vanity letters are refused, and so is an extension, since a text message
 * cannot reach one.
 *
 * @example
 * ```ts
 * normalisePhoneNumber('(415) 555-0100', 'US'); // { ok: true, value: '+14155550100' }
 * normalisePhoneNumber('00 44 20 7946 0958', 'DE'); // { ok: true, value: '+442079460958' }
 * normalisePhoneNumber('555-0100', 'US'); // { ok: false, reason: 'it is too short' }
 * ```
 */
export function normalisePhoneNumber(text: string, country: CountryCode): PhoneResult {
  let phone: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    phone = parsePhoneNumberWithError(text, { defaultCountry: country, extract: false });
  } catch (error) {
    return { ok: false, reason: REASONS[(error as Error).message] ?? (REASONS['NOT_A_NUMBER'] as string) };
  }
  if (phone.ext !== undefined) {
    return {
      ok: false,
      reason: `it has an extension (${phone.ext}), which cannot receive text messages`,
    };
  }
  // Parsing accepts any length; possibility is the length check for the number's own country.
  if (!phone.isPossible()) {
    const length = validatePhoneNumberLength(text, country) ?? 'INVALID_LENGTH';
    return { ok: false, reason: REASONS[length] as string };
  }
  return { ok: true, value: phone.number };
}
