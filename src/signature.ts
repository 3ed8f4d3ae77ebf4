/**
 * Twilio's request signature (`X-Twilio-Signature`), as Twilio computes it for webhooks and status
 * callbacks (Twilio docs, "Webhook security"): base64 of HMAC-SHA1 keyed with the Auth Token, over the full
 * URL followed by every POST parameter name and value, sorted by name.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** POST parameters as received: a repeated parameter (e.g. `MediaUrl`) is an array. */
export type SignedParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Computes the `X-Twilio-Signature` value Twilio sends with a request to `url` carrying `params`.
 *
 * Parameter names are sorted by UTF-16 code unit order; a repeated parameter contributes its name once per
 * value, values sorted, as Twilio's helper libraries do. The URL is used exactly as given (query included).
 * @example
 * computeTwilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', { Digits: '1234' });
 */
export function computeTwilioSignature(authToken: string, url: string, params: SignedParams): string {
  let data = url;
  // Names are unique object keys, so the comparator never needs to answer "equal".
  const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name, value] of entries) {
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const item of values) data += name + item;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The arguments of {@link verifyTwilioSignature}. */
export interface VerifyTwilioSignatureArgs {
  /** The Auth Token of the account the request claims to come from. */
  authToken: string;
  /** The full URL the request was sent to, as configured at Twilio (scheme, host, path and query). */
  url: string;
  /** The POST parameters of the request (form fields). */
  params: SignedParams;
  /** The `X-Twilio-Signature` header value. */
  signature: string;
}

/**
 * Checks an `X-Twilio-Signature` header in constant time.
 *
 * Twilio sometimes signs the URL with the scheme's default port written out (`https://host:443/…`) and
 * sometimes without it, depending on how the URL was configured; like Twilio's helper libraries, this
 * accepts the URL as given, with the default port added, and with it removed.
 * @example
 * verifyTwilioSignature({ authToken, url: 'https://example.com/sms/status', params: form, signature });
 */
export function verifyTwilioSignature(args: VerifyTwilioSignatureArgs): boolean {
  const given = Buffer.from(args.signature, 'utf8');
  let valid = false;
  for (const url of urlVariants(args.url)) {
    const expected = Buffer.from(computeTwilioSignature(args.authToken, url, args.params), 'utf8');
    // Every variant is compared (no early exit), so timing does not reveal which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

/**
 * The URL as given, with the scheme's default port, and without it. Built on the string rather than with
 * `URL#toString()`, which would re-encode the path and query and so change what was signed.
 */
export function urlVariants(url: string): string[] {
  const match = /^(https?:)\/\/([^/?#]*)(.*)$/is.exec(url);
  if (match === null) return [url];
  const [scheme, authority, rest] = match.slice(1) as [string, string, string];
  const defaultPort = scheme.toLowerCase() === 'https:' ? '443' : '80';
  const at = authority.lastIndexOf('@');
  const userInfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const portMatch = /:(\d*)$/.exec(hostPort);
  const host = portMatch === null ? hostPort : hostPort.slice(0, portMatch.index);
  const port = portMatch?.[1];
  // A non-default port is part of the address: dropping it would accept a signature for another server.
  if (port !== undefined && port !== '' && port !== defaultPort) return [url];
  const withPort = `${scheme}//${userInfo}${host}:${defaultPort}${rest}`;
  const withoutPort = `${scheme}//${userInfo}${host}${rest}`;
  return [...new Set([url, withPort, withoutPort])];
}
