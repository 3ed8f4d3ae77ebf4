/**
 * The ledger's part in sending one row: claim it before the first request, keep the claim alive while the
 * row is retried, and record how it ended (`sent` with the SID; released when proven unsent; left
 * `pending`, its lease ended, when the message may exist). Also the results a claim alone decides: already
 * sent, held by another worker, or unsettled.
 */

import { type Claim, type Ledger, type LedgerKey, LedgerUnavailableError } from '../seams/ledger.js';
import type { RowError, RowResult, ValidationIssue } from '../types.js';

/** What every row of one write with a ledger shares. */
export interface LedgerRun {
  ledger: Ledger;
  accountSid: string;
  runId: string;
  /** This destination's worker id. */
  owner: string;
  leaseMs: number;
  /** `ledger.open()`, called once per write before the first claim. */
  opened(): Promise<void>;
}

/** A write's {@link LedgerRun}. */
export function ledgerRun(ledger: Ledger, fields: Omit<LedgerRun, 'ledger' | 'opened'>): LedgerRun {
  let opening: Promise<void> | undefined;
  return {
    ledger,
    ...fields,
    opened: () => {
      opening ??= ledger.open();
      return opening;
    },
  };
}

/** How a claimed row ended, for the ledger. */
export type RowEnd =
  | { kind: 'sent'; messageSid: string }
  /** Proven not to have created a message: a later run may send it. */
  | { kind: 'unsent' }
  /** The message may exist: stays `pending`, for the next run's duplicate check. */
  | { kind: 'maybe' };

/** Anything a user's ledger throws is a {@link LedgerUnavailableError} naming it. */
function unavailable(ledger: Ledger, error: unknown): LedgerUnavailableError {
  if (error instanceof LedgerUnavailableError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new LedgerUnavailableError(ledger.description, reason, { cause: error });
}

/** One row's claim. */
export class RowClaim {
  /** The row's key in the ledger. */
  readonly key: LedgerKey;
  readonly #run: LedgerRun;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lost: LedgerUnavailableError | undefined;

  constructor(run: LedgerRun, rowKey: string) {
    this.#run = run;
    this.key = { accountSid: run.accountSid, runId: run.runId, rowKey };
  }

  /** Claims the row (opening the ledger first, once per write); rejects with a {@link LedgerUnavailableError}. */
  async claim(): Promise<Claim> {
    const { ledger, owner, leaseMs } = this.#run;
    try {
      await this.#run.opened();
      return await ledger.claim(this.key, { owner, leaseMs });
    } catch (error) {
      throw unavailable(ledger, error);
    }
  }

  /**
   * Renews the lease every third of it until {@link end}, so that a live worker's claim never lapses
   * however long the row's retries wait. A failed renewal is kept for {@link lost}.
   */
  keepAlive(): void {
    const { ledger, owner, leaseMs } = this.#run;
    this.#timer = setInterval(
      () => {
        ledger.renew(this.key, { owner, leaseMs }).catch((error: unknown) => {
          this.#lost ??= unavailable(ledger, error);
        });
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    // A renewal must not keep the process alive on its own.
    this.#timer.unref();
  }

  /**
   * Renews the lease now, before an attempt: every request then starts with a whole lease ahead of it, which
   * outlives the request (`timeoutMs`), so no other worker can take the row over while it may still create
   * the message, however late the timer's renewals run. Rejects with a {@link LedgerUnavailableError}.
   */
  async renewNow(): Promise<void> {
    const { ledger, owner, leaseMs } = this.#run;
    if (this.#lost) throw this.#lost;
    try {
      await ledger.renew(this.key, { owner, leaseMs });
    } catch (error) {
      this.#lost ??= unavailable(ledger, error);
      throw this.#lost;
    }
  }

  /** Why the claim can no longer be trusted (a renewal failed): the row must not be attempted again. */
  get lost(): LedgerUnavailableError | undefined {
    return this.#lost;
  }

  /** Stops renewing and records how the row ended; rejects with a {@link LedgerUnavailableError}. */
  async end(end: RowEnd): Promise<void> {
    clearInterval(this.#timer);
    const { ledger, owner } = this.#run;
    try {
      if (end.kind === 'sent') await ledger.markSent(this.key, owner, end.messageSid);
      else if (end.kind === 'unsent') await ledger.release(this.key, owner);
      // The lease ends now rather than in `leaseMs`: a re-run settles the row with the duplicate check at
      // once instead of finding it held. Best effort: if it fails, the lease simply runs out.
      else await ledger.renew(this.key, { owner, leaseMs: 0 }).catch(() => {});
    } catch (error) {
      throw unavailable(ledger, error);
    }
  }
}

/** A row an earlier write of this run sent: reported `sent`, no request made. */
export function alreadySentResult(index: number, messageSid: string, sentAt: number): RowResult {
  const at = new Date(sentAt).toISOString();
  return {
    status: 'sent',
    index,
    attempts: 0,
    messageSid,
    twilioStatus: 'unknown',
    alreadySent: true,
    sentAt: at,
  };
}

/** A row another live worker holds: not sent now; the ledger lets exactly one of them send it. */
export function heldError(index: number, run: LedgerRun, claim: Extract<Claim, { state: 'held' }>): RowError {
  return {
    code: 'in_progress',
    message: `Row ${index}: not sent now because another worker (${claim.owner}) holds it in run "${run.runId}" of the ${run.ledger.description} until ${new Date(claim.leaseExpiresAt).toISOString()}; send it again later (it will not be sent twice)`,
    retryable: true,
  };
}

/** A row an earlier worker died sending, which cannot be settled because the duplicate check is off. */
export function unsettledError(index: number, run: LedgerRun): RowError {
  return {
    code: 'in_progress',
    message: `Row ${index}: not sent because an earlier worker of run "${run.runId}" stopped while sending it and the duplicate check is off, so its message may exist; check before sending this row in a new run`,
    retryable: false,
    possiblySent: true,
  };
}

/** `write`'s `runId` against `options.ledger`: each needs the other. */
export function checkRunId(ledger: Ledger | undefined, runId: unknown): ValidationIssue[] {
  if (ledger !== undefined && runId === undefined) {
    return [
      {
        field: 'runId',
        code: 'missing_run_id',
        message: `runId is required with options.ledger (the ${ledger.description}): pass write(rows, { runId }) with the same id on every re-run of this batch, e.g. the engine's sync run id`,
      },
    ];
  }
  if (runId === undefined) return [];
  if (ledger === undefined) {
    return [
      {
        field: 'runId',
        code: 'run_id_without_ledger',
        message:
          'runId needs options.ledger: without a ledger nothing is remembered across writes, so a run id would promise what it cannot keep (use SqliteLedger, PostgresLedger or RedisLedger)',
      },
    ];
  }
  if (typeof runId !== 'string' || runId.trim() === '' || runId.length > 500) {
    return [
      {
        field: 'runId',
        code: 'invalid_run_id',
        message: 'runId must be a non-empty string of at most 500 characters',
      },
    ];
  }
  return [];
}
