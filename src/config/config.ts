/**
 * zod schemas for the configuration (credentials, settings, mapping) and the options, and the translation
 * of zod's issues into our `ValidationIssue`s: a dotted field path, a stable snake_case code and a message
 * that says what is expected. Values are never echoed for secret fields.
 */

import { getCountries } from 'libphonenumber-js';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { containCallbacks } from '../callbacks.js';
import type { Logger } from '../logger.js';
import { isKnownCountry } from '../phone.js';
import type { PreviewOptions, ResolvedPreviewOptions } from '../preview.js';
import { checkCallbackUrl, classifySender } from '../recipient.js';
import { DEFAULT_DUPLICATE_CHECK, type DuplicateCheckPolicy } from '../send/duplicate-check.js';
import type { RetryPolicy } from '../send/retry.js';
import type { Progress } from '../send/sender.js';
import type { Credentials, FieldMapping, TargetSettings, ValidationIssue } from '../types.js';

/**
 * A check on a string: its test, the issue's code and message, and the JSON Schema keywords that state the
 * same rule (a pattern, a length) for the manifest's JSON Schemas, when JSON Schema can state it.
 */
type Check = readonly [
  test: (value: string) => boolean,
  code: string,
  message: string,
  jsonSchema?: Readonly<Record<string, unknown>>,
];

/**
 * A required string that passes each check in turn; the first failing check is the issue. The checks' JSON
 * Schema keywords become the schema's metadata, which zod's JSON Schema output carries. Where two checks
 * give a pattern the later one is kept, so it must imply the earlier (a SID pattern implies "not blank").
 */
function text(...checks: Check[]) {
  return z
    .string()
    .superRefine((value, ctx) => {
      for (const [test, code, message] of checks) {
        if (!test(value)) {
          ctx.addIssue({ code: 'custom', message, params: { code } });
          return;
        }
      }
    })
    .meta(Object.assign({}, ...checks.map((check) => check[3])));
}

/** A check that the value matches `pattern`, stated in JSON Schema as the very same pattern. */
function matches(pattern: RegExp, code: string, message: string): Check {
  return [(v) => pattern.test(v), code, message, { pattern: pattern.source }];
}

const sidPattern = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
const notBlank: Check = [
  (v) => v.trim() !== '',
  'empty',
  'must not be empty',
  // JavaScript's \S is exactly what trim() keeps.
  { minLength: 1, pattern: '\\S' },
];

/** JSON Schema annotations of a secret: never shown back, never logged (`x-secret` is our UI hint). */
const SECRET = { writeOnly: true, 'x-secret': true } as const;

const accountSid = text(
  notBlank,
  matches(
    sidPattern('AC'),
    'invalid_account_sid',
    'Account SID must start with AC followed by 32 hexadecimal characters (find it in the Twilio Console under Account info)',
  ),
).meta({
  title: 'Account SID',
  description: 'AC followed by 32 hexadecimal characters: Twilio Console, Account info.',
  examples: ['AC0123456789abcdef0123456789abcdef'],
});
const authToken = text(
  notBlank,
  matches(
    /^[0-9a-fA-F]{32}$/,
    'invalid_auth_token',
    'Auth Token must be 32 hexadecimal characters (copy it from the Twilio Console under Account info)',
  ),
).meta({
  title: 'Auth Token',
  description: "The account's Auth Token, 32 hexadecimal characters: Twilio Console, Account info.",
  ...SECRET,
});
const apiKeySid = text(
  notBlank,
  matches(
    sidPattern('SK'),
    'invalid_api_key_sid',
    'API key SID must start with SK followed by 32 hexadecimal characters',
  ),
).meta({
  title: 'API key SID',
  description: 'SK followed by 32 hexadecimal characters: Twilio Console, API keys & tokens.',
  examples: ['SK0123456789abcdef0123456789abcdef'],
});
const apiKeySecret = text(
  notBlank,
  // After notBlank, "no white space at all" is the same as this pattern.
  matches(/^\S+$/, 'invalid_api_key_secret', 'API key secret must not contain white space'),
).meta({
  title: 'API key secret',
  description: 'Shown once, when the API key was created.',
  ...SECRET,
});

const credentialsSchema = z
  .strictObject({
    accountSid,
    authToken: authToken.optional(),
    apiKeySid: apiKeySid.optional(),
    apiKeySecret: apiKeySecret.optional(),
  })
  .superRefine((value, ctx) => {
    const token = value.authToken !== undefined;
    const key = value.apiKeySid !== undefined || value.apiKeySecret !== undefined;
    const message =
      'Give either authToken (Account SID + Auth Token) or apiKeySid with apiKeySecret (API key), not both';
    if (token && key) ctx.addIssue({ code: 'custom', message, params: { code: 'ambiguous_credentials' } });
    else if (!token && !key) {
      ctx.addIssue({ code: 'custom', path: ['authToken'], message, params: { code: 'required' } });
    } else if (key && value.apiKeySid === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiKeySid'],
        message: 'apiKeySid is required with apiKeySecret',
        params: { code: 'required' },
      });
    } else if (key && value.apiKeySecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiKeySecret'],
        message: 'apiKeySecret is required with apiKeySid',
        params: { code: 'required' },
      });
    }
  });

/**
 * The credentials as one static schema, for the manifest's JSON Schema: exactly one of the two kinds
 * (`oneOf`), which states in JSON Schema the rule that `credentialsSchema`'s refinement checks. Validation
 * uses `credentialsSchema`, whose issues are more specific.
 */
export const credentialsManifestSchema = z
  .xor([
    z.strictObject({ accountSid, authToken }).meta({
      title: 'Account SID and Auth Token',
      description: "The account's own credentials.",
    }),
    z.strictObject({ accountSid, apiKeySid, apiKeySecret }).meta({
      title: 'API key',
      description: 'An API key of the account (Twilio recommends these: each can be revoked on its own).',
    }),
  ])
  .meta({
    title: 'Twilio credentials',
    description: 'The Account SID with either its Auth Token or an API key. Sent as HTTP Basic auth.',
  });

/** A string checked by `check`, which returns the issue's code and message, or `undefined` when it is fine. */
function checked(check: (value: string) => readonly [code: string, message: string] | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem[1], params: { code: problem[0] } });
  });
}

/** A key that must be absent in this combination of settings. */
function forbidden(code: string, message: string) {
  return z
    .unknown()
    .superRefine((_value, ctx) => {
      ctx.addIssue({ code: 'custom', message, params: { code } });
    })
    .optional();
}

function defaultCountryProblem(value: string): readonly [string, string] | undefined {
  if (isKnownCountry(value)) return undefined;
  if (value.trim() === '') return ['empty', 'must not be empty'];
  const upper = value.trim().toUpperCase();
  if (isKnownCountry(upper)) {
    return ['invalid_country', `must be an ISO 3166-1 alpha-2 country code in upper case: use "${upper}"`];
  }
  if (upper === 'UK') {
    return ['invalid_country', 'must be an ISO 3166-1 alpha-2 country code: the United Kingdom is "GB"'];
  }
  return [
    'invalid_country',
    `must be an ISO 3166-1 alpha-2 country code such as "US", "GB" or "AU" (got ${JSON.stringify(value.slice(0, 20))})`,
  ];
}

const CONTENT_VARIABLE_KEY = /^[1-9]\d*$/;

/**
 * Every `from` that `classifySender` (recipient.ts) accepts, as one JSON Schema pattern: E.164, a
 * `whatsapp:` address, a Messaging Service SID, a short code, an alphanumeric sender ID. The manifest test
 * checks that the two agree.
 */
const SENDER_PATTERN =
  '^(?:\\+[1-9]\\d{1,14}|whatsapp:\\+[1-9]\\d{1,14}|MG[0-9a-fA-F]{32}|\\d{5,6}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$';

const from = text(notBlank, [
  (v) => classifySender(v) !== undefined,
  'invalid_sender',
  'from must be a Twilio phone number in E.164 format (+15551234567), a Messaging Service SID (MG followed by 32 hexadecimal characters), a short code (5–6 digits), an alphanumeric sender ID (1–11 letters, digits or spaces, at least one letter) or whatsapp:+15551234567',
  { pattern: SENDER_PATTERN },
]).meta({
  title: 'From',
  description:
    'The sender: a Twilio phone number in E.164 format, a Messaging Service SID (MG…), a short code, an alphanumeric sender ID or whatsapp:+15551234567.',
  examples: ['+15551234567', 'MG0123456789abcdef0123456789abcdef', 'whatsapp:+15551234567'],
});
const messageTemplate = text(notBlank).meta({
  title: 'Message template',
  description:
    'The message body, with {{field}} placeholders filled from each row (mustache syntax; nothing is escaped). An empty placeholder fails its row: put optional parts in {{#field}}…{{/field}}.',
  examples: ['Hi {{first_name}}, your order {{order_id}} has shipped.'],
  'x-widget': 'textarea',
});
const defaultCountry = checked(defaultCountryProblem).meta({
  title: 'Default country',
  description:
    'ISO 3166-1 alpha-2 code for recipients written without a country code: they are normalised to E.164. Without it, recipients must already be E.164.',
  // The codes isKnownCountry accepts: exact, and a list a UI can offer.
  enum: getCountries().sort(),
});
const smartEncoded = z.boolean().meta({
  title: 'Smart encoding',
  description:
    'Twilio replaces look-alike Unicode (curly quotes, dashes) with GSM-7 characters, so one character does not triple the segments.',
  default: false,
});
// Twilio's range for ValidityPeriod, in seconds.
const validityPeriod = z.number().int().min(1).max(36_000).meta({
  title: 'Validity period (seconds)',
  description:
    "How long a message may wait in Twilio's queue before Twilio drops it; for messages worthless when late. Twilio's default is 36000.",
});
const shortenUrls = z.boolean().meta({
  title: 'Shorten URLs',
  description:
    "Twilio replaces links with short links on the Messaging Service's domain. Messaging Service senders (MG…) only.",
  default: false,
});
const statusCallback = checked((value) => {
  if (value.trim() === '') return ['empty', 'must not be empty'];
  const url = checkCallbackUrl('settings.statusCallback', value);
  return url.ok ? undefined : ['invalid_url', url.message];
}).meta({
  title: 'Status callback URL',
  description:
    "Twilio posts each message's status changes here; a row's status_callback overrides it. http(s), no underscore in the host.",
  format: 'uri',
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
});
const maxSegments = z.number().int().min(1).max(1600).meta({
  title: 'Maximum segments per message',
  description:
    'A message that would take more segments fails its row before any request. An MMS counts as 1.',
});
const contentSid = text(
  notBlank,
  matches(
    sidPattern('HX'),
    'invalid_content_sid',
    'settings.contentSid must start with HX followed by 32 hexadecimal characters (copy it from the Twilio Console under Messaging > Content Template Builder)',
  ),
).meta({
  title: 'Content template SID',
  description:
    'A Content template (HX…), sent instead of a body: business-initiated WhatsApp messages outside the 24-hour window need one.',
});
// The key pattern is metadata only: settingsSchema checks the raw input's keys itself (see there).
const contentVariables = z
  .record(z.string().meta({ pattern: CONTENT_VARIABLE_KEY.source }), text(notBlank))
  .meta({
    title: 'Content variables',
    description:
      "The Content template's variable numbers, each with a {{field}} template rendered per row and sent as ContentVariables.",
    examples: [{ '1': '{{first_name}}', '2': '{{order_id}}' }],
  });

/**
 * The settings schema for this input: which keys are required or forbidden depends on whether `contentSid`
 * is set, and is decided per key (not in an object-level refinement, which zod skips as soon as any key has
 * the wrong type) so that every problem is reported at once.
 */
function settingsSchema(input: unknown) {
  const raw = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const own = (key: string) => (Object.hasOwn(raw, key) ? raw[key] : undefined);
  const content = own('contentSid') !== undefined;
  const sender = typeof own('from') === 'string' ? classifySender(own('from') as string) : undefined;
  return z.strictObject({
    from,
    messageTemplate: content
      ? forbidden(
          'template_and_content',
          'Set either settings.messageTemplate (a text message) or settings.contentSid (a Content template), not both: with contentSid the text comes from the Content template and no Body is sent',
        )
      : messageTemplate,
    defaultCountry: defaultCountry.optional(),
    smartEncoded: smartEncoded.optional(),
    validityPeriod: validityPeriod.optional(),
    shortenUrls: shortenUrls
      .superRefine((value, ctx) => {
        // Twilio shortens links on the domain configured for a Messaging Service; other senders have none.
        if (value && sender !== undefined && sender !== 'messaging_service') {
          ctx.addIssue({
            code: 'custom',
            message:
              'settings.shortenUrls needs a Messaging Service sender (settings.from = MG…) with a link shortening domain; Twilio cannot shorten links for other senders',
            params: { code: 'shorten_urls_needs_messaging_service' },
          });
        }
      })
      .optional(),
    statusCallback: statusCallback.optional(),
    maxSegments: maxSegments.optional(),
    contentSid: contentSid.optional(),
    contentVariables: content
      ? contentVariables
          .superRefine((_value, ctx) => {
            // The raw input's own keys: a "__proto__" key would not survive into the parsed record.
            for (const key of Object.keys(own('contentVariables') as object)) {
              if (CONTENT_VARIABLE_KEY.test(key)) continue;
              ctx.addIssue({
                code: 'custom',
                path: [key],
                message: `settings.contentVariables has the key ${JSON.stringify(key)}: Twilio numbers a Content template's variables {{1}}, {{2}}, …, so the keys must be those numbers ("1", "2", …)`,
                params: { code: 'invalid_content_variable' },
              });
            }
          })
          .optional()
      : forbidden(
          'content_variables_without_content',
          'settings.contentVariables needs settings.contentSid: the variables fill a Content template',
        ),
  });
}

/** The settings both kinds of message share, in the order `settingsSchema` lists them. */
const sharedSettings = {
  defaultCountry: defaultCountry.optional(),
  smartEncoded: smartEncoded.optional(),
  validityPeriod: validityPeriod.optional(),
  shortenUrls: shortenUrls.optional(),
  statusCallback: statusCallback.optional(),
  maxSegments: maxSegments.optional(),
};

/**
 * The settings as one static schema, for the manifest's JSON Schema: a text message or a Content template
 * (`oneOf`, which states the rules that `settingsSchema` builds per input), with the same fields. JSON
 * Schema's `if`/`then` states what shortenUrls' check enforces. Validation uses `settingsSchema`.
 */
export const settingsManifestSchema = z
  .xor([
    z.strictObject({ from, messageTemplate, ...sharedSettings }).meta({
      title: 'Text message',
      description: 'The body is rendered from the message template for each row.',
    }),
    z
      .strictObject({ from, ...sharedSettings, contentSid, contentVariables: contentVariables.optional() })
      .meta({
        title: 'Content template',
        description: 'A Content template approved at Twilio, with its variables filled from each row.',
      }),
  ])
  .meta({
    title: 'Twilio SMS/MMS settings',
    description: 'The sender, the message and the send options.',
    if: { type: 'object', properties: { shortenUrls: { const: true } }, required: ['shortenUrls'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, in a value never awaited.
    then: { type: 'object', properties: { from: { type: 'string', pattern: sidPattern('MG').source } } },
  });

const column = text(notBlank);
const mappingSchema = z.strictObject({
  to: column.optional(),
  body: column.optional(),
  media_url: column.optional(),
  status_callback: column.optional(),
});

const configSchema = (input: unknown) =>
  z.strictObject({
    credentials: credentialsSchema,
    settings: settingsSchema(valueAt(input, ['settings'])),
    mapping: mappingSchema.optional(),
  });

/** Loopback hosts, where plain `http` cannot leak credentials off the machine. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const baseUrl = text(
  [
    (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
    'invalid_url',
    'must be an absolute http(s) URL such as https://api.twilio.com',
  ],
  [
    (v) => {
      const url = new URL(v);
      return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    },
    'invalid_url',
    'must not contain credentials, a query or a fragment',
  ],
);

const nonNegativeInt = (max: number) => z.number().int().min(0).max(max);
const fn = <T>() =>
  z.custom<T>((v) => typeof v === 'function', {
    params: { code: 'invalid_type' },
    message: 'must be a function',
  });

const optionsSchema = z
  .strictObject({
    apiBaseUrl: baseUrl.optional(),
    messagingBaseUrl: baseUrl.optional(),
    allowInsecureHttp: z.boolean().optional(),
    retry: z
      .strictObject({
        retries: nonNegativeInt(20).optional(),
        minDelayMs: nonNegativeInt(3_600_000).optional(),
        maxDelayMs: nonNegativeInt(3_600_000).optional(),
        maxRetryAfterMs: nonNegativeInt(86_400_000).optional(),
      })
      .optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    segmentsPerSecond: z.number().positive().max(10_000).optional(),
    onProgress: fn<(progress: Progress) => void>().optional(),
    dispatcher: z
      .custom<Dispatcher>((v) => typeof (v as { dispatch?: unknown } | null)?.dispatch === 'function', {
        params: { code: 'invalid_type' },
        message: 'must be an undici Dispatcher (an Agent, Pool or Client)',
      })
      .optional(),
    duplicateCheck: z
      .union([
        z.boolean(),
        z.strictObject({
          clockSkewMs: nonNegativeInt(3_600_000).optional(),
          pages: z.number().int().min(1).max(20).optional(),
          pageSize: z.number().int().min(1).max(1000).optional(),
          pauseMs: nonNegativeInt(60_000).optional(),
        }),
      ])
      .optional(),
    logger: z
      .custom<Logger>(
        (v) =>
          v !== null &&
          typeof v === 'object' &&
          ['debug', 'info', 'warn', 'error'].every(
            (level) => typeof (v as Record<string, unknown>)[level] === 'function',
          ),
        {
          params: { code: 'invalid_type' },
          message: 'must have debug, info, warn and error functions (console and pino do)',
        },
      )
      .optional(),
    sleep: fn<(ms: number, signal?: AbortSignal) => Promise<void>>().optional(),
    now: fn<() => number>().optional(),
    random: fn<() => number>().optional(),
  })
  .superRefine((value, ctx) => {
    for (const key of ['apiBaseUrl', 'messagingBaseUrl'] as const) {
      const url = value[key];
      if (url === undefined || value.allowInsecureHttp === true || !URL.canParse(url)) continue;
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            'must use https: plain http would send the credentials unencrypted (http is allowed only for loopback addresses, or with allowInsecureHttp: true for a staging server you trust)',
          params: { code: 'insecure_url' },
        });
      }
    }
    const min = value.retry?.minDelayMs ?? DEFAULT_RETRY.minDelayMs;
    const max = value.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
    if (max < min) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'maxDelayMs'],
        message: `must be at least retry.minDelayMs (${min})`,
        params: { code: 'out_of_range' },
      });
    }
  });

/** How the package runs: the second argument of `new TwilioDestination(…)`. */
export interface DestinationOptions {
  /**
   * Where REST API requests go: tests, the demo and staging setups point it at a local server.
   * Must be https unless it is a loopback address or `allowInsecureHttp` is set.
   * @default 'https://api.twilio.com'
   */
  apiBaseUrl?: string;
  /**
   * Where Messaging API requests (Messaging Service checks) go.
   * @default 'https://messaging.twilio.com'
   */
  messagingBaseUrl?: string;
  /**
   * Allow plain http base URLs on hosts other than loopback (a staging simulator on another host).
   * @default false
   */
  allowInsecureHttp?: boolean;
  /**
   * Retries of 429, 5xx and network failures. The wait before retry n is
   * `min(maxDelayMs, minDelayMs × 2^(n−1))` × a random factor in [0.5, 1]; a longer `Retry-After` replaces it.
   * @default { retries: 3, minDelayMs: 1000, maxDelayMs: 30000, maxRetryAfterMs: 60000 }
   * @example { retry: { retries: 5, minDelayMs: 500 } }
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Per-request timeout in milliseconds.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Requests in flight at most. 1 sends the rows strictly one after another; more is opt-in. Results stay
   * in input order either way. A 429 halves the effective value at once; it climbs back one step per run of
   * successes. The keep-alive pool gets as many connections.
   * @default 1
   * @example { concurrency: 8 }
   */
  concurrency?: number;
  /**
   * Client-side pacing in segments per second (each message costs its segment count, an MMS 1), because
   * Twilio paces each sender in segments per second and queues the rest for up to 10 hours before answering
   * 21611. Presets: `SEGMENT_RATE_PRESETS` (long code 1, toll-free 3, short code 100). A 429 halves it too.
   * @default undefined (no pacing)
   * @example { segmentsPerSecond: SEGMENT_RATE_PRESETS.tollFree }
   */
  segmentsPerSecond?: number;
  /**
   * Called at most every 500 ms while a write runs, and once at the end, with rows done, sent, failed, the
   * current rate and the retries in progress.
   * @example { onProgress: (p) => console.log(`${p.done} rows, ${p.ratePerSecond}/s`) }
   */
  onProgress?: (progress: Progress) => void;
  /**
   * The undici dispatcher to send with (for proxies, custom TLS or tests). By default the destination
   * creates one keep-alive Agent and reuses it for every request and call.
   */
  dispatcher?: Dispatcher;
  /**
   * Before retrying an ambiguous failure (5xx, or a timeout or reset after the request was written), list
   * the recipient's recent messages and look for this one, so that a message Twilio created is reported
   * `sent` (`recovered: true`) instead of being sent twice. Costs one or two GETs per ambiguous failure,
   * never on the happy path. `false` turns it off (ambiguous rows then end `possiblySent`).
   * @default { clockSkewMs: 30000, pages: 2, pageSize: 50, pauseMs: 1000 }
   * @example { duplicateCheck: { pauseMs: 2000 } }
   */
  duplicateCheck?: boolean | Partial<DuplicateCheckPolicy>;
  /**
   * Receives one line per request (method, path, status, time, request id) and one per row outcome. Never a
   * secret: no header, token or key secret is logged. Silent by default.
   * @example { logger: console }
   */
  logger?: Logger;
  /** Waits between retries; injected by tests. @default a timer that the abort signal cancels */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock, in epoch milliseconds; injected by tests. @default Date.now */
  now?: () => number;
  /** Random numbers in [0, 1) for jitter; injected by tests. @default Math.random */
  random?: () => number;
}

/** The retry defaults DESIGN.md gives. */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** Options with every default filled in. */
export interface ResolvedOptions {
  apiBaseUrl: string;
  messagingBaseUrl: string;
  retry: RetryPolicy;
  timeoutMs: number;
  concurrency: number;
  segmentsPerSecond: number | undefined;
  onProgress: ((progress: Progress) => void) | undefined;
  dispatcher: Dispatcher | undefined;
  duplicateCheck: DuplicateCheckPolicy | undefined;
  /** `undefined`: silent. */
  logger: Logger | undefined;
  sleep: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  now: () => number;
  random: () => number;
}

/** A validated configuration. */
export interface ResolvedConfig {
  credentials: Credentials;
  settings: TargetSettings;
  mapping: FieldMapping;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  int: 'a whole number',
  record: 'an object',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Edit distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function suggestion(key: string, known: readonly string[]): string {
  const best = known
    .map((name) => ({ name, d: distance(key.toLowerCase(), name.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best !== undefined && best.d <= Math.max(2, Math.floor(key.length / 3))
    ? `; did you mean "${best.name}"?`
    : '';
}

/** Turns zod's issues into ours. `prefix` is the path of the parsed value (`''` for the whole config). */
function toIssues(error: z.ZodError, input: unknown, prefix: string, schema: z.ZodType): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    const field = path === '' ? prefix || 'config' : path;
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const where = path === '' ? 'the configuration' : path;
        issues.push({
          field: path === '' ? key : `${path}.${key}`,
          code: 'unknown_key',
          message: `Unknown key "${key}" in ${where}${suggestion(key, known)} (known keys: ${known.join(', ')})`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_type') {
      const received = valueAt(input, issue.path);
      const missing = received === undefined;
      if (issue.expected === 'int' && typeof received === 'number') {
        issues.push({
          field,
          code: 'out_of_range',
          message: `${field} must be a whole number (got ${received})`,
        });
        continue;
      }
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      issues.push({
        field,
        code: missing ? 'required' : 'invalid_type',
        message: missing
          ? `${field} is required`
          : `${field} must be ${expected} (got ${describe(received)})`,
      });
      continue;
    }
    if (issue.code === 'custom') {
      const code = (issue.params?.['code'] as string | undefined) ?? 'invalid_value';
      const message = issue.message.startsWith('must ') ? `${field} ${issue.message}` : issue.message;
      issues.push({ field, code, message });
      continue;
    }
    // too_small / too_big / not an integer: numeric option ranges.
    issues.push({ field, code: 'out_of_range', message: `${field}: ${issue.message}` });
  }
  return issues;
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = schema;
  for (const key of path) current = shapeOf(current)[String(key)] as z.ZodType;
  return Object.keys(shapeOf(current));
}

/** The object shape under optional wrappers (zod reports unknown keys only on object schemas). */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const def = (
    schema as unknown as { def: { type: string; innerType: z.ZodType; shape: Record<string, z.ZodType> } }
  ).def;
  return def.type === 'object' ? def.shape : shapeOf(def.innerType);
}

function parse<T>(schema: z.ZodType, input: unknown, prefix: string): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data as T };
  return { ok: false, issues: toIssues(result.error, input, prefix, schema) };
}

/** Validates the whole first argument. */
export function parseConfig(input: unknown): Parsed<ResolvedConfig> {
  const parsed = parse<z.infer<ReturnType<typeof configSchema>>>(configSchema(input), input, '');
  if (!parsed.ok) return parsed;
  const { credentials, settings, mapping } = parsed.value;
  return {
    ok: true,
    value: {
      credentials: credentials as Credentials,
      settings: settings as TargetSettings,
      mapping: (mapping ?? {}) as FieldMapping,
    },
  };
}

/** Validates `credentials` alone (for `validateCredentials()`). */
export function parseCredentials(input: unknown): Parsed<Credentials> {
  return parse<Credentials>(credentialsSchema, input, 'credentials');
}

/** Validates `settings` and `mapping` (for `validateTargetSettings()`). */
export function parseSettings(
  settings: unknown,
  mapping: unknown,
): Parsed<{ settings: TargetSettings; mapping: FieldMapping }> {
  const a = parse<TargetSettings>(settingsSchema(settings), settings, 'settings');
  const b =
    mapping === undefined
      ? ({ ok: true, value: {} } as const)
      : parse<FieldMapping>(mappingSchema, mapping, 'mapping');
  if (a.ok && b.ok) return { ok: true, value: { settings: a.value, mapping: b.value } };
  return { ok: false, issues: [...(a.ok ? [] : a.issues), ...(b.ok ? [] : b.issues)] };
}

const previewOptionsSchema = z.strictObject({
  warnAboveSegments: z.number().int().min(1).max(1600).optional(),
  mostExpensive: z.number().int().min(0).max(10_000).optional(),
  signal: z
    .custom<AbortSignal>((v) => v instanceof AbortSignal, {
      params: { code: 'invalid_type' },
      message: 'must be an AbortSignal',
    })
    .optional(),
  // Checked with the configuration (checkSyncMode), as `write` checks it.
  mode: z.unknown().optional(),
});

/** Validates `preview()`'s options and fills in the defaults. */
export function parsePreviewOptions(input: unknown): Parsed<ResolvedPreviewOptions> {
  const parsed = parse<PreviewOptions>(previewOptionsSchema, input ?? {}, 'previewOptions');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  return {
    ok: true,
    value: {
      warnAboveSegments: o.warnAboveSegments ?? 3,
      mostExpensive: o.mostExpensive ?? 10,
      signal: o.signal,
    },
  };
}

/** Validates the options and fills in the defaults. */
export function parseOptions(input: unknown): Parsed<ResolvedOptions> {
  const parsed = parse<z.infer<typeof optionsSchema>>(optionsSchema, input ?? {}, 'options');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  // The user's code is wrapped once, here: nothing it throws or rejects can reach the send path.
  const callbacks = containCallbacks({ logger: o.logger, onProgress: o.onProgress });
  return {
    ok: true,
    value: {
      apiBaseUrl: o.apiBaseUrl ?? 'https://api.twilio.com',
      messagingBaseUrl: o.messagingBaseUrl ?? 'https://messaging.twilio.com',
      retry: { ...DEFAULT_RETRY, ...stripUndefined(o.retry ?? {}) } as RetryPolicy,
      timeoutMs: o.timeoutMs ?? 30_000,
      concurrency: o.concurrency ?? 1,
      segmentsPerSecond: o.segmentsPerSecond,
      onProgress: callbacks.onProgress,
      dispatcher: o.dispatcher,
      duplicateCheck:
        o.duplicateCheck === false
          ? undefined
          : ({
              ...DEFAULT_DUPLICATE_CHECK,
              ...(o.duplicateCheck === true ? {} : stripUndefined(o.duplicateCheck ?? {})),
            } as DuplicateCheckPolicy),
      logger: callbacks.logger,
      sleep: o.sleep,
      now: o.now ?? Date.now,
      random: o.random ?? Math.random,
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `true` when the credentials are an API key rather than an Auth Token. */
export function isApiKey(
  credentials: Credentials,
): credentials is Extract<Credentials, { apiKeySid: string }> {
  return 'apiKeySid' in credentials && typeof credentials.apiKeySid === 'string';
}
