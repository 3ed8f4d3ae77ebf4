/**
 * Rows from a CSV or JSON Lines stream, one at a time, so that memory stays flat however long the file:
 * CSV through csv-parse's streaming parser (the header row names the columns), JSON Lines through
 * node:readline. A malformed record is an `InputError` naming the source and the line.
 */
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Row } from '../index.js';

/** The row formats the CLI reads. */
export type RowFormat = 'csv' | 'jsonl';

/** The input cannot be read as rows: a malformed CSV record, a line that is not a JSON object, an I/O error. */
export class InputError extends Error {
  /** Always `'InputError'`. */
  override name = 'InputError';
}

const EXTENSIONS: Readonly<Record<string, RowFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/**
 * The format of `path`: `--format` when given, else the file's extension; `undefined` when neither says
 * (stdin, or an unknown extension), which the caller reports as a usage error.
 *
 * @example
 * ```ts
 * formatOf('rows.ndjson', undefined); // 'jsonl'
 * ```
 */
export function formatOf(path: string | undefined, format: RowFormat | undefined): RowFormat | undefined {
  return format ?? (path === undefined ? undefined : EXTENSIONS[extname(path).toLowerCase()]);
}

/** A row and where it starts in its file (1-based line number; a CSV's header is line 1). */
export interface SourceRow {
  /** The row, as the package receives it. */
  row: Row;
  /** The file's line number where the row starts. */
  line: number;
}

/** Reads rows of `format` from `input`; `name` (a path, or `stdin`) starts every error message. */
export function readRows(input: Readable, format: RowFormat, name: string): AsyncGenerator<SourceRow> {
  return format === 'csv' ? readCsv(input, name) : readJsonLines(input, name);
}

/** Refuses a header that names a column twice (the last one would silently win). */
function checkHeader(header: string[], name: string): string[] {
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) {
      throw new InputError(
        `${name}: the header names the column ${JSON.stringify(column)} twice; rename or remove one of them`,
      );
    }
    seen.add(column);
  }
  return header;
}

const LINE_BREAK = /\r\n|\r|\n/g;

/** CSV with a header row: one object per record, every value a string (empty lines are skipped). */
export async function* readCsv(input: Readable, name: string): AsyncGenerator<SourceRow> {
  const parser = parse({
    columns: (header: string[]) => checkHeader(header, name),
    bom: true,
    skip_empty_lines: true,
    info: true,
  });
  input.once('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of input.pipe(parser)) {
      // csv-parse counts the line where the record ends; a quoted value may hold line breaks.
      let breaks = 0;
      for (const value of Object.values(record as Row))
        breaks += (value as string).match(LINE_BREAK)?.length ?? 0;
      yield { row: record as Row, line: (info as { lines: number }).lines - breaks };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    // csv-parse names the line: "Invalid Record Length: expect 3, got 2 on line 4".
    throw new InputError(`${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    input.destroy();
  }
}

/** JSON Lines: one JSON object per line; blank lines are skipped. */
export async function* readJsonLines(input: Readable, name: string): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const raw of lines) {
      number++;
      // A byte-order mark may start the file.
      const line = number === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new InputError(`${name} line ${number}: not valid JSON (${(error as Error).message})`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
        throw new InputError(`${name} line ${number}: a row must be a JSON object (got ${got})`);
      }
      yield { row: value as Row, line: number };
    }
  } catch (error) {
    throw error instanceof InputError
      ? error
      : new InputError(`${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Passes `rows` on until `stop()` says so or reading fails; then it simply ends, keeping the error in
 * `state.error`. The package never sees a throwing source, so the rows already sent keep their results.
 */
export async function* guardRows<T>(
  rows: AsyncIterable<T>,
  state: { error?: Error },
  stop: () => boolean,
): AsyncGenerator<T> {
  const iterator = rows[Symbol.asyncIterator]();
  try {
    while (!stop()) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    state.error = error as Error;
  } finally {
    await iterator.return?.();
  }
}
