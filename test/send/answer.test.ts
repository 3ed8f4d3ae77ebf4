import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  NetworkError,
  TimeoutError,
  TwilioApiError,
  UnreadableResponseError,
} from '../../src/errors.js';
import { CoordinatorUnavailableError } from '../../src/seams/coordinator.js';
import { LedgerUnavailableError } from '../../src/seams/ledger.js';
import {
  ANSWER_RULES,
  capWait,
  decide,
  decideLookUp,
  isTransient,
  lookUpMeaningOf,
  type Meaning,
  meaningOf,
  requestEnd,
} from '../../src/send/answer.js';

const policy = { retries: 3, minDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

function apiError(httpStatus: number, twilioCode?: number, retryAfterMs?: number) {
  return new TwilioApiError({
    httpStatus,
    method: 'POST',
    path: '/x',
    body: twilioCode === undefined ? {} : { code: twilioCode },
    requestId: undefined,
    retryAfterMs,
  });
}

type Row = [
  name: string,
  error: unknown,
  rule: Meaning['rule'],
  code: Meaning['code'],
  retry: Meaning['retry'],
  created: Meaning['created'],
  endsBatch: Meaning['endsBatch'],
  retryable: boolean,
];

/** The failures the table reads, named so that each row fits one line. */
const coordinator = new CoordinatorUnavailableError('c', 'down');
const ledgerDown = new LedgerUnavailableError('l', 'down');
const abortedWritten = new AbortedError(true);
const abortedBefore = new AbortedError(false);
const unreadable201 = new UnreadableResponseError('bad', { httpStatus: 201, requestId: undefined });
const reset = new NetworkError('reset', { written: true });
const timedOut = new TimeoutError(10, true);
const refused = new NetworkError('refused', { written: false });

describe('what an answer means', () => {
  it.each<Row>([
    ['a coordinator failure', coordinator, 'coordinator', 'coordinator_error', 'never', 'no', 'now', true],
    ['a ledger failure', ledgerDown, 'ledger', 'ledger_error', 'never', 'no', 'now', true],
    ['an abort after the write', abortedWritten, 'abortedWritten', 'aborted', 'never', 'yes', 'never', false],
    ['an abort before the write', abortedBefore, 'aborted', 'aborted', 'never', 'no', 'never', true],
    ['an unreadable 201', unreadable201, 'unreadable', 'server_error', 'never', 'yes', 'never', false],
    ['a 401', apiError(401, 20003), 'unauthorized', 'auth_failed', 'never', 'no', 'now', false],
    ['a 403', apiError(403), 'forbidden', 'auth_failed', 'never', 'no', 'now', false],
    ['a 404', apiError(404, 20404), 'notFound', 'config_error', 'never', 'no', 'now', false],
    ['a 429', apiError(429, 20429), 'rateLimited', 'rate_limited', 'safe', 'no', 'never', true],
    ['a 400 with 21212', apiError(400, 21212), 'badSender', 'config_error', 'never', 'no', 'now', false],
    ['a 400 with 21611', apiError(400, 21611), 'queueFull', 'twilio_rejected', 'safe', 'no', 'never', true],
    ['a 400 with 21610', apiError(400, 21610), 'optedOut', 'twilio_rejected', 'never', 'no', 'never', false],
    ['a 500', apiError(500), 'serverError', 'server_error', 'after_check', 'maybe', 'never', true],
    ['a 503', apiError(503), 'serverError', 'server_error', 'after_check', 'maybe', 'never', true],
    ['a 400 with 21211', apiError(400, 21211), 'rejected', 'twilio_rejected', 'never', 'no', 'never', false],
    [
      'a reset after the write',
      reset,
      'networkWritten',
      'network_error',
      'after_check',
      'maybe',
      'never',
      true,
    ],
    [
      'a timeout after the write',
      timedOut,
      'networkWritten',
      'network_error',
      'after_check',
      'maybe',
      'never',
      true,
    ],
    ['a refused connection', refused, 'unreachable', 'network_error', 'safe', 'no', 'when_final', true],
    ['anything else', new Error('bug'), 'unexpected', 'network_error', 'never', 'yes', 'never', false],
  ])('reads %s as rule %s', (_name, error, rule, code, retry, created, endsBatch, retryable) => {
    expect(meaningOf(error)).toMatchObject({ rule, code, retry, created, endsBatch, retryable });
    expect(ANSWER_RULES[rule].reason.length).toBeGreaterThan(10);
  });

  it('reads a failure that is not the package’s own, once the caller aborted, as the abort', () => {
    const waitAborted = new DOMException('The operation was aborted', 'AbortError');
    expect(meaningOf(waitAborted, true).rule).toBe('aborted');
    expect(meaningOf(waitAborted, false).rule).toBe('unexpected');
    // A package error keeps its meaning: an abort must not hide that a message may exist.
    expect(meaningOf(apiError(500), true).rule).toBe('serverError');
  });

  it.each([
    ['a 429', apiError(429), true],
    ['a 503', apiError(503), true],
    ['a refused connection', new NetworkError('refused', { written: false }), true],
    ['a reset after the write', new NetworkError('reset', { written: true }), true],
    ['a 404', apiError(404), false],
    ['an abort', new AbortedError(false), false],
    [
      'an unreadable 2xx',
      new UnreadableResponseError('cut off', { httpStatus: 200, requestId: 'RQ1' }),
      true,
    ],
    ['anything else', new Error('bug'), false],
  ])('treats %s as worth repeating for a GET: %s', (_name, error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe('what a failed GET means', () => {
  it.each([
    ['a 401', apiError(401), 'auth_failed', false, false, 'now', 'other'],
    ['a 403', apiError(403), 'auth_failed', false, false, 'now', 'other'],
    ['a 404', apiError(404), 'twilio_rejected', false, false, 'never', 'other'],
    ['a 429', apiError(429, 20429), 'rate_limited', true, true, 'never', 'rate_limited'],
    ['a 503', apiError(503), 'server_error', true, true, 'never', 'other'],
    ['a 400', apiError(400, 21211), 'twilio_rejected', false, false, 'never', 'other'],
    [
      'a reset after the write',
      new NetworkError('reset', { written: true }),
      'network_error',
      true,
      true,
      'never',
      'other',
    ],
    [
      'a refused connection',
      new NetworkError('refused', { written: false }),
      'network_error',
      true,
      true,
      'when_final',
      'other',
    ],
    [
      'an unreadable 2xx',
      new UnreadableResponseError('cut off', { httpStatus: 200, requestId: 'RQ1' }),
      'network_error',
      true,
      true,
      'never',
      'other',
    ],
    [
      'an unreachable coordinator',
      new CoordinatorUnavailableError('Redis coordinator', 'down'),
      'coordinator_error',
      false,
      true,
      'now',
      'other',
    ],
    ['an abort', new AbortedError(false), 'aborted', false, true, 'never', 'other'],
    ['anything else', new Error('bug'), 'network_error', false, true, 'never', 'other'],
  ] as const)(
    'reads %s as %s (transient %s, retryable %s, ends the batch %s)',
    (_name, error, code, transient, retryable, endsBatch, end) => {
      expect(lookUpMeaningOf(error)).toMatchObject({
        code,
        transient,
        retryable,
        endsBatch,
        end: { kind: end },
      });
    },
  );

  it.each([
    ['a 503 with retries left waits the backoff', apiError(503), 1, { kind: 'retry', waitMs: 1000 }],
    ['a 503 on the third retry waits twice as long twice', apiError(503), 3, { kind: 'retry', waitMs: 4000 }],
    ['a 503 past the retries ends', apiError(503), 4, { kind: 'end', capped: false, endsBatch: false }],
    ['a 429 asking 5 s waits 5 s', apiError(429, 20429, 5000), 1, { kind: 'retry', waitMs: 5000 }],
    [
      'a 429 asking a day ends at once',
      apiError(429, 20429, 86_400_000),
      1,
      { kind: 'end', capped: true, endsBatch: false },
    ],
    ['a 400 ends at once', apiError(400, 21211), 1, { kind: 'end', capped: false, endsBatch: false }],
    ['a 401 ends at once, and the batch', apiError(401), 1, { kind: 'end', capped: false, endsBatch: true }],
    [
      'a refused connection with retries left waits the backoff',
      new NetworkError('refused', { written: false }),
      3,
      { kind: 'retry', waitMs: 4000 },
    ],
    [
      'a refused connection past the retries ends the batch',
      new NetworkError('refused', { written: false }),
      4,
      { kind: 'end', capped: false, endsBatch: true },
    ],
    [
      'a reset after the write past the retries ends only its own look-up',
      new NetworkError('reset', { written: true }),
      4,
      { kind: 'end', capped: false, endsBatch: false },
    ],
  ])('decides that %s', (_name, error, retry, expected) => {
    expect(decideLookUp(lookUpMeaningOf(error), retry, policy, () => 1)).toEqual(expected);
  });

  it('never waits longer than maxRetryAfterMs, even when the backoff is configured longer', () => {
    const slow = { retries: 3, minDelayMs: 120_000, maxDelayMs: 600_000, maxRetryAfterMs: 60_000 };
    expect(decideLookUp(lookUpMeaningOf(apiError(503)), 2, slow, () => 1)).toEqual({
      kind: 'retry',
      waitMs: 60_000,
    });
    expect(capWait(240_000, slow)).toBe(60_000);
    expect(capWait(1000, slow)).toBe(1000);
  });
});

describe('the decision after a failed attempt', () => {
  const state = { attempts: 1, retriesLeft: 3, settled: false, policy, random: () => 1 };

  it.each([
    ['a 429 with retries left waits the backoff', apiError(429), {}, { kind: 'retry', waitMs: 1000 }],
    ['a 429 asking 5 s waits 5 s', apiError(429, 20429, 5000), {}, { kind: 'retry', waitMs: 5000 }],
    ['a 21611 waits its backoff', apiError(400, 21611), { attempts: 2 }, { kind: 'retry', waitMs: 2000 }],
    [
      'a 429 asking a day ends the batch at once',
      apiError(429, 20429, 86_400_000),
      {},
      { kind: 'end', endsBatch: true, possiblySent: false, capped: true },
    ],
    [
      'a settled 503 asking a day ends the batch, not sent',
      apiError(503, undefined, 86_400_000),
      { settled: true },
      { kind: 'end', endsBatch: true, possiblySent: false, capped: true },
    ],
    [
      'an unsettled 500 ends the row, possibly sent',
      apiError(500),
      {},
      { kind: 'end', endsBatch: false, possiblySent: true, capped: false },
    ],
    ['a settled 500 is retried', apiError(500), { settled: true }, { kind: 'retry', waitMs: 1000 }],
    [
      'a 401 ends the batch',
      apiError(401),
      {},
      { kind: 'end', endsBatch: true, possiblySent: false, capped: false },
    ],
    [
      'a 429 with no retry left ends only the row',
      apiError(429),
      { retriesLeft: 0 },
      { kind: 'end', endsBatch: false, possiblySent: false, capped: false },
    ],
    [
      'an unreachable Twilio with no retry left ends the batch',
      new NetworkError('refused', { written: false }),
      { retriesLeft: 0 },
      { kind: 'end', endsBatch: true, possiblySent: false, capped: false },
    ],
    [
      'a backoff configured above the cap waits the cap',
      new NetworkError('refused', { written: false }),
      { policy: { ...policy, minDelayMs: 90_000, maxDelayMs: 90_000 } },
      { kind: 'retry', waitMs: 60_000 },
    ],
  ])('%s', (_name, error, overrides, expected) => {
    expect(decide(meaningOf(error), { ...state, ...overrides })).toEqual(expected);
  });

  it.each([
    ['a 429', apiError(429), { kind: 'retry', waitMs: 10 } as const, { kind: 'rate_limited' }],
    [
      'a 429 that ends the row',
      apiError(429),
      { kind: 'end', endsBatch: false, possiblySent: false, capped: false } as const,
      { kind: 'rate_limited' },
    ],
    [
      'a retried 21611',
      apiError(400, 21611),
      { kind: 'retry', waitMs: 700 } as const,
      { kind: 'queue_full', pauseMs: 700 },
    ],
    [
      'a final 21611',
      apiError(400, 21611),
      { kind: 'end', endsBatch: false, possiblySent: false, capped: false } as const,
      { kind: 'other' },
    ],
    ['a 500', apiError(500), { kind: 'retry', waitMs: 10 } as const, { kind: 'other' }],
  ])('tells the coordinator what %s taught', (_name, error, decision, expected) => {
    expect(requestEnd(meaningOf(error), decision)).toEqual(expected);
  });
});
