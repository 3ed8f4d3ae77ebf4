/**
 * The public data shapes of the package: configuration, rows, results and validation reports.
 * These follow DESIGN.md's public contract exactly.
 */

/** Account SID + Auth Token. */
export interface AuthTokenCredentials {
  /** `AC` followed by 32 hexadecimal characters. */
  accountSid: string;
  /** The account's Auth Token (32 hexadecimal characters). Never logged or reported. */
  authToken: string;
}

/** API key: the Account SID still goes in the URL path; the key authenticates. */
export interface ApiKeyCredentials {
  /** `AC` followed by 32 hexadecimal characters. */
  accountSid: string;
  /** `SK` followed by 32 hexadecimal characters. */
  apiKeySid: string;
  /** The API key's secret. Never logged or reported. */
  apiKeySecret: string;
}

/** Either kind of Twilio credentials; both use HTTP Basic auth. */
export type Credentials = AuthTokenCredentials | ApiKeyCredentials;

/** What a person configures for this destination in the sync engine's UI. */
export interface TargetSettings {
  /**
   * The sender: an E.164 number (`+15551234567`), a Messaging Service SID (`MG` + 32 hex), a short code
   * (5–6 digits), an alphanumeric sender ID, or `whatsapp:+15551234567`.
   */
  from: string;
  /** The message body, with `{{field}}` placeholders filled from each row. */
  messageTemplate: string;
}

/** Destination field → source column. A field without a mapping is read from the row under its own name. */
export interface FieldMapping {
  to?: string;
  body?: string;
  media_url?: string;
  status_callback?: string;
}

/** The first argument of `new TwilioDestination(…)`. */
export interface DestinationConfig {
  credentials: Credentials;
  settings: TargetSettings;
  mapping?: FieldMapping;
}

/** One row of the warehouse model. */
export type Row = Record<string, unknown>;

/** A problem found while validating configuration. */
export interface ValidationIssue {
  /** Dotted path of the offending value, e.g. `settings.from`. */
  field: string;
  /** Stable snake_case code, e.g. `invalid_account_sid`. */
  code: string;
  /** What is wrong and what is expected. Never contains a secret. */
  message: string;
}

/** The outcome of `validateCredentials()` or `validateTargetSettings()`. Never thrown. */
export interface ValidationResult {
  /** `false` when there is at least one error. */
  ok: boolean;
  /** What must be fixed. */
  errors: ValidationIssue[];
  /** What works but deserves attention. */
  warnings: ValidationIssue[];
  /** Facts found: account status and type, the template's fields, … */
  info: Record<string, unknown>;
}

/** The codes a failed row can carry. */
export type RowErrorCode =
  | 'invalid_row'
  | 'template_error'
  | 'twilio_rejected'
  | 'auth_failed'
  | 'config_error'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'aborted';

/** Why a row failed. */
export interface RowError {
  code: RowErrorCode;
  /** Says what is wrong and what to do; never contains a secret. */
  message: string;
  /**
   * True when sending the same row again later can succeed with no change to data or configuration AND
   * cannot text the recipient twice.
   */
  retryable: boolean;
  /** True when the message may exist although this row failed: never resend blindly. */
  possiblySent?: boolean;
  /** The HTTP status, when Twilio answered. */
  httpStatus?: number;
  /** Twilio's own error code, e.g. 21211. */
  twilioCode?: number;
  /** Twilio's documentation link for that code. */
  moreInfo?: string;
  /** `Twilio-Request-Id`, when Twilio answered. */
  requestId?: string;
}

/** A row whose message Twilio accepted. */
export interface SentRowResult {
  status: 'sent';
  /** The row's position in the input. */
  index: number;
  /** HTTP requests made to create this row's message. */
  attempts: number;
  /** Twilio's Message SID (`SM…` or `MM…`). */
  messageSid: string;
  /** Twilio's status at creation (`queued`, `accepted`, …). */
  twilioStatus: string;
  /** Twilio's `num_segments`, when known. */
  segments?: number;
  /** `Twilio-Request-Id` of the answer that created the message. */
  requestId?: string;
  /**
   * `true` when an attempt failed ambiguously (5xx, timeout or reset after the request was written) and
   * the duplicate check found the message it had created: the row was not sent again.
   */
  recovered?: true;
}

/** A row that did not become a message (or may have, see `error.possiblySent`). */
export interface FailedRowResult {
  status: 'failed';
  index: number;
  /** HTTP requests made for this row (0 when it failed locally). */
  attempts: number;
  error: RowError;
}

/** Exactly one per input row, in input order. */
export type RowResult = SentRowResult | FailedRowResult;

/** `write()`'s second argument. */
export interface WriteOptions {
  /** Aborting stops sending: the request in flight is cancelled and every row not started fails `aborted`. */
  signal?: AbortSignal;
}
