/**
 * One pass over the rows through the package's streaming preview (no request): what `preview` prints and
 * what `send` shows before asking to go on. It checks the columns on the first row (all of them against a
 * CSV header), counts the batch, finds repeated recipients and keeps the first failures, holding one row
 * at a time (and up to TRACKED_RECIPIENTS recipients, in a compact table, to find the repeats).
 */
import type { PreviewRow, PreviewSummary, TwilioDestination } from '../index.js';
import { ConfigError } from '../index.js';
import type { CommandLine } from './args.js';
import { RecipientLines } from './recipient-lines.js';
import { failureLine } from './report.js';
import type { SourceRow } from './rows.js';
import { checkKeyColumn, type RowOrigin, type RowSource } from './source.js';

/** Recipients that more than one row sends to. */
export interface Duplicates {
  /** Rows whose recipient an earlier row already has. */
  rows: number;
  /** The first few, as `+1415… (lines 2 and 5)`. */
  examples: string[];
  /** Set when more distinct recipients came than are remembered: later ones were not looked for. */
  tracked?: number;
}

/**
 * Distinct recipients remembered to find repeats: a bound on memory (about 20 to 40 bytes each for E.164
 * numbers, with the table's free slots; more for the few others, kept in a `Map`).
 */
export const TRACKED_RECIPIENTS = 200_000;

/** What a pass found. */
export interface Scan {
  /** The package's summary of the batch. */
  summary: PreviewSummary;
  /** The first few failures, as lines naming the file line. */
  failures: string[];
  /** Repeated recipients. */
  duplicates: Duplicates;
  /** The file line of each row in `summary.mostExpensive`, by index. */
  costlyLines: ReadonlyMap<number, number>;
}

const SHOWN = 5;

/**
 * Reads every row of `source` through `destination.previewStream`, calling `onRow` with each preview row
 * and its origin. Throws a `ConfigError` (missing columns) or the reading error before `onRow` has seen a
 * row it should not have.
 */
export async function scanRows(
  destination: TwilioDestination,
  source: RowSource,
  line: CommandLine,
  onRow: (row: PreviewRow, origin: RowOrigin) => Promise<void> | void,
  bytes?: { bytesRead: number },
  tracked = TRACKED_RECIPIENTS,
): Promise<Scan> {
  const { key, warnAboveSegments } = line.options;
  const csv =
    (line.options.format ?? (source.file?.toLowerCase().endsWith('.csv') ? 'csv' : undefined)) === 'csv';
  const origins: RowOrigin[] = [];
  let first = true;
  async function* rows(): AsyncGenerator<SourceRow['row']> {
    for await (const { row, line: at } of source.read(bytes)) {
      if (first) {
        first = false;
        const columns = Object.keys(row);
        checkKeyColumn(key, columns);
        // A CSV header holds every row's columns; a JSON Lines row may leave out optional ones, so only
        // the recipient's is checked there (by the package).
        if (csv) {
          const issues = destination.checkColumns(columns);
          if (issues.length > 0) throw new ConfigError(issues);
        }
      }
      origins.push(key === undefined ? { line: at } : { line: at, key: row[key] });
      yield row;
    }
  }
  const preview = destination.previewStream(
    rows(),
    warnAboveSegments === undefined ? {} : { warnAboveSegments },
  );
  const seen = new RecipientLines();
  const duplicates: Duplicates = { rows: 0, examples: [] };
  const failures: string[] = [];
  const costlyLines = new Map<number, number>();
  const costly = preview.summary.mostExpensive;
  for await (const row of preview) {
    const origin = origins.shift() as RowOrigin;
    if (row.status === 'ready' && costly.some((entry) => entry.index === row.index)) {
      costlyLines.set(row.index, origin.line);
      // Rows that left the list are forgotten now and then, so the map stays small.
      if (costlyLines.size > 2 * costly.length) {
        for (const index of costlyLines.keys())
          if (!costly.some((e) => e.index === index)) costlyLines.delete(index);
      }
    }
    if (row.status === 'failed') {
      if (failures.length < SHOWN) failures.push(failureLine(row.index, origin.line, row.error));
    } else {
      const room = seen.size < tracked;
      const earlier = seen.firstLine(row.to, origin.line, room);
      if (earlier === undefined) {
        if (!room) duplicates.tracked = tracked;
      } else {
        duplicates.rows++;
        if (duplicates.examples.length < 3)
          duplicates.examples.push(`${row.to} (lines ${earlier} and ${origin.line})`);
      }
    }
    await onRow(row, origin);
  }
  return { summary: preview.summary, failures, duplicates, costlyLines };
}
