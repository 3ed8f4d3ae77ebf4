/**
 * Redaction of the credentials from free text the package copies into errors, results and logs: text from
 * an answer (an error `message`, `more_info`, a friendly name: a proxy, mock or misbehaving server may echo
 * the request's headers in any encoding) and a row's own exception text (a getter may throw anything).
 */
import type { RowError } from './types.js';

const REDACTED = '[REDACTED]';

/** Every form in which a Basic credential (`user:password`) or its password can appear in text. */
export function credentialForms(user: string, password: string): string[] {
  const pair = `${user}:${password}`;
  const base64 = Buffer.from(pair).toString('base64');
  const unpadded = base64.replace(/=+$/, '');
  const base64url = Buffer.from(pair).toString('base64url');
  const forms = [
    pair,
    password,
    base64,
    unpadded,
    base64url,
    // URL-encoded, as a query string or a form body would carry it (`Basic%20…%3D%3D`).
    encodeURIComponent(pair),
    encodeURIComponent(password),
    encodeURIComponent(base64),
    encodeURIComponent(unpadded),
  ];
  // Longest first, so a form that contains another is replaced whole.
  return [...new Set(forms)].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that replaces every form of the credentials in a text with `[REDACTED]`. Matching ignores
 * case, so that lower-case percent escapes (`%3d`) are caught too; the cost is at worst a harmless extra
 * redaction. The pattern is an alternation of literals: linear in the text.
 *
 * @example
 * ```ts
 * const redact = createRedactor(accountSid, authToken);
 * redact(`echo: Basic ${base64}`); // 'echo: Basic [REDACTED]'
 * ```
 */
export function createRedactor(user: string, password: string): (text: string) => string {
  const pattern = new RegExp(credentialForms(user, password).map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(pattern, REDACTED);
}

/**
 * The row error with every form of the credentials redacted from its free text (`message`, `moreInfo`);
 * the same object when there was nothing to redact.
 *
 * @example
 * ```ts
 * redactRowError({ code: 'invalid_row', message: `Row 0: the row could not be read (${token})`, retryable: false }, redact);
 * // { code: 'invalid_row', message: 'Row 0: the row could not be read ([REDACTED])', retryable: false }
 * ```
 */
export function redactRowError(error: RowError, redact: (text: string) => string): RowError {
  const message = redact(error.message);
  const moreInfo = error.moreInfo === undefined ? undefined : redact(error.moreInfo);
  if (message === error.message && moreInfo === error.moreInfo) return error;
  return { ...error, message, ...(moreInfo === undefined ? {} : { moreInfo }) };
}
