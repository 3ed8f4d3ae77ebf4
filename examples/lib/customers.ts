/**
 * The sample sync the examples run: a customers model read from CSV, the message template and the field
 * mapping a person would configure in the sync engine's UI.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { FieldMapping, Row } from '../../src/index.js';

/** The message every row gets; the note is optional, so it sits in a section. */
export const CUSTOMER_TEMPLATE =
  'Hi {{first_name}}, your order {{order_id}} has shipped.{{#note}} {{note}}{{/note}}';

/** Destination field → CSV column. `body` and `status_callback` are not used by the sample. */
export const CUSTOMER_MAPPING: FieldMapping = { to: 'phone', media_url: 'media_urls' };

/**
 * One CSV record → one warehouse row. An empty cell is a missing value (a warehouse `NULL`: CSV cannot tell
 * the two apart), and `media_urls` holds space-separated URLs, which become an array.
 */
export function toRow(record: Readonly<Record<string, string>>): Row {
  const row: Row = {};
  for (const [column, value] of Object.entries(record)) {
    if (value === '') continue;
    row[column] = column === 'media_urls' ? value.split(/\s+/) : value;
  }
  return row;
}

/** Reads a customers CSV (header line first) into rows, in file order. */
export async function readCustomerRows(csvPath: string): Promise<Row[]> {
  const records: Record<string, string>[] = parse(await readFile(csvPath, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
  });
  return records.map(toRow);
}
