import calculator from 'sms-segments-calculator';
import { describe, expect, it } from 'vitest';
import { complexStretch, simpleUnit } from '../src/graphemes.js';

describe('simpleUnit', () => {
  it.each<[string, string, boolean]>([
    ['a Latin letter', 'a', true],
    ['a precomposed accented letter', 'ç', true],
    ['a CJK ideograph', '日', true],
    ['a Cyrillic letter', 'С', true],
    ['a combining mark (Extend)', '\u0301', false],
    ['the zero-width joiner', '\u200d', false],
    ['a variation selector', '\ufe0f', false],
    ['a spacing mark', '\u093e', false],
    ['a prepended mark', '\u0600', false],
    ['a character that glues after ZWJ', '♀', false],
    ['CR', '\r', false],
    ['LF', '\n', false],
    ['a Hangul syllable', '각', false],
    ['a Hangul jamo', '\u1100', false],
    ['a high surrogate', '\ud83d', false],
    ['a low surrogate', '\ude00', false],
  ])('says whether %s is a cluster of its own', (_name, char, expected) => {
    expect(simpleUnit(char.charCodeAt(0))).toBe(expected);
    // Asked twice: the second answer comes from the table and must not differ.
    expect(simpleUnit(char.charCodeAt(0))).toBe(expected);
  });
});

describe('complexStretch', () => {
  it.each<[string, string, number, number[]]>([
    ['a letter and its combining mark, up to the next simple pair', 'e\u0301!!', 0, [2, 1]],
    ['an emoji with a skin tone', '👍🏽 ok', 0, [4, 1]],
    ['CR LF as one cluster', '\r\nab', 0, [2, 1]],
    ['two flags', '🇫🇷🇯🇵 x', 0, [4, 4, 1]],
    ['an odd regional indicator alone', '🇫🇷🇯 x', 0, [4, 2, 1]],
    ['a ZWJ family', 'a👨‍👩‍👧 b', 1, [8, 1]],
    ['a lone high surrogate', '\ud83dab', 0, [1, 1]],
    ['a stretch that runs to the end', 'x\u0301', 0, [2]],
    ['a prepended mark joining the letter after it', '\u0600ab', 0, [2]],
  ])('splits %s where the calculator does', (_name, text, start, expected) => {
    expect(complexStretch(text, start)).toEqual(expected);
    const stretch = text.slice(start, start + expected.reduce((sum, n) => sum + n, 0));
    expect(new calculator.SegmentedMessage(stretch).graphemes.map((g: string) => g.length)).toEqual(
      stretch === '\r\na' || stretch.startsWith('\r\n') ? [1, 1, ...expected.slice(1)] : expected,
    );
  });

  it('remembers a stretch it has split', () => {
    expect(complexStretch('🎉 party', 0)).toBe(complexStretch('🎉 party', 0));
  });

  it('still splits correctly after forgetting the stretches it remembered', () => {
    const first = complexStretch('\u0300\u0301 a', 0);
    for (let code = 0x4e00; code < 0x4e00 + 2100; code++)
      complexStretch(`${String.fromCharCode(code)}\u0301 a`, 0);
    const again = complexStretch('\u0300\u0301 a', 0);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });
});
