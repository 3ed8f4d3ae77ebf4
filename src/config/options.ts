/**
 * The public shape of the options (the second argument of `new TwilioDestination(…)`), the policy types
 * they hold, and the same options with every default filled in, as the rest of the package reads them.
 */
import type { Dispatcher } from 'undici';
import type { Logger } from '../logger.js';
import type { Coordinator } from '../seams/coordinator.js';
import type { Ledger } from '../seams/ledger.js';

/** Waits `ms`; rejects with the signal's reason when it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Retry settings (the `retry` option). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Wait before the first retry, before jitter. */
  minDelayMs: number;
  /** Upper bound of the exponential wait. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the batch stops with `rate_limited`. */
  maxRetryAfterMs: number;
}

/** How the look-up for a message an ambiguous attempt may have created runs (the `duplicateCheck` option). */
export interface DuplicateCheckPolicy {
  /** A message created this long before the row's first attempt still counts, for clock skew. */
  clockSkewMs: number;
  /** Pages of the recipient's messages read, newest first. */
  pages: number;
  /** Messages per page. */
  pageSize: number;
  /** Pause before the second look, since a message created a moment ago may not be listed yet. */
  pauseMs: number;
}

/** A snapshot of a running write, for `onProgress`. */
export interface Progress {
  /** Rows with a result. */
  done: number;
  /** Rows sent. */
  sent: number;
  /** Rows failed. */
  failed: number;
  /** Rows finished per second since the previous report. */
  ratePerSecond: number;
  /** Rows waiting to retry right now. */
  retrying: number;
  /** Requests in flight right now. */
  inFlight: number;
}

/**
 * Any undici dispatcher, by shape: only `dispatch` (with undici 7's handler API, which undici 8 keeps) and
 * `close` are used, so a dispatcher from the application's own copy of undici 7 or 8 fits.
 */
export interface DispatcherLike {
  /** Starts one request. */
  dispatch(options: never, handler: never): boolean;
  /** Closes the dispatcher's connections. */
  close(): Promise<unknown>;
}

/** How the package runs: the second argument of `new TwilioDestination(…)`. */
export interface DestinationOptions {
  /**
   * Where REST API requests go: tests, the demo and staging setups point it at a local server.
   * Must be https unless it is a loopback address or `allowInsecureHttp` is set.
   * @default 'https://api.twilio.com'
   */
  apiBaseUrl?: string;
  /**
   * Where Messaging API requests (Messaging Service checks) go.
   * @default 'https://messaging.twilio.com'
   */
  messagingBaseUrl?: string;
  /**
   * Allow plain http base URLs on hosts other than loopback (a staging simulator on another host).
   * @default false
   */
  allowInsecureHttp?: boolean;
  /**
   * Retries of 429, 5xx and network failures. The wait before retry n is
   * `min(maxDelayMs, minDelayMs × 2^(n−1))` × a random factor in [0.5, 1]; a longer `Retry-After` replaces it.
   * @default { retries: 3, minDelayMs: 1000, maxDelayMs: 30000, maxRetryAfterMs: 60000 }
   * @example { retry: { retries: 5, minDelayMs: 500 } }
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Per-request timeout in milliseconds.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Requests in flight at most. 1 sends the rows strictly one after another; more is opt-in. Results stay
   * in input order either way. A 429 halves the effective value at once; it climbs back one step per run of
   * successes. The keep-alive pool gets as many connections.
   * @default 1
   * @example { concurrency: 8 }
   */
  concurrency?: number;
  /**
   * Client-side pacing in segments per second (each message costs its segment count, an MMS 1), because
   * Twilio paces each sender in segments per second and queues the rest for up to 10 hours before answering
   * 21611. Presets: `SEGMENT_RATE_PRESETS` (long code 1, toll-free 3, short code 100). A 429 halves it too.
   * One segment's wait (`1000 / segmentsPerSecond` ms) may not exceed `retry.maxRetryAfterMs`.
   * @default undefined (no pacing)
   * @example { segmentsPerSecond: SEGMENT_RATE_PRESETS.tollFree }
   */
  segmentsPerSecond?: number;
  /**
   * Called at most every 500 ms while a write runs, and once at the end, with rows done, sent, failed, the
   * current rate and the retries in progress.
   * @example { onProgress: (p) => console.log(`${p.done} rows, ${p.ratePerSecond}/s`) }
   */
  onProgress?: (progress: Progress) => void;
  /**
   * The undici dispatcher to send with (for proxies, custom TLS or tests): an `Agent`, `Pool`, `Client`,
   * `ProxyAgent`, `EnvHttpProxyAgent` or `MockAgent` of undici 7 or 8, whichever copy of undici it comes
   * from (the type is structural). By default the destination creates one keep-alive Agent and reuses it
   * for every request and call.
   */
  dispatcher?: DispatcherLike;
  /**
   * Before retrying an ambiguous failure (5xx, or a timeout or reset after the request was written), list
   * the recipient's recent messages and look for this one, so that a message Twilio created is reported
   * `sent` (`recovered: true`) instead of being sent twice. Costs one or two GETs per ambiguous failure,
   * never on the happy path. `false` turns it off (ambiguous rows then end `possiblySent`).
   * @default { clockSkewMs: 30000, pages: 2, pageSize: 50, pauseMs: 1000 }
   * @example { duplicateCheck: { pauseMs: 2000 } }
   */
  duplicateCheck?: boolean | Partial<DuplicateCheckPolicy>;
  /**
   * Exactly once across runs: a durable record of each row's claim and SID, so that a re-run of the same
   * write (same `runId`) texts nobody twice. Needs `write(rows, { runId })`. See `twilio-destination/sqlite`,
   * `/postgres` and `/redis`.
   * @example { ledger: new SqliteLedger({ path: '.twilio-destination/ledger.db' }) }
   */
  ledger?: Ledger;
  /**
   * Receives one line per request (method, path, status, time, request id) and one per row outcome. Never a
   * secret: no header, token or key secret is logged. Silent by default.
   * @example { logger: console }
   */
  logger?: Logger;
  /** Waits between retries; injected by tests. @default a timer that the abort signal cancels */
  sleep?: Sleep;
  /**
   * Decides when each request may start: requests in flight under the (adaptive) account limit, each
   * sender's `segmentsPerSecond`, the 21611 pause. Share one between workers to share the budget
   * (`RedisCoordinator` from `twilio-destination/redis`). If it cannot be reached, rows fail with
   * `coordinator_error` (retryable, not sent) and the batch ends.
   * @default a fresh in-process coordinator per write (`InProcessCoordinator`)
   */
  coordinator?: Coordinator;
  /** The clock, in epoch milliseconds; injected by tests. @default Date.now */
  now?: () => number;
  /** Random numbers in [0, 1) for jitter; injected by tests. @default Math.random */
  random?: () => number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  apiBaseUrl: string;
  messagingBaseUrl: string;
  retry: RetryPolicy;
  timeoutMs: number;
  concurrency: number;
  segmentsPerSecond: number | undefined;
  onProgress: ((progress: Progress) => void) | undefined;
  dispatcher: Dispatcher | undefined;
  duplicateCheck: DuplicateCheckPolicy | undefined;
  /** `undefined`: no ledger (nothing is remembered across writes). */
  ledger: Ledger | undefined;
  /** `undefined`: silent. */
  logger: Logger | undefined;
  sleep: Sleep;
  /** `undefined`: a fresh in-process coordinator per write. */
  coordinator: Coordinator | undefined;
  now: () => number;
  random: () => number;
}
