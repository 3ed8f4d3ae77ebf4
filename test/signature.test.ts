import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, urlVariants, verifyTwilioSignature } from '../src/signature.js';

// Every expected signature below was computed independently of this code, with
// `printf '%s' "<url><name><value>…" | openssl dgst -sha1 -hmac <token> -binary | base64`.

/** Twilio's worked example ("Webhook security"): token 12345, a <Gather> POST with these fields. */
const DOCS_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOCS_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675310',
  Digits: '1234',
  From: '+14158675310',
  To: '+18005551212',
};
/** The same request with the caller numbers of the docs' newer revision. */
const DOCS_PARAMS_NEW = { ...DOCS_PARAMS, Caller: '+12349013030', From: '+12349013030' };

describe('computeTwilioSignature', () => {
  it.each([
    ['the docs example', '12345', DOCS_URL, DOCS_PARAMS, 'GvWf1cFY/Q7PnoempGyD5oXAezc='],
    [
      'the docs example with the newer numbers',
      '12345',
      DOCS_URL,
      DOCS_PARAMS_NEW,
      '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
    ],
    [
      'the newer numbers on example.com',
      '12345',
      'https://example.com/myapp.php?foo=1&bar=2',
      DOCS_PARAMS_NEW,
      'vNe7KK2kJwCsxc9K3OLkkKB3qqI=',
    ],
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

  it('signs a repeated parameter once per value, values sorted', () => {
    const params = {
      To: '+15551234567',
      MediaUrl: ['https://b.example/2.png', 'https://a.example/1.png'],
      Body: 'hi',
    };
    expect(computeTwilioSignature('secret', 'http://127.0.0.1:3000/cb', params)).toBe(
      'hTClNtVM7QWA263ntul4J+IDst0=',
    );
  });

  it('does not reorder the caller’s array', () => {
    const media = ['b', 'a'];
    computeTwilioSignature('secret', 'http://example.com/cb', { MediaUrl: media });
    expect(media).toEqual(['b', 'a']);
  });
});

describe('verifyTwilioSignature', () => {
  it('accepts the documented signature', () => {
    const args = {
      authToken: '12345',
      url: DOCS_URL,
      params: DOCS_PARAMS,
      signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
    };
    expect(verifyTwilioSignature(args)).toBe(true);
  });

  it.each([
    ['another token', { authToken: '12346' }],
    ['a changed value', { params: { ...DOCS_PARAMS, Digits: '9999' } }],
    ['an extra parameter', { params: { ...DOCS_PARAMS, Extra: '' } }],
    ['another URL', { url: 'https://mycompany.com/myapp.php?foo=1&bar=3' }],
    ['another scheme', { url: DOCS_URL.replace('https', 'http') }],
    ['a truncated signature', { signature: 'GvWf1cFY/Q7PnoempGyD5oXAez' }],
    ['an empty signature', { signature: '' }],
    [
      'a signature of the same length with one character changed',
      { signature: 'HvWf1cFY/Q7PnoempGyD5oXAezc=' },
    ],
  ])('rejects %s', (_, change) => {
    const args = {
      authToken: '12345',
      url: DOCS_URL,
      params: DOCS_PARAMS,
      signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
    };
    expect(verifyTwilioSignature({ ...args, ...change })).toBe(false);
  });

  it.each([
    [
      'signed with :443, checked without',
      'https://example.com/myapp.php?foo=1&bar=2',
      'rRyApp2BmeNbfvDRorL/FjZz1XY=',
    ],
    [
      'signed without a port, checked with :443',
      'https://example.com:443/myapp.php?foo=1&bar=2',
      'vNe7KK2kJwCsxc9K3OLkkKB3qqI=',
    ],
  ])('tolerates the default HTTPS port: %s', (_, url, signature) => {
    expect(verifyTwilioSignature({ authToken: '12345', url, params: DOCS_PARAMS_NEW, signature })).toBe(true);
  });

  it.each([
    ['signed with :80, checked without', 'http://example.com/cb', '9girqRJ+X194TUCXA9TGiDBGr1E='],
    ['signed without a port, checked with :80', 'http://example.com:80/cb', 'MwBba1/Ecg//D8mrRP+uroopnWM='],
  ])('tolerates the default HTTP port: %s', (_, url, signature) => {
    expect(
      verifyTwilioSignature({ authToken: 'secret', url, params: { MessageSid: 'SM1' }, signature }),
    ).toBe(true);
  });

  it('keeps user info and query when adding or removing the port', () => {
    const params = { MessageSid: 'SM1' };
    const url = 'https://user:pw@example.com/cb?x=1';
    expect(
      verifyTwilioSignature({ authToken: 'secret', url, params, signature: 'u4vXTlpzK6clbpyuJwRNcShbqdc=' }),
    ).toBe(true);
    expect(
      verifyTwilioSignature({
        authToken: 'secret',
        url: 'https://user:pw@example.com:443/cb?x=1',
        params,
        signature: 'rnLy/GxaPZ83aYzs8A8DPXyYWNQ=',
      }),
    ).toBe(true);
  });

  it('does not drop a non-default port, which names another server', () => {
    const params = { MessageSid: 'SM1' };
    const signedWithoutPort = 'MwBba1/Ecg//D8mrRP+uroopnWM=';
    expect(
      verifyTwilioSignature({
        authToken: 'secret',
        url: 'http://example.com:8080/cb',
        params,
        signature: signedWithoutPort,
      }),
    ).toBe(false);
    expect(
      verifyTwilioSignature({
        authToken: 'secret',
        url: 'http://example.com:8080/cb',
        params,
        signature: 'UNWgWpC3A16osDqKjyJGAdT1WZE=',
      }),
    ).toBe(true);
  });
});

describe('urlVariants', () => {
  it.each([
    ['https://example.com/a', ['https://example.com/a', 'https://example.com:443/a']],
    ['https://example.com:443/a', ['https://example.com:443/a', 'https://example.com/a']],
    ['HTTP://example.com', ['HTTP://example.com', 'HTTP://example.com:80']],
    ['http://example.com:/a', ['http://example.com:/a', 'http://example.com:80/a', 'http://example.com/a']],
    ['http://[::1]:80/a', ['http://[::1]:80/a', 'http://[::1]/a']],
    ['http://127.0.0.1:3000/a', ['http://127.0.0.1:3000/a']],
    ['not a url', ['not a url']],
    ['ftp://example.com/a', ['ftp://example.com/a']],
  ])('%s', (url, expected) => {
    expect(urlVariants(url)).toEqual(expected);
  });
});
