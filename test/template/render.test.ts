import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RENDER_STEPS, MAX_RENDERED_LENGTH } from '../../src/template/index.js';
import { compile, countingArray, render, renderText } from '../helpers/template.js';

describe('render', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    ['keeps text without tags as it is', 'Your order has shipped.', {}, 'Your order has shipped.'],
    ['renders an empty template as an empty text', '', {}, ''],
    ['fills a placeholder from the row', 'Hi {{first_name}}!', { first_name: 'Ada' }, 'Hi Ada!'],
    ['trims the white space inside a tag', 'Hi {{ first_name }}!', { first_name: 'Ada' }, 'Hi Ada!'],
    ['never escapes {{x}}', '{{x}}', { x: `&<>"'\`=/` }, `&<>"'\`=/`],
    ['never escapes {{{x}}}', '{{{x}}}', { x: `&<>"'` }, `&<>"'`],
    ['never escapes {{& x}}', '{{& x}}', { x: `&<>"'` }, `&<>"'`],
    ['writes numbers as text', '{{n}} {{z}} {{f}}', { n: 42, z: 0, f: -1.5 }, '42 0 -1.5'],
    ['writes bigints as text', '{{id}}', { id: 12345678901234567890n }, '12345678901234567890'],
    ['writes booleans as text', '{{yes}} {{no}}', { yes: true, no: false }, 'true false'],
    [
      'writes a Date as ISO 8601',
      'at {{when}}',
      { when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) },
      'at 2024-01-02T03:04:05.000Z',
    ],
    ['writes a plain object as JSON', '{{o}}', { o: { a: 1, b: 'x' } }, '{"a":1,"b":"x"}'],
    ['writes an array as JSON', '{{a}}', { a: [1, 'two', null] }, '[1,"two",null]'],
    ['follows a dotted path', 'Hi {{customer.first_name}}', { customer: { first_name: 'Ada' } }, 'Hi Ada'],
    [
      'follows a dotted path through arrays',
      '{{items.1.name}}',
      { items: [{ name: 'a' }, { name: 'b' }] },
      'b',
    ],
    ['reads own properties of strings on a dotted path', '{{code.length}}', { code: 'abcd' }, '4'],
    ['treats a name starting with a dot as a plain key', '{{.x}}', { '.x': 'dot' }, 'dot'],
    ['renders {{.}} at the top as the row in JSON', '{{.}}', { a: 1 }, '{"a":1}'],
    [
      'iterates a section over an array',
      '{{#items}}[{{name}}]{{/items}}',
      { items: [{ name: 'a' }, { name: 'b' }] },
      '[a][b]',
    ],
    ['renders {{.}} for each element', '{{#tags}}{{.}},{{/tags}}', { tags: ['x', 'y'] }, 'x,y,'],
    ['pushes a truthy object as the context', '{{#c}}{{name}}{{/c}}', { c: { name: 'Ada' } }, 'Ada'],
    ['pushes a string as the context', '{{#s}}[{{.}}]{{/s}}', { s: 'hey' }, '[hey]'],
    ['pushes a number as the context', '{{#n}}[{{.}}]{{/n}}', { n: 7 }, '[7]'],
    [
      'renders a section once for true, in the current context',
      '{{#vip}}VIP {{name}}{{/vip}}',
      { vip: true, name: 'Ada' },
      'VIP Ada',
    ],
    [
      'renders a section once for a truthy bigint, in the current context',
      '{{#n}}{{.}}{{/n}}',
      { n: 2n },
      '{"n":2}',
    ],
    ['skips a section for false', 'a{{#x}}b{{/x}}c', { x: false }, 'ac'],
    ['skips a section for 0', 'a{{#x}}b{{/x}}c', { x: 0 }, 'ac'],
    ['skips a section for an empty string', 'a{{#x}}b{{/x}}c', { x: '' }, 'ac'],
    ['skips a section for null', 'a{{#x}}b{{/x}}c', { x: null }, 'ac'],
    ['skips a section for a missing field', 'a{{#x}}b{{/x}}c', {}, 'ac'],
    ['skips a section for an empty array', 'a{{#x}}b{{/x}}c', { x: [] }, 'ac'],
    ['renders an inverted section for a missing field', '{{^x}}none{{/x}}', {}, 'none'],
    ['renders an inverted section for false', '{{^x}}none{{/x}}', { x: false }, 'none'],
    ['renders an inverted section for an empty array', '{{^x}}none{{/x}}', { x: [] }, 'none'],
    ['skips an inverted section for a truthy value', '{{^x}}none{{/x}}', { x: 'yes' }, ''],
    ['skips an inverted section for a non-empty array', '{{^x}}none{{/x}}', { x: [1] }, ''],
    [
      'looks names up the context stack inside sections',
      '{{#items}}{{greeting}} {{name}}. {{/items}}',
      { greeting: 'Hi', items: [{ name: 'a' }, { name: 'b', greeting: 'Yo' }] },
      'Hi a. Yo b. ',
    ],
    [
      'looks dotted paths up the context stack',
      '{{#item}}{{shop.name}}{{/item}}',
      { shop: { name: 'S' }, item: { shop: {} } },
      'S',
    ],
    [
      'stops at an own undefined value instead of reading the parent',
      '{{#c}}[{{x}}]{{/c}}',
      { x: 'outer', c: { x: undefined } },
      '[]',
    ],
    [
      'reads a plain name from objects only, as mustache does',
      '{{#length}}{{length}}{{/length}}',
      { length: '100 yards' },
      '100 yards',
    ],
    ['renders missing values inside a section as empty', '{{#c}}[{{nope}}]{{/c}}', { c: {} }, '[]'],
    ['renders blank values inside a section as they are', '{{#c}}[{{n}}]{{/c}}', { c: { n: '  ' } }, '[  ]'],
    ['renders missing values inside an inverted section as empty', '{{^c}}[{{nope}}]{{/c}}', {}, '[]'],
    ['drops comments', 'a{{! a comment }}b', {}, 'ab'],
    ['honours set-delimiter tags', '{{=<% %>=}}Hi <%name%> {{x}}', { name: 'Ada' }, 'Hi Ada {{x}}'],
    ['strips standalone section lines as mustache does', 'a\n{{#x}}\nb\n{{/x}}\nc', { x: true }, 'a\nb\nc'],
    [
      'iterates nested sections',
      '{{#a}}{{#b}}{{.}}{{/b}};{{/a}}',
      { a: [{ b: [1, 2] }, { b: [3] }] },
      '12;3;',
    ],
    ['reads an own "constructor" key', '{{constructor}}', { constructor: 'own' }, 'own'],
    ['reads an own "__proto__" key', '{{__proto__}}', JSON.parse('{"__proto__":"own"}'), 'own'],
    [
      'reads rows with a null prototype',
      'Hi {{name}}',
      Object.assign(Object.create(null), { name: 'Ada' }),
      'Hi Ada',
    ],
  ])('%s', (_name, source, row, expected) => {
    expect(renderText(source, row)).toBe(expected);
  });

  it('renders the same template for many rows independently', () => {
    const template = compile('{{#items}}{{.}}{{/items}}|{{name}}');
    expect(template.render({ items: [1, 2], name: 'a' })).toEqual({ ok: true, text: '12|a' });
    expect(template.render({ items: [3], name: 'b' })).toEqual({ ok: true, text: '3|b' });
  });
});

describe('render: strict placeholders', () => {
  it.each<[string, Record<string, unknown>]>([
    ['missing', {}],
    ['undefined', { first_name: undefined }],
    ['null', { first_name: null }],
    ['an empty string', { first_name: '' }],
    ['only spaces', { first_name: '   ' }],
    ['only tabs, newlines and no-break spaces', { first_name: '\t\n\u00a0' }],
  ])('fails a row whose placeholder value is %s, naming the field', (_name, row) => {
    expect(render('Hi {{first_name}}!', row)).toEqual({
      ok: false,
      fields: ['first_name'],
      message:
        'Template field "first_name" is missing or empty in this row; fill it or wrap optional parts in ' +
        '{{#first_name}}…{{/first_name}}',
    });
  });

  it.each<[string, string, Record<string, unknown>, string[], string]>([
    [
      'names every missing field once, in order of appearance',
      '{{b}} {{a}} {{b}} {{c}} {{ok}}',
      { ok: 'yes', c: ' ' },
      ['b', 'a', 'c'],
      'Template fields "b", "a" and "c" are missing or empty in this row; fill them or wrap optional parts in sections such as {{#b}}…{{/b}}',
    ],
    [
      'reports missing fields and other problems together',
      '{{fn}} {{a}} {{b}}',
      { fn: () => 1 },
      ['fn', 'a', 'b'],
      'Template fields "a" and "b" are missing or empty in this row; fill them or wrap optional parts in sections such as {{#a}}…{{/a}}; Template field "fn" is a function; functions in rows are never called',
    ],
  ])('%s', (_name, source, row, fields, message) => {
    expect(render(source, row)).toEqual({ ok: false, fields, message });
  });

  it('names a missing dotted path as written', () => {
    const result = render('Hi {{customer.first_name}}', { customer: {} });
    expect(result).toMatchObject({ ok: false, fields: ['customer.first_name'] });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'treats the prototype name "%s" as missing when the row has no such own key',
    (name) => {
      expect(render(`{{${name}}}`, { a: 1 })).toMatchObject({ ok: false, fields: [name] });
      expect(renderText(`[{{#${name}}}x{{/${name}}}]`, { a: 1 })).toBe('[]');
      expect(renderText(`{{#a}}[{{${name}}}]{{/a}}`, { a: 'str' })).toBe('[]');
    },
  );

  it('does not follow a dotted path into a prototype', () => {
    expect(render('{{a.constructor.name}}', { a: {} })).toMatchObject({
      ok: false,
      fields: ['a.constructor.name'],
    });
    expect(render('{{n.toFixed}}', { n: 1 })).toMatchObject({ ok: false, fields: ['n.toFixed'] });
    expect(render('{{a.b}}', { a: null })).toMatchObject({ ok: false, fields: ['a.b'] });
  });

  it('accepts values that are present but falsy', () => {
    expect(renderText('{{z}}/{{f}}', { z: 0, f: false })).toBe('0/false');
  });
});

describe('render: values that cannot be rendered', () => {
  const throwing = Object.defineProperty({}, 'x', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  const cyclic: { a: number; self?: unknown } = { a: 1 };
  cyclic.self = cyclic;
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const badArray = new Proxy([1, 2], {
    get(target, key, receiver) {
      if (key === '1') throw new Error('boom');
      return Reflect.get(target, key, receiver);
    },
  });

  it.each<[string, string, Record<string, unknown>, string]>([
    [
      'a function value',
      '{{fn}}',
      { fn: () => 'x' },
      'Template field "fn" is a function; functions in rows are never called',
    ],
    [
      'a function inside a section',
      '{{#c}}{{fn}}{{/c}}',
      { c: { fn() {} } },
      'Template field "fn" is a function; functions in rows are never called',
    ],
    [
      'a function as a section lambda',
      '{{#fn}}x{{/fn}}',
      { fn: () => 'x' },
      'Template field "fn" is a function; functions in rows are never called',
    ],
    [
      'a function as an inverted section',
      '{{^fn}}x{{/fn}}',
      { fn: () => 'x' },
      'Template field "fn" is a function; functions in rows are never called',
    ],
    [
      'a function on a dotted path',
      '{{fn.name}}',
      { fn: () => 'x' },
      'Template field "fn.name" is a function; functions in rows are never called',
    ],
    ['a symbol value', '{{s}}', { s: Symbol('s') }, 'Template field "s" is a symbol, which has no text form'],
    [
      'a symbol as a section',
      '{{#s}}x{{/s}}',
      { s: Symbol('s') },
      'Template field "s" is a symbol, which has no text form',
    ],
    ['an invalid Date', '{{d}}', { d: new Date('nope') }, 'Template field "d" is an invalid Date'],
    [
      'an invalid Date inside an object',
      '{{o}}',
      { o: { d: new Date('nope') } },
      'Template field "o" cannot be written as JSON: it contains an invalid Date',
    ],
    [
      'a cyclic object',
      '{{o}}',
      { o: cyclic },
      'Template field "o" cannot be written as JSON: it contains a cycle (an object that contains itself)',
    ],
    [
      'a cyclic array',
      '{{o}}',
      {
        o: (() => {
          const a: unknown[] = [];
          a.push(a);
          return a;
        })(),
      },
      'Template field "o" cannot be written as JSON: it contains a cycle (an object that contains itself)',
    ],
    [
      'a getter that throws',
      '{{x}}',
      throwing,
      'Template field "x" could not be read: reading it threw an error',
    ],
    [
      'a getter that throws, as a section',
      '{{#x}}y{{/x}}',
      throwing,
      'Template field "x" could not be read: reading it threw an error',
    ],
    [
      'a getter that throws inside an object',
      '{{o}}',
      { o: throwing },
      'Template field "o" cannot be written as JSON: reading one of its values threw an error',
    ],
    [
      'a revoked proxy as a section',
      '{{#p}}{{x}}{{/p}}',
      { p: revoked.proxy },
      'Template field "p" could not be read: reading it threw an error',
    ],
    [
      'a revoked proxy as the context',
      '{{#p}}{{x}}{{/p}}',
      { p: [revoked.proxy] },
      'Template field "x" could not be read: reading it threw an error',
    ],
    [
      'an array whose element cannot be read',
      '{{#a}}{{.}}{{/a}}',
      { a: badArray },
      'Template field "a" could not be read: reading it threw an error',
    ],
  ])('fails the row for %s, naming the field', (_name, source, row, message) => {
    const result = render(source, row);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe(message);
    expect(result.fields).toHaveLength(1);
  });

  it('neither mutates the row nor any prototype', () => {
    const row = {
      name: 'Ada',
      items: [{ n: 1 }, { n: 2 }],
      nested: { d: new Date(0), list: [1, 'x'] },
    };
    const before = structuredClone(row);
    const objectKeys = Object.getOwnPropertyNames(Object.prototype);
    const arrayKeys = Object.getOwnPropertyNames(Array.prototype);
    deepFreeze(row);
    expect(
      renderText(
        '{{name}} {{#items}}{{n}}{{/items}} {{nested}} {{nested.list.1}} {{.}} {{#nested}}{{d}}{{/nested}}',
        row,
      ),
    ).toContain('Ada 12');
    expect(row).toEqual(before);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(objectKeys);
    expect(Object.getOwnPropertyNames(Array.prototype)).toEqual(arrayKeys);
  });

  it('never throws, whatever the row holds', () => {
    const template = compile(
      '{{a}}{{{b}}}{{c.d.e}}{{#a}}{{.}}{{b}}{{/a}}{{^b}}{{c}}{{/b}}{{#c}}{{#d}}{{.}}{{/d}}{{/c}}{{constructor}}',
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('a', 'b', 'c', 'd', 'e', '__proto__'),
          fc.anything({
            withBigInt: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withTypedArray: true,
            withNullPrototype: true,
            withSparseArray: true,
            withBoxedValues: true,
          }),
        ),
        (row) => {
          const result = template.render(row);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });
});

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}

describe('render: caps on a huge row', () => {
  it('refuses a value over the rendered-length cap without writing it', () => {
    expect(render('Hi {{name}}', { name: 'x'.repeat(MAX_RENDERED_LENGTH + 1) })).toEqual({
      ok: false,
      fields: ['name'],
      message:
        'Template field "name" is too large for a message: over 65,536 characters (Twilio accepts at most 1,600 per message)',
    });
  });

  it('refuses a message that grows over the cap from values each under it', () => {
    const half = 'x'.repeat(MAX_RENDERED_LENGTH / 2);
    expect(render('{{a}}{{b}}{{c}}', { a: half, b: half, c: 'y' })).toEqual({
      ok: false,
      fields: ['c'],
      message:
        'The message for this row would be over 65,536 characters (at "c"); Twilio accepts at most 1,600 per message (error 21617)',
    });
  });

  it('refuses fixed text that takes the message over the cap, naming no field', () => {
    expect(render('{{a}}!', { a: 'x'.repeat(MAX_RENDERED_LENGTH) })).toEqual({
      ok: false,
      fields: [],
      message:
        'The message for this row would be over 65,536 characters; Twilio accepts at most 1,600 per message (error 21617)',
    });
  });

  it('refuses a section whose fixed text repeats over the cap', () => {
    const result = render('{{#items}}0123456789{{/items}}', { items: new Array(10_000).fill(1) });
    expect(result).toMatchObject({ ok: false, fields: ['items'] });
    expect(result.ok || result.message).toMatch(/^The message for this row would be over 65,536 characters/);
  });

  it('stops a section over a huge array at the step cap, reading no more of it', () => {
    const { array: items, reads } = countingArray(2 ** 28);
    expect(render('{{#items}}{{/items}}', { items })).toEqual({
      ok: false,
      fields: ['items'],
      message:
        'The template takes over 100,000 steps to render for this row: section "items" repeats over too many items for one message',
    });
    expect(reads()).toBeLessThanOrEqual(MAX_RENDER_STEPS);
  });

  it('counts the steps of nested sections together', () => {
    const items = new Array(400).fill({});
    const result = render('{{#a}}{{#a}}{{/a}}{{/a}}', { a: items });
    expect(result).toMatchObject({ ok: false, fields: ['a'] });
  });

  it('renders a long but reasonable section in full', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ n: i }));
    expect(renderText('{{#items}}{{n}},{{/items}}', { items })).toBe(
      items.map((item) => `${item.n},`).join(''),
    );
  });

  it('is exactly at the cap when the message is exactly the cap long', () => {
    expect(renderText('{{a}}', { a: 'x'.repeat(MAX_RENDERED_LENGTH) })).toHaveLength(MAX_RENDERED_LENGTH);
  });
});
