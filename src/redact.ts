/**
 * Redaction of the credentials from free text that comes back from an answer (an error `message`,
 * `more_info`, a friendly name): a proxy, mock or misbehaving server may echo the request's headers in any
 * encoding, and none of them may travel on into errors, results or logs.
 */

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
