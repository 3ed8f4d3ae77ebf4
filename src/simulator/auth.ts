/**
 * HTTP Basic authentication as Twilio does it: `AccountSid:AuthToken`, or `SK…:secret` for an API key,
 * whose account is then the one the key belongs to. Anything else is 401 / 20003.
 */
import { timingSafeEqual } from 'node:crypto';
import { type Answer, authError, notFound, twilioError } from './http.js';
import type { AccountState, SimulatorState } from './state.js';

/** Who made an authenticated request. */
export interface Principal {
  account: AccountState;
  /** True when an API key (not the Auth Token) authenticated the request. */
  viaApiKey: boolean;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Decodes `Authorization: Basic …` into user name and password. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The principal for an `Authorization` header, or undefined when the credentials are not accepted. */
export function authenticate(state: SimulatorState, header: string | undefined): Principal | undefined {
  const basic = parseBasic(header);
  if (basic === undefined) return undefined;
  const account = state.accounts.get(basic.user);
  if (account !== undefined) {
    return sameSecret(basic.password, account.authToken) ? { account, viaApiKey: false } : undefined;
  }
  for (const candidate of state.accounts.values()) {
    const key = candidate.apiKeys.find((k) => k.sid === basic.user);
    if (key !== undefined) {
      return sameSecret(basic.password, key.secret) ? { account: candidate, viaApiKey: true } : undefined;
    }
  }
  return undefined;
}

/** What a route needs to know to authorize a request. */
export interface AuthScope {
  /** The Account SID in the path (2010 API), or undefined (Messaging v1). */
  pathAccount: string | undefined;
  /** True for `GET /Accounts/{sid}.json`, which any account status may read and API keys may not. */
  isAccountFetch: boolean;
  /** The request path, for the 404 message. */
  path: string;
}

/**
 * Authenticates and authorizes a request: the principal, or the error answer.
 *
 * - Bad or missing credentials: 401 / 20003.
 * - Credentials of another account than the one in the path: 404 / 20404, as Twilio answers.
 * - An API key reading `/Accounts/{sid}.json`: 403 / 20003 (standard keys may not read the Account).
 * - An account that is not `active`, on anything but its own fetch: 403 / 10001 (account is not active).
 */
export function authorize(
  state: SimulatorState,
  header: string | undefined,
  scope: AuthScope,
): Principal | Answer {
  const principal = authenticate(state, header);
  if (principal === undefined) return authError();
  if (scope.pathAccount !== undefined && scope.pathAccount !== principal.account.sid) {
    return notFound(scope.path);
  }
  if (scope.isAccountFetch) {
    if (principal.viaApiKey) return twilioError(403, 20003, 'API keys may not access the Account resource');
    return principal;
  }
  if (principal.account.status !== 'active') {
    return twilioError(403, 10001, `Account is not active (status: ${principal.account.status})`);
  }
  return principal;
}
