/**
 * The CLI's human-readable text: problems named by the flag or environment variable that sets them,
 * validation reports, and the summaries printed after a preview or a send. Pure functions returning lines;
 * over 300 lines because the CLI's wording is one concern, kept in one place.
 */

import type { RowError, RowResult, ValidationIssue, ValidationResult } from '../index.js';
import { alreadySentLine } from './ledger.js';
import type { Duplicates, Scan } from './scan.js';

/** Where each configuration field comes from on the command line. */
const SOURCES: Readonly<Record<string, string>> = {
  'credentials.accountSid': 'TWILIO_ACCOUNT_SID',
  'credentials.authToken': 'TWILIO_AUTH_TOKEN',
  'credentials.apiKeySid': 'TWILIO_API_KEY',
  'credentials.apiKeySecret': 'TWILIO_API_SECRET',
  'settings.from': '--from',
  'settings.messageTemplate': '--template',
  'settings.defaultCountry': '--default-country',
  'settings.smartEncoded': '--smart-encoded',
  'settings.validityPeriod': '--validity-period',
  'settings.shortenUrls': '--shorten-urls',
  'settings.statusCallback': '--status-callback',
  'settings.maxSegments': '--max-segments',
  'settings.contentSid': '--content-sid',
  'settings.contentVariables': '--content-variable',
  'options.apiBaseUrl': '--api-base-url',
  'options.messagingBaseUrl': '--api-base-url',
  'options.concurrency': '--concurrency',
  'options.segmentsPerSecond': '--segments-per-second',
  'options.retry.retries': '--retries',
  'options.timeoutMs': '--timeout',
  'previewOptions.warnAboveSegments': '--warn-above-segments',
};

/** Messages for what is missing, in the CLI's terms rather than the package's keys. */
const MISSING: Readonly<Record<string, string>> = {
  'credentials.accountSid': 'TWILIO_ACCOUNT_SID is not set',
  'credentials.authToken': 'set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY with TWILIO_API_SECRET',
  'credentials.apiKeySid': 'TWILIO_API_KEY is not set, but TWILIO_API_SECRET is',
  'credentials.apiKeySecret': 'TWILIO_API_SECRET is not set, but TWILIO_API_KEY is',
  'settings.from':
    'give the sender with --from (a number, MG…, a short code or sender ID), or use --simulate',
  'settings.messageTemplate':
    'give the message with --template <text> or --template-file <path> (or --content-sid <HX…> for a Content template)',
  'mapping.to': 'name the column holding the recipient with --map to=<column>',
};

/**
 * The flag or environment variable behind a configuration field.
 *
 * @example
 * ```ts
 * sourceOf('settings.from'); // '--from'
 * sourceOf('mapping.to'); // '--map to=…'
 * ```
 */
export function sourceOf(field: string): string {
  const known = SOURCES[field];
  if (known !== undefined) return known;
  const variable = /^settings\.contentVariables\.(.+)$/.exec(field)?.[1];
  if (variable !== undefined) return `--content-variable ${variable}=…`;
  const mapped = /^mapping\.(.+)$/.exec(field)?.[1];
  return mapped === undefined ? field : `--map ${mapped}=…`;
}

/** Flags the user actually used where the table's default differs (`--template-file` for the template). */
export type FlagNames = Readonly<Record<string, string>>;

/** zod's range wording, as a person would say it. */
const RANGE_WORDING: readonly [RegExp, string][] = [
  [/Too small: expected (?:number|int) to be >=?\s*(\S+)/g, 'must be at least $1'],
  [/Too big: expected (?:number|int) to be <=?\s*(\S+)/g, 'must be at most $1'],
  [/Invalid input: expected int, received number/g, 'must be a whole number'],
  [/Too small: expected number to be >(\S+)/g, 'must be more than $1'],
];

/**
 * A package message in CLI terms: every `settings.x`, `mapping.x`, `options.x` or `credentials.x` it names
 * becomes the flag or variable that sets it, and zod's range wording becomes plain words.
 *
 * @example
 * ```ts
 * inCliTerms('set settings.defaultCountry'); // 'set --default-country'
 * ```
 */
export function inCliTerms(message: string, flags: FlagNames = {}): string {
  let text = message.replace(
    /\b(?:settings|mapping|options|credentials|previewOptions)\.[A-Za-z_][\w.]*[A-Za-z0-9_]/g,
    (field) => flags[field] ?? (sourceOf(field) === field ? field : sourceOf(field)),
  );
  for (const [pattern, wording] of RANGE_WORDING) text = text.replace(pattern, wording);
  return text;
}

/** One problem as a line: where it is set, its code, and what to do. */
export function describeIssue(issue: ValidationIssue, flags: FlagNames = {}): string {
  const where = flags[issue.field] ?? sourceOf(issue.field);
  const missing = issue.code === 'required' ? MISSING[issue.field] : undefined;
  if (missing !== undefined) return `${where} [${issue.code}]: ${missing}`;
  let message = inCliTerms(issue.message, flags);
  // The package starts some messages with the field; the line already starts with its flag.
  if (message.startsWith(`${where}: `)) message = message.slice(where.length + 2);
  else if (message.startsWith(where) && /^ (?:must|is|has) /.test(message.slice(where.length))) {
    message = message.slice(where.length + 1);
  }
  return `${where} [${issue.code}]: ${message}`;
}

const CREDENTIALS_HINT =
  'Credentials are read only from the environment: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET.';

/** The lines for a `ConfigError`: every problem, then where credentials come from if one is about them. */
export function configErrorLines(issues: readonly ValidationIssue[], flags: FlagNames = {}): string[] {
  const lines = [
    `Invalid configuration (${count(issues.length, 'problem')}):`,
    ...issues.map((issue) => `  ${describeIssue(issue, flags)}`),
  ];
  if (issues.some((issue) => issue.field.startsWith('credentials'))) lines.push(CREDENTIALS_HINT);
  return lines;
}

/** The lines of one validation report, under its title. */
export function validationLines(title: string, result: ValidationResult, flags: FlagNames = {}): string[] {
  const { errors, warnings } = result;
  const verdict =
    errors.length === 0 && warnings.length === 0
      ? 'ok'
      : [errors.length > 0 ? count(errors.length, 'error') : 'ok', count(warnings.length, 'warning')].join(
          ', ',
        );
  const lines = [`${title}: ${verdict}`];
  for (const issue of errors) lines.push(`  error    ${describeIssue(issue, flags)}`);
  for (const issue of warnings) lines.push(`  warning  ${describeIssue(issue, flags)}`);
  for (const [key, value] of Object.entries(result.info)) lines.push(`  ${key}: ${JSON.stringify(value)}`);
  if (errors.some((issue) => issue.field.startsWith('credentials'))) lines.push(CREDENTIALS_HINT);
  return lines;
}

/** The running totals of a send. */
export interface SendTally {
  /** Results so far. */
  rows: number;
  /** Rows sent. */
  sent: number;
  /** Failed rows per error code. */
  failedByCode: Record<string, number>;
  /** Failed rows whose message may exist all the same. */
  possiblySent: number;
  /** Failed rows that can be sent again unchanged. */
  retryable: number;
  /** Segments of the sent messages, as far as Twilio reported them. */
  segments: number;
  /** The first few failures, as lines. */
  firstFailures: string[];
  /** Rows an earlier run with the same ledger and run id had sent. */
  alreadySent: number;
  /** The earliest time one of those was sent (ISO 8601). */
  firstSentAt?: string;
}

const FAILURES_SHOWN = 5;

/** A tally with nothing counted yet. */
export function newTally(): SendTally {
  return {
    rows: 0,
    sent: 0,
    failedByCode: {},
    possiblySent: 0,
    retryable: 0,
    segments: 0,
    firstFailures: [],
    alreadySent: 0,
  };
}

/** Counts one result; `line` is its row's line in the file. */
export function countResult(tally: SendTally, result: RowResult, line: number): void {
  tally.rows++;
  if (result.status === 'sent') {
    tally.sent++;
    tally.segments += result.segments ?? 0;
    if (result.alreadySent === true) {
      tally.alreadySent++;
      if (
        result.sentAt !== undefined &&
        (tally.firstSentAt === undefined || result.sentAt < tally.firstSentAt)
      ) {
        tally.firstSentAt = result.sentAt;
      }
    }
    return;
  }
  const { error } = result;
  tally.failedByCode[error.code] = (tally.failedByCode[error.code] ?? 0) + 1;
  if (error.possiblySent === true) tally.possiblySent++;
  if (error.retryable) tally.retryable++;
  if (tally.firstFailures.length < FAILURES_SHOWN) {
    tally.firstFailures.push(failureLine(result.index, line, error));
  }
}

/** How the send ended, for its summary. */
export interface SendEnd {
  /** Milliseconds from the first row to the last result. */
  elapsedMs: number;
  /** The signal that stopped the run, if one did. */
  interruptedBy: string | undefined;
  /** Where the results went: the `--out` path, or `stdout`. */
  resultsTo: string;
  /** Repeated recipients the pass over the file found (a file only: stdin has no such pass). */
  duplicates?: Duplicates | undefined;
}

/** The summary printed after a send. */
export function sendSummary(tally: SendTally, end: SendEnd): string[] {
  const failed = tally.rows - tally.sent;
  const lines: string[] = [];
  if (end.interruptedBy !== undefined) {
    lines.push(
      `Interrupted (${end.interruptedBy}): requests in flight were cancelled, and rows not started are reported "aborted".`,
    );
  }
  lines.push(
    `Sent ${tally.sent} of ${count(tally.rows, 'row')}${failed > 0 ? `; ${failed} failed (${byCode(tally.failedByCode)})` : ''}.`,
  );
  if (tally.alreadySent > 0) lines.push(alreadySentLine(tally.alreadySent, tally.firstSentAt));
  if (failed > 0) lines.push(...tally.firstFailures);
  if (tally.possiblySent > 0) {
    lines.push(
      `${count(tally.possiblySent, 'failed row')} may have been sent all the same (possiblySent): check before sending again.`,
    );
  }
  if (tally.retryable > 0) {
    lines.push(`${count(tally.retryable, 'failed row')} can be sent again unchanged (retryable).`);
  }
  // Said before the question on a terminal; said here too, so that an unattended run's log has it.
  if (end.duplicates !== undefined && end.duplicates.rows > 0) lines.push(duplicateLine(end.duplicates));
  lines.push(`Segments: ${tally.segments}. Results: ${end.resultsTo}, one line per row.`);
  // Rows that finished: an aborted row was never sent, and counting it would inflate the rate.
  const finished = tally.rows - (tally.failedByCode['aborted'] ?? 0);
  const rate = finished / Math.max(end.elapsedMs / 1000, 0.001);
  lines.push(`Time: ${formatDuration(end.elapsedMs)} (${rate.toFixed(1)} rows/s).`);
  return lines;
}

/** The summary printed after a preview. */
export function previewSummary(scan: Scan, rowsTo: string): string[] {
  const { summary, duplicates } = scan;
  const lines = [
    `Preview of ${count(summary.rows, 'row')}: ${summary.ready} ready${summary.failed > 0 ? `, ${summary.failed} would fail (${byCode(summary.failedByCode)})` : ''}. No request was made.`,
    ...scan.failures,
  ];
  const { encodings, channels } = summary;
  lines.push(
    `Segments: ${summary.segments} (GSM-7 ${count(encodings['GSM-7'], 'row')}, UCS-2 ${count(encodings['UCS-2'], 'row')}; SMS ${channels.sms}, MMS ${channels.mms}).`,
  );
  if (Object.keys(summary.warnings).length > 0) lines.push(`Warnings: ${byCode(summary.warnings)}.`);
  if (duplicates.rows > 0) lines.push(duplicateLine(duplicates));
  if (duplicates.tracked !== undefined) {
    lines.push(
      `Repeated recipients were looked for among the first ${duplicates.tracked} distinct recipients only (a bound on memory).`,
    );
  }
  if (summary.mostExpensive.length > 0) {
    const costly = summary.mostExpensive
      .slice(0, 3)
      .map((r) => `line ${scan.costlyLines.get(r.index)} (${r.segments}, ${r.encoding})`);
    lines.push(`Most segments: ${costly.join(', ')}.`);
  }
  lines.push(`Rows: ${rowsTo}, one line per row.`);
  return lines;
}

/** The warning about recipients that several rows send to. */
export function duplicateLine(duplicates: Duplicates): string {
  return `Duplicate recipients: ${count(duplicates.rows, 'row')} ${duplicates.rows === 1 ? 'sends' : 'send'} to a number an earlier row already sends to, e.g. ${duplicates.examples.join(', ')}.`;
}

/** A message of the package for the row at `index`, with its `Row n:` start turned into the file's line. */
function atLine(message: string, index: number, line: number): string {
  const start = `Row ${index}: `;
  return message.startsWith(start) ? `Line ${line}: ${message.slice(start.length)}` : message;
}

/**
 * A result as the CLI writes it: the package numbers rows from 0 in its messages (`Row 2: …`), which has
 * no meaning beside a file; here the error's and warnings' messages name the row's file line instead.
 *
 * @example
 * ```ts
 * atFileLine({ index: 2, error: { message: 'Row 2: opted out' } }, 4).error.message; // 'Line 4: opted out'
 * ```
 */
export function atFileLine<T extends { index: number }>(result: T, line: number): T {
  const { error, warnings } = result as { error?: { message: string }; warnings?: { message: string }[] };
  return {
    ...result,
    ...(error === undefined
      ? {}
      : { error: { ...error, message: atLine(error.message, result.index, line) } }),
    ...(warnings === undefined
      ? {}
      : { warnings: warnings.map((w) => ({ ...w, message: atLine(w.message, result.index, line) })) }),
  };
}

/** One failed row: its code, its file line, then the message (without the package's `Row n:` start). */
export function failureLine(index: number, line: number, error: RowError): string {
  const message = error.message.startsWith(`Row ${index}: `)
    ? error.message.slice(`Row ${index}: `.length)
    : error.message;
  return `  [${error.code}] line ${line}: ${inCliTerms(message)}`;
}

/**
 * A duration for people: `0.4s`, `12.0s`, `3m 05s`, `2h 01m`.
 *
 * @example
 * ```ts
 * formatDuration(185_000); // '3m 05s'
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function byCode(counts: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(counts)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}
