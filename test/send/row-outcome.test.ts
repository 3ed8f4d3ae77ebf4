import { describe, expect, it } from 'vitest';
import { NetworkError, TwilioApiError, UnreadableResponseError } from '../../src/errors.js';
import { LedgerUnavailableError } from '../../src/seams/ledger.js';
import { toFailure, toRowError } from '../../src/send/row-outcome.js';

const aborted = AbortSignal.abort();

describe('toRowError when the caller aborted meanwhile', () => {
  it.each([
    [
      'an unreadable 2xx',
      new UnreadableResponseError('cut off', { httpStatus: 201, requestId: 'RQ1' }),
      'server_error',
      true,
    ],
    [
      'an unsettled 5xx',
      new TwilioApiError({
        httpStatus: 500,
        method: 'POST',
        path: '/',
        body: {},
        requestId: undefined,
        retryAfterMs: undefined,
      }),
      'server_error',
      true,
    ],
    [
      'an unsettled reset after the write',
      new NetworkError('reset', { written: true }),
      'network_error',
      true,
    ],
  ])('keeps %s possibly sent instead of calling it aborted', (_name, error, code, possiblySent) => {
    expect(toRowError(error, 0, true, aborted)).toMatchObject({ code, possiblySent, retryable: false });
  });

  it('reports the abort of a wait between attempts as aborted, not sent', () => {
    const waitAborted = new DOMException('The operation was aborted', 'AbortError');
    expect(toRowError(waitAborted, 3, false, aborted)).toEqual({
      code: 'aborted',
      message: 'Row 3: not sent because the write was aborted; it can be sent again',
      retryable: true,
      possiblySent: false,
    });
  });
});

describe('toFailure for a ledger that cannot be written', () => {
  it('fails the row, not sent and retryable, and ends the batch naming the ledger', () => {
    const error = new LedgerUnavailableError('SQLite ledger (/tmp/run.db)', 'disk full');
    expect(toFailure(error, 5, { possiblySent: false, endsBatch: true, capped: false })).toEqual({
      error: {
        code: 'ledger_error',
        message:
          'Row 5: not sent because the SQLite ledger (/tmp/run.db) could not be read or written (disk full); send it again once it answers',
        retryable: true,
        possiblySent: false,
      },
      remaining: {
        code: 'ledger_error',
        message:
          'Not sent: the batch stopped at row 5 because the SQLite ledger (/tmp/run.db) could not be read or written (disk full). Send the failed rows again once it answers',
        retryable: true,
        possiblySent: false,
      },
    });
  });
});
