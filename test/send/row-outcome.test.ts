import { describe, expect, it } from 'vitest';
import { NetworkError, TwilioApiError, UnreadableResponseError } from '../../src/errors.js';
import { toRowError } from '../../src/send/row-outcome.js';

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
