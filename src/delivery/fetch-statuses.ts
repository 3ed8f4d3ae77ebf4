/**
 * Polling, for engines without a public URL for status callbacks: one `GET …/Messages/{Sid}.json` per
 * message, a bounded number at a time, each retried on 429, 5xx and network failures (a GET is always
 * safe to repeat), honouring `Retry-After` up to the retry policy's cap. Results come back in input order.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { MessageResource, TwilioClient } from '../client.js';
import type { RetryPolicy } from '../config/index.js';
import { AbortedError, NetworkError, TwilioApiError, UnreadableResponseError } from '../errors.js';
import { type Coordinator, CoordinatorUnavailableError, type RequestEnd } from '../send/coordinator.js';
import { AdaptiveLimit } from '../send/pacing.js';
import { retryDelayMs } from '../send/retry.js';
import type { RowResult } from '../types.js';
import { type DeliveryOutcome, deliveryOutcome, parseErrorCode } from './outcome.js';

/** What `fetchStatuses` takes: Message SIDs, or `write`'s results (failed rows have no message and are skipped). */
export type StatusSource = string | RowResult;

/** Options of `TwilioDestination#fetchStatuses`. */
export interface FetchStatusesOptions {
  /** Stops polling: no further request starts, and look-ups in flight end as `aborted`. */
  signal?: AbortSignal;
  /**
   * Look-ups in flight at once, at most the destination's `concurrency` option (its connection pool holds
   * that many connections). @default the destination's `concurrency` option
   */
  concurrency?: number;
}

/** A message Twilio knows, as it stands now. */
export interface MessageStatus {
  kind: 'found';
  messageSid: string;
  /** Twilio's status: `queued`, `sent`, `delivered`, `undelivered`, `failed`, … */
  status: string;
  /** Twilio's delivery error code, with `undelivered` or `failed`. */
  errorCode?: number;
  /** Twilio's text for the error code. */
  errorMessage?: string;
  /** What the status and error code mean for the engine. */
  outcome: DeliveryOutcome;
  /** Segments billed (`num_segments`), once known. */
  numSegments?: number;
  /** The price as Twilio gives it (a negative decimal string, e.g. `"-0.00790"`), once known. */
  price?: string;
  /** The currency of `price`, e.g. `USD`. */
  priceUnit?: string;
  /** When Twilio sent it (ISO 8601), once sent. */
  dateSent?: string;
}

/** Twilio answered 404: no such message on this account (or not a Message SID at all). */
export interface MessageNotFound {
  kind: 'not_found';
  messageSid: string;
  /** Why, for people. */
  message: string;
}

/** The look-up itself failed (after its retries); the message's status is unknown, not bad. */
export interface StatusLookupFailed {
  kind: 'failed';
  messageSid: string;
  error: {
    code:
      | 'auth_failed'
      | 'rate_limited'
      | 'server_error'
      | 'network_error'
      | 'twilio_rejected'
      | 'coordinator_error'
      | 'aborted';
    message: string;
    /** Asking again later can succeed. */
    retryable: boolean;
    httpStatus?: number;
    twilioCode?: number;
  };
}

/** One message's answer. */
export type StatusResult = MessageStatus | MessageNotFound | StatusLookupFailed;

/** What polling needs from the destination. */
export interface StatusDeps {
  client: TwilioClient;
  accountSid: string;
  retry: RetryPolicy;
  sleep: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  random: () => number;
  /** When set, every GET waits for a `lookup` permit, so that polling shares the account's budget. */
  coordinator?: Coordinator | undefined;
  /** The per-request timeout, for the coordinator's leases. */
  requestTimeoutMs?: number;
}

const SID_PATTERN = /^(SM|MM)[0-9a-f]{32}$/i;

/** The SID to look up, or `undefined` for a failed row (nothing was created). */
function sidOf(source: StatusSource): string | undefined {
  if (typeof source === 'string') return source;
  return source.status === 'sent' ? source.messageSid : undefined;
}

/** Reads the Message resource's fields; Twilio gives numbers as strings and dates in RFC 2822. */
export function toMessageStatus(messageSid: string, message: MessageResource): MessageStatus {
  const errorCode = parseErrorCode(message['error_code']);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const errorMessage = text(message['error_message']);
  const segments = Number(message.num_segments);
  const price = text(message['price']);
  const priceUnit = text(message['price_unit']);
  const sent = Date.parse(String(message['date_sent']));
  return {
    kind: 'found',
    messageSid,
    status: message.status,
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(errorMessage === undefined ? {} : { errorMessage }),
    outcome: deliveryOutcome(message.status, errorCode),
    ...(message.num_segments != null && Number.isInteger(segments) && segments > 0
      ? { numSegments: segments }
      : {}),
    ...(price === undefined ? {} : { price }),
    ...(priceUnit === undefined ? {} : { priceUnit }),
    ...(Number.isNaN(sent) ? {} : { dateSent: new Date(sent).toISOString() }),
  };
}

function failed(messageSid: string, error: unknown): StatusLookupFailed {
  const base = { kind: 'failed' as const, messageSid };
  if (error instanceof TwilioApiError) {
    const code =
      error.httpStatus === 401 || error.httpStatus === 403
        ? 'auth_failed'
        : error.httpStatus === 429
          ? 'rate_limited'
          : error.httpStatus >= 500
            ? 'server_error'
            : 'twilio_rejected';
    return {
      ...base,
      error: {
        code,
        message: error.message,
        retryable: code === 'rate_limited' || code === 'server_error',
        httpStatus: error.httpStatus,
        ...(error.twilioCode === undefined ? {} : { twilioCode: error.twilioCode }),
      },
    };
  }
  if (error instanceof CoordinatorUnavailableError) {
    return { ...base, error: { code: 'coordinator_error', message: error.message, retryable: true } };
  }
  if (error instanceof AbortedError) {
    return { ...base, error: { code: 'aborted', message: 'Polling was aborted', retryable: true } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { ...base, error: { code: 'network_error', message, retryable: true } };
}

/** Worth asking again: a GET is safe to repeat whatever happened to the last one. */
function isTransient(error: unknown): boolean {
  if (error instanceof TwilioApiError) return error.httpStatus === 429 || error.httpStatus >= 500;
  return error instanceof NetworkError || error instanceof UnreadableResponseError;
}

/**
 * Looks up every message of `sources`, at most `concurrency` at a time, and yields one result per message
 * in input order. A 429 halves the look-ups in flight, which climb back after a run of successes, as sending
 * does (the account's concurrent-request limit is shared). A 401/403 ends polling: the remaining messages get
 * the same failure without a request.
 */
export async function* fetchStatuses(
  sources: Iterable<StatusSource> | AsyncIterable<StatusSource>,
  deps: StatusDeps,
  options: { signal?: AbortSignal | undefined; concurrency: number },
): AsyncGenerator<StatusResult> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const signal = controller.signal;
  const sleep: (ms: number, s: AbortSignal) => Promise<unknown> =
    deps.sleep ?? ((ms, s) => delay(ms, undefined, { signal: s }));
  let stop: unknown;
  const limit = new AdaptiveLimit(options.concurrency);
  let ready: Promise<void> | undefined;

  /** One GET, under a coordinator permit when there is a coordinator; the permit learns how it ended. */
  async function getOnce(path: string): Promise<MessageResource> {
    const { coordinator } = deps;
    let permit: Awaited<ReturnType<Coordinator['acquire']>> | undefined;
    if (coordinator !== undefined) {
      ready ??= coordinator.ready({
        accountSid: deps.accountSid,
        requestTimeoutMs: deps.requestTimeoutMs ?? 30_000,
      });
      await ready;
      permit = await coordinator.acquire({
        accountSid: deps.accountSid,
        kind: 'lookup',
        sender: '',
        segments: 0,
        segmentsPerSecond: undefined,
        signal,
      });
    }
    let end: RequestEnd = { kind: 'other' };
    try {
      const { body } = await deps.client.get<MessageResource>('api', path, { signal });
      end = { kind: 'ok' };
      return body;
    } catch (error) {
      if (error instanceof TwilioApiError && error.httpStatus === 429) end = { kind: 'rate_limited' };
      throw error;
    } finally {
      await permit?.release(end);
    }
  }

  async function lookUp(messageSid: string): Promise<StatusResult> {
    if (!SID_PATTERN.test(messageSid)) {
      return {
        kind: 'not_found',
        messageSid,
        message: `"${messageSid}" is not a Message SID (SM or MM and 32 hex digits)`,
      };
    }
    const path = `/2010-04-01/Accounts/${deps.accountSid}/Messages/${messageSid}.json`;
    for (let retry = 1; ; retry++) {
      if (stop !== undefined) return failed(messageSid, stop);
      const generation = limit.generation;
      try {
        const body = await getOnce(path);
        limit.increase();
        return toMessageStatus(messageSid, body);
      } catch (error) {
        // Aborted while waiting for a permit: the coordinator rejects with the signal's reason.
        if (signal.aborted) return failed(messageSid, new AbortedError(false, signal.reason));
        if (error instanceof CoordinatorUnavailableError) stop ??= error;
        if (error instanceof TwilioApiError && error.httpStatus === 429) limit.decrease(generation);
        if (error instanceof TwilioApiError && error.httpStatus === 404) {
          return {
            kind: 'not_found',
            messageSid,
            message: `Twilio has no message ${messageSid} on this account`,
          };
        }
        if (error instanceof TwilioApiError && (error.httpStatus === 401 || error.httpStatus === 403))
          stop ??= error;
        const retryAfterMs = error instanceof TwilioApiError ? error.retryAfterMs : undefined;
        const tooLong = retryAfterMs !== undefined && retryAfterMs > deps.retry.maxRetryAfterMs;
        if (!isTransient(error) || retry > deps.retry.retries || tooLong) return failed(messageSid, error);
        try {
          await sleep(retryDelayMs(retry, deps.retry, deps.random, retryAfterMs), signal);
        } catch {
          return failed(messageSid, new AbortedError(false, signal.reason));
        }
      }
    }
  }

  const window: Promise<StatusResult>[] = [];
  try {
    for await (const source of sources) {
      if (signal.aborted) break;
      const sid = sidOf(source);
      if (sid === undefined) continue;
      window.push(lookUp(sid));
      while (window.length >= limit.value) yield await (window.shift() as Promise<StatusResult>);
    }
    while (window.length > 0) yield await (window.shift() as Promise<StatusResult>);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // A consumer that stops early leaves nothing running.
    controller.abort();
  }
}
