/**
 * The simulator's public types: accounts, behaviour knobs, faults and the handle `startTwilioSimulator`
 * returns. Resource shapes (`TwilioMessage`) are in the resources module.
 */
import type { FaultKind, FaultScript, RandomFaults } from './faults.js';
import type { TwilioMessage } from './resources.js';

/** An account's `status`, as `GET /2010-04-01/Accounts/{sid}.json` reports it. */
export type AccountStatus = 'active' | 'suspended' | 'closed';

/** An account's `type`: a `Trial` account may only text verified numbers (21608). */
export type AccountType = 'Full' | 'Trial';

/** An API key: its SID is the Basic auth user name, its secret the password. */
export interface ApiKey {
  /** `SK` followed by 32 hex characters. */
  sid: string;
  /** The key's secret. */
  secret: string;
}

/** A Messaging Service of a simulated account. */
export interface SimulatedMessagingService {
  /** `MG` followed by 32 hex characters. */
  sid: string;
  /** @default 'Simulated Messaging Service' */
  friendlyName?: string;
  /** Where status changes of its messages are posted when a message has no `StatusCallback` of its own. */
  statusCallback?: string;
  /**
   * The sender pool; the first one becomes the message's `from` when it is sent.
   * @default the account's numbers
   */
  senders?: readonly string[];
  /** Twilio's Smart Encoding: segments are counted after look-alike replacement. @default false */
  smartEncoding?: boolean;
}

/** An account the simulator accepts. */
export interface SimulatedAccount {
  /** `AC` followed by 32 hex characters. */
  sid: string;
  /** The Auth Token (Basic auth password with the Account SID). */
  authToken: string;
  /** @default 'Simulated account' */
  friendlyName?: string;
  /** @default 'active' */
  status?: AccountStatus;
  /** @default 'Full' */
  type?: AccountType;
  /**
   * Senders the account owns: E.164 numbers, short codes or alphanumeric IDs (`whatsapp:` addresses are
   * owned through their number). Twilio's test sender `+15005550006` works on every account regardless.
   * @default ['+15005550006']
   */
  numbers?: readonly string[];
  /** @default one service, `MG` + the account SID's hex part */
  messagingServices?: readonly SimulatedMessagingService[];
  /** @default one key, `SK` + the account SID's hex part, whose secret is the Auth Token reversed */
  apiKeys?: readonly ApiKey[];
  /** Recipients a `Trial` account may text; any other answers 21608. @default [] */
  verifiedNumbers?: readonly string[];
}

/** A change to a running account, for {@link SimulatorKnobs.accountUpdates}. */
export interface AccountUpdate {
  /** A new Auth Token: the old one answers 401/20003 from the next request on (credential rotation). */
  authToken?: string;
  /** A new status: anything but `active` answers 403 / 10001 to all but the account's own fetch. */
  status?: AccountStatus;
  /** A new type: `Trial` makes texts to unverified recipients fail with 21608. */
  type?: AccountType;
  /** Replaces the account's API keys; `[]` revokes them all. */
  apiKeys?: readonly ApiKey[];
  /** Replaces the recipients a `Trial` account may text. */
  verifiedNumbers?: readonly string[];
  /** Replaces the senders the account owns (a sender it no longer owns answers 21606). */
  numbers?: readonly string[];
}

/** Response latency. The delay of each request is `fixedMs + random × jitterMs`. */
export interface LatencyKnob {
  /** @default 0 */
  fixedMs?: number;
  /** @default 0 */
  jitterMs?: number;
}

/** Twilio's limit on concurrent requests per account: beyond it, 429 with code 20429. */
export interface ConcurrencyKnob {
  /** Requests of one account in progress at once (including their latency) before 429s begin. */
  limit: number;
  /** The `Retry-After` header sent with the 429 (seconds, or an HTTP date). @default no header */
  retryAfter?: number | string;
}

/** Per-sender delivery pace: messages wait in a per-sender queue drained at this many segments per second. */
export interface PaceKnob {
  /** Segments per second for every sender without its own entry in `senders`. */
  segmentsPerSecond: number;
  /** Per-sender rates (key: the `From` value, or the Messaging Service SID for pooled sends). */
  senders?: Readonly<Record<string, number>>;
  /**
   * Seconds of backlog a queue may hold; a message that would exceed it answers 21611.
   * @default 36000 (10 hours, as on Twilio)
   */
  maxQueueSeconds?: number;
}

/** Timing of a created message's status changes. */
export interface LifecycleKnob {
  /** Milliseconds from creation to `sent` (a paced message waits for its turn as well). @default 100 */
  sentAfterMs?: number;
  /** Milliseconds from `sent` to `delivered` (or `undelivered`). @default 400 */
  deliveredAfterMs?: number;
}

/**
 * A delivery error a recipient's messages end with: any of Twilio's codes (30003 unreachable handset, 30005
 * unknown handset, 30006 landline, 30007 filtered, 21610 opted out, …). A 30xxx code ends the message
 * `undelivered`; any other (21610, 63016, …) ends it `failed`, as Twilio reports those.
 */
export type DeliveryErrorCode = number;

/**
 * Behaviour that can be set at start and changed while running with `configure()`. A key that is present
 * replaces the current setting (`undefined` turns a knob off); a missing key leaves it alone.
 */
export interface SimulatorKnobs {
  /** Response latency. @default off */
  latency?: LatencyKnob | undefined;
  /** Account concurrency limit (429/20429). @default off */
  concurrency?: ConcurrencyKnob | undefined;
  /** Per-sender pace and queue limit (21611). @default off */
  pace?: PaceKnob | undefined;
  /** Scripted faults: a list of rules or a function. Setting it restarts the rules' counts. @default off */
  faults?: FaultScript | undefined;
  /** Random faults, drawn from the seeded generator. @default off */
  randomFaults?: RandomFaults | undefined;
  /**
   * Status progression timing, or `false` to leave messages `queued`/`accepted`.
   * @default `{ sentAfterMs: 100, deliveredAfterMs: 400 }`
   */
  lifecycle?: LifecycleKnob | false | undefined;
  /**
   * Recipients whose messages end `undelivered` or `failed`, with their delivery error code.
   * @default one recipient per delivery outcome (`DEFAULT_UNREACHABLE`): `+15555550100` → 30003,
   * `+15555550101` → 30005, `+15555550102` → 30006, `+15555550103` → 30007, `+15555550104` → 21610
   */
  unreachable?: Readonly<Record<string, DeliveryErrorCode>> | undefined;
  /** A new Auth Token for the default (first) account: shorthand for `accountUpdates`. */
  authToken?: string;
  /** Changes to accounts by SID (rotate a token, revoke keys, suspend, downgrade to Trial). */
  accountUpdates?: Readonly<Record<string, AccountUpdate>>;
}

/**
 * The simulator's clock: where latency, lifecycle and pacing take the time and set their timers. Tests
 * pass a manual clock so that they can step through a delay instead of sleeping through it.
 */
export interface SimulatorClock {
  /** The time, in epoch milliseconds. */
  now(): number;
  /** Runs `run` after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(run: () => void, ms: number): unknown;
  /** Cancels a timer set with `setTimeout` (close() calls it for every pending one). */
  clearTimeout(handle: unknown): void;
}

/** The options of `startTwilioSimulator`. */
export interface SimulatorOptions extends SimulatorKnobs {
  /** The port to listen on; `0` picks a free one. @default 0 */
  port?: number;
  /** The interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** The accounts the simulator accepts; the first is the default one. @default one account (see README) */
  accounts?: readonly SimulatedAccount[];
  /**
   * Keep `requests` and `callbacks` history and every message; `false` for long benchmarks (no history, and
   * only the latest 10,000 to 20,000 messages are kept, for look-ups). @default true
   */
  record?: boolean;
  /** How long a status callback receiver may take to answer; Twilio gives up after 15 s. @default 15000 */
  callbackTimeoutMs?: number;
  /**
   * Seed of the random streams (latency jitter, random faults, SIDs), so runs are reproducible.
   * @default 0x5eed
   */
  seed?: number;
  /**
   * The clock behind latency, jitter, the lifecycle timers, pacing and every date the simulator writes.
   * @default the real one (`Date.now`, `setTimeout`, `clearTimeout`)
   */
  clock?: SimulatorClock;
}

/** A request the simulator received. The `Authorization` header is kept as `[redacted]`, never its value. */
export interface RecordedRequest {
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The path without the query string. */
  path: string;
  /** Query parameters; a repeated one is an array. */
  query: Record<string, string | string[]>;
  /** Request headers (lower-case names), with `authorization` redacted. */
  headers: Record<string, string | string[]>;
  /** Form fields of a form-encoded body; a repeated one (`MediaUrl`) is an array. */
  form?: Record<string, string | string[]>;
  /** When the request arrived. */
  at: Date;
  /** When its answer was sent or its connection closed; absent while in progress. */
  endedAt?: Date;
  /** The HTTP status answered; absent while in progress, and for resets and hangs. */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: FaultKind;
}

/** A status callback the simulator posted. */
export interface RecordedCallback {
  /** The status callback URL posted to. */
  url: string;
  /** The form fields posted. */
  params: Record<string, string>;
  /** The `X-Twilio-Signature` header sent. */
  signature: string;
  /** When the post was sent. */
  at: Date;
  /** The receiver's HTTP status; absent when the post failed (see `error`). */
  status?: number;
  /** Why the post failed (connection refused, timeout …). */
  error?: string;
}

/** A running simulator. */
export interface TwilioSimulator {
  /** Base URL, e.g. `http://127.0.0.1:4010`: use it as both `apiBaseUrl` and `messagingBaseUrl`. */
  readonly url: string;
  /** The default account's current credentials (they follow a rotation made with `configure`). */
  readonly credentials: {
    /** The default account's SID. */
    accountSid: string;
    /** Its current Auth Token. */
    authToken: string;
  };
  /** The numbers the default account owns. */
  readonly numbers: readonly string[];
  /** The default account's first Messaging Service. */
  readonly messagingServiceSid: string;
  /** The default account's first API key (follows `configure`). */
  readonly apiKey: ApiKey;
  /** Every created message (the latest 10,000 or more with `record: false`), live: status changes show here. */
  readonly messages: TwilioMessage[];
  /** Every request received (empty with `record: false`). */
  readonly requests: RecordedRequest[];
  /** Every status callback posted (empty with `record: false`). */
  readonly callbacks: RecordedCallback[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Changes behaviour while running. */
  configure(knobs: SimulatorKnobs): void;
  /**
   * Stops listening, destroys open sockets, clears lifecycle timers and aborts pending callbacks; resolves
   * once every status callback has ended, so none is posted after it.
   */
  close(): Promise<void>;
}
