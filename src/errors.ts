/**
 * The package's error classes. `ConfigError` is the only one a caller receives: `write()`, `stream()` and
 * `preview()` throw it. The others are internal: the client throws them and the send path turns each into
 * a row's `RowError` (or a validation issue), so none reaches a caller. No message, property or `toJSON` of
 * these errors ever holds the Auth Token, the API key secret or the `Authorization` header: requests are
 * never kept on errors, only the method and path.
 */
import type { ValidationIssue } from './types.js';

/**
 * The configuration (credentials, settings, mapping, options or call arguments) is invalid. Thrown by
 * `write()`, `stream()` (at the call) and `preview()` before any request, listing every problem found;
 * `validateCredentials()` and `validateTargetSettings()` report the same issues without throwing.
 *
 * @example
 * ```ts
 * try {
 *   await destination.write(rows);
 * } catch (error) {
 *   if (isConfigError(error)) for (const issue of error.issues) console.error(issue.field, issue.message);
 * }
 * ```
 */
export class ConfigError extends Error {
  /** Always `'ConfigError'`. */
  override name = 'ConfigError';
  /** Always `'config_error'`. */
  readonly code = 'config_error';
  /** Every problem found, not just the first. */
  readonly issues: readonly ValidationIssue[];

  /**
   * Errors are created by the package, never by callers, who read them and test them with
   * {@link isConfigError}; the constructor may change in any release.
   * @internal
   */
  constructor(issues: readonly ValidationIssue[]) {
    // Most messages already start with their field ("options.concurrency must be …"): name it once.
    const list = issues
      .map((issue) =>
        issue.message.startsWith(issue.field) ? `- ${issue.message}` : `- ${issue.field}: ${issue.message}`,
      )
      .join('\n');
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${list}`);
    this.issues = issues;
  }
}

/** Type guard for {@link ConfigError}. */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/** Base class of the client's errors (internal: the send path turns each into a row's `RowError`). */
export class TwilioDestinationError extends Error {
  /** The error class's name: `'TwilioDestinationError'`, or the subclass's own name. */
  override name = 'TwilioDestinationError';
  /** A stable snake_case code. */
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/**
 * Twilio's error body (`{"code": 21211, "message": "…", "more_info": "…", "status": 400}`) as the client
 * reads it. Internal: its fields reach callers as {@link TwilioApiError}'s `twilioCode`, `twilioMessage` and
 * `moreInfo`.
 */
export interface TwilioErrorBody {
  /** Twilio's error code (`code`), e.g. 21211. */
  code?: number;
  /** Twilio's error text (`message`), with any echoed secret redacted. */
  message?: string;
  /** Twilio's documentation link for the code (`more_info`). */
  moreInfo?: string;
}

/** Twilio answered with a non-2xx status. */
export class TwilioApiError extends TwilioDestinationError {
  /** Always `'TwilioApiError'`. */
  override name = 'TwilioApiError';
  /** The HTTP status Twilio answered with (4xx or 5xx). */
  readonly httpStatus: number;
  /** Twilio's own error code from the answer's body (e.g. 21211 invalid `To`, 20429 too many requests). */
  readonly twilioCode: number | undefined;
  /** Twilio's error text from the answer's body, with any echoed secret redacted. */
  readonly twilioMessage: string | undefined;
  /** Twilio's documentation link for `twilioCode` (`https://www.twilio.com/docs/errors/…`). */
  readonly moreInfo: string | undefined;
  /** The `Twilio-Request-Id` header of the answer: quote it to Twilio support. */
  readonly requestId: string | undefined;
  /** The wait Twilio asked for with `Retry-After`, in milliseconds, when it sent one that could be read. */
  readonly retryAfterMs: number | undefined;

  /**
   * Created by the client from Twilio's answer; `body` is the client's reading of Twilio's error body, whose
   * fields callers get as `twilioCode`, `twilioMessage` and `moreInfo`.
   * @internal
   */
  constructor(args: {
    httpStatus: number;
    method: string;
    path: string;
    body: TwilioErrorBody;
    requestId: string | undefined;
    retryAfterMs: number | undefined;
  }) {
    const { httpStatus, body } = args;
    const code = body.code === undefined ? '' : `, code ${body.code}`;
    const text = body.message === undefined ? '' : `: ${body.message}`;
    super(`Twilio answered HTTP ${httpStatus}${code} to ${args.method} ${args.path}${text}`, {
      code: 'twilio_api_error',
    });
    this.httpStatus = httpStatus;
    this.twilioCode = body.code;
    this.twilioMessage = body.message;
    this.moreInfo = body.moreInfo;
    this.requestId = args.requestId;
    this.retryAfterMs = args.retryAfterMs;
  }
}

/**
 * The request failed without an HTTP answer: refused connection, DNS, reset, timeout. `written` says
 * whether the whole request had been written to the socket first, which decides whether Twilio may have
 * created the message.
 */
export class NetworkError extends TwilioDestinationError {
  /** `'NetworkError'`, or `'TimeoutError'` for the subclass. */
  override name = 'NetworkError';
  /**
   * Whether the whole request had been written to the socket before it failed. `true` means Twilio may have
   * received it and created the message; `false` means it cannot have.
   */
  readonly written: boolean;

  /** @internal */
  constructor(message: string, options: { written: boolean; cause?: unknown; code?: string }) {
    super(message, { code: options.code ?? 'network_error', cause: options.cause });
    this.written = options.written;
  }
}

/** No answer within `timeoutMs`. */
export class TimeoutError extends NetworkError {
  /** Always `'TimeoutError'`. */
  override name = 'TimeoutError';

  /** @internal */
  constructor(timeoutMs: number, written: boolean) {
    super(`Twilio did not answer within ${timeoutMs} ms`, { written, code: 'timeout' });
  }
}

/**
 * Twilio answered, but the answer could not be read (malformed JSON, missing fields, larger than the read
 * limit). For a 2xx answer the message exists: this must never be retried.
 */
export class UnreadableResponseError extends TwilioDestinationError {
  /** Always `'UnreadableResponseError'`. */
  override name = 'UnreadableResponseError';
  /** The HTTP status of the unreadable answer; a 2xx means the message exists. */
  readonly httpStatus: number;
  /** The `Twilio-Request-Id` header of the answer, when it had one. */
  readonly requestId: string | undefined;

  /** @internal */
  constructor(
    message: string,
    options: { httpStatus: number; requestId: string | undefined; cause?: unknown },
  ) {
    super(message, { code: 'unreadable_response', cause: options.cause });
    this.httpStatus = options.httpStatus;
    this.requestId = options.requestId;
  }
}

/** The caller's `AbortSignal` fired. `written` says whether the request in flight had been written. */
export class AbortedError extends TwilioDestinationError {
  /** Always `'AbortedError'`. */
  override name = 'AbortedError';
  /**
   * Whether the request in flight had been fully written when the signal fired: if so, Twilio may have
   * created the message.
   */
  readonly written: boolean;

  /** @internal */
  constructor(written: boolean, cause?: unknown) {
    super('The operation was aborted by the caller', { code: 'aborted', cause });
    this.written = written;
  }
}
