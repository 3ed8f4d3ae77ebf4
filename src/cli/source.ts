/**
 * The rows a command reads, as the package receives them, with what the CLI adds around them: each row's
 * file line and `--key` value (kept in a queue until its result comes back, in input order), `--limit`,
 * and `--to` (the first row only, addressed to a test number).
 */
import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Row } from '../index.js';
import type { CommandLine } from './args.js';
import { formatOf, InputError, type RowFormat, readRows, type SourceRow } from './rows.js';
import { UsageError } from './session.js';

/** Where a result's row came from, as the CLI writes it next to the result. */
export interface RowOrigin {
  /** The row's line in its file (a CSV's header is line 1). */
  line: number;
  /** The `--key` column's value, when `--key` is given. */
  key?: unknown;
}

/** The rows of one command: readable once from stdin, or as often as needed from a file. */
export interface RowSource {
  /** The file, or `undefined` for stdin. */
  file: string | undefined;
  /** The file's size in bytes (for a progress bar), `undefined` for stdin. */
  size: number | undefined;
  /** The rows with their lines, `--limit` and `--to` applied; `bytesRead` tells how far a file was read. */
  read(progress?: { bytesRead: number }): AsyncGenerator<SourceRow>;
}

/** Opens the rows of `line`: checks the file is readable and its format known. */
export async function openSource(line: CommandLine, stdin: Readable): Promise<RowSource> {
  const { file, options } = line;
  const format = formatOf(file, options.format);
  if (format === undefined) {
    throw new UsageError(
      file === undefined
        ? 'rows come from stdin: say their format with --format csv or --format jsonl'
        : `cannot tell the format of ${file} from its name: use --format csv or --format jsonl`,
    );
  }
  let size: number | undefined;
  if (file !== undefined) {
    await access(file, constants.R_OK).catch((error: Error) => {
      throw new UsageError(`cannot read ${file}: ${error.message}`);
    });
    size = (await stat(file)).size;
  }
  const limit = options.to !== undefined ? 1 : options.limit;
  const recipientColumn = options.map?.to ?? 'to';
  async function* read(progress?: { bytesRead: number }): AsyncGenerator<SourceRow> {
    const input = file === undefined ? stdin : createReadStream(file);
    if (progress !== undefined) input.on('data', (chunk: Buffer) => (progress.bytesRead += chunk.length));
    let count = 0;
    for await (const source of readRows(input, format as RowFormat, file ?? 'stdin')) {
      if (limit !== undefined && count >= limit) return;
      count++;
      yield options.to === undefined
        ? source
        : { ...source, row: { ...source.row, [recipientColumn]: options.to } };
    }
  }
  return { file, size, read };
}

/**
 * Passes the rows to the package and keeps each one's origin until its result comes back (results come in
 * input order, so a queue suffices; it holds only the rows in flight).
 */
export function withOrigins(
  rows: AsyncIterable<SourceRow>,
  key: string | undefined,
): { rows: AsyncGenerator<Row>; next(): RowOrigin } {
  const origins: RowOrigin[] = [];
  let head = 0;
  async function* pass(): AsyncGenerator<Row> {
    for await (const { row, line } of rows) {
      origins.push(key === undefined ? { line } : { line, key: row[key] });
      yield row;
    }
  }
  return {
    rows: pass(),
    next() {
      const origin = origins[head] as RowOrigin;
      // Dropped in batches, so the queue stays short without shifting it on every row.
      head++;
      if (head > 1024) {
        origins.splice(0, head);
        head = 0;
      }
      return origin;
    },
  };
}

/** Refuses a `--key` column that the rows do not have (checked on the header or first row). */
export function checkKeyColumn(key: string | undefined, columns: readonly string[]): void {
  if (key === undefined || columns.includes(key)) return;
  throw new InputError(
    `--key ${key}: the rows have no column ${JSON.stringify(key)}. Their columns: ${columns.map((c) => JSON.stringify(c)).join(', ')}`,
  );
}
