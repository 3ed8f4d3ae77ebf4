/**
 * Polling, for engines without a public URL for status callbacks: one `GET …/Messages/{Sid}.json` per
 * message, a bounded number at a time, each retried when the send path's answer table (`lookUpMeaningOf`) reads its failure as
 * transient for a GET (429, 5xx, network failures, an unreadable answer), honouring `Retry-After` up to
 * the retry policy's cap. Results come back in input order.
 */

import { isMessageStatus } from '../answer-fields.js';
import type { ClientResponse, MessageResource, TwilioClient } from '../client.js';
import type { RetryPolicy, Sleep } from '../config/index.js';
import { AbortedError, TwilioApiError, UnreadableResponseError } from '../errors.js';
import {
  type Coordinator,
  decideLookUp,
  type LookUpCode,
  lookUpMeaningOf,
  type RequestEnd,
} from '../send/index.js';
import { AdaptiveLimit } from '../send/pacing.js';
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
  /** Twilio answered with the message. */
  kind: 'found';
  /** The message's SID, as asked. */
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
  /** Twilio answered 404. */
  kind: 'not_found';
  /** The SID asked for. */
  messageSid: string;
  /** Why, for people. */
  message: string;
}

/** The look-up itself failed (after its retries); the message's status is unknown, not bad. */
export interface StatusLookupFailed {
  /** The look-up failed: the status is unknown. */
  kind: 'failed';
  /** The SID asked for. */
  messageSid: string;
  /** Why the look-up failed. */
  error: {
    /** What kind of failure (a subset of the row error codes: a GET creates nothing). */
    code: LookUpCode;
    /** Says what is wrong and what to do; never contains a secret. */
    message: string;
    /** Asking again later can succeed. */
    retryable: boolean;
    /** The HTTP status, when Twilio answered. */
    httpStatus?: number;
    /** Twilio's own error code, when it gave one. */
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
  /** Waits between attempts (the destination's `sleep` option, `defaultSleep` unless injected). */
  sleep: Sleep;
  random: () => number;
  /** When set, every GET waits for a `lookup` permit, so that polling shares the account's budget. */
  coordinator?: Coordinator | undefined;
  /** The per-request timeout, for the coordinator's leases. */
  requestTimeoutMs: number;
}

const SID_PATTERN = /^(SM|MM)[0-9a-f]{32}$/i;

/** The SID to look up, or `undefined` for a failed row (nothing was created). */
function sidOf(source: StatusSource): string | undefined {
  if (typeof source === 'string') return source;
  return source.status === 'sent' ? source.messageSid : undefined;
}

/** A price as Twilio gives it: a decimal string, e.g. `"-0.00790"`. */
const PRICE = /^-?[0-9]{1,12}(?:\.[0-9]{1,12})?$/;
/** An ISO 4217 currency code, e.g. `USD`. */
const CURRENCY = /^[A-Z]{3}$/;

/**
 * Reads the Message resource's fields; Twilio gives numbers as strings and dates in RFC 2822. As on the
 * create path, only fields of Twilio's shapes are kept and free text (`error_message`) is passed through
 * `redact`: a proxy or misbehaving server may echo the credentials in any field. `undefined` when `status`
 * is not one of Twilio's statuses: the answer cannot be read.
 */
export function toMessageStatus(
  messageSid: string,
  message: MessageResource,
  redact: (text: string) => string,
): MessageStatus | undefined {
  if (!isMessageStatus(message.status)) return undefined;
  const errorCode = parseErrorCode(message['error_code']);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? redact(value) : undefined);
  const shaped = (value: unknown, shape: RegExp) =>
    typeof value === 'string' && shape.test(value) && redact(value) === value ? value : undefined;
  const errorMessage = text(message['error_message']);
  const segments = Number(message.num_segments);
  const price = shaped(message['price'], PRICE);
  const priceUnit = shaped(message['price_unit'], CURRENCY);
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

/** A failed look-up, as the answer table reads a failed GET. */
function failed(messageSid: string, error: unknown): StatusLookupFailed {
  const { code, retryable } = lookUpMeaningOf(error);
  const message =
    code === 'aborted' ? 'Polling was aborted' : error instanceof Error ? error.message : String(error);
  return {
    kind: 'failed',
    messageSid,
    error: {
      code,
      message,
      retryable,
      ...(error instanceof TwilioApiError ? { httpStatus: error.httpStatus } : {}),
      ...(error instanceof TwilioApiError && error.twilioCode !== undefined
        ? { twilioCode: error.twilioCode }
        : {}),
    },
  };
}

/**
 * Looks up every message of `sources`, at most `concurrency` at a time, and yields one result per message
 * in input order. A 429 halves the look-ups in flight, which climb back after a run of successes, as sending
 * does (the account's concurrent-request limit is shared). A 401/403 ends polling: the remaining messages get
 * the same failure without a request, as does a failure to reach Twilio at all (the request never written)
 * that survives a message's retries.
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
  let stop: unknown;
  const limit = new AdaptiveLimit(options.concurrency);
  let ready: Promise<void> | undefined;

  /** One GET, under a coordinator permit when there is a coordinator; the permit learns how it ended. */
  async function getOnce(path: string): Promise<ClientResponse<MessageResource>> {
    const { coordinator } = deps;
    let permit: Awaited<ReturnType<Coordinator['acquire']>> | undefined;
    if (coordinator !== undefined) {
      ready ??= coordinator.ready({
        accountSid: deps.accountSid,
        requestTimeoutMs: deps.requestTimeoutMs,
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
      const response = await deps.client.get<MessageResource>('api', path, { signal });
      end = { kind: 'ok' };
      return response;
    } catch (error) {
      end = lookUpMeaningOf(error).end;
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
        const response = await getOnce(path);
        const status = toMessageStatus(messageSid, response.body, deps.client.redact);
        if (status === undefined) {
          throw new UnreadableResponseError(
            `Twilio's HTTP ${response.status} answer to GET ${path} has no valid message status`,
            { httpStatus: response.status, requestId: response.requestId },
          );
        }
        limit.increase();
        return status;
      } catch (error) {
        // Aborted while waiting for a permit: the coordinator rejects with the signal's reason.
        if (signal.aborted) return failed(messageSid, new AbortedError(false, signal.reason));
        const meaning = lookUpMeaningOf(error);
        if (meaning.rule === 'rateLimited') limit.decrease(generation);
        if (meaning.rule === 'notFound') {
          return {
            kind: 'not_found',
            messageSid,
            message: `Twilio has no message ${messageSid} on this account`,
          };
        }
        // Refused credentials or an unreachable coordinator: every later look-up would fail the same way.
        if (meaning.endsBatch === 'now') stop ??= error;
        const decision = decideLookUp(meaning, retry, deps.retry, deps.random);
        if (decision.kind === 'end') {
          // Twilio unreachable through every retry (as when sending): no later look-up can reach it either.
          if (decision.endsBatch) stop ??= error;
          return failed(messageSid, error);
        }
        try {
          await deps.sleep(decision.waitMs, signal);
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
