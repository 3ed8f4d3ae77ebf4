/**
 * One simulator's mutable state. Everything a simulator remembers hangs off this object, created per
 * `startTwilioSimulator` call, so two simulators in one process never share anything.
 */
import type { Socket } from 'node:net';
import {
  DEFAULT_ACCOUNT,
  DEFAULT_LIFECYCLE,
  DEFAULT_SEED,
  DEFAULT_UNREACHABLE,
  TWILIO_TEST_SENDER,
} from './defaults.js';
import { type FaultScript, type FaultTarget, mulberry32, type RandomFaults } from './faults.js';
import type { TwilioMessage } from './resources.js';
import type {
  AccountStatus,
  AccountType,
  ApiKey,
  ConcurrencyKnob,
  DeliveryErrorCode,
  LatencyKnob,
  LifecycleKnob,
  PaceKnob,
  RecordedCallback,
  RecordedRequest,
  SimulatedAccount,
  SimulatorClock,
  SimulatorKnobs,
  SimulatorOptions,
} from './types.js';

/** A Messaging Service as the simulator keeps it. */
export interface ServiceState {
  sid: string;
  accountSid: string;
  friendlyName: string;
  statusCallback: string | null;
  senders: readonly string[];
  smartEncoding: boolean;
  created: Date;
}

/** An account as the simulator keeps it. */
export interface AccountState {
  sid: string;
  authToken: string;
  friendlyName: string;
  status: AccountStatus;
  type: AccountType;
  numbers: readonly string[];
  services: Map<string, ServiceState>;
  apiKeys: readonly ApiKey[];
  verified: ReadonlySet<string>;
  created: Date;
}

/** What the simulator knows about a message beyond its public JSON. */
export interface MessageRecord {
  resource: TwilioMessage;
  account: AccountState;
  service: ServiceState | undefined;
  statusCallback: string | undefined;
  /** Real segment count (the resource shows `"0"` until a pooled message gets a sender). */
  segments: number;
  /** Epoch ms of the send, second-truncated as Twilio shows it; undefined until sent. */
  sentAt: number | undefined;
  /** Epoch ms at which the per-sender queue reaches this message (pace knob). */
  pacedUntil: number;
  /** Callbacks of one message are posted one after another, in status order. */
  callbackChain: Promise<void>;
}

/** The current knobs, resolved to their defaults. */
export interface ResolvedKnobs {
  latency: LatencyKnob | undefined;
  concurrency: ConcurrencyKnob | undefined;
  pace: PaceKnob | undefined;
  faults: FaultScript | undefined;
  randomFaults: RandomFaults | undefined;
  lifecycle: Required<LifecycleKnob> | false;
  unreachable: Readonly<Record<string, DeliveryErrorCode>>;
}

/** The whole mutable state of one simulator. */
export interface SimulatorState {
  baseUrl: string;
  accounts: Map<string, AccountState>;
  defaultAccount: AccountState;
  messages: TwilioMessage[];
  records: MessageRecord[];
  bySid: Map<string, MessageRecord>;
  requests: RecordedRequest[];
  callbacks: RecordedCallback[];
  record: boolean;
  callbackTimeoutMs: number;
  knobs: ResolvedKnobs;
  random: { faults: () => number; latency: () => number; ids: () => number };
  /** Matches per scripted rule (index in the rule list) and per target, since `faults` was last set. */
  ruleCounts: number[];
  targetCounts: Map<FaultTarget, number>;
  inFlight: Map<string, number>;
  /** Epoch ms at which each sender's queue is empty. */
  senderQueues: Map<string, number>;
  clock: SimulatorClock;
  timers: Set<unknown>;
  sockets: Set<Socket>;
  connections: number;
  abort: AbortController;
}

/** The real clock, the default. */
const REAL_CLOCK: SimulatorClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function buildAccount(init: SimulatedAccount, now: number): AccountState {
  const hex = init.sid.slice(2);
  const created = new Date(now);
  const numbers = init.numbers ?? [TWILIO_TEST_SENDER];
  const account: AccountState = {
    sid: init.sid,
    authToken: init.authToken,
    friendlyName: init.friendlyName ?? 'Simulated account',
    status: init.status ?? 'active',
    type: init.type ?? 'Full',
    numbers,
    services: new Map(),
    apiKeys: init.apiKeys ?? [{ sid: `SK${hex}`, secret: [...init.authToken].reverse().join('') }],
    verified: new Set(init.verifiedNumbers ?? []),
    created,
  };
  for (const service of init.messagingServices ?? [{ sid: `MG${hex}` }]) {
    account.services.set(service.sid, {
      sid: service.sid,
      accountSid: init.sid,
      friendlyName: service.friendlyName ?? 'Simulated Messaging Service',
      statusCallback: service.statusCallback ?? null,
      senders: service.senders ?? numbers,
      smartEncoding: service.smartEncoding ?? false,
      created,
    });
  }
  return account;
}

/** Builds the state of a new simulator from its options. */
export function createState(options: SimulatorOptions): SimulatorState {
  const inits = options.accounts?.length ? options.accounts : [DEFAULT_ACCOUNT];
  const accounts = new Map(
    inits.map((init) => [init.sid, buildAccount(init, (options.clock ?? REAL_CLOCK).now())] as const),
  );
  const seed = options.seed ?? DEFAULT_SEED;
  const state: SimulatorState = {
    baseUrl: '',
    accounts,
    defaultAccount: accounts.values().next().value as AccountState,
    messages: [],
    records: [],
    bySid: new Map(),
    requests: [],
    callbacks: [],
    record: options.record ?? true,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 15_000,
    knobs: {
      latency: undefined,
      concurrency: undefined,
      pace: undefined,
      faults: undefined,
      randomFaults: undefined,
      lifecycle: DEFAULT_LIFECYCLE,
      unreachable: DEFAULT_UNREACHABLE,
    },
    // Independent streams, so turning jitter on does not change which requests random faults hit.
    random: { faults: mulberry32(seed), latency: mulberry32(seed ^ 0x1a7e), ids: mulberry32(seed ^ 0x51d) },
    ruleCounts: [],
    targetCounts: new Map(),
    inFlight: new Map(),
    senderQueues: new Map(),
    clock: options.clock ?? REAL_CLOCK,
    timers: new Set(),
    sockets: new Set(),
    connections: 0,
    abort: new AbortController(),
  };
  applyKnobs(state, options);
  return state;
}

/** Applies `configure()` knobs: present keys replace the current value, absent keys are kept. */
export function applyKnobs(state: SimulatorState, knobs: SimulatorKnobs): void {
  const current = state.knobs;
  if ('latency' in knobs) current.latency = knobs.latency;
  if ('concurrency' in knobs) current.concurrency = knobs.concurrency;
  if ('pace' in knobs) current.pace = knobs.pace;
  if ('randomFaults' in knobs) current.randomFaults = knobs.randomFaults;
  if ('faults' in knobs) {
    current.faults = knobs.faults;
    state.ruleCounts = [];
    state.targetCounts.clear();
  }
  if ('lifecycle' in knobs) {
    current.lifecycle = knobs.lifecycle === false ? false : { ...DEFAULT_LIFECYCLE, ...knobs.lifecycle };
  }
  if ('unreachable' in knobs) current.unreachable = knobs.unreachable ?? DEFAULT_UNREACHABLE;
  if (knobs.authToken !== undefined) state.defaultAccount.authToken = knobs.authToken;
  for (const [sid, update] of Object.entries(knobs.accountUpdates ?? {})) {
    const account = state.accounts.get(sid);
    if (account === undefined) throw new Error(`accountUpdates: no simulated account ${sid}`);
    if (update.authToken !== undefined) account.authToken = update.authToken;
    if (update.status !== undefined) account.status = update.status;
    if (update.type !== undefined) account.type = update.type;
    if (update.apiKeys !== undefined) account.apiKeys = update.apiKeys;
    if (update.numbers !== undefined) account.numbers = update.numbers;
    if (update.verifiedNumbers !== undefined) account.verified = new Set(update.verifiedNumbers);
  }
}

/** Random 32-hex string from the simulator's seeded id stream, for SIDs and request ids. */
export function randomHex(state: SimulatorState): string {
  let hex = '';
  for (let i = 0; i < 4; i++) {
    hex += Math.floor(state.random.ids() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  }
  return hex;
}
