/**
 * The seam through which every worker sending on one Twilio account shares its budget: requests in flight
 * (Twilio limits concurrent requests per account, 20429), the adaptive limit learned from 429s, each
 * sender's segments per second, and the 21611 pause. The in-process implementation keeps it in memory
 * (one worker); `twilio-destination/redis` keeps it in Redis (many workers).
 */

/** What a permit is for: a create request is charged to its sender's segment budget, a look-up is not. */
export type PermitKind = 'create' | 'lookup';

/** One request's ask for a permit. */
export interface PermitRequest {
  /** The account the request is made on (the `AccountSid` in the path). */
  accountSid: string;
  /** `create` (POST Messages) or `lookup` (the duplicate check's or `fetchStatuses`' GET). */
  kind: PermitKind;
  /** Whose segment budget a create is charged to: `settings.from` or the Messaging Service SID. */
  sender: string;
  /**
   * Segments to charge to the sender's budget: the message's segments on its first attempt (1 for an MMS),
   * 0 on a retry and on a look-up (Twilio queues only what it accepted).
   */
  segments: number;
  /** The sender's pace (`options.segmentsPerSecond`); `undefined`: no pacing. */
  segmentsPerSecond: number | undefined;
  /** Aborts the wait: `acquire` then rejects with the signal's reason and holds nothing. */
  signal: AbortSignal;
}

/** How the request that held a permit ended; the coordinator learns from it. */
export type RequestEnd =
  | {
      /** A 2xx: one success towards climbing back after a 429. */
      kind: 'ok';
    }
  | {
      /** A 429 (20429): lower the shared limit, once per generation. */
      kind: 'rate_limited';
    }
  | {
      /** A 21611: the sender's queue is full; nothing new from this sender for `pauseMs`. */
      kind: 'queue_full';
      /** How long the sender pauses (the row's own retry wait, at most `retry.maxRetryAfterMs`). */
      pauseMs: number;
    }
  | {
      /** Any other end (another error, a network failure, an abort): the slot is freed, nothing learned. */
      kind: 'other';
    };

/** A held slot. */
export interface Permit {
  /** Frees the slot and reports how the request ended. Never rejects. Calling it twice is a no-op. */
  release(end: RequestEnd): Promise<void>;
}

/** What a write needs to know before its first row. */
export interface CoordinatorContext {
  /** The account the write sends on. */
  accountSid: string;
  /** The per-request timeout (`options.timeoutMs`); a lease outlives any request by more than this. */
  requestTimeoutMs: number;
}

/** Decides when a request may start. */
export interface Coordinator {
  /**
   * Called by `write`/`stream` before the first row: rejects with a {@link CoordinatorUnavailableError} when
   * the shared state cannot be reached, and then no row is sent.
   */
  ready(context: CoordinatorContext): Promise<void>;
  /**
   * Waits until the request may start (a free slot under the account's limit, the sender's budget allows,
   * no 21611 pause) and returns its permit. Waiting workers do not poll in a tight loop. Rejects with the
   * signal's reason on abort, or with a {@link CoordinatorUnavailableError} when the shared state fails:
   * no request is ever made without a permit.
   */
  acquire(request: PermitRequest): Promise<Permit>;
}

/** The shared state could not be reached or answered wrongly: the row is not sent, the batch ends. */
export class CoordinatorUnavailableError extends Error {
  /** Always `CoordinatorUnavailableError`. */
  override readonly name = 'CoordinatorUnavailableError';
  constructor(
    /** Names the coordinator for the row's message, e.g. `Redis coordinator (127.0.0.1:6379)`. */
    readonly coordinator: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
