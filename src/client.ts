/**
 * The Twilio REST client: form-encoded requests on an undici keep-alive dispatcher, Basic auth, a
 * per-request timeout, a bounded read of every answer, and Twilio's error bodies turned into typed errors.
 * It never retries: that is the sender's job.
 */
import type { Dispatcher } from 'undici';
import { isMessageSid, isMessageStatus, requestIdOf } from './answer-fields.js';
import {
  AbortedError,
  NetworkError,
  TimeoutError,
  TwilioApiError,
  type TwilioErrorBody,
  UnreadableResponseError,
} from './errors.js';
import type { Logger } from './logger.js';
import { createRedactor } from './redact.js';
import { parseRetryAfter } from './send/retry.js';
import { VERSION } from './version.js';

/** At most this much of any answer is read; Twilio's answers are a few kilobytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What the client needs; the destination builds it from the validated configuration. */
export interface ClientConfig {
  apiBaseUrl: string;
  messagingBaseUrl: string;
  /** Basic auth user: the Account SID or the API key SID. */
  username: string;
  /** Basic auth password: the Auth Token or the API key secret. */
  password: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  now: () => number;
  /** `undefined`: silent. */
  logger: Logger | undefined;
}

/** A successful answer, parsed. */
export interface ClientResponse<T = unknown> {
  status: number;
  body: T;
  requestId: string | undefined;
}

/** The fields of Twilio's Message resource that the package uses. */
export interface MessageResource {
  sid: string;
  status: string;
  num_segments?: string | null;
  [key: string]: unknown;
}

/** Per-call hooks: the caller's signal, and a flag the client sets once the whole request is written. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Set to `true` once the request has been fully written to the socket. */
  progress?: { written: boolean };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  tooLarge: boolean;
}

function header(headers: RawResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A base URL may carry a path prefix (a proxy in front of Twilio); requests go below it. */
function splitBase(base: string): { origin: string; prefix: string } {
  const url = new URL(base);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

/** Creates a client. The `Authorization` value lives only in this closure, never on an object. */
export function createClient(config: ClientConfig) {
  const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  const userAgent = `twilio-destination/${VERSION} node/${process.version}`;
  // A proxy or mock may echo request headers in its error text: never let that carry a secret onward.
  const redact = createRedactor(config.username, config.password);
  // An Auth Token is 32 hex digits, so `RQ`/`SM` + the token has the right shape: shape alone is not enough.
  const clean = (value: string) => redact(value) === value;
  const requestIdIn = (headers: RawResponse['headers']) => {
    const id = requestIdOf(header(headers, 'twilio-request-id'));
    return id !== undefined && clean(id) ? id : undefined;
  };
  // Built once: the same headers go with every request (undici only reads them).
  const getHeaders = { authorization, accept: 'application/json', 'user-agent': userAgent };
  const postHeaders = { ...getHeaders, 'content-type': 'application/x-www-form-urlencoded' };
  const { logger } = config;
  const bases = { api: splitBase(config.apiBaseUrl), messaging: splitBase(config.messagingBaseUrl) };

  function send(
    method: 'GET' | 'POST',
    origin: string,
    path: string,
    body: string | undefined,
    options: CallOptions,
  ): Promise<RawResponse> {
    const progress = options.progress ?? { written: false };
    return new Promise<RawResponse>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) {
        reject(new AbortedError(false, signal.reason));
        return;
      }
      let controller: Dispatcher.DispatchController | undefined;
      let failure: Error | undefined;
      let settled = false;
      let status = 0;
      let headers: RawResponse['headers'] = {};
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;

      const started = performance.now();
      const finish = (error: Error | undefined, value?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        // Settled before the logger runs: whatever the logger does, the request's promise has its outcome.
        settle(error, value);
        if (logger) {
          const ms = Math.round(performance.now() - started);
          const requestId = value ? requestIdIn(value.headers) : undefined;
          logger.debug(
            `twilio-destination: ${method} ${path} -> ${error ? error.name : value?.status} in ${ms} ms${requestId ? ` (${requestId})` : ''}`,
          );
        }
      };
      const settle = (error: Error | undefined, value?: RawResponse) => {
        if (!error) resolve(value as RawResponse);
        else if (status >= 200 && status < 300 && !(error instanceof AbortedError)) {
          // Twilio said 2xx, so the message exists, even though the answer was cut off (a reset mid-body, a
          // timeout after the headers): never a network failure that could be retried into a second text.
          const requestId = requestIdIn(headers);
          reject(
            new UnreadableResponseError(
              `Twilio's HTTP ${status} answer to ${method} ${path} was cut off (${error.message})`,
              {
                httpStatus: status,
                requestId,
                cause: error,
              },
            ),
          );
        } else reject(error);
      };
      const stop = (error: Error) => {
        failure ??= error;
        if (controller) controller.abort(error);
        else finish(error);
      };
      const onAbort = () => stop(new AbortedError(progress.written, signal?.reason));
      const timer = setTimeout(
        () => stop(new TimeoutError(config.timeoutMs, progress.written)),
        config.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });

      config.dispatcher.dispatch(
        { origin, path, method, headers: body === undefined ? getHeaders : postHeaders, body: body ?? null },
        {
          onRequestStart(c) {
            controller = c;
            if (failure) c.abort(failure);
          },
          onRequestSent() {
            progress.written = true;
          },
          onResponseStart(_c, statusCode, responseHeaders) {
            status = statusCode;
            headers = responseHeaders;
          },
          onResponseData(c, chunk) {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              tooLarge = true;
              // Keep what fits for the error's request id; stop reading the rest.
              finish(undefined, { status, headers, text: '', tooLarge });
              c.abort(new Error('answer larger than the read limit'));
              return;
            }
            chunks.push(chunk);
          },
          onResponseEnd() {
            finish(undefined, { status, headers, text: Buffer.concat(chunks).toString('utf8'), tooLarge });
          },
          onResponseError(_c, error) {
            if (failure) return finish(failure);
            // An error after the answer began (a reset mid-body) still means the request was written.
            const written = progress.written || status !== 0;
            const code = (error as NodeJS.ErrnoException).code ?? error.name;
            const reason = error.message && error.message !== code ? `${code} (${error.message})` : code;
            finish(
              new NetworkError(`Could not complete ${method} ${path} on ${new URL(origin).host}: ${reason}`, {
                written,
                cause: error,
              }),
            );
          },
        },
      );
    });
  }

  function parse<T>(method: string, path: string, raw: RawResponse): ClientResponse<T> {
    const requestId = requestIdIn(raw.headers);
    let json: unknown;
    let parseError: unknown;
    if (!raw.tooLarge) {
      try {
        json = JSON.parse(raw.text);
      } catch (error) {
        parseError = error;
      }
    }
    if (raw.status >= 200 && raw.status < 300) {
      if (json === undefined || json === null || typeof json !== 'object') {
        const why = raw.tooLarge ? `is larger than ${MAX_RESPONSE_BYTES} bytes` : 'is not valid JSON';
        throw new UnreadableResponseError(`Twilio's HTTP ${raw.status} answer to ${method} ${path} ${why}`, {
          httpStatus: raw.status,
          requestId,
          cause: parseError,
        });
      }
      return { status: raw.status, body: json as T, requestId };
    }
    const record = (json ?? {}) as Record<string, unknown>;
    const errorBody: TwilioErrorBody = {};
    if (typeof record['code'] === 'number') errorBody.code = record['code'];
    if (typeof record['message'] === 'string') errorBody.message = redact(record['message']);
    if (typeof record['more_info'] === 'string') errorBody.moreInfo = redact(record['more_info']);
    throw new TwilioApiError({
      httpStatus: raw.status,
      method,
      path,
      body: errorBody,
      requestId,
      retryAfterMs: parseRetryAfter(header(raw.headers, 'retry-after'), config.now()),
    });
  }

  return {
    /** Redacts every form of the credentials from free text taken from an answer. */
    redact,
    /** `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with a form body. */
    async createMessage(accountSid: string, form: string, options: CallOptions = {}) {
      const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
      const raw = await send('POST', bases.api.origin, bases.api.prefix + path, form, options);
      const response = parse<MessageResource>('POST', path, raw);
      const message = response.body;
      // Copied into the row's result: kept only in Twilio's shapes, never whatever else an answer holds.
      if (!isMessageSid(message.sid) || !clean(message.sid) || !isMessageStatus(message.status)) {
        throw new UnreadableResponseError(
          `Twilio's HTTP ${raw.status} answer to POST ${path} has no valid message sid (SM/MM and 32 hex digits) or status`,
          { httpStatus: raw.status, requestId: response.requestId },
        );
      }
      return response;
    },
    /** A GET on the REST API (`api`) or the Messaging API (`messaging`). */
    async get<T = Record<string, unknown>>(
      base: 'api' | 'messaging',
      path: string,
      options: CallOptions = {},
    ): Promise<ClientResponse<T>> {
      const { origin, prefix } = bases[base];
      const raw = await send('GET', origin, prefix + path, undefined, options);
      return parse<T>('GET', path, raw);
    },
  };
}

/** The client the sender and the validators use. */
export type TwilioClient = ReturnType<typeof createClient>;
