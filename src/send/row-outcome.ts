/**
 * What a failed attempt means for the row: the `RowError` it reports (code, message, retryable,
 * possiblySent, Twilio's fields), and the answers that end the whole batch. Pure functions.
 */
import type { MessageResource } from '../client.js';
import {
  AbortedError,
  NetworkError,
  TwilioApiError,
  TwilioDestinationError,
  UnreadableResponseError,
} from '../errors.js';
import type { RowError, SentRowResult } from '../types.js';

/** Thrown out of the retry loop when the batch must end at this row. */
export class BatchStop extends Error {
  constructor(
    readonly rowError: RowError,
    /** What every remaining row reports. */
    readonly remaining: RowError,
  ) {
    super(rowError.message);
  }
}

/** The duplicate check found the message an ambiguous attempt created. */
export class Recovered extends Error {
  constructor(readonly message_: MessageResource) {
    super('recovered');
  }
}

/** The duplicate check itself failed: the message may exist, and nothing tells us. */
export class LookupFailed extends Error {
  constructor(
    readonly original: unknown,
    readonly lookupError: unknown,
  ) {
    super('look-up failed');
  }
}

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
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`;
}

/** The batch-ending answers: every remaining row would fail the same way. */
export function batchStop(error: TwilioApiError, index: number): BatchStop | undefined {
  const fields = twilioFields(error);
  const stop = (code: RowError['code'], message: string, advice: string, retryable = false) =>
    new BatchStop(
      { code, message: `${message}. ${advice}`, retryable, possiblySent: false, ...fields },
      {
        code,
        message: `Not sent: the batch stopped at row ${index} (${describeAnswer(error)}). ${advice}`,
        retryable,
      },
    );
  if (error.httpStatus === 401) {
    return stop(
      'auth_failed',
      `Twilio refused the credentials (${describeAnswer(error)})`,
      'Check the Account SID and Auth Token (or the API key SID and secret) in the Twilio Console under Account > API keys & tokens, then send the failed rows again',
    );
  }
  if (error.httpStatus === 403) {
    return stop(
      'auth_failed',
      `Twilio refused to let these credentials send messages (${describeAnswer(error)})`,
      'Use credentials allowed to create messages (Twilio test credentials and restricted API keys may not), then send the failed rows again',
    );
  }
  // 20404: the account (or the base URL) is wrong, so every row would get the same answer.
  if (error.httpStatus === 404) {
    return stop(
      'config_error',
      `Twilio does not know the Messages endpoint of this account (${describeAnswer(error)})`,
      'Check the Account SID and the apiBaseUrl option',
    );
  }
  // 21212: the From number itself is invalid for the account, whatever the recipient.
  if (error.twilioCode === 21212) {
    return stop(
      'config_error',
      `Twilio refused the sender (${describeAnswer(error)})`,
      'Fix settings.from: use a number, short code or Messaging Service of this account',
    );
  }
  return undefined;
}

/** A 429 whose Retry-After exceeds `maxRetryAfterMs`: the account must back off; the batch ends here. */
export function backOff(error: TwilioApiError, index: number): BatchStop {
  const wait = seconds(error.retryAfterMs as number);
  const advice = `Twilio asked to wait ${wait} before sending more (Retry-After); send the failed rows again after that`;
  return new BatchStop(
    {
      code: 'rate_limited',
      message: `Row ${index}: rate limited (${describeAnswer(error)}). ${advice}`,
      retryable: true,
      possiblySent: false,
      ...twilioFields(error),
    },
    {
      code: 'rate_limited',
      message: `Not sent: the batch stopped at row ${index} because Twilio rate-limited the account. ${advice}`,
      retryable: true,
      possiblySent: false,
    },
  );
}

/**
 * The row's error for its last failure. `unresolved`: that failure may have created the message and no
 * look-up settled it (the duplicate check is off), so the row was not sent again.
 */
export function toRowError(
  error: unknown,
  index: number,
  unresolved: boolean,
  signal?: AbortSignal,
): RowError {
  // The caller's abort: the client's own AbortedError, or the abort of a wait between attempts. Any other
  // error keeps its own meaning even if the signal fired meanwhile: an abort must not hide that a message
  // may exist.
  if (error instanceof AbortedError || (signal?.aborted && !(error instanceof TwilioDestinationError))) {
    const written = error instanceof AbortedError && error.written;
    return {
      code: 'aborted',
      message: written
        ? `Row ${index}: the write was aborted while this row's request was in flight; Twilio may have created the message, so check before sending it again`
        : `Row ${index}: not sent because the write was aborted; it can be sent again`,
      retryable: !written,
      possiblySent: written,
    };
  }
  if (error instanceof UnreadableResponseError) {
    return {
      code: 'server_error',
      message: `Row ${index}: Twilio accepted the request (HTTP ${error.httpStatus}) but its answer could not be read (${error.message}); the message probably exists, so do not send this row again blindly`,
      retryable: false,
      possiblySent: true,
      ...twilioFields(error),
    };
  }
  if (error instanceof TwilioApiError) {
    const fields = twilioFields(error);
    if (error.httpStatus === 429) {
      return {
        code: 'rate_limited',
        message: `Row ${index}: still rate limited after all retries (${describeAnswer(error)}); send it again later or lower the sending rate`,
        retryable: true,
        possiblySent: false,
        ...fields,
      };
    }
    if (error.httpStatus >= 500) {
      const message = unresolved
        ? `Row ${index}: Twilio failed (${describeAnswer(error)}) after the request was sent; the message may exist, so the row was not sent again (duplicateCheck is off): check before sending it again`
        : `Row ${index}: Twilio failed after all retries (${describeAnswer(error)}); no message was created, so it can be sent again`;
      return { code: 'server_error', message, retryable: !unresolved, possiblySent: unresolved, ...fields };
    }
    // 21611: the sender's queue is full; the same row can succeed later unchanged.
    const retryable = error.twilioCode === 21611;
    const link = error.moreInfo === undefined ? '' : ` See ${error.moreInfo}`;
    // 21610: the recipient replied STOP. Every send fails the same way until they reply START, so the engine
    // should suppress the recipient rather than retry.
    if (error.twilioCode === 21610) {
      return {
        code: 'twilio_rejected',
        message: `Row ${index}: the recipient has opted out (replied STOP), so Twilio will not send to this number from this sender (${describeAnswer(error)}). Suppress this recipient; they can opt back in by replying START.${link}`,
        retryable: false,
        possiblySent: false,
        optedOut: true,
        ...fields,
      };
    }
    return {
      code: 'twilio_rejected',
      message: `Row ${index}: Twilio rejected the message (${describeAnswer(error)}).${link}`,
      retryable,
      possiblySent: false,
      ...fields,
    };
  }
  if (error instanceof NetworkError) {
    const message = unresolved
      ? `Row ${index}: ${error.message} after the request was sent; the message may exist, so the row was not sent again (duplicateCheck is off): check before sending it again`
      : `Row ${index}: ${error.message} after all retries; ${error.written ? 'the request had been sent, but no message was created' : 'the request never reached Twilio'}`;
    return { code: 'network_error', message, retryable: !unresolved, possiblySent: unresolved };
  }
  return {
    code: 'network_error',
    message: `Row ${index}: unexpected failure (${(error as Error)?.message ?? String(error)})`,
    retryable: false,
    possiblySent: true,
  };
}

/** The message may exist and the look-up could not tell: never resend blindly. */
export function lookupFailed(failure: LookupFailed, index: number, signal?: AbortSignal): RowError {
  const { original, lookupError } = failure;
  // An abort that stopped the look-up makes the row aborted; otherwise the row keeps its own failure.
  const aborted =
    lookupError instanceof AbortedError ||
    (signal?.aborted && !(lookupError instanceof TwilioDestinationError));
  const base = toRowError(aborted ? new AbortedError(true) : original, index, true, signal);
  const what =
    base.code === 'aborted'
      ? 'the write was aborted while checking whether an earlier attempt had created the message'
      : `${original instanceof TwilioApiError ? `Twilio answered ${describeAnswer(original)}` : (original as Error).message}, and checking whether Twilio had created the message failed too (${(lookupError as Error).message})`;
  return {
    ...base,
    message: `Row ${index}: ${what}; it may exist, so check before sending this row again`,
    retryable: false,
    possiblySent: true,
  };
}

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
