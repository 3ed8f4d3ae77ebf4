/**
 * The dry run behind `destination.preview(rows)`: every row goes through the very `buildMessage` that
 * `write` uses, so a row that fails here fails `write` with the same `RowError`, and a ready row shows the
 * exact message, its encoding and its segments. No request is made. Over 300 lines because the summary
 * and the rows it builds are one concern.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { firstRowColumns, recipientColumnIssue } from './columns.js';
import { ConfigError } from './errors.js';
import { buildMessage, describeCharacters, type MessagePlan, type MessageRequest } from './message.js';
import { redactRowError } from './redact.js';
import { countSegments, type Encoding, type SegmentInfo, smartEncodable } from './segments.js';
import type { RowError, RowErrorCode, SyncMode } from './types.js';

/** Why a ready row deserves a look before sending. */
export type PreviewWarningCode = 'smart_encodable' | 'many_segments' | 'segments_estimated';

/** A warning about one ready row. */
export interface PreviewWarning {
  /**
   * `smart_encodable`: UCS-2 only because of characters Smart Encoding would replace (set `smartEncoded`);
   * `many_segments`: more segments than `warnAboveSegments`; `segments_estimated`: `shortenUrls` will
   * rewrite this body's links, so its count is an estimate.
   */
  code: PreviewWarningCode;
  /** What was found and what to do, starting with `Row n:`. */
  message: string;
}

/** A row that `write` would send: the exact message and what it costs. */
export interface PreviewReadyRow {
  /** The row would be sent. */
  status: 'ready';
  /** The row's position in the input. */
  index: number;
  /** `mms` when the row has media, otherwise `sms`. */
  channel: 'sms' | 'mms';
  /** The recipient as it will be sent: E.164 after normalisation, `whatsapp:`-prefixed for a WhatsApp sender. */
  to: string;
  /** The row's `to` as it was read. */
  originalTo: string;
  /** `settings.from`: the number, sender ID, channel address or Messaging Service SID. */
  from: string;
  /** The rendered body; `''` with a Content template (no `Body` is sent then). */
  body: string;
  /** The media URLs, in the order they would be sent. */
  mediaUrls: string[];
  /** The row's `status_callback`, else `settings.statusCallback`; left out when neither is set. */
  statusCallback?: string;
  /** With `settings.contentSid`. */
  contentSid?: string;
  /** With `settings.contentVariables`: this row's values. */
  contentVariables?: Record<string, string>;
  /** How the body will be encoded (after Smart Encoding when `smartEncoded` is set). */
  encoding: Encoding;
  /**
   * Segments as Twilio counts them. An MMS, and a Content template message (whose text lives at Twilio),
   * count as one.
   */
  segments: number;
  /** The characters that forced UCS-2, each once; `[]` for GSM-7. */
  nonGsmCharacters: string[];
  /** What deserves attention before sending. */
  warnings: PreviewWarning[];
}

/** A row that `write` would fail before any request, with the very error `write` would report. */
export interface PreviewFailedRow {
  /** The row would fail. */
  status: 'failed';
  /** The row's position in the input. */
  index: number;
  /** The very error `write` would report. */
  error: RowError;
}

/** One per input row, in input order. */
export type PreviewRow = PreviewReadyRow | PreviewFailedRow;

/** One of the costliest ready rows. */
export interface PreviewCostlyRow {
  /** The row's position in the input. */
  index: number;
  /** Its segments. */
  segments: number;
  /** Its encoding. */
  encoding: Encoding;
}

/** The whole batch at a glance. */
export interface PreviewSummary {
  /** Rows read. */
  rows: number;
  /** Rows `write` would send. */
  ready: number;
  /** Rows `write` would fail before any request. */
  failed: number;
  /** Failed rows per error code. */
  failedByCode: Partial<Record<RowErrorCode, number>>;
  /** Segments of all ready rows together. */
  segments: number;
  /** Ready rows per encoding. */
  encodings: Record<Encoding, number>;
  /** Ready rows per channel. */
  channels: Record<'sms' | 'mms', number>;
  /** Ready rows per warning code. */
  warnings: Partial<Record<PreviewWarningCode, number>>;
  /** The ready rows with the most segments, most first; among equals, the earliest. */
  mostExpensive: PreviewCostlyRow[];
}

/** What `preview` returns. */
export interface PreviewResult {
  /** One entry per input row, in input order. */
  rows: PreviewRow[];
  /** Totals over all rows. */
  summary: PreviewSummary;
}

/** `preview()`'s second argument. */
export interface PreviewOptions {
  /**
   * Warn (`many_segments`) about a message that takes more segments than this.
   * @default 3
   */
  warnAboveSegments?: number;
  /**
   * How many rows `summary.mostExpensive` lists.
   * @default 10
   */
  mostExpensive?: number;
  /** Aborting stops the preview: it rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The sync mode `write` would be called with: any but `insert` throws the `ConfigError` that `write`
   * would throw, so the dry run tells the truth about the run.
   * @default 'insert'
   */
  mode?: SyncMode;
}

/** Preview options with the defaults filled in. */
export interface ResolvedPreviewOptions {
  warnAboveSegments: number;
  mostExpensive: number;
  signal: AbortSignal | undefined;
}

/** Rows between two turns of the event loop, so that timers, I/O and an abort get their turn. */
const ROWS_PER_TURN = 1000;

/**
 * What `previewStream()` returns: the preview rows one at a time, in input order, and a summary counted as
 * they go, so that memory holds one row however many come.
 */
export interface PreviewStream extends AsyncIterable<PreviewRow> {
  /** Totals over the rows yielded so far: the whole batch's once iteration has ended. */
  readonly summary: PreviewSummary;
}

/** A summary with nothing counted yet. */
export function emptySummary(): PreviewSummary {
  return {
    rows: 0,
    ready: 0,
    failed: 0,
    failedByCode: {},
    segments: 0,
    encodings: { 'GSM-7': 0, 'UCS-2': 0 },
    channels: { sms: 0, mms: 0 },
    warnings: {},
    mostExpensive: [],
  };
}

/**
 * Builds every row as `write` would, without sending, counting each into `summary` before yielding it.
 * A first row without the recipient's column throws a `ConfigError` (see `recipientColumnIssue`). `redact`
 * takes the configured credentials out of a failed row's text (`undefined`: no valid credentials to hide).
 */
export async function* previewRows(
  rows: Iterable<unknown> | AsyncIterable<unknown>,
  plan: MessagePlan,
  options: ResolvedPreviewOptions,
  summary: PreviewSummary,
  redact: ((text: string) => string) | undefined,
): AsyncGenerator<PreviewRow> {
  const { signal } = options;
  signal?.throwIfAborted();
  let index = 0;
  // Not `for await`: over an array it awaits every row, reading its `then`, and a row that throws on
  // access (a revoked Proxy) would end the whole preview instead of failing alone, as in write().
  const iterator = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
  let exhausted = false;
  try {
    while (true) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      if (index === 0) checkFirstRow(next.value, plan);
      const entry = previewRow(next.value, index, plan, options, redact);
      count(summary, entry, options.mostExpensive);
      index++;
      yield entry;
      if (index % ROWS_PER_TURN === 0) await nextTurn();
      signal?.throwIfAborted();
    }
  } finally {
    // As for-await would: the source is closed when the preview stops before its end.
    if (!exhausted) await iterator.return?.();
  }
}

/** Throws the `ConfigError` for a first row (an object) that lacks the recipient's column. */
function checkFirstRow(row: unknown, plan: MessagePlan): void {
  const columns = firstRowColumns(row);
  if (columns === undefined) return;
  const issue = recipientColumnIssue(columns, plan);
  if (issue !== undefined) throw new ConfigError([issue]);
}

/** One row's preview entry: ready with its message, or failed with the very error `write` would report. */
function previewRow(
  row: unknown,
  index: number,
  plan: MessagePlan,
  options: ResolvedPreviewOptions,
  redact: ((text: string) => string) | undefined,
): PreviewRow {
  const built = buildMessage(row, index, plan, { measure: true });
  return built.ok
    ? readyRow(index, built.request, built.segments as SegmentInfo, plan, options.warnAboveSegments)
    : { status: 'failed', index, error: redact ? redactRowError(built.error, redact) : built.error };
}

function readyRow(
  index: number,
  request: MessageRequest,
  counted: SegmentInfo,
  plan: MessagePlan,
  warnAboveSegments: number,
): PreviewReadyRow {
  const channel = request.mediaUrls.length > 0 ? 'mms' : 'sms';
  const row: PreviewReadyRow = {
    status: 'ready',
    index,
    channel,
    to: request.to,
    originalTo: request.originalTo as string,
    from: plan.from,
    body: request.body,
    mediaUrls: request.mediaUrls,
    encoding: counted.encoding,
    segments: counted.segments,
    nonGsmCharacters: counted.nonGsmCharacters,
    warnings:
      channel === 'sms' && request.contentSid === undefined
        ? textWarnings(index, request, counted, warnAboveSegments)
        : [],
  };
  if (request.statusCallback !== undefined) row.statusCallback = request.statusCallback;
  if (request.contentSid !== undefined) row.contentSid = request.contentSid;
  if (request.contentVariables !== undefined) row.contentVariables = request.contentVariables;
  return row;
}

/** Smart Encoding replaces every code point of this character (so it cannot force UCS-2 with it on). */
function replaceable(character: string): boolean {
  return Array.from(character).every((codePoint) => smartEncodable(codePoint).length === 1);
}

/** Warnings that only SMS text can earn: an MMS is one message, and a Content template's text is Twilio's. */
function textWarnings(
  index: number,
  request: MessageRequest,
  counted: SegmentInfo,
  warnAboveSegments: number,
): PreviewWarning[] {
  const warnings: PreviewWarning[] = [];
  const characters = describeCharacters(counted.nonGsmCharacters);
  if (counted.encoding === 'UCS-2' && request.smartEncoded !== true) {
    // Worth suggesting only when every character that forced UCS-2 would be replaced.
    const smart = counted.nonGsmCharacters.every(replaceable)
      ? countSegments(request.body, { smartEncoded: true })
      : undefined;
    if (smart?.encoding === 'GSM-7') {
      warnings.push({
        code: 'smart_encodable',
        message: `Row ${index}: UCS-2 only because of ${characters}; with settings.smartEncoded, Twilio would replace them and send GSM-7 in ${segmentCount(smart.segments)} instead of ${segmentCount(counted.segments)}`,
      });
    }
  }
  if (counted.segments > warnAboveSegments) {
    const encoding = counted.encoding === 'UCS-2' ? `UCS-2 because of ${characters}` : 'GSM-7';
    warnings.push({
      code: 'many_segments',
      message: `Row ${index}: the message takes ${counted.segments} segments (${encoding}), more than ${warnAboveSegments}; each segment is billed as a message`,
    });
  }
  if (request.shortenUrls === true && /https?:\/\//i.test(request.body)) {
    warnings.push({
      code: 'segments_estimated',
      message: `Row ${index}: Twilio will replace the links in this message with short links (settings.shortenUrls), so its ${segmentCount(counted.segments)} are an estimate`,
    });
  }
  return warnings;
}

function segmentCount(segments: number): string {
  return segments === 1 ? '1 segment' : `${segments} segments`;
}

function count(summary: PreviewSummary, row: PreviewRow, keep: number): void {
  summary.rows++;
  if (row.status === 'failed') {
    summary.failed++;
    summary.failedByCode[row.error.code] = (summary.failedByCode[row.error.code] ?? 0) + 1;
    return;
  }
  summary.ready++;
  summary.segments += row.segments;
  summary.encodings[row.encoding]++;
  summary.channels[row.channel]++;
  for (const code of new Set(row.warnings.map((warning) => warning.code))) {
    summary.warnings[code] = (summary.warnings[code] ?? 0) + 1;
  }
  rank(summary.mostExpensive, { index: row.index, segments: row.segments, encoding: row.encoding }, keep);
}

/** Keeps the `keep` costliest rows, most segments first; rows come in index order, so equals keep theirs. */
function rank(top: PreviewCostlyRow[], row: PreviewCostlyRow, keep: number): void {
  if (top.length === keep && (keep === 0 || (top[keep - 1] as PreviewCostlyRow).segments >= row.segments))
    return;
  let at = top.length;
  while (at > 0 && (top[at - 1] as PreviewCostlyRow).segments < row.segments) at--;
  top.splice(at, 0, row);
  if (top.length > keep) top.pop();
}
