/**
 * The signature functions against Twilio's official helper library (`twilio`, a dev dependency): its own
 * webhook test cases ported one for one, independent HMACs, and a property test with the library's
 * `getExpectedTwilioSignature` / `validateRequest` as the oracle.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  computeBodySHA256,
  computeTwilioSignature,
  type SignedParams,
  urlVariants,
  verifyTwilioBodySignature,
  verifyTwilioSignature,
} from '../src/signature.js';

// Every expected signature in this block was computed independently of this code, with
// `printf '%s' "<url><name><value>…" | openssl dgst -sha1 -hmac <token> -binary | base64`.
const DOCS_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOCS_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675310',
  Digits: '1234',
  From: '+14158675310',
  To: '+18005551212',
};

describe('computeTwilioSignature', () => {
  it.each([
    ['the docs example', '12345', DOCS_URL, DOCS_PARAMS, 'GvWf1cFY/Q7PnoempGyD5oXAezc='],
    ['a URL without parameters', 'secret', 'http://example.com/cb', {}, 'JOO3zOBTBaTZE7oRsyEB/6DS3pc='],
    [
      'names in UTF-16 order (upper case first)',
      'secret',
      'http://example.com/cb',
      { a: '1', Z: '2' },
      'zqjgxivABiMlP5OKqwjH6BYHsCg=',
    ],
    [
      'non-ASCII token, URL and values as UTF-8',
      'tökén',
      'https://example.com/ünïcöde',
      { Body: '✓ ok' },
      'aQrm+Tl36ACVES42O/q5aSFad7Q=',
    ],
  ])('matches an independent HMAC-SHA1 for %s', (_, token, url, params, expected) => {
    expect(computeTwilioSignature(token, url, params)).toBe(expected);
  });

  it('signs a repeated parameter once per distinct value, values sorted', () => {
    const params = { MediaUrl: ['b', 'a', 'b'], Body: 'hi' };
    const expected = createHmac('sha1', 'secret')
      .update('http://example.com/cb' + 'Bodyhi' + 'MediaUrla' + 'MediaUrlb')
      .digest('base64');
    expect(computeTwilioSignature('secret', 'http://example.com/cb', params)).toBe(expected);
  });

  it('does not reorder the caller’s array', () => {
    const media = ['b', 'a'];
    computeTwilioSignature('secret', 'http://example.com/cb', { MediaUrl: media });
    expect(media).toEqual(['b', 'a']);
  });
});

// Ported from twilio-node's spec/validation.spec.js ("Request validation") and
// spec/unit/webhooks/webhooks.spec.js, with their constants.
describe('the official library’s own webhook test cases', () => {
  const token = '12345';
  const defaultParams = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };
  const defaultSignature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
  const requestUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const body = '{"property": "value", "boolean": true}';
  const bodySignature = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
  const requestUrlWithHash = `${requestUrl}&bodySHA256=${bodySignature}`;
  const requestUrlWithHashSignature = 'a9nBmqA0ju/hNViExpshrM61xv4=';
  const bodySignatureEmpty = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
  const requestUrlWithHashEmpty = `${requestUrl}&bodySHA256=${bodySignatureEmpty}`;
  const verify = (signature: string | undefined, url: string, params: SignedParams) =>
    verifyTwilioSignature({ authToken: token, signature, url, params });

  it.each<[string, string | undefined, string, SignedParams, boolean]>([
    ['succeeds with the correct signature', defaultSignature, requestUrl, defaultParams, true],
    ['fails when given the wrong signature', 'WRONG_SIGNATURE', requestUrl, defaultParams, false],
    ['fails when the signature is undefined', undefined, requestUrl, defaultParams, false],
    [
      'validates https URLs with ports by stripping them',
      defaultSignature,
      requestUrl.replace('.com', '.com:1234'),
      defaultParams,
      true,
    ],
    [
      'validates http URLs with ports',
      'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=',
      requestUrl.replace('.com', '.com:1234').replace('https', 'http'),
      defaultParams,
      true,
    ],
    [
      'validates https URLs without ports by adding standard port 443',
      'kvajT1Ptam85bY51eRf/AJRuM3w=',
      requestUrl,
      defaultParams,
      true,
    ],
    [
      'validates http URLs without ports by adding standard port 80',
      '0ZXoZLH/DfblKGATFgpif+LLRf4=',
      requestUrl.replace('https', 'http'),
      defaultParams,
      true,
    ],
    [
      'validates URLs with credentials',
      'CukzLTc1tT5dXEDIHm/tKBanW10=',
      'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2',
      defaultParams,
      true,
    ],
    [
      'validates URLs with just a username',
      '2YRLlVAflCqxaNicjMpJcSTgzSs=',
      'https://user@mycompany.com/myapp.php?foo=1&bar=2',
      defaultParams,
      true,
    ],
    [
      'validates URLs with credentials by adding the port',
      'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=',
      'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2',
      defaultParams,
      true,
    ],
    [
      'validates URLs with special characters',
      'TfZzewPq8wqrGlMfyAud8+/IvJ0=',
      `${requestUrl}&Body=It's+amazing`,
      defaultParams,
      true,
    ],
    [
      'validates an array parameter',
      '83O6e2vORAoJHUNzJjDWN1jz+BA=',
      requestUrl,
      { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] },
      true,
    ],
    [
      'validates an array parameter regardless of the order of its values',
      '83O6e2vORAoJHUNzJjDWN1jz+BA=',
      requestUrl,
      { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] },
      true,
    ],
    [
      'validates multiple parameters with repeated values',
      'IK+Dwps556ElfBT0I3Rgjkr1wJU=',
      requestUrl,
      { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] },
      true,
    ],
  ])('%s', (_, signature, url, params, expected) => {
    expect(verify(signature, url, params)).toBe(expected);
    expect(twilio.validateRequest(token, signature as string, url, params)).toBe(expected);
  });

  it.each<[string, string, string, string, boolean]>([
    ['validates the body when given', requestUrlWithHashSignature, requestUrlWithHash, body, true],
    ['validates the body when empty', 'Ldidvp12m26NI7eqEvxnEpkd9Hc=', requestUrlWithHashEmpty, '{}', true],
    [
      'validates the body with only the sha parameter',
      'y77kIzt2vzLz71DgmJGsen2scGs=',
      `https://mycompany.com/myapp.php?bodySHA256=${bodySignature}`,
      body,
      true,
    ],
    ['fails when the URL has no bodySHA256 parameter', defaultSignature, requestUrl, body, false],
    ['fails with the wrong hash', requestUrlWithHashSignature, requestUrlWithHash.slice(0, -1), body, false],
  ])('JSON body: %s', (_, signature, url, rawBody, expected) => {
    expect(verifyTwilioBodySignature({ authToken: token, signature, url, body: rawBody })).toBe(expected);
    expect(verifyTwilioBodySignature({ authToken: token, signature, url, body: Buffer.from(rawBody) })).toBe(
      expected,
    );
    expect(twilio.validateRequestWithBody(token, signature, url, rawBody)).toBe(expected);
  });

  it('computes the body hash the library computes', () => {
    expect(computeBodySHA256(body)).toBe(bodySignature);
    expect(twilio.validateBody(body, computeBodySHA256(body))).toBe(true);
  });

  const authToken = 's3cr3t';
  it.each([
    [
      'the signature URL differs from the target URL',
      'https://example.com/path?test=param',
      'https://example.com/path?test=param2',
      false,
    ],
    [
      'signed with the port, checked with it',
      'https://example.com:443/path?test=param',
      'https://example.com:443/path?test=param',
      true,
    ],
    [
      'signed with the port, checked without it',
      'https://example.com:443/path?test=param',
      'https://example.com/path?test=param',
      true,
    ],
    [
      'signed without the port, checked without it',
      'https://example.com/path?test=param',
      'https://example.com/path?test=param',
      true,
    ],
    [
      'signed without the port, checked with it',
      'https://example.com/path?test=param',
      'https://example.com:443/path?test=param',
      true,
    ],
    [
      "signed with ', checked with '",
      "https://example.com/path?test=param'WithQuote",
      "https://example.com/path?test=param'WithQuote",
      true,
    ],
    [
      "signed with ', checked with %27",
      "https://example.com/path?test=param'WithQuote",
      'https://example.com/path?test=param%27WithQuote',
      true,
    ],
    [
      "signed with %27, checked with '",
      'https://example.com/path?test=param%27WithQuote',
      "https://example.com/path?test=param'WithQuote",
      true,
    ],
    [
      'signed with %27, checked with %27',
      'https://example.com/path?test=param%27WithQuote',
      'https://example.com/path?test=param%27WithQuote',
      true,
    ],
  ])('%s', (_, serverUrl, targetUrl, expected) => {
    const signature = twilio.getExpectedTwilioSignature(authToken, serverUrl, {});
    expect(verifyTwilioSignature({ authToken, signature, url: targetUrl })).toBe(expected);
    expect(twilio.validateRequest(authToken, signature, targetUrl, {})).toBe(expected);
  });
});

describe('verifyTwilioSignature never throws', () => {
  it.each<[string, Parameters<typeof verifyTwilioSignature>[0]]>([
    ['a null signature', { authToken: 't', url: 'https://example.com/', signature: null }],
    ['a URL that is not one', { authToken: 't', url: 'not a url', signature: 'x' }],
    [
      'a parameter value that cannot be a string',
      {
        authToken: 't',
        url: 'https://e.com/',
        params: { a: Symbol('x') as unknown as string },
        signature: 'x',
      },
    ],
  ])('returns false for %s', (_, args) => {
    expect(verifyTwilioSignature(args)).toBe(false);
  });

  it('returns false when a parameter cannot become a string', () => {
    const hostile = {
      toString: () => {
        throw new Error('no');
      },
    } as unknown as string;
    expect(
      verifyTwilioSignature({
        authToken: 't',
        url: 'https://e.com/',
        params: { a: hostile },
        signature: 'x',
      }),
    ).toBe(false);
  });

  it('returns false for a JSON body whose URL cannot be parsed', () => {
    expect(verifyTwilioBodySignature({ authToken: 't', url: 'nope', body: '{}', signature: 'x' })).toBe(
      false,
    );
  });

  it('accepts a URL the WHATWG parser refuses when it matches as received', () => {
    const url = 'https://exa mple.com/cb';
    const signature = computeTwilioSignature('t', url, {});
    expect(verifyTwilioSignature({ authToken: 't', url, signature })).toBe(true);
    expect(urlVariants(url)).toEqual([url, 'https://exa mple.com:443/cb']);
  });
});

// The official library is the oracle: for any URL, parameters and token, both accept or refuse alike.
describe('agreement with the official library, property-based', () => {
  const hosts = fc.constantFrom(
    'example.com',
    'Hooks.Example.COM',
    'user:pw@example.com',
    'user@example.com',
    '127.0.0.1',
    '[::1]',
    'xn--bcher-kva.example',
  );
  const ports = fc.constantFrom('', ':', ':80', ':443', ':8080', ':1234');
  const segment = fc.string({
    maxLength: 8,
    unit: fc.constantFrom('a', 'Z', '0', "'", '%27', '%20', ' ', 'é', '😀', '-', '.', '~', '!'),
  });
  const query = fc.option(
    fc
      .array(fc.tuple(segment, segment), { maxLength: 4 })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
    { nil: undefined },
  );
  const urls = fc
    .record({
      scheme: fc.constantFrom('http', 'https', 'HTTPS'),
      host: hosts,
      port: ports,
      path: fc.array(segment, { maxLength: 3 }),
      query,
    })
    .map(
      ({ scheme, host, port, path, query: q }) =>
        `${scheme}://${host}${port}/${path.join('/')}${q === undefined ? '' : `?${q}`}`,
    );
  const value = fc.string({ maxLength: 12, unit: 'grapheme' });
  const params = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }),
    fc.oneof(value, fc.array(fc.oneof(value, fc.constantFrom('same', 'same')), { maxLength: 4 })),
    { maxKeys: 8 },
  );
  const token = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });

  /** The library's answer; where it throws (a URL `URL` refuses), ours must be a plain `false`. */
  const oracle = (authToken: string, signature: string, url: string, form: SignedParams) => {
    try {
      return twilio.validateRequest(authToken, signature, url, form as Record<string, string>);
    } catch {
      return false;
    }
  };

  it('accepts and refuses genuine signatures exactly as the library does', { timeout: 20_000 }, () => {
    fc.assert(
      fc.property(
        token,
        urls,
        urls,
        params,
        fc.boolean(),
        (authToken, signedUrl, otherUrl, form, sameUrl) => {
          // Signed for the URL as received, or for another one (mostly refused, sometimes a port variant).
          const received = sameUrl ? signedUrl : otherUrl;
          const signature = twilio.getExpectedTwilioSignature(
            authToken,
            signedUrl,
            form as Record<string, string>,
          );
          expect(computeTwilioSignature(authToken, signedUrl, form)).toBe(signature);
          const ours = verifyTwilioSignature({ authToken, url: received, params: form, signature });
          expect(ours).toBe(oracle(authToken, signature, received, form));
          if (sameUrl) expect(ours).toBe(true);
        },
      ),
      { numRuns: 1200 },
    );
  });

  it('agrees on the port and quote variants of one URL', { timeout: 20_000 }, () => {
    const variant = (url: string, how: number) =>
      [
        url,
        url.replace(/^(\w+:\/\/[^/]*?)(:\d*)?\//, '$1/'),
        url.replace(
          /^(https?:\/\/[^/]*?)(:\d*)?\//i,
          (_, a: string) => `${a}${/^https/i.test(a) ? ':443' : ':80'}/`,
        ),
        url.replaceAll("'", '%27'),
        url.replaceAll('%27', "'"),
      ][how] as string;
    fc.assert(
      fc.property(token, urls, params, fc.nat(4), fc.nat(4), (authToken, url, form, a, b) => {
        const signature = twilio.getExpectedTwilioSignature(
          authToken,
          variant(url, a),
          form as Record<string, string>,
        );
        const received = variant(url, b);
        expect(verifyTwilioSignature({ authToken, url: received, params: form, signature })).toBe(
          oracle(authToken, signature, received, form),
        );
      }),
      { numRuns: 1200 },
    );
  });

  it('refuses tampered requests as the library does', { timeout: 20_000 }, () => {
    const tamper = fc.constantFrom('token', 'param', 'extra', 'signature');
    fc.assert(
      fc.property(token, urls, params, tamper, (authToken, url, form, how) => {
        let signature = twilio.getExpectedTwilioSignature(authToken, url, form as Record<string, string>);
        let checkToken = authToken;
        let checkForm: Record<string, string | readonly string[]> = { ...form };
        if (how === 'token') checkToken = `${authToken}x`;
        else if (how === 'extra') checkForm['\u0000extra'] = '1';
        else if (how === 'param') {
          const [name] = Object.keys(form);
          checkForm = name === undefined ? { Body: 'x' } : { ...form, [name]: `${String(form[name])}!` };
        } else signature = `${signature.slice(1)}${signature[0] === 'A' ? 'B' : 'A'}`;
        const ours = verifyTwilioSignature({ authToken: checkToken, url, params: checkForm, signature });
        expect(ours).toBe(oracle(checkToken, signature, url, checkForm));
        expect(ours).toBe(false);
      }),
      { numRuns: 1200 },
    );
  });
});
