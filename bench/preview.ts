/**
 * `destination.preview(rows)` against calling Twilio's calculator for every row, on the same rendered bodies,
 * in the same run: GSM-7 rows, then UCS-2 rows (counted on the same fast path since UCS-2 packing no longer
 * calls the calculator). Run with `npx tsx bench/preview.ts`; a bench runner can import
 * {@link benchPreview} instead.
 */
import { fileURLToPath } from 'node:url';
import calculator from 'sms-segments-calculator';
import { TwilioDestination } from '../src/destination.js';
import type { PreviewReadyRow } from '../src/preview.js';
import { mulberry32 } from '../src/simulator/faults.js';
import type { Row } from '../src/types.js';
import { type BenchResult, NAMES } from './segments.js';

export type { BenchResult };

const { SegmentedMessage } = calculator;

/** Options for {@link benchPreview}. */
export interface BenchPreviewOptions {
  /**
   * Rows per encoding.
   * @default 20000
   */
  rows?: number;
  /** Where progress lines go. @default console.log */
  log?: (line: string) => void;
}

const NOTES = [
  'Your order has shipped and should arrive on Tuesday.',
  'Your appointment is confirmed for 10:30.',
  'Your balance of €42 is due on the 15th.',
  'Use code [SAVE10] for 10% off your next visit!',
  'Reply STOP to opt out.',
];
// What turns a real body into UCS-2: accented lower-case letters, curly quotes, emoji, other scripts.
const UCS2_PIECES = ['ça', 'não', 'día', '“thanks”', 'it’s', '🎉', '👍🏽', '🇫🇷', 'Спасибо', 'ありがとう'];

/** Rows for the template below: 60–220 characters once rendered, E.164 recipients. */
function makeRows(count: number, ucs2: boolean, seed: number): Row[] {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    let note = pick(NOTES);
    while (next() < 0.5) note += ` ${pick(NOTES)}`;
    if (ucs2) note = `${pick(UCS2_PIECES)} ${note}`;
    rows.push({
      phone: `+1415${String(5_550_000 + (i % 10_000)).padStart(7, '0')}`,
      first_name: pick(NAMES),
      order_id: `A-${Math.floor(next() * 100_000)}`,
      note,
    });
  }
  return rows;
}

function destination(): TwilioDestination {
  return new TwilioDestination({
    credentials: { accountSid: `AC${'0'.repeat(32)}`, authToken: '0'.repeat(32) },
    settings: { from: '+15551234567', messageTemplate: 'Hi {{first_name}}, order {{order_id}}: {{note}}' },
    mapping: { to: 'phone' },
  });
}

/** Microseconds of this process's CPU time (user + system) per row for `run`, with its result. */
async function measure<T>(
  rows: number,
  run: () => Promise<T> | T,
): Promise<{ microseconds: number; value: T }> {
  const start = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(start);
  return { microseconds: (used.user + used.system) / rows, value };
}

/**
 * Measures `preview` on GSM-7 rows and the calculator on the same rendered bodies, then `preview` on UCS-2
 * rows, after a warm-up, and reports µs per row and the speed-up. Throws when the two disagree on a segment
 * count, or when a row that should be ready is not.
 * @example
 * const figures = await benchPreview({ rows: 2000 });
 */
export async function benchPreview(options: BenchPreviewOptions = {}): Promise<BenchResult[]> {
  const { rows: count = 20_000, log = console.log } = options;
  const dest = destination();
  const results: BenchResult[] = [];

  const readyRows = async (rows: Row[]): Promise<PreviewReadyRow[]> => {
    const { rows: previewed } = await dest.preview(rows);
    const ready = previewed.filter((row): row is PreviewReadyRow => row.status === 'ready');
    if (ready.length !== rows.length) throw new Error(`${rows.length - ready.length} rows did not render`);
    return ready;
  };

  const gsm = makeRows(count, false, 1);
  const ucs = makeRows(count, true, 2);
  await readyRows(gsm.slice(0, 2_000));
  await readyRows(ucs.slice(0, 500));

  const preview = await measure(count, () => readyRows(gsm));
  if (preview.value.some((row) => row.encoding !== 'GSM-7')) throw new Error('a GSM-7 row is not GSM-7');
  // The calculator takes milliseconds per body: timed on the first few thousand rows' bodies.
  const sample = preview.value.slice(0, Math.min(4_000, count));
  const bodies = sample.map((row) => row.body);
  for (const body of bodies.slice(0, 300)) new SegmentedMessage(body).segmentsCount;
  const reference = await measure(bodies.length, () => {
    let segments = 0;
    for (const body of bodies) segments += new SegmentedMessage(body).segmentsCount;
    return segments;
  });
  const previewSegments = sample.reduce((sum, row) => sum + row.segments, 0);
  if (previewSegments !== reference.value) {
    throw new Error(`preview counted ${previewSegments} segments, the calculator ${reference.value}`);
  }
  const speedUp = reference.microseconds / preview.microseconds;
  log(
    `GSM-7: preview ${preview.microseconds.toFixed(2)} µs/row, calculator alone ${reference.microseconds.toFixed(1)} µs/row, ` +
      `${speedUp.toFixed(1)}× (${count} rows; the calculator on ${bodies.length}, ${previewSegments} segments alike)`,
  );

  const unicode = await measure(count, () => readyRows(ucs));
  if (unicode.value.some((row) => row.encoding !== 'UCS-2')) throw new Error('a UCS-2 row is not UCS-2');
  log(`UCS-2: preview ${unicode.microseconds.toFixed(1)} µs/row (${count} rows)`);

  results.push(
    { name: 'preview, GSM-7 rows', value: preview.microseconds, unit: 'µs/row' },
    { name: 'sms-segments-calculator on the same bodies', value: reference.microseconds, unit: 'µs/row' },
    { name: 'preview speed-up over the calculator, GSM-7', value: speedUp, unit: '×' },
    { name: 'preview, UCS-2 rows', value: unicode.microseconds, unit: 'µs/row' },
  );
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchPreview();
}
