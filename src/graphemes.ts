/**
 * Grapheme clusters exactly as Twilio's calculator draws them, fast: which code units are clusters of their
 * own, and the UTF-16 length of each cluster elsewhere, without allocating a string per cluster.
 *
 * The calculator splits with `grapheme-splitter` (Unicode 10 rules, with its own quirks), which takes
 * microseconds per character. We ask that same splitter, loaded from the calculator's own dependency so the
 * two cannot drift, but only where a cluster can be longer than one code unit. Most text (Latin, Cyrillic,
 * Greek, CJK, punctuation) is made of "simple" code units: ones that never join the character before or
 * after them. Between two simple code units there is always a break, so a run of them is counted one code
 * unit per cluster; everything else (surrogate pairs, combining marks, ZWJ, variation selectors, Hangul jamo,
 * CR/LF, prepended marks) goes to the splitter a short stretch at a time, remembered by its text.
 */
import { createRequire } from 'node:module';

interface Splitter {
  nextBreak(text: string, index: number): number;
  splitGraphemes(text: string): string[];
}

/** The calculator's own splitter: resolved from `sms-segments-calculator`, not from this package. */
const splitter = ((): Splitter => {
  const fromPackage = createRequire(import.meta.url);
  const fromCalculator = createRequire(fromPackage.resolve('sms-segments-calculator'));
  const GraphemeSplitter = fromCalculator('grapheme-splitter') as new () => Splitter;
  return new GraphemeSplitter();
})();

const UNKNOWN = 0;
const SIMPLE = 1;
const COMPLEX = 2;
/** Per BMP code unit: not yet classified, simple, or complex. Filled lazily, one code unit at a time. */
const kinds = new Uint8Array(0x10000);
for (let code = 0xd800; code <= 0xdfff; code++) kinds[code] = COMPLEX; // surrogates
kinds[0x0a] = COMPLEX; // LF: joins a preceding CR
kinds[0x0d] = COMPLEX; // CR: joins a following LF
// Hangul jamo and syllables join one another (GB6–GB8); marked whole rather than property by property.
for (const [from, to] of [
  [0x1100, 0x11ff],
  [0xa960, 0xa97f],
  [0xac00, 0xd7ff],
]) {
  for (let code = from as number; code <= (to as number); code++) kinds[code] = COMPLEX;
}

/**
 * Whether `code` is simple, asked of the splitter itself: it must break after a letter (so it is not Extend,
 * ZWJ or SpacingMark), before a letter (not Prepend), and after a ZWJ (not Glue_After_Zwj). A simple code
 * unit then breaks against any other simple one under every rule of the splitter.
 */
function kind(code: number): number {
  const known = kinds[code] as number;
  if (known !== UNKNOWN) return known;
  const char = String.fromCharCode(code);
  const simple =
    splitter.nextBreak(`a${char}`, 0) === 1 &&
    splitter.nextBreak(`${char}a`, 0) === 1 &&
    splitter.nextBreak(`\u200d${char}`, 0) === 1;
  const result = simple ? SIMPLE : COMPLEX;
  kinds[code] = result;
  return result;
}

/**
 * Whether the BMP code unit `code` is simple: a cluster of its own whenever its neighbours are simple too.
 * @example
 * simpleUnit(0x61); // true ('a')
 * simpleUnit(0x301); // false (combining acute accent)
 */
export function simpleUnit(code: number): boolean {
  return kind(code) === SIMPLE;
}

/** Cluster lengths of recently seen complex stretches; cleared when full, so it stays small. */
const stretches = new Map<string, readonly number[]>();
const MAX_STRETCHES = 2048;

/**
 * The UTF-16 lengths of the clusters from `start` (a cluster break) to the end of its complex stretch, exactly
 * where the calculator's splitter puts the breaks (a CR LF pair is one cluster here: the calculator splits it
 * afterwards). Callers take it where `text[start]` or `text[start + 1]` is not simple.
 *
 * A stretch runs to the next pair of simple code units: there is always a break before a simple code unit
 * that follows another (nothing joins a simple one), so the stretch can be split on its own, and the same
 * stretch (an emoji, an accent) recurs often enough to be remembered.
 * @example
 * complexStretch('e\u0301!!', 0); // [2, 1]: 'é' then '!', and the stretch ends before the second '!'
 */
export function complexStretch(text: string, start: number): readonly number[] {
  const end = text.length;
  let j = start + 1;
  while (j < end && !(kind(text.charCodeAt(j)) === SIMPLE && kind(text.charCodeAt(j - 1)) === SIMPLE)) j++;
  const stretch = text.slice(start, j);
  const known = stretches.get(stretch);
  if (known !== undefined) return known;
  const lengths = splitter.splitGraphemes(stretch).map((cluster) => cluster.length);
  if (stretches.size >= MAX_STRETCHES) stretches.clear();
  stretches.set(stretch, lengths);
  return lengths;
}
