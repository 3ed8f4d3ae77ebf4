/**
 * The seam for exactly-once sending across runs: a durable record, per `(account SID, run id, row key)`, of
 * whether a row's message was claimed (`pending`, with an owner and a lease) or `sent` (with its SID).
 * Implementations: `twilio-destination/sqlite`, `/postgres`, `/redis`. Times are epoch milliseconds on the
 * store's clock where it has one (PostgreSQL `now()`, Redis `TIME`), so that workers' clocks do not matter.
 */

/** Which row of which run. */
export interface LedgerKey {
  /** The account the messages are sent on. */
  accountSid: string;
  /** `write`'s `runId`. */
  runId: string;
  /** `mapping.key`'s value, or a hash of the message when no key column is mapped. */
  rowKey: string;
}

/** Who holds a claim and for how long. */
export interface LeaseOptions {
  /** Identifies this worker (one per `TwilioDestination`): host, pid and a random part. */
  owner: string;
  /** How long the claim stays ours without a renewal (`ledger.leaseMs`, default `timeoutMs` + 5 s). */
  leaseMs: number;
}

/** What a claim found. */
export type Claim =
  /** No record: a `pending` claim is now stored, ours, with `firstAttemptAt` = now. Send. */
  | {
      /** Ours, new. */
      state: 'claimed';
      /** Now, on the store's clock (epoch ms). */
      firstAttemptAt: number;
    }
  /**
   * A `pending` claim whose lease ran out (its worker died): it is now ours (owner and lease replaced,
   * `firstAttemptAt` kept). Settle it with the duplicate check from `firstAttemptAt` before sending.
   */
  | {
      /** Ours, taken from a worker whose lease ran out. */
      state: 'taken_over';
      /** When the first worker claimed the row (epoch ms): the duplicate check looks from here. */
      firstAttemptAt: number;
    }
  /** Already sent: report it, make no request. */
  | {
      /** Sent by an earlier write of the run. */
      state: 'sent';
      /** The stored Message SID. */
      messageSid: string;
      /** When it was recorded (epoch ms). */
      sentAt: number;
    }
  /** `pending` and still leased by a live worker (`owner`): do not send now; retry later. */
  | {
      /** Another worker's, still leased. */
      state: 'held';
      /** That worker. */
      owner: string;
      /** When its lease runs out unless renewed (epoch ms). */
      leaseExpiresAt: number;
    };

/** A durable record of claimed and sent rows. */
export interface Ledger {
  /** Names the ledger in row messages, e.g. `SQLite ledger (/path/run.db)`. */
  readonly description: string;
  /** The lease this ledger asks for; `undefined`: `timeoutMs` + 5 s. */
  readonly leaseMs: number | undefined;
  /** Creates what it needs (table, file) and checks the store is reachable; called before the first row. */
  open(): Promise<void>;
  /** Claims the row (atomically: two workers never both get `claimed`/`taken_over` for one key). */
  claim(key: LedgerKey, lease: LeaseOptions): Promise<Claim>;
  /** Extends our lease while the row is still being retried; rejects when the claim is no longer ours. */
  renew(key: LedgerKey, lease: LeaseOptions): Promise<void>;
  /** A 2xx: stores `sent` with the SID (durably, before the row's result is reported). */
  markSent(key: LedgerKey, owner: string, messageSid: string): Promise<void>;
  /** A failure proven not to have created a message: deletes our claim so a later run may send. */
  release(key: LedgerKey, owner: string): Promise<void>;
  /** Closes what the ledger opened itself (never the caller's own client). */
  close(): Promise<void>;
}

/** The ledger could not be read or written: the row is not sent, the batch ends. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
  constructor(
    /** The ledger's description, for the row's message. */
    readonly ledger: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `renew` found the claim no longer ours: its lease ran out and another worker took the row over. */
export function claimLost(ledger: string, key: LedgerKey): LedgerUnavailableError {
  return new LedgerUnavailableError(
    ledger,
    `${ledger}: the claim on row key "${key.rowKey}" is no longer held by this worker (its lease ran out and another worker took the row over)`,
  );
}
