/**
 * The words of a row's result: the `RowError` a failure reports (its message, with Twilio's fields) once
 * the answer table has said what the failure means, what every later row reports when the batch ends, and the
 * `sent` result. Pure functions. Over 300 lines because the wording of every failure reads better in one
 * place, rule by rule as the answer table orders them.
 */
import type { MessageResource } from '../client.js';
import { AbortedError, type NetworkError, TwilioApiError, type UnreadableResponseError } from '../errors.js';
import { CoordinatorUnavailableError } from '../seams/coordinator.js';
import { LedgerUnavailableError } from '../seams/ledger.js';
import type { RowError, SentRowResult } from '../types.js';
import { type Meaning, meaningOf } from './answer.js';

function twilioFields(error: TwilioApiError | UnreadableResponseError): Partial<RowError> {
  const fields: Partial<RowError> = { httpStatus: error.httpStatus };
  if (error instanceof TwilioApiError) {
    if (error.twilioCode !== undefined) fields.twilioCode = error.twilioCode;
    if (error.moreInfo !== undefined) fields.moreInfo = error.moreInfo;
  }
  if (error.requestId !== undefined) fields.requestId = error.requestId;
  return fields;
}

export function describeAnswer(error: TwilioApiError): string {
  const code = error.twilioCode === undefined ? '' : `, Twilio error ${error.twilioCode}`;
  const text = error.twilioMessage === undefined ? '' : `: ${error.twilioMessage}`;
  return `HTTP ${error.httpStatus}${code}${text}`;
}

function seconds(ms: number): string {
  if (ms >= 7_200_000) return `${Math.round(ms / 3_600_000)} h`;
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`;
}

/** A row's failure and, when it ends the batch, what every later row reports. */
export interface Failure {
  error: RowError;
  /** Set when the batch ends at this row. */
  remaining?: RowError;
}

/** Advice for each batch-ending answer of Twilio's (the answer table says which end the batch). */
const BATCH_ADVICE: Partial<Record<Meaning['rule'], [what: string, advice: string]>> = {
  unauthorized: [
    'Twilio refused the credentials',
    'Check the Account SID and Auth Token (or the API key SID and secret) in the Twilio Console under Account > API keys & tokens, then send the failed rows again',
  ],
  forbidden: [
    'Twilio refused to let these credentials send messages',
    'Use credentials allowed to create messages (Twilio test credentials and restricted API keys may not), then send the failed rows again',
  ],
  notFound: [
    'Twilio does not know the Messages endpoint of this account',
    'Check the Account SID and the apiBaseUrl option',
  ],
  badSender: [
    'Twilio refused the sender',
    'Fix settings.from: use a number, short code or Messaging Service of this account',
  ],
};

/**
 * The row's failure for its last attempt's `error`, as the answer table means it. `possiblySent`: the decision's
 * (the message may exist and no look-up settled it). `endsBatch`: the batch ends here. `capped`: it ends
 * because Twilio asked to wait longer than `retry.maxRetryAfterMs`.
 */
export function toFailure(
  error: unknown,
  index: number,
  end: { possiblySent: boolean; endsBatch: boolean; capped: boolean },
  signal?: AbortSignal,
): Failure {
  const meaning = meaningOf(error, signal?.aborted === true);
  const own = toRowError(error, index, end.possiblySent, signal);
  if (!end.endsBatch) return { error: own };
  const advice = BATCH_ADVICE[meaning.rule];
  if (advice !== undefined && error instanceof TwilioApiError) {
    const [what, text] = advice;
    return {
      error: {
        ...own,
        message: `${what} (${describeAnswer(error)}). ${text}`,
        retryable: false,
        possiblySent: false,
      },
      remaining: {
        code: own.code,
        message: `Not sent: the batch stopped at row ${index} (${describeAnswer(error)}). ${text}`,
        retryable: false,
      },
    };
  }
  if (end.capped && error instanceof TwilioApiError) return capped(error, index, own, meaning);
  const remaining = (because: string, advice: string): Failure => ({
    error: own,
    remaining: {
      code: own.code,
      message: `Not sent: the batch stopped at row ${index} because ${because}. ${advice}`,
      retryable: true,
      possiblySent: false,
    },
  });
  if (error instanceof CoordinatorUnavailableError) {
    return remaining(
      `the ${error.coordinator} could not be reached (${error.message})`,
      'Send the failed rows again once it answers',
    );
  }
  if (error instanceof LedgerUnavailableError) {
    return remaining(
      `the ${error.ledger} could not be read or written (${error.message})`,
      'Send the failed rows again once it answers',
    );
  }
  // Only a request never written ends the batch this way (the answer table, `unreachable`).
  return remaining(
    `Twilio could not be reached (${(error as Error).message})`,
    'Check the network, then send the failed rows again',
  );
}

/** An answer asking to wait longer than `maxRetryAfterMs`: the account must back off; the batch ends. */
function capped(error: TwilioApiError, index: number, own: RowError, meaning: Meaning): Failure {
  const wait = seconds(meaning.retryAfterMs as number);
  const advice = `Twilio asked to wait ${wait} before sending more (Retry-After); send the failed rows again after that`;
  if (meaning.rule === 'rateLimited') {
    return {
      error: { ...own, message: `Row ${index}: rate limited (${describeAnswer(error)}). ${advice}` },
      remaining: {
        code: 'rate_limited',
        message: `Not sent: the batch stopped at row ${index} because Twilio rate-limited the account. ${advice}`,
        retryable: true,
        possiblySent: false,
      },
    };
  }
  const check = own.possiblySent
    ? 'Twilio may have created the message, so check before sending this row again. '
    : '';
  return {
    error: { ...own, message: `Row ${index}: not retried (${describeAnswer(error)}). ${check}${advice}` },
    remaining: {
      code: own.code,
      message: `Not sent: the batch stopped at row ${index} (${describeAnswer(error)}). ${advice}`,
      retryable: true,
      possiblySent: false,
    },
  };
}

/**
 * The row's error for its last failure. `unresolved`: that failure may have created the message and no
 * look-up settled it, so the row was not sent again.
 */
export function toRowError(
  error: unknown,
  index: number,
  unresolved: boolean,
  signal?: AbortSignal,
): RowError {
  const meaning = meaningOf(error, signal?.aborted === true);
  const { code } = meaning;
  const possiblySent = meaning.created === 'yes' || (meaning.created === 'maybe' && unresolved);
  const base = { code, retryable: meaning.retryable && !possiblySent, possiblySent };
  switch (meaning.rule) {
    case 'abortedWritten':
      return {
        ...base,
        message: `Row ${index}: the write was aborted while this row's request was in flight; Twilio may have created the message, so check before sending it again`,
      };
    case 'aborted':
      return {
        ...base,
        message: `Row ${index}: not sent because the write was aborted; it can be sent again`,
      };
    case 'coordinator': {
      const { coordinator, message } = error as CoordinatorUnavailableError;
      return {
        ...base,
        message: `Row ${index}: not sent because the ${coordinator} could not be reached (${message}); send it again once it answers`,
      };
    }
    case 'ledger': {
      const { ledger, message } = error as LedgerUnavailableError;
      return {
        ...base,
        message: `Row ${index}: not sent because the ${ledger} could not be read or written (${message}); send it again once it answers`,
      };
    }
    case 'unreadable': {
      const answer = error as UnreadableResponseError;
      return {
        ...base,
        message: `Row ${index}: Twilio accepted the request (HTTP ${answer.httpStatus}) but its answer could not be read (${answer.message}); the message probably exists, so do not send this row again blindly`,
        ...twilioFields(answer),
      };
    }
    case 'networkWritten':
    case 'unreachable': {
      const failure = error as NetworkError;
      const message = possiblySent
        ? `Row ${index}: ${failure.message} after the request was sent; the message may exist, so the row was not sent again (duplicateCheck is off): check before sending it again`
        : `Row ${index}: ${failure.message} after all retries; ${failure.written ? 'the request had been sent, but no message was created' : 'the request never reached Twilio'}`;
      return { ...base, message };
    }
    case 'unexpected':
      return {
        ...base,
        message: `Row ${index}: unexpected failure (${(error as Error)?.message ?? String(error)})`,
      };
  }
  const answer = error as TwilioApiError;
  const fields = twilioFields(answer);
  const link = answer.moreInfo === undefined ? '' : ` See ${answer.moreInfo}`;
  switch (meaning.rule) {
    case 'rateLimited':
      return {
        ...base,
        message: `Row ${index}: still rate limited after all retries (${describeAnswer(answer)}); send it again later or lower the sending rate`,
        ...fields,
      };
    case 'serverError':
      return {
        ...base,
        message: possiblySent
          ? `Row ${index}: Twilio failed (${describeAnswer(answer)}) after the request was sent; the message may exist, so the row was not sent again (duplicateCheck is off): check before sending it again`
          : `Row ${index}: Twilio failed after all retries (${describeAnswer(answer)}); no message was created, so it can be sent again`,
        ...fields,
      };
    case 'optedOut':
      return {
        ...base,
        message: `Row ${index}: the recipient has opted out (replied STOP), so Twilio will not send to this number from this sender (${describeAnswer(answer)}). Suppress this recipient; they can opt back in by replying START.${link}`,
        optedOut: true,
        ...fields,
      };
    default:
      return {
        ...base,
        message: `Row ${index}: Twilio rejected the message (${describeAnswer(answer)}).${link}`,
        ...fields,
      };
  }
}

/**
 * The duplicate check itself failed after `original`: the message may exist and nothing tells us, so the
 * row is possibly sent. A batch-ending answer to the look-up (401, 404) ends the batch as it would for a
 * create; a 403 only says the credentials may not read messages (a restricted key that may still create
 * them), so only this row is affected. An abort that stopped the look-up makes the row aborted.
 */
export function lookupFailure(
  original: unknown,
  lookupError: unknown,
  index: number,
  signal?: AbortSignal,
): Failure {
  const meaning = meaningOf(lookupError, signal?.aborted === true);
  if (meaning.endsBatch === 'now' && meaning.rule !== 'forbidden' && lookupError instanceof TwilioApiError) {
    const stop = toFailure(lookupError, index, { possiblySent: false, endsBatch: true, capped: false });
    const message = `${stop.error.message} (this answered the check for a message an earlier attempt may have created, so it may exist: check before sending this row again)`;
    return { ...stop, error: { ...stop.error, message, possiblySent: true, retryable: false } };
  }
  if (meaning.rule === 'coordinator') {
    // No look-up could be made: the message may exist, and every later row would meet the same failure.
    const { remaining } = toFailure(lookupError, index, {
      possiblySent: true,
      endsBatch: true,
      capped: false,
    });
    const { coordinator, message } = lookupError as CoordinatorUnavailableError;
    const base = toRowError(original, index, true, signal);
    const text = `Row ${index}: ${describeFailure(original)}, and the ${coordinator} could not be reached to check whether Twilio had created the message (${message}); it may exist, so check before sending this row again`;
    return {
      error: { ...base, message: text, retryable: false, possiblySent: true },
      ...(remaining && { remaining }),
    };
  }
  const aborted = meaning.code === 'aborted';
  const base = toRowError(aborted ? new AbortedError(true) : original, index, true, signal);
  const what = aborted
    ? 'the write was aborted while checking whether an earlier attempt had created the message'
    : `${describeFailure(original)}, and checking whether Twilio had created the message failed too (${(lookupError as Error).message})`;
  return {
    error: {
      ...base,
      message: `Row ${index}: ${what}; it may exist, so check before sending this row again`,
      retryable: false,
      possiblySent: true,
    },
  };
}

function describeFailure(error: unknown): string {
  return error instanceof TwilioApiError
    ? `Twilio answered ${describeAnswer(error)}`
    : (error as Error).message;
}

/** The `sent` result for Twilio's message resource. */
export function sentResult(
  index: number,
  attempts: number,
  message: MessageResource,
  requestId: string | undefined,
): SentRowResult {
  const result: SentRowResult = {
    status: 'sent',
    index,
    attempts,
    messageSid: message.sid,
    twilioStatus: message.status,
  };
  const segments = Number(message.num_segments);
  // A Messaging Service answers "0" before it has chosen a sender: unknown, so left out.
  if (Number.isInteger(segments) && segments > 0) result.segments = segments;
  if (requestId !== undefined) result.requestId = requestId;
  return result;
}

export function abortedBeforeStart(index: number): RowError {
  return {
    code: 'aborted',
    message: `Row ${index}: not sent because the write was aborted before this row started; it can be sent again`,
    retryable: true,
    possiblySent: false,
  };
}
