/**
 * One row's send with a ledger around it: claim first, then, by what the claim found, report an
 * already-sent row, refuse a row another worker holds, settle a dead worker's claim with the duplicate
 * check, or send; and record the end (`sent` before the result is reported, released when proven unsent,
 * left pending when the message may exist).
 */
import type { MessageResource } from '../client.js';
import type { LedgerUnavailableError } from '../seams/ledger.js';
import type { RowError, RowResult } from '../types.js';
import {
  alreadySentResult,
  heldError,
  type LedgerRun,
  RowClaim,
  type RowEnd,
  unsettledError,
} from './row-ledger.js';
import { sentResult, toFailure } from './row-outcome.js';

/** The result, and for a batch-ending failure what every remaining row reports. */
export interface LedgeredOutcome {
  result: RowResult;
  stop?: RowError;
}

/** One row to send under the ledger. */
export interface LedgeredRow {
  index: number;
  rowKey: string;
  /**
   * The normal send (never rejects). `beforeRetry` is awaited before every attempt after the first (it
   * renews the claim); when it rejects with a `LedgerUnavailableError`, the row ends `ledger_error`.
   */
  send(beforeRetry: () => Promise<void>): Promise<LedgeredOutcome>;
  /**
   * The duplicate check from `sinceMs` (epoch ms): the message when found, `undefined` when proven absent;
   * rejects when it cannot tell. `undefined` when the check is off.
   */
  lookUp: ((sinceMs: number) => Promise<MessageResource | undefined>) | undefined;
}

function endOf(result: RowResult): RowEnd {
  if (result.status === 'sent') return { kind: 'sent', messageSid: result.messageSid };
  return result.error.possiblySent === true ? { kind: 'maybe' } : { kind: 'unsent' };
}

/** Sends `row` under the run's ledger; never rejects. */
export async function sendLedgered(row: LedgeredRow, run: LedgerRun): Promise<LedgeredOutcome> {
  const { index } = row;
  const claim = new RowClaim(run, row.rowKey);
  // The ledger's failure ends the batch (answer.ts: `ledger_error`): the row is not sent.
  const failed = (error: LedgerUnavailableError): LedgeredOutcome => {
    const failure = toFailure(error, index, { possiblySent: false, endsBatch: true, capped: false });
    const result: RowResult = { status: 'failed', index, attempts: 0, error: failure.error };
    return failure.remaining === undefined ? { result } : { result, stop: failure.remaining };
  };
  let found: Awaited<ReturnType<RowClaim['claim']>>;
  try {
    found = await claim.claim();
  } catch (error) {
    return failed(error as LedgerUnavailableError);
  }
  if (found.state === 'sent') return { result: alreadySentResult(index, found.messageSid, found.sentAt) };
  if (found.state === 'held') {
    return { result: { status: 'failed', index, attempts: 0, error: heldError(index, run, found) } };
  }
  claim.keepAlive();
  let outcome: LedgeredOutcome | undefined;
  if (found.state === 'taken_over') outcome = await settleTakeover(row, run, found.firstAttemptAt);
  outcome ??= await row.send(() => claim.renewNow());
  try {
    await claim.end(endOf(outcome.result));
  } catch (error) {
    // A message that exists is reported `sent` whatever the ledger says; the batch ends all the same.
    const stop = outcome.stop ?? failed(error as LedgerUnavailableError).stop;
    return stop === undefined ? { result: outcome.result } : { result: outcome.result, stop };
  }
  return outcome;
}

/**
 * A worker died holding this row: its message may exist. Found → `sent`, `recovered`; proven absent →
 * `undefined` (send it); cannot tell → the row fails, and stays pending for the next run.
 */
async function settleTakeover(
  row: LedgeredRow,
  run: LedgerRun,
  firstAttemptAt: number,
): Promise<LedgeredOutcome | undefined> {
  const { index } = row;
  if (row.lookUp === undefined) {
    return { result: { status: 'failed', index, attempts: 0, error: unsettledError(index, run) } };
  }
  try {
    const message = await row.lookUp(firstAttemptAt);
    if (message === undefined) return undefined;
    return { result: { ...sentResult(index, 0, message, undefined), recovered: true } };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      result: {
        status: 'failed',
        index,
        attempts: 0,
        error: {
          code: 'in_progress',
          message: `Row ${index}: not sent because an earlier worker of run "${run.runId}" stopped while sending it, and the check for its message failed (${reason}); send it again later: the check runs again before anything is sent`,
          retryable: true,
          possiblySent: true,
        },
      },
    };
  }
}
