/**
 * Twilio's request signature (`X-Twilio-Signature`), checked exactly as Twilio's official helper library
 * (`twilio`'s `validateRequest` / `validateRequestWithBody`) checks it: base64 of HMAC-SHA1 keyed with the
 * Auth Token, over the full URL followed by every POST parameter name and value, sorted by name; for
 * `application/json` webhooks, over the URL alone, with the body's SHA-256 in its `bodySHA256` query
 * parameter (Twilio docs, "Webhook security").
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';

/** POST parameters as received: a repeated parameter (e.g. `MediaUrl`) is an array. */
export type SignedParams = Readonly<Record<string, string | readonly string[]>>;

/** One parameter's contribution: its name once per distinct value, values sorted, as the library does. */
function paramData(name: string, value: unknown): string {
  if (Array.isArray(value)) {
    let data = '';
    for (const item of Array.from(new Set(value)).sort()) data += paramData(name, item);
    return data;
  }
  return name + String(value);
}

/**
 * Computes the `X-Twilio-Signature` value Twilio sends with a request to `url` carrying `params`.
 *
 * Parameter names are sorted by UTF-16 code unit order; a repeated parameter contributes its name once per
 * distinct value, values sorted, as Twilio's helper libraries do. The URL is used exactly as given (query
 * included). For a JSON webhook (`bodySHA256` in the URL) leave `params` out.
 * @example
 * computeTwilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', { Digits: '1234' });
 */
export function computeTwilioSignature(authToken: string, url: string, params: SignedParams = {}): string {
  let data = url;
  for (const name of Object.keys(params).sort()) data += paramData(name, params[name]);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * The hex SHA-256 of a JSON webhook's raw body: the value Twilio puts in the URL's `bodySHA256` parameter.
 * @example
 * computeBodySHA256('{"property": "value", "boolean": true}'); // '0a1ff763…'
 */
export function computeBodySHA256(body: string | Uint8Array): string {
  return createHash('sha256')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}

/** The arguments of {@link verifyTwilioSignature}. */
export interface VerifyTwilioSignatureArgs {
  /** The Auth Token of the account the request claims to come from. */
  authToken: string;
  /** The full URL the request was sent to, as configured at Twilio (scheme, host, path and query). */
  url: string;
  /** The POST parameters of the request (form fields). @default {} */
  params?: SignedParams;
  /** The `X-Twilio-Signature` header value; a missing one is simply not valid. */
  signature: string | undefined | null;
}

/** The arguments of {@link verifyTwilioBodySignature}. */
export interface VerifyTwilioBodySignatureArgs {
  /** The Auth Token of the account the request claims to come from. */
  authToken: string;
  /** The full URL the request was sent to, including its `bodySHA256` query parameter. */
  url: string;
  /** The raw request body, exactly as received (bytes, or the string they decode to in UTF-8). */
  body: string | Uint8Array;
  /** The `X-Twilio-Signature` header value. */
  signature: string | undefined | null;
}

/** The URL's parts without normalising it, so the path and query keep the characters Twilio signed. */
function splitUrl(url: string) {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (match === null) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

/** The URL with the scheme's default port written out, unless it already names a port. */
function addPort(url: string): string {
  const parts = splitUrl(url);
  if (parts === undefined || parts.port !== '') return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

/** The URL without any port: Twilio may sign a URL with a non-default port either way. */
function removePort(url: string): string {
  const parts = splitUrl(url);
  return parts === undefined ? url : parts.scheme + parts.userInfo + parts.host + parts.rest;
}

/** The query re-encoded as Node's legacy `querystring` does (`'` → `%27`), for back ends that signed that. */
function withLegacyQuery(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyLegacyQuery(parseLegacyQuery(url.slice(queryStart + 1)))}`;
}

/**
 * Every URL the official library tries: the URL as received with and without its port, then the URL as
 * normalised by WHATWG `URL` (which escapes `'` and drops a default port) with and without its port, each
 * also with the legacy query encoding. A URL that `URL` cannot parse gets only the first two.
 */
export function urlVariants(url: string): string[] {
  const variants = [removePort(url), addPort(url)];
  let normalized: string;
  try {
    normalized = new URL(url).toString();
  } catch {
    return [...new Set(variants)];
  }
  const without = removePort(normalized);
  const withPort = addPort(normalized);
  variants.push(without, withPort, withLegacyQuery(without), withLegacyQuery(withPort));
  return [...new Set(variants)];
}

/** Compares every candidate (no early exit), so timing does not reveal which one matched. */
function matchesAny(given: string, candidates: readonly string[]): boolean {
  const givenBytes = Buffer.from(given, 'utf8');
  let valid = false;
  for (const candidate of candidates) {
    const expected = Buffer.from(candidate, 'utf8');
    // The expected length is fixed by the algorithm and not secret, so checking it first leaks nothing.
    if (expected.length === givenBytes.length && timingSafeEqual(expected, givenBytes)) valid = true;
  }
  return valid;
}

/**
 * Checks an `X-Twilio-Signature` header in constant time, accepting exactly what Twilio's official
 * library's `validateRequest` accepts: the URL with and without its port (Twilio signs either), `'` or
 * `%27` in the query, repeated values of one parameter counted once. Never throws: a missing signature, a
 * malformed URL or odd parameters are simply not valid.
 * @example
 * verifyTwilioSignature({ authToken, url: 'https://example.com/sms/status', params: form, signature });
 */
export function verifyTwilioSignature(args: VerifyTwilioSignatureArgs): boolean {
  try {
    const signature = typeof args.signature === 'string' ? args.signature : '';
    const params = args.params ?? {};
    const candidates = urlVariants(args.url).map((url) =>
      computeTwilioSignature(args.authToken, url, params),
    );
    return matchesAny(signature, candidates);
  } catch {
    return false;
  }
}

/**
 * Checks a JSON webhook (`Content-Type: application/json`): the signature covers the URL alone, and the
 * URL's `bodySHA256` parameter must be the SHA-256 of the raw body. Agrees with the official library's
 * `validateRequestWithBody`. Never throws.
 * @example
 * verifyTwilioBodySignature({ authToken, url: 'https://example.com/hook?bodySHA256=0a1f…', body: rawBody, signature });
 */
export function verifyTwilioBodySignature(args: VerifyTwilioBodySignatureArgs): boolean {
  try {
    const signed = verifyTwilioSignature({
      authToken: args.authToken,
      url: args.url,
      signature: args.signature,
    });
    const bodyHash = new URL(args.url).searchParams.get('bodySHA256') ?? '';
    const hashMatches = matchesAny(bodyHash, [computeBodySHA256(args.body)]);
    return signed && hashMatches;
  } catch {
    return false;
  }
}
