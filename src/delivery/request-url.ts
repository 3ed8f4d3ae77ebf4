/**
 * Rebuilds the URL Twilio signed from a request that reached this server: Twilio signs the address it
 * posted to, which a proxy or tunnel in front of the server hides from it.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** How the public address is found. */
export interface PublicAddress {
  /**
   * The scheme and host Twilio posts to (`https://hooks.example.com`), plus any path prefix a proxy removes
   * before the request reaches this server; the request's own path and query are appended.
   */
  publicUrl?: string | undefined;
  /** Read `X-Forwarded-Proto` and `X-Forwarded-Host`: only behind a proxy that sets (and overwrites) them. */
  trustProxy?: boolean | undefined;
}

/** The first value of a header that proxies may list comma-separated. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first === '' ? undefined : first;
}

/**
 * The URL the request was signed for. The path comes from Express's `originalUrl` when it is set (a router
 * mounted below a prefix sees a shortened `url`), else from `url`.
 */
export function signedUrl(req: IncomingMessage, address: PublicAddress): string {
  const path = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  const pathAndQuery = typeof path === 'string' ? path : (req.url ?? '/');
  if (address.publicUrl !== undefined) return address.publicUrl.replace(/\/+$/, '') + pathAndQuery;
  const ownScheme = (req.socket as TLSSocket).encrypted === true ? 'https' : 'http';
  const scheme = (address.trustProxy ? firstValue(req.headers['x-forwarded-proto']) : undefined) ?? ownScheme;
  const host =
    (address.trustProxy ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? '';
  return `${scheme}://${host}${pathAndQuery}`;
}
