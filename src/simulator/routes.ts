/**
 * The endpoints the simulator serves, matched by method and path. Unknown paths answer 404 / 20404 and
 * known paths with another method 405 / 20004, as Twilio does.
 */
import type { AuthScope, Principal } from './auth.js';
import type { FaultTarget } from './faults.js';
import { type Answer, notFound, type Params, twilioError } from './http.js';
import { listIncomingNumbers, listMessages } from './list.js';
import { createMessage } from './messages.js';
import { accountJson, serviceJson } from './resources.js';
import type { SimulatorState } from './state.js';

/** A matched endpoint: what faults call it, how it is authorized, and what it does once authorized. */
export interface Route {
  target: Exclude<FaultTarget, 'any'>;
  scope: AuthScope;
  run: (principal: Principal) => Answer;
}

/** What a route handler may read from the request. */
export interface RouteRequest {
  method: string;
  path: string;
  query: Params;
  form: Params | undefined;
}

interface Pattern {
  regex: RegExp;
  methods: Readonly<Partial<Record<string, (match: string[], principal: Principal) => Answer>>>;
  target: (method: string) => Exclude<FaultTarget, 'any'>;
  accountInPath: boolean;
}

function patterns(state: SimulatorState, request: RouteRequest): readonly Pattern[] {
  const { path, query, form } = request;
  return [
    {
      regex: /^\/2010-04-01\/Accounts\/([^/]+)\.json$/,
      methods: { GET: (_, principal) => ({ status: 200, body: accountJson(principal.account) }) },
      target: () => 'account',
      accountInPath: true,
    },
    {
      regex: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/,
      methods: {
        GET: (_, principal) => listMessages(state, principal.account, path, query),
        POST: (_, principal) => createMessage(state, principal.account, form ?? {}),
      },
      target: (method) => (method === 'POST' ? 'create' : 'list'),
      accountInPath: true,
    },
    {
      regex: /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/,
      methods: {
        GET: (match, principal) => {
          const record = state.bySid.get(match[2] as string);
          if (record === undefined || record.account !== principal.account) return notFound(path);
          return { status: 200, body: record.resource };
        },
      },
      target: () => 'fetch',
      accountInPath: true,
    },
    {
      regex: /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers\.json$/,
      methods: { GET: (_, principal) => listIncomingNumbers(principal.account, path, query) },
      target: () => 'numbers',
      accountInPath: true,
    },
    {
      regex: /^\/v1\/Services\/([^/]+)$/,
      methods: {
        GET: (match, principal) => {
          const service = principal.account.services.get(match[1] as string);
          if (service === undefined) return notFound(path);
          return { status: 200, body: serviceJson(service, state.baseUrl) };
        },
      },
      target: () => 'service',
      accountInPath: false,
    },
  ];
}

/** The route for a request, or the 404 / 405 answer. */
export function matchRoute(state: SimulatorState, request: RouteRequest): Route | Answer {
  for (const pattern of patterns(state, request)) {
    const match = pattern.regex.exec(request.path);
    if (match === null) continue;
    const handler = pattern.methods[request.method];
    if (handler === undefined) {
      return twilioError(405, 20004, `Method ${request.method} not allowed on ${request.path}`);
    }
    const groups = [...match];
    return {
      target: pattern.target(request.method),
      scope: {
        pathAccount: pattern.accountInPath ? groups[1] : undefined,
        isAccountFetch: pattern.target(request.method) === 'account',
        path: request.path,
      },
      run: (principal) => handler(groups, principal),
    };
  }
  return notFound(request.path);
}
