/**
 * The CLI's human-readable text: problems named by the flag or environment variable that sets them,
 * validation reports, and the summaries printed after a preview or a send. Pure functions returning lines.
 */

import type { PreviewResult, RowError, RowResult, ValidationIssue, ValidationResult } from '../index.js';
import { alreadySentLine } from './ledger.js';

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

/** One problem as a line: where it is set, its code, and what to do. */
export function describeIssue(issue: ValidationIssue): string {
  const message = (issue.code === 'required' && MISSING[issue.field]) || issue.message;
  return `${sourceOf(issue.field)} [${issue.code}]: ${message}`;
}

const CREDENTIALS_HINT =
  'Credentials are read only from the environment: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET.';

/** The lines for a `ConfigError`: every problem, then where credentials come from if one is about them. */
export function configErrorLines(issues: readonly ValidationIssue[]): string[] {
  const lines = [
    `Invalid configuration (${count(issues.length, 'problem')}):`,
    ...issues.map((issue) => `  ${describeIssue(issue)}`),
  ];
  if (issues.some((issue) => issue.field.startsWith('credentials'))) lines.push(CREDENTIALS_HINT);
  return lines;
}

/** The lines of one validation report, under its title. */
export function validationLines(title: string, result: ValidationResult): string[] {
  const { errors, warnings } = result;
  const verdict =
    errors.length === 0 && warnings.length === 0
      ? 'ok'
      : [errors.length > 0 ? count(errors.length, 'error') : 'ok', count(warnings.length, 'warning')].join(
          ', ',
        );
  const lines = [`${title}: ${verdict}`];
  for (const issue of errors) lines.push(`  error    ${describeIssue(issue)}`);
  for (const issue of warnings) lines.push(`  warning  ${describeIssue(issue)}`);
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

/** Counts one result. */
export function countResult(tally: SendTally, result: RowResult): void {
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
    tally.firstFailures.push(failureLine(result.index, error));
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
  lines.push(`Segments: ${tally.segments}. Results: ${end.resultsTo}, one line per row.`);
  const rate = tally.rows / Math.max(end.elapsedMs / 1000, 0.001);
  lines.push(`Time: ${formatDuration(end.elapsedMs)} (${rate.toFixed(1)} rows/s).`);
  return lines;
}

/** The summary printed after a preview. */
export function previewSummary(result: PreviewResult, rowsTo: string): string[] {
  const { summary } = result;
  const lines = [
    `Preview of ${count(summary.rows, 'row')}: ${summary.ready} ready${summary.failed > 0 ? `, ${summary.failed} would fail (${byCode(summary.failedByCode)})` : ''}. No request was made.`,
  ];
  for (const row of result.rows.filter((r) => r.status === 'failed').slice(0, FAILURES_SHOWN)) {
    lines.push(failureLine(row.index, row.error));
  }
  const { encodings, channels } = summary;
  lines.push(
    `Segments: ${summary.segments} (GSM-7 ${count(encodings['GSM-7'], 'row')}, UCS-2 ${count(encodings['UCS-2'], 'row')}; SMS ${channels.sms}, MMS ${channels.mms}).`,
  );
  if (Object.keys(summary.warnings).length > 0) lines.push(`Warnings: ${byCode(summary.warnings)}.`);
  if (summary.mostExpensive.length > 0) {
    const costly = summary.mostExpensive
      .slice(0, 3)
      .map((r) => `row ${r.index} (${r.segments}, ${r.encoding})`);
    lines.push(`Most segments: ${costly.join(', ')}.`);
  }
  lines.push(`Rows: ${rowsTo}, one line per row.`);
  return lines;
}

/** One failed row: its code, then the message, which names the row (the package starts it with `Row n:`). */
function failureLine(index: number, error: RowError): string {
  const message = error.message.startsWith(`Row ${index}:`)
    ? error.message
    : `Row ${index}: ${error.message}`;
  return `  [${error.code}] ${message}`;
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
