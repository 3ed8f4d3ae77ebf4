import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { formatValue } from '../../src/template/json.js';
import { countingArray, render } from '../helpers/template.js';

const text = (value: unknown, maxLength = 65_536) => formatValue('v', value, maxLength);

describe('formatValue', () => {
  it.each<[string, unknown, string]>([
    [
      'leaves out undefined, functions and symbols in objects',
      { a: undefined, b: () => 1, c: Symbol('s'), d: 1 },
      '{"d":1}',
    ],
    [
      'writes undefined, functions and symbols in arrays as null',
      [undefined, () => 1, Symbol('s')],
      '[null,null,null]',
    ],
    ['writes non-finite numbers as null', [Number.NaN, Number.POSITIVE_INFINITY, -0], '[null,null,0]'],
    ['writes nested dates as quoted ISO 8601', { at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}'],
    ['writes nested bigints as their digits', { id: 9007199254740993n }, '{"id":9007199254740993}'],
    ['writes nested booleans and null', { t: true, f: false, n: null }, '{"t":true,"f":false,"n":null}'],
    [
      'accepts an object used twice without a cycle',
      (() => {
        const shared = { x: 1 };
        return { a: shared, b: [shared] };
      })(),
      '{"a":{"x":1},"b":[{"x":1}]}',
    ],
    ['writes a Map the way JSON.stringify does', new Map([['a', 1]]), '{}'],
    ['ignores an own toJSON method instead of calling it', { toJSON: () => 'called', a: 1 }, '{"a":1}'],
  ])('JSON: %s', (_name, value, expected) => {
    expect(text(value)).toEqual({ ok: true, text: expected });
  });

  it('writes plain data exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), (value) => {
        expect(text(value)).toEqual({ ok: true, text: JSON.stringify(value) });
      }),
    );
  });

  it('never calls a function that a toJSON or section lambda would call', () => {
    const lambda = vi.fn(() => 'called');
    const toJSON = vi.fn(() => 'called');
    render('{{#l}}x{{/l}}{{^l}}y{{/l}}{{o}}', { l: lambda, o: { toJSON } });
    expect(lambda).not.toHaveBeenCalled();
    expect(toJSON).not.toHaveBeenCalled();
  });

  it('ignores a Date own toISOString and uses the real date', () => {
    const when = new Date(0);
    Object.defineProperty(when, 'toISOString', { value: () => 'fake' });
    expect(text(when)).toEqual({ ok: true, text: '1970-01-01T00:00:00.000Z' });
  });

  it.each<[string, unknown, string]>([
    ['a string', 'Ada', 'Ada'],
    ['a number', -1.5, '-1.5'],
    ['a bigint', 12345678901234567890n, '12345678901234567890'],
    ['a boolean', false, 'false'],
    ['a Date', new Date(Date.UTC(2024, 0, 2)), '2024-01-02T00:00:00.000Z'],
    ['a typed array, as JSON.stringify writes it', new Uint8Array([1, 2]), '{"0":1,"1":2}'],
  ])('writes %s', (_name, value, expected) => {
    expect(text(value)).toEqual({ ok: true, text: expected });
  });

  const tooLarge = {
    ok: false,
    message:
      'Template field "v" is too large for a message: over 100 characters (Twilio accepts at most 1,600 per message)',
  };

  it.each<[string, unknown]>([
    ['a string', 'x'.repeat(101)],
    ['an array', Array.from({ length: 30 }, (_, i) => i * 1000)],
    ['an object', Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]))],
    ['a string inside an object', { a: 'x'.repeat(200) }],
    ['a sparse array of 2^28 items', new Array(2 ** 28)],
    ['a typed array of 2^20 items', new Uint8Array(2 ** 20)],
  ])('refuses %s longer than the budget, naming the field', (_name, value) => {
    expect(text(value, 100)).toEqual(tooLarge);
  });

  it('keeps a value of exactly the budget', () => {
    expect(text('x'.repeat(100), 100)).toEqual({ ok: true, text: 'x'.repeat(100) });
    expect(text(['x'.repeat(95)], 100)).toEqual({ ok: true, text: `["${'x'.repeat(95)}"]` });
  });

  it('reads no more of a huge array than the budget allows', () => {
    const { array: counted, reads } = countingArray(2 ** 28);
    expect(text(counted, 1000)).toMatchObject({ ok: false });
    // Each element costs at least "null," (5 characters) of the budget; the one read past it is refused.
    expect(reads()).toBeLessThanOrEqual(1000 / 5 + 1);
  });
});
