/**
 * The error classes of the package. One base class, a few subclasses named after what failed, and one
 * factory that turns a Twilio HTTP answer into the right error. No message, property or `toJSON` of these
 * errors ever holds the Auth Token, the API key secret or the `Authorization` header: requests are never
 * kept on errors, only the method and path.
 */
import type { ValidationIssue } from './types.js';

/** Base class of every error the package throws or keeps as a `cause`. */
export class TwilioDestinationError extends Error {
  override name = 'TwilioDestinationError';
  /** A stable snake_case code. */
  readonly code: string;
  /** Whether trying the same thing again later can succeed unchanged. */
  readonly retryable: boolean;

  constructor(message: string, options: { code: string; retryable?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
  }
}

/** The configuration (credentials, settings, mapping, options or call arguments) is invalid. */
export class ConfigError extends TwilioDestinationError {
  override name = 'ConfigError';
  /** Every problem found, not just the first. */
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    const list = issues.map((issue) => `- ${issue.field}: ${issue.message}`).join('\n');
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${list}`, {
      code: 'config_error',
    });
    this.issues = issues;
  }
}

/** Twilio's error body: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`. */
export interface TwilioErrorBody {
  code?: number;
  message?: string;
  moreInfo?: string;
}

/** Twilio answered with a non-2xx status. */
export class TwilioApiError extends TwilioDestinationError {
  override name = 'TwilioApiError';
  readonly httpStatus: number;
  readonly twilioCode: number | undefined;
  readonly twilioMessage: string | undefined;
  readonly moreInfo: string | undefined;
  readonly requestId: string | undefined;
  /** The wait Twilio asked for with `Retry-After`, in milliseconds, when it sent one that could be read. */
  readonly retryAfterMs: number | undefined;

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
      retryable: httpStatus === 429 || httpStatus >= 500,
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
  override name = 'NetworkError';
  readonly written: boolean;

  constructor(message: string, options: { written: boolean; cause?: unknown; code?: string }) {
    super(message, { code: options.code ?? 'network_error', retryable: true, cause: options.cause });
    this.written = options.written;
  }
}

/** No answer within `timeoutMs`. */
export class TimeoutError extends NetworkError {
  override name = 'TimeoutError';

  constructor(timeoutMs: number, written: boolean) {
    super(`Twilio did not answer within ${timeoutMs} ms`, { written, code: 'timeout' });
  }
}

/**
 * Twilio answered, but the answer could not be read (malformed JSON, missing fields, larger than the read
 * limit). For a 2xx answer the message exists: this must never be retried.
 */
export class UnreadableResponseError extends TwilioDestinationError {
  override name = 'UnreadableResponseError';
  readonly httpStatus: number;
  readonly requestId: string | undefined;

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
  override name = 'AbortedError';
  readonly written: boolean;

  constructor(written: boolean, cause?: unknown) {
    super('The operation was aborted by the caller', { code: 'aborted', cause });
    this.written = written;
  }
}

/** Type guard for any error of this package. */
export function isTwilioDestinationError(error: unknown): error is TwilioDestinationError {
  return error instanceof TwilioDestinationError;
}

/** Type guard for a Twilio HTTP error answer. */
export function isTwilioApiError(error: unknown): error is TwilioApiError {
  return error instanceof TwilioApiError;
}

/** Type guard for a configuration error. */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
