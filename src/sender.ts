/**
 * Walks the rows in order, one request at a time, retries what may be retried, stops the batch when every
 * remaining row would fail the same way, and produces exactly one `RowResult` per row.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { MessageResource, TwilioClient } from './client.js';
import { type DuplicateCheckPolicy, findCreatedMessage } from './duplicate-check.js';
import { AbortedError, NetworkError, TwilioApiError, UnreadableResponseError } from './errors.js';
import type { Logger } from './logger.js';
import { type BuildResult, encodeForm, type MessageRequest } from './message.js';
import { classifyFailure, type RetryPolicy, retryDelayMs } from './retry.js';
import type { RowError, RowResult, SentRowResult } from './types.js';

/** What the sender needs. */
export interface SenderDeps {
  client: TwilioClient;
  accountSid: string;
  retry: RetryPolicy;
  sleep: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  random: () => number;
  now: () => number;
  logger: Logger;
  /** Look for the message after an ambiguous failure before retrying; `undefined` turns it off. */
  duplicateCheck: DuplicateCheckPolicy | undefined;
}

/** Thrown out of the retry loop when the batch must end at this row. */
class BatchStop extends Error {
  constructor(
    readonly rowError: RowError,
    /** What every remaining row reports. */
    readonly remaining: RowError,
  ) {
    super(rowError.message);
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  delay(ms, undefined, signal ? { signal } : undefined);

function twilioFields(error: TwilioApiError | UnreadableResponseError): Partial<RowError> {
  const fields: Partial<RowError> = { httpStatus: error.httpStatus };
  if (error instanceof TwilioApiError) {
    if (error.twilioCode !== undefined) fields.twilioCode = error.twilioCode;
    if (error.moreInfo !== undefined) fields.moreInfo = error.moreInfo;
  }
  if (error.requestId !== undefined) fields.requestId = error.requestId;
  return fields;
}

function describeAnswer(error: TwilioApiError): string {
  const code = error.twilioCode === undefined ? '' : `, Twilio error ${error.twilioCode}`;
  const text = error.twilioMessage === undefined ? '' : `: ${error.twilioMessage}`;
  return `HTTP ${error.httpStatus}${code}${text}`;
}

function seconds(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`;
}

/** The duplicate check found the message an ambiguous attempt created. */
class Recovered extends Error {
  constructor(readonly message_: MessageResource) {
    super('recovered');
  }
}

/** The duplicate check itself failed: the message may exist, and nothing tells us. */
class LookupFailed extends Error {
  constructor(
    readonly original: unknown,
    readonly lookupError: unknown,
  ) {
    super('look-up failed');
  }
}

/** The batch-ending answers: every remaining row would fail the same way. */
function batchStop(error: TwilioApiError, index: number): BatchStop | undefined {
  const fields = twilioFields(error);
  const stop = (code: RowError['code'], message: string, advice: string, retryable = false) =>
    new BatchStop(
      { code, message: `${message}. ${advice}`, retryable, ...fields },
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

/** Sends every row and yields one result per row, in input order. */
export async function* sendRows(
  rows: Iterable<unknown> | AsyncIterable<unknown>,
  build: (row: unknown, index: number) => BuildResult,
  deps: SenderDeps,
  signal?: AbortSignal,
): AsyncGenerator<RowResult> {
  let index = 0;
  let stopped: RowError | undefined;
  // Messages this write created: a later row with the same recipient and body must not claim them.
  const created = new Set<string>();
  for await (const row of rows) {
    const result = await sendRow(row, index++);
    if (result.status === 'sent') {
      created.add(result.messageSid);
      deps.logger.info(
        `twilio-destination: row ${result.index} sent ${result.messageSid} (${result.attempts} attempt(s))`,
      );
    } else {
      deps.logger.warn(
        `twilio-destination: row ${result.index} failed ${result.error.code}: ${result.error.message}`,
      );
    }
    yield result;
  }

  async function sendRow(row: unknown, current: number): Promise<RowResult> {
    if (stopped) return { status: 'failed', index: current, attempts: 0, error: { ...stopped } };
    if (signal?.aborted)
      return { status: 'failed', index: current, attempts: 0, error: abortedBeforeStart(current) };
    const built = build(row, current);
    if (!built.ok) return { status: 'failed', index: current, attempts: 0, error: built.error };
    const outcome = await sendOne(built.request, current, deps, created, signal);
    if (outcome.stop) stopped = outcome.stop;
    return outcome.result;
  }
}

function abortedBeforeStart(index: number): RowError {
  return {
    code: 'aborted',
    message: `Row ${index}: not sent because the write was aborted before this row started; it can be sent again`,
    retryable: true,
    possiblySent: false,
  };
}

interface Outcome {
  result: RowResult;
  stop?: RowError;
}

async function sendOne(
  request: MessageRequest,
  index: number,
  deps: SenderDeps,
  created: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Outcome> {
  const { client, retry } = deps;
  const sleep = deps.sleep ?? defaultSleep;
  const form = encodeForm(request);
  let attempts = 0;
  let firstAttemptAt = 0;
  // Set once an attempt failed in a way that may have created the message, and no look-up settled it.
  let ambiguous = false;
  // The same, for the latest failure alone.
  let unresolved = false;
  try {
    const response = await pRetry(
      () => {
        if (attempts++ === 0) firstAttemptAt = deps.now();
        return client.createMessage(deps.accountSid, form, { signal });
      },
      {
        retries: retry.retries,
        // p-retry runs the loop; the wait comes from our own policy (Retry-After, injected sleep).
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          const failure = classifyFailure(error);
          unresolved = false;
          if (failure === 'retry_ambiguous') {
            if (deps.duplicateCheck === undefined) {
              ambiguous = true;
              unresolved = true;
            } else {
              const found = await findCreatedMessage(
                {
                  client,
                  accountSid: deps.accountSid,
                  request,
                  sinceMs: firstAttemptAt,
                  exclude: created,
                  policy: deps.duplicateCheck,
                  sleep,
                },
                signal,
              ).catch((lookupError: unknown) => {
                throw new LookupFailed(error, lookupError);
              });
              if (found) throw new Recovered(found);
            }
          }
          if (error instanceof TwilioApiError) {
            const stop = batchStop(error, index);
            if (stop) throw stop;
            if (
              error.httpStatus === 429 &&
              error.retryAfterMs !== undefined &&
              error.retryAfterMs > retry.maxRetryAfterMs
            ) {
              throw backOff(error, index);
            }
          }
          if (failure !== 'final' && retriesLeft > 0) {
            const retryAfter = error instanceof TwilioApiError ? error.retryAfterMs : undefined;
            await sleep(retryDelayMs(attempts, retry, deps.random, retryAfter), signal);
          }
        },
        shouldRetry: ({ error }) => classifyFailure(error) !== 'final',
      },
    );
    return { result: sentResult(index, attempts, response.body, response.requestId) };
  } catch (error) {
    if (error instanceof Recovered) {
      return { result: { ...sentResult(index, attempts, error.message_, undefined), recovered: true } };
    }
    if (error instanceof LookupFailed) {
      return { result: { status: 'failed', index, attempts, error: lookupFailed(error, index, signal) } };
    }
    if (error instanceof BatchStop) {
      const rowError = settle(error.rowError, ambiguous);
      return { result: { status: 'failed', index, attempts, error: rowError }, stop: error.remaining };
    }
    const rowError = settle(toRowError(error, index, unresolved, signal), ambiguous);
    return { result: { status: 'failed', index, attempts, error: rowError } };
  }
}

function sentResult(
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

/** The message may exist and the look-up could not tell: never resend blindly. */
function lookupFailed(failure: LookupFailed, index: number, signal?: AbortSignal): RowError {
  const base = toRowError(failure.original, index, true, signal);
  const { original } = failure;
  const what =
    base.code === 'aborted'
      ? 'the write was aborted while checking whether an earlier attempt had created the message'
      : `${original instanceof TwilioApiError ? `Twilio answered ${describeAnswer(original)}` : (original as Error).message}, and checking whether Twilio had created the message failed too (${(failure.lookupError as Error).message})`;
  return {
    ...base,
    message: `Row ${index}: ${what}; it may exist, so check before sending this row again`,
    retryable: false,
    possiblySent: true,
  };
}

/** A 429 whose Retry-After exceeds `maxRetryAfterMs`: the account must back off; the batch ends here. */
function backOff(error: TwilioApiError, index: number): BatchStop {
  const wait = seconds(error.retryAfterMs as number);
  const advice = `Twilio asked to wait ${wait} before sending more (Retry-After); send the failed rows again after that`;
  return new BatchStop(
    {
      code: 'rate_limited',
      message: `Row ${index}: rate limited (${describeAnswer(error)}). ${advice}`,
      retryable: true,
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
 * Applies what earlier attempts showed: if any may have created the message, the row is `possiblySent`
 * and must not be sent again blindly, whatever the last failure was.
 */
function settle(error: RowError, ambiguous: boolean): RowError {
  const possiblySent = ambiguous || error.possiblySent === true;
  const message =
    ambiguous && error.possiblySent !== true
      ? `${error.message} (an earlier attempt failed after the request was sent, so the message may exist: check before sending again)`
      : error.message;
  return { ...error, message, possiblySent, retryable: error.retryable && !possiblySent };
}

/** `unresolved`: the failure may have created the message and no look-up settled it. */
function toRowError(error: unknown, index: number, unresolved: boolean, signal?: AbortSignal): RowError {
  if (error instanceof AbortedError || signal?.aborted) {
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
        ...fields,
      };
    }
    if (error.httpStatus >= 500) {
      const outcome = unresolved
        ? 'the message may exist, so check before sending this row again'
        : 'no message was created, so it can be sent again';
      return {
        code: 'server_error',
        message: `Row ${index}: Twilio failed after all retries (${describeAnswer(error)}); ${outcome}`,
        retryable: true,
        possiblySent: unresolved,
        ...fields,
      };
    }
    // 21611: the sender's queue is full; the same row can succeed later unchanged.
    const retryable = error.twilioCode === 21611;
    const link = error.moreInfo === undefined ? '' : ` See ${error.moreInfo}`;
    return {
      code: 'twilio_rejected',
      message: `Row ${index}: Twilio rejected the message (${describeAnswer(error)}).${link}`,
      retryable,
      ...fields,
    };
  }
  if (error instanceof NetworkError) {
    const after = !error.written
      ? 'the request never reached Twilio'
      : unresolved
        ? 'the request had been sent, so the message may exist'
        : 'the request had been sent, but no message was created';
    return {
      code: 'network_error',
      message: `Row ${index}: ${error.message} after all retries; ${after}`,
      retryable: true,
      possiblySent: unresolved,
    };
  }
  return {
    code: 'network_error',
    message: `Row ${index}: unexpected failure (${(error as Error)?.message ?? String(error)})`,
    retryable: false,
    possiblySent: true,
  };
}
