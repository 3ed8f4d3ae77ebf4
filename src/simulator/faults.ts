/**
 * Faults: scripted (a rule list or a function) and random (seeded), and the small PRNG behind every random
 * choice the simulator makes, so that a run with the same seed hits the same requests.
 */
import type { SimulatorState } from './state.js';

/**
 * What a fault does to one request:
 * - `'500'`, `'503'`: an error answer (codes 20500 / 20503); nothing is processed.
 * - `'429'`: Too Many Requests (20429), optionally with `Retry-After`; nothing is processed. Twilio documents
 *   20429 as never processed, so it is always safe to retry.
 * - `'reset_before_create'`: the connection is reset after the request is read; nothing is processed.
 * - `'reset_after_create'`: the request is processed (the message exists), then the connection is reset.
 * - `'hang'`: no answer at all, until the client gives up or the simulator closes.
 * - `'created_then_500'`: the request is processed (the message exists), but the answer is a 500.
 * - `'created_then_hang'`: the request is processed (the message exists), and the answer is held until the
 *   client gives up or the simulator closes: the moment a worker killed now loses a created message's SID.
 */
export type FaultKind =
  | '500'
  | '503'
  | '429'
  | 'reset_before_create'
  | 'reset_after_create'
  | 'hang'
  | 'created_then_500'
  | 'created_then_hang';

/** A fault to apply to one request. */
export interface Fault {
  /** What happens to the request. */
  kind: FaultKind;
  /** For `'429'`: the `Retry-After` header, in seconds or as an HTTP date. @default no header */
  retryAfter?: number | string;
}

/**
 * Which requests a fault rule looks at: `'create'` (POST Messages), `'list'` (GET Messages), `'fetch'`
 * (GET one Message), `'account'`, `'numbers'` (IncomingPhoneNumbers), `'service'` (Messaging Service),
 * or `'any'`.
 */
export type FaultTarget = 'create' | 'list' | 'fetch' | 'account' | 'numbers' | 'service' | 'any';

/**
 * One scripted fault rule.
 * @example
 * // The 3rd create request creates its message, then the connection is reset.
 * { on: 'create', nth: 3, kind: 'reset_after_create' }
 */
export interface ScriptedFault extends Fault {
  /** The requests this rule counts and applies to. @default 'create' */
  on?: FaultTarget;
  /** 1-based position(s) among the requests this rule matches. @default every matching request */
  nth?: number | readonly number[];
  /** Only create requests whose `To` is this value. @default any recipient */
  to?: string;
}

/** What a fault function is told about a request. */
export interface FaultRequest {
  /** The endpoint (never `'any'`). */
  target: Exclude<FaultTarget, 'any'>;
  /** The HTTP method. */
  method: string;
  /** The path, without the query string. */
  path: string;
  /** Query parameters; a repeated one is an array. */
  query: Readonly<Record<string, string | string[]>>;
  /** Form fields of a POST. */
  form: Readonly<Record<string, string | string[]>> | undefined;
  /** 1-based count of requests to this target since `faults` was last set, this one included. */
  count: number;
}

/**
 * Scripted faults: rules (the first that matches wins), or a function that decides per request.
 * @example
 * sim.configure({ faults: [{ nth: 2, kind: '503' }, { on: 'any', nth: 5, kind: 'hang' }] });
 * sim.configure({
 *   faults: (request) => (request.form?.['To'] === '+15551230000' ? { kind: '500' } : undefined),
 * });
 */
export type FaultScript = readonly ScriptedFault[] | ((request: FaultRequest) => Fault | undefined);

/** Faults drawn at random from the seeded generator, after scripted faults found nothing. */
export interface RandomFaults {
  /** Probability in [0, 1] that a matching request gets a fault. */
  rate: number;
  /** The kinds to pick from, uniformly. @default every kind except `'hang'` */
  kinds?: readonly FaultKind[];
  /** The requests that may get one. @default 'create' */
  on?: FaultTarget;
  /** `Retry-After` for random `'429'`s. @default no header */
  retryAfter?: number | string;
}

/** Kinds of random faults when `kinds` is not given: the hangs are left out because they stall a client. */
export const DEFAULT_RANDOM_KINDS: readonly FaultKind[] = [
  '500',
  '503',
  '429',
  'reset_before_create',
  'reset_after_create',
  'created_then_500',
];

/** Faults applied after the request was processed: the message exists although the client sees an error. */
export function isAfterProcessing(kind: FaultKind): boolean {
  return kind === 'reset_after_create' || kind === 'created_then_500' || kind === 'created_then_hang';
}

/**
 * mulberry32: a 32-bit seeded PRNG, small and good enough for test traffic (not for secrets).
 * @returns a function giving numbers in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function ruleMatches(rule: ScriptedFault, request: FaultRequest): boolean {
  const on = rule.on ?? 'create';
  if (on !== 'any' && on !== request.target) return false;
  if (rule.to === undefined) return true;
  const to = request.form?.['To'];
  return (Array.isArray(to) ? to[0] : to) === rule.to;
}

function fromRules(state: SimulatorState, rules: readonly ScriptedFault[], request: FaultRequest) {
  let chosen: Fault | undefined;
  rules.forEach((rule, index) => {
    if (!ruleMatches(rule, request)) return;
    // Every matching rule counts the request, so each rule's `nth` is independent of the others.
    const count = (state.ruleCounts[index] ?? 0) + 1;
    state.ruleCounts[index] = count;
    const nth = rule.nth;
    const hit = nth === undefined || (typeof nth === 'number' ? nth === count : nth.includes(count));
    if (hit && chosen === undefined) chosen = toFault(rule.kind, rule.retryAfter);
  });
  return chosen;
}

function toFault(kind: FaultKind, retryAfter: number | string | undefined): Fault {
  return retryAfter === undefined ? { kind } : { kind, retryAfter };
}

/** Decides the fault for a request: scripted first, then random. Counts the request either way. */
export function pickFault(state: SimulatorState, request: Omit<FaultRequest, 'count'>): Fault | undefined {
  const count = (state.targetCounts.get(request.target) ?? 0) + 1;
  state.targetCounts.set(request.target, count);
  const full: FaultRequest = { ...request, count };
  const script = state.knobs.faults;
  const scripted =
    script === undefined
      ? undefined
      : typeof script === 'function'
        ? script(full)
        : fromRules(state, script, full);
  if (scripted !== undefined) return scripted;

  const random = state.knobs.randomFaults;
  if (random === undefined) return undefined;
  const on = random.on ?? 'create';
  if (on !== 'any' && on !== request.target) return undefined;
  if (state.random.faults() >= random.rate) return undefined;
  const kinds = random.kinds ?? DEFAULT_RANDOM_KINDS;
  const kind = kinds[Math.floor(state.random.faults() * kinds.length)];
  return kind === undefined ? undefined : toFault(kind, random.retryAfter);
}

/** The latency to add to a request, from the latency knob and the seeded jitter stream. */
export function latencyFor(state: SimulatorState): number {
  const latency = state.knobs.latency;
  if (latency === undefined) return 0;
  return (latency.fixedMs ?? 0) + state.random.latency() * (latency.jitterMs ?? 0);
}
