/**
 * Where the per-row results go: one line per row, written as each arrives (waiting for the stream to
 * drain, so a slow disk or pipe holds the run back instead of filling memory), to an `--out` file or to
 * stdout, as JSON Lines or, for an `--out` ending in `.csv`, as CSV with fixed columns.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Writes one line per value to a stream. */
export interface LineWriter {
  /** Lines written so far (a CSV header not counted). */
  readonly lines: number;
  /** Writes `value` as one line; rejects once the stream has failed. */
  write(value: unknown): Promise<void>;
  /** Ends the file (not stdout) and waits until every line is written; rejects if the stream failed. */
  close(): Promise<void>;
}

/** Turns one value into one line (without its newline). */
export type LineEncoder = (value: unknown) => string;

/** JSON Lines. */
export const jsonLine: LineEncoder = (value) => JSON.stringify(value);

/** One CSV field, quoted when it must be (RFC 4180). */
function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = Array.isArray(value)
    ? value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(' ')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A CSV encoder with these columns: a column `error_x` reads `value.error.x`, `warnings` the warnings'
 * codes; arrays are joined with spaces. The header line comes with the first value unless `header` is false.
 *
 * @example
 * ```ts
 * csvLines(['line', 'status', 'error_code'], true)({ line: 2, status: 'failed', error: { code: 'invalid_row' } });
 * // 'line,status,error_code\n2,failed,invalid_row'
 * ```
 */
export function csvLines(columns: readonly string[], header: boolean): LineEncoder {
  let first = header;
  return (value) => {
    const record = value as Record<string, unknown>;
    const error = (record['error'] ?? {}) as Record<string, unknown>;
    const cells = columns.map((column) => {
      if (column.startsWith('error_')) return csvField(error[column.slice('error_'.length)]);
      if (column === 'warnings') {
        const warnings = (record['warnings'] ?? []) as { code: string }[];
        return csvField(warnings.map((warning) => warning.code));
      }
      return csvField(record[column]);
    });
    const line = cells.join(',');
    if (!first) return line;
    first = false;
    return `${columns.join(',')}\n${line}`;
  };
}

/**
 * A line writer on `stream`. With `owned`, `close()` ends the stream (a file); otherwise it only waits for
 * what was written (stdout stays open).
 */
export function lineWriter(stream: Writable, owned: boolean, encode: LineEncoder = jsonLine): LineWriter {
  let failure: Error | undefined;
  // Kept, not thrown: an 'error' event without a listener would crash the process.
  stream.on('error', (error) => {
    failure ??= error;
  });
  let lines = 0;
  return {
    get lines() {
      return lines;
    },
    async write(value) {
      if (failure) throw failure;
      lines++;
      if (!stream.write(`${encode(value)}\n`)) await once(stream, 'drain');
    },
    async close() {
      if (owned) {
        stream.end();
        await finished(stream).catch((error: Error) => {
          failure ??= error;
        });
      } else if (stream.writableNeedDrain) {
        await once(stream, 'drain');
      }
      if (failure) throw failure;
    },
  };
}
