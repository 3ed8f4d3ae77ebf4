/**
 * Seeded random message bodies for checking `countSegments` against Twilio's calculator: every kind of text
 * that decides encoding or splitting, at lengths around every segment boundary. Shared by the suite's
 * property test and the 100,000-string oracle run in bench/ (too slow for the suite: the calculator takes
 * up to milliseconds per body).
 */
import calculator from 'sms-segments-calculator';
import type { SegmentInfo } from '../../src/segments.js';
import { mulberry32 } from '../../src/simulator/faults.js';

const { SegmentedMessage } = calculator;

/** Twilio's calculator, reduced to our shape: the oracle. */
export function reference(body: string, smartEncoded = false): SegmentInfo {
  const message = new SegmentedMessage(body, 'auto', smartEncoded);
  return {
    encoding: message.encodingName,
    segments: message.segmentsCount,
    nonGsmCharacters: [...new Set(message.getNonGsmCharacters())],
  };
}

const chars = (text: string): string[] => [...text];
const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));

/** Pieces of text by kind; a body is built from one to three kinds. */
export const PIECES: Record<string, readonly string[]> = {
  gsmBasic: [
    ...chars(
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
    ),
    '\r\n',
  ],
  gsmExtension: chars('\f[\\]^{|}~€'),
  accented: [...chars('çáíóúâêîôûãõëïÿœŁłŠšŽžĆćĘęŐőŰű'), 'e\u0301', 'n\u0303', 'a\u030a', 'o\u0308'],
  smartReplaceable: [...chars('“”‘’–—…`\u00a0\t\u200b\u2022«»‹›'), 'e\u0302'],
  emoji: ['😀', '🎉', '👍', '👍🏽', '👋🏿', '❤️', '🙏', '☺', '☺️', '✌🏻', '🫶🏼', '🔥', '©', '®', '‼️'],
  zwj: ['👨‍👩‍👧', '👩🏽‍💻', '🧑‍🤝‍🧑', '🏳️‍🌈', '👨‍❤️‍👨', '🧔🏾‍♂️', '\u200d', '👩\u200d', '\u200d♀'],
  flags: ['🇫🇷', '🇺🇸', '🇯🇵', '🇩🇪', '🇫', '🇷'],
  cjk: [...chars('日本語のテキストです。中文短信测试。한국어 문자'), ...range(0x4e00, 0x4e40)],
  hangulJamo: [...range(0x1100, 0x1112), ...range(0x1161, 0x1175), ...range(0x11a8, 0x11c2), '각', '\ud7b0'],
  combining: [...range(0x0300, 0x036f), '\u0e31', '\u093e', '\u094d', '\ufe0f', '\ufe0e', '\u20e3', '\u0903'],
  otherScripts: [...chars('Спасибо Ελληνικά עברית العربية हिन्दी ไทย'), '\u0600', '\u06dd', '\u0d4e'],
  loneSurrogates: ['\ud83d', '\ude00', '\udbff', '\udc00', 'a\ud800b'],
  controls: ['\u0000', '\u0007', '\u007f', '\u0085', '\u2028', '\u2029', '\u200e', '\ufeff', '\u00ad'],
  anyBmp: [], // drawn at random below
  anyAstral: [], // drawn at random below
};
const KINDS = Object.keys(PIECES);

/** Lengths (UTF-16 code units) where a message gains a segment, in either encoding. */
const BOUNDARIES = [1, 67, 70, 134, 140, 153, 160, 201, 268, 306, 335, 402, 459, 469, 536, 603, 612, 670];

/** Options for {@link randomBodies}. */
export interface RandomBodiesOptions {
  /** How many bodies. */
  count: number;
  /** Seed for the generator, so a failure can be replayed. */
  seed: number;
}

/**
 * `count` bodies from `seed`: each mixes one to three kinds of text (mostly GSM-7 with something else, as
 * real messages are) and ends near a segment boundary (within ±3 code units) or at a random length.
 * @example
 * for (const body of randomBodies({ count: 10, seed: 1 })) console.log(JSON.stringify(body));
 */
export function* randomBodies(options: RandomBodiesOptions): Generator<string> {
  const next = mulberry32(options.seed);
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const piece = (kind: string): string => {
    if (kind === 'anyBmp') return String.fromCharCode(int(0x10000));
    if (kind === 'anyAstral') return String.fromCodePoint(0x10000 + int(0x100000));
    return pick(PIECES[kind] as readonly string[]);
  };
  for (let n = 0; n < options.count; n++) {
    const kinds = Array.from({ length: 1 + int(3) }, () => pick(KINDS));
    // Mostly plain GSM text with the chosen kinds sprinkled in, sometimes nothing but the chosen kinds.
    const gsmShare = pick([0, 0.5, 0.9, 0.98]);
    const target = next() < 0.8 ? Math.max(0, pick(BOUNDARIES) + int(7) - 3) : int(500);
    let body = '';
    while (body.length < target) body += next() < gsmShare ? piece('gsmBasic') : piece(pick(kinds));
    // Land exactly on the target length sometimes, even if that cuts a sequence (as a template can).
    if (next() < 0.5) body = body.slice(0, target);
    yield body;
  }
}

/** A body on which `countSegments` and the calculator disagree. */
export interface Mismatch {
  body: string;
  smartEncoded: boolean;
  ours: SegmentInfo;
  calculator: SegmentInfo;
}

/**
 * Counts `count` random bodies from `seed` both ways, each plain or smart-encoded (alternately), and returns
 * the first `limit` disagreements (encoding, segments or the non-GSM characters, in order).
 * @example
 * const mismatches = compareWithCalculator(countSegments, { count: 1000, seed: 7 });
 */
export function compareWithCalculator(
  count: (body: string, options: { smartEncoded: boolean }) => SegmentInfo,
  options: RandomBodiesOptions & { limit?: number },
): Mismatch[] {
  const mismatches: Mismatch[] = [];
  let n = 0;
  for (const body of randomBodies(options)) {
    const smartEncoded = n++ % 2 === 1;
    const ours = count(body, { smartEncoded });
    const expected = reference(body, smartEncoded);
    if (
      ours.encoding !== expected.encoding ||
      ours.segments !== expected.segments ||
      ours.nonGsmCharacters.join('\u0000') !== expected.nonGsmCharacters.join('\u0000') ||
      ours.nonGsmCharacters.length !== expected.nonGsmCharacters.length
    ) {
      mismatches.push({ body, smartEncoded, ours, calculator: expected });
      if (mismatches.length >= (options.limit ?? 5)) break;
    }
  }
  return mismatches;
}
