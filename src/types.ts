/**
 * The public data shapes of the package: configuration, rows, results and validation reports.
 * The README documents each of them. Over 300 lines because it is the public contract, read as one.
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
  /**
   * The message body, with `{{field}}` placeholders filled from each row. Required unless `contentSid` is
   * set; setting both is an error.
   * @example 'Hi {{first_name}}, your order {{order_id}} has shipped.'
   */
  messageTemplate?: string;
  /**
   * ISO 3166-1 alpha-2 country (`US`, `GB`, `AU`, …) for recipients written without a country code:
   * `(415) 555-0100`, `0412 345 678` or `00 44 20 7946 0958` are normalised to E.164 with libphonenumber-js,
   * and numbers it calls impossible fail with `invalid_row` before any request. Without it, `to` must
   * already be E.164.
   * @default undefined (recipients must be E.164)
   * @example 'US'
   */
  defaultCountry?: string;
  /**
   * Sends `SmartEncoded=true`: Twilio replaces look-alike Unicode (curly quotes, dashes, odd spaces) with
   * GSM-7 characters, so one `’` does not turn a 1-segment message into a 3-segment UCS-2 one. Segment
   * counts (preview, `maxSegments`) are taken after those replacements.
   * @default false
   */
  smartEncoded?: boolean;
  /**
   * Seconds (1–36000) a message may wait in Twilio's queue before Twilio gives up on it (`ValidityPeriod`);
   * for messages that are worthless late, such as one-time codes.
   * @default undefined (Twilio's default, 36000)
   */
  validityPeriod?: number;
  /**
   * Sends `ShortenUrls=true`: Twilio replaces links with short links on the Messaging Service's domain.
   * Messaging Service senders (`MG…`) only. Segment counts of bodies with links are then estimates.
   * @default false
   */
  shortenUrls?: boolean;
  /**
   * A status callback URL for every message; a row's `status_callback` overrides it. http(s), and a host
   * without underscores (Twilio refuses those).
   * @default undefined (none, unless the row has one)
   * @example 'https://hooks.example.com/twilio/status'
   */
  statusCallback?: string;
  /**
   * A hard cap on segments per message, enforced by `write` and `preview` alike: a row whose message would
   * take more fails with `template_error` before any request, so a template mistake cannot multiply the
   * bill. An MMS counts as one.
   * @default undefined (no cap)
   * @example 3
   */
  maxSegments?: number;
  /**
   * A Content template SID (`HX` + 32 hex), sent as `ContentSid` instead of a body: WhatsApp messages to a
   * user outside the 24-hour session window need an approved template. With it, `messageTemplate` must not
   * be set and no `Body` is sent.
   * @example 'HXb5b62575e6e4ff6129ad7c8efe1f983e'
   */
  contentSid?: string;
  /**
   * The Content template's variables: Twilio's variable number → a `{{field}}` template rendered per row,
   * sent as the `ContentVariables` JSON. Only with `contentSid`.
   * @example { '1': '{{first_name}}', '2': '{{order_id}}' }
   */
  contentVariables?: Record<string, string>;
}

/** Destination field → source column. A field without a mapping is read from the row under its own name. */
export interface FieldMapping {
  /** The column holding the recipient. */
  to?: string;
  /** The column the template's `{{body}}` reads. */
  body?: string;
  /** The column holding one media URL or an array of up to 10. */
  media_url?: string;
  /** The column holding the row's status callback URL. */
  status_callback?: string;
  /**
   * The column holding the row's idempotency key (the engine's primary key): with a ledger, each key is
   * texted at most once per run id. Unmapped, a row's key is a hash of its message.
   */
  key?: string;
}

/** The first argument of `new TwilioDestination(…)`. */
export interface DestinationConfig {
  /** Account SID with Auth Token, or with an API key. */
  credentials: Credentials;
  /** The sender, the template and the send options. */
  settings: TargetSettings;
  /** Destination field → source column; optional. */
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

/** Facts `validateCredentials()` found. */
export interface CredentialsInfo {
  /** The account's status (`active`, `suspended`, `closed`) and type (`Full`, `Trial`), when Twilio answered. */
  account?: {
    /** `active`, `suspended` or `closed` (`unknown` when Twilio answered something else). */
    status: string;
    /** `Full` or `Trial` (`unknown` when Twilio answered something else). */
    type: string;
  };
}

/** What `validateTargetSettings()` learnt about the sender. */
export type SenderInfo =
  | {
      /** A sender Twilio cannot be asked about: short code, alphanumeric ID or WhatsApp number. */
      kind: 'short_code' | 'alphanumeric' | 'whatsapp';
      /** `settings.from` as configured. */
      from: string;
    }
  | {
      /** A Messaging Service, found on the account. */
      kind: 'messaging_service';
      /** Its `MG…` SID. */
      sid: string;
      /** Its name in the Twilio console, as Twilio gave it. */
      friendlyName: unknown;
    }
  | {
      /** A phone number the account owns. */
      kind: 'phone';
      /** The number in E.164. */
      number: string;
      /** What Twilio says the number can do; `null` when it did not say. */
      capabilities: {
        /** It can send SMS. */
        sms?: boolean;
        /** It can send MMS. */
        mms?: boolean;
      } | null;
    };

/** Facts `validateTargetSettings()` found. */
export interface TargetSettingsInfo {
  /** The columns the template (or the Content variables) read, in order of first use. */
  fields?: string[];
  /** Characters of the template's fixed text. */
  fixedTextLength?: number;
  /** The encoding of the fixed text outside sections: a floor for every message's. */
  fixedTextEncoding?: 'GSM-7' | 'UCS-2';
  /** Segments of that fixed text: a floor for every message's. */
  fixedTextSegments?: number;
  /** The sender, as checked with Twilio (when the credentials allowed it). */
  sender?: SenderInfo;
}

/**
 * The outcome of `validateCredentials()` (`ValidationResult<CredentialsInfo>`) or
 * `validateTargetSettings()` (`ValidationResult<TargetSettingsInfo>`). Never thrown.
 */
export interface ValidationResult<Info extends object = CredentialsInfo | TargetSettingsInfo> {
  /** `false` when there is at least one error. */
  ok: boolean;
  /** What must be fixed. */
  errors: ValidationIssue[];
  /** What works but deserves attention. */
  warnings: ValidationIssue[];
  /** Facts found: account status and type, the template's fields, the sender, … */
  info: Info;
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
  | 'aborted'
  | 'coordinator_error'
  | 'ledger_error'
  | 'in_progress';

/** Why a row failed. */
export interface RowError {
  /** What kind of failure; see the README's error table. */
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
  /**
   * `true` when Twilio refused because the recipient replied STOP (21610): suppress this recipient; sending
   * again fails the same way until they reply START.
   */
  optedOut?: boolean;
}

/** A row whose message Twilio accepted. */
export interface SentRowResult {
  /** Twilio accepted the message. */
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
  /**
   * `true` when an earlier write of the same run id (see `options.ledger`) had already sent this row: no
   * request was made (`attempts: 0`), `messageSid` is the stored one, and `twilioStatus` is `unknown` (the
   * ledger keeps the SID, not the status).
   */
  alreadySent?: true;
  /** With `alreadySent`: when the ledger recorded the send (ISO 8601). */
  sentAt?: string;
}

/** A row that did not become a message (or may have, see `error.possiblySent`). */
export interface FailedRowResult {
  /** The row did not become a message (or may have: see `error.possiblySent`). */
  status: 'failed';
  /** The row's position in the input. */
  index: number;
  /** HTTP requests made for this row (0 when it failed locally). */
  attempts: number;
  /** Why, and what to do. */
  error: RowError;
}

/** Exactly one per input row, in input order. */
export type RowResult = SentRowResult | FailedRowResult;

/**
 * A sync engine's sync modes. Twilio messages are append-only, so this destination supports `insert` only
 * (see `manifest.syncModes` for why each other mode is refused).
 */
export type SyncMode = 'insert' | 'upsert' | 'update' | 'mirror';

/** `write()`'s second argument. */
export interface WriteOptions {
  /** Aborting stops sending: the request in flight is cancelled and every row not started fails `aborted`. */
  signal?: AbortSignal;
  /**
   * The sync engine's mode for this run. Only `insert` (the default) is supported: any other mode is refused
   * with a `ConfigError` before any request, because a sent message can be neither updated nor deleted. The
   * other modes are in the type so that an engine can pass its mode through and get that reason, rather
   * than a type error at its generic call site.
   * @default 'insert'
   */
  mode?: SyncMode;
  /**
   * This run's id, with `options.ledger`: a write with the same run id (a re-run after a crash, or another
   * worker's share of the same rows) sends no row that a write of that run already sent. Required with a
   * ledger, refused without one.
   * @example { runId: 'campaign-2026-12-02' }
   */
  runId?: string;
}
