/** Rebuilding the URL Twilio signed from the request that reached the server. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type PublicAddress, signedUrl } from '../../src/delivery/request-url.js';

function req(fields: {
  url?: string;
  originalUrl?: string;
  headers?: Record<string, string | string[]>;
  encrypted?: boolean;
}): IncomingMessage {
  return {
    url: fields.url,
    headers: fields.headers ?? {},
    socket: { encrypted: fields.encrypted },
    ...(fields.originalUrl === undefined ? {} : { originalUrl: fields.originalUrl }),
  } as unknown as IncomingMessage;
}

describe('signedUrl', () => {
  it.each<[string, IncomingMessage, PublicAddress, string]>([
    [
      'the request’s own scheme and Host',
      req({ url: '/cb?a=1', headers: { host: 'h:8080' } }),
      {},
      'http://h:8080/cb?a=1',
    ],
    [
      'https on a TLS socket',
      req({ url: '/cb', headers: { host: 'h' }, encrypted: true }),
      {},
      'https://h/cb',
    ],
    [
      'Express’s originalUrl under a mount path',
      req({ url: '/cb', originalUrl: '/hooks/cb', headers: { host: 'h' } }),
      {},
      'http://h/hooks/cb',
    ],
    ['no path at all', req({ headers: { host: 'h' } }), {}, 'http://h/'],
    ['no Host header', req({ url: '/cb' }), {}, 'http:///cb'],
    [
      'publicUrl, trailing slashes dropped',
      req({ url: '/cb', headers: { host: 'h' } }),
      { publicUrl: 'https://p.example//' },
      'https://p.example/cb',
    ],
    [
      'publicUrl with a path prefix',
      req({ url: '/cb' }),
      { publicUrl: 'https://p.example/base' },
      'https://p.example/base/cb',
    ],
    [
      'X-Forwarded-* ignored unless trusted',
      req({ url: '/cb', headers: { host: 'h', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'p' } }),
      {},
      'http://h/cb',
    ],
    [
      'the first X-Forwarded-* values when trusted',
      req({
        url: '/cb',
        headers: { host: 'h', 'x-forwarded-proto': ['https, http'], 'x-forwarded-host': 'p, q' },
      }),
      { trustProxy: true },
      'https://p/cb',
    ],
    [
      'the request’s own values when a trusted header is empty',
      req({ url: '/cb', headers: { host: 'h', 'x-forwarded-proto': '', 'x-forwarded-host': ' ' } }),
      { trustProxy: true },
      'http://h/cb',
    ],
  ])('uses %s', (_, request, address, expected) => {
    expect(signedUrl(request, address)).toBe(expected);
  });
});
