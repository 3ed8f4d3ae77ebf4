/**
 * `countSegments` against calling Twilio's calculator for every body, on realistic GSM-7 and UCS-2 bodies.
 * Run with `npx tsx bench/segments.ts`; a bench runner can import {@link benchSegments} instead.
 */
import { fileURLToPath } from 'node:url';
import calculator from 'sms-segments-calculator';
import { countSegments } from '../src/segments.js';
import { mulberry32 } from '../src/simulator/faults.js';

const { SegmentedMessage } = calculator;

/** Bodies the calculator is timed on (it takes milliseconds each). */
const REFERENCE_BODIES = 4_000;

/** One measured figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

/** Options for {@link benchSegments}. */
export interface BenchSegmentsOptions {
  /**
   * Bodies per encoding. The calculator takes about a millisecond per body, so the default run lasts a minute.
   * @default 20000
   */
  messages?: number;
  /** Where progress lines go. @default console.log */
  log?: (line: string) => void;
}

/** First names for generated bodies, some with characters outside GSM-7. */
export const NAMES = [
  'Anna',
  'Bob',
  'Chidi',
  'Dolores',
  'Émile',
  'Øystein',
  'Søren',
  'Miguel',
  'Åsa',
  'Jürgen',
];
const SENTENCES = [
  'Your order #{n} has shipped and should arrive on Tuesday.',
  'Track it at https://example.com/t/{id}.',
  'Your appointment is confirmed for {d}/05 at 10:30.',
  'Your verification code is {n}. It expires in 10 minutes.',
  'Reminder: your balance of €{n} is due on the 15th.',
  'Reply YES to confirm or NO to cancel.',
  'Questions? Call us at +1 (555) 010-{n} (Mon-Fri, 9-5).',
  'Use code [SAVE{d}] for {d}% off your next visit!',
  'Reply STOP to opt out.',
];
// What turns a real body into UCS-2: accented lower-case letters, curly quotes, emoji, other scripts.
const UCS2_PIECES = [
  'ça',
  'não',
  'está',
  'día',
  '“thanks”',
  'it’s',
  '🎉',
  '👍🏽',
  '🇫🇷',
  'Спасибо',
  'ありがとう',
];

function bodies(count: number, ucs2: boolean, seed: number): string[] {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const result: string[] = [];
  for (let i = 0; i < count; i++) {
    const target = 80 + Math.floor(next() * 221);
    let body = `Hi ${pick(NAMES)},`;
    while (body.length < target) {
      const sentence = pick(SENTENCES)
        .replace('{n}', String(Math.floor(next() * 100_000)))
        .replace('{id}', next().toString(36).slice(2, 10))
        .replaceAll('{d}', String(1 + Math.floor(next() * 28)));
      body += ` ${sentence}`;
    }
    body = body.slice(0, target);
    if (ucs2) {
      const at = Math.floor(next() * body.length);
      body = `${body.slice(0, at)} ${pick(UCS2_PIECES)} ${body.slice(at)}`;
    }
    result.push(body);
  }
  return result;
}

/**
 * Microseconds of this process's CPU time (user + system) per body for `count(body)` over all bodies: CPU
 * time, not wall clock, so that other work on a shared machine does not count. The checksum keeps the work
 * observable.
 */
function measure(
  texts: string[],
  count: (body: string) => number,
): { microseconds: number; checksum: number } {
  let checksum = 0;
  const start = process.cpuUsage();
  for (const text of texts) checksum += count(text);
  const used = process.cpuUsage(start);
  return { microseconds: (used.user + used.system) / texts.length, checksum };
}

/**
 * Measures `countSegments` and the calculator on the same GSM-7 bodies, then on the same UCS-2 bodies
 * (80–300 characters), after a warm-up, and reports µs per message for each and the speed-up.
 * @example
 * const results = await benchSegments({ messages: 2000 });
 */
export async function benchSegments(options: BenchSegmentsOptions = {}): Promise<BenchResult[]> {
  const { messages = 20_000, log = console.log } = options;
  const ours = (body: string): number => countSegments(body).segments;
  const reference = (body: string): number => new SegmentedMessage(body).segmentsCount;
  const results: BenchResult[] = [];

  for (const [encoding, ucs2] of [
    ['GSM-7', false],
    ['UCS-2', true],
  ] as const) {
    const texts = bodies(messages, ucs2, ucs2 ? 2 : 1);
    // A stray non-GSM character would send "GSM-7" bodies down the slow path and understate the gain.
    if (texts.some((text) => countSegments(text).encoding !== encoding)) {
      throw new Error(`not every ${encoding} body is ${encoding}`);
    }
    const warmUp = texts.slice(0, Math.min(2_000, texts.length));
    measure(warmUp, ours);
    measure(warmUp.slice(0, 300), reference);
    // Let timers and I/O run between the long synchronous loops, so the process stays responsive.
    await new Promise((resolve) => setImmediate(resolve));

    const fast = measure(texts, ours);
    // The calculator takes milliseconds per body: timed on the first few thousand, which both count alike.
    const sample = texts.slice(0, Math.min(REFERENCE_BODIES, texts.length));
    const slow = measure(sample, reference);
    const sampled = measure(sample, ours).checksum;
    if (sampled !== slow.checksum) {
      throw new Error(
        `${encoding}: countSegments counted ${sampled} segments, the calculator ${slow.checksum}`,
      );
    }
    const ratio = slow.microseconds / fast.microseconds;
    log(
      `${encoding}: countSegments ${fast.microseconds.toFixed(3)} µs/msg, calculator ${slow.microseconds.toFixed(1)} µs/msg, ` +
        `${ratio.toFixed(1)}× (${texts.length} bodies, ${fast.checksum} segments)`,
    );
    results.push(
      { name: `countSegments ${encoding}`, value: fast.microseconds, unit: 'µs/msg' },
      { name: `sms-segments-calculator ${encoding}`, value: slow.microseconds, unit: 'µs/msg' },
      { name: `speed-up ${encoding}`, value: ratio, unit: '×' },
    );
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchSegments();
}
