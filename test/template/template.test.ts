import fc from 'fast-check';
import Mustache from 'mustache';
import { describe, expect, it, vi } from 'vitest';
import { type CompiledTemplate, compileTemplate } from '../../src/template/template.js';

function compile(source: string): CompiledTemplate {
  const result = compileTemplate(source);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(source)} to compile: ${result.message}`);
  return result.template;
}

function render(source: string, row: Record<string, unknown>): ReturnType<CompiledTemplate['render']> {
  return compile(source).render(row);
}

function renderText(source: string, row: Record<string, unknown>): string {
  const result = render(source, row);
  if (!result.ok) throw new Error(`expected a text, got: ${result.message}`);
  return result.text;
}

describe('compileTemplate: rendering', () => {
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
    expect(renderText('{{v}}', { v: value })).toBe(expected);
  });

  it('writes plain data exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), (value) => {
        expect(renderText('{{v}}', { v: value })).toBe(JSON.stringify(value));
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
    expect(renderText('{{when}}', { when })).toBe('1970-01-01T00:00:00.000Z');
  });

  it('ignores a change to the global mustache delimiters', () => {
    const saved = Mustache.tags;
    Mustache.tags = ['<%', '%>'];
    try {
      expect(renderText('{{a}} <%a%>', { a: 'x' })).toBe('x <%a%>');
    } finally {
      Mustache.tags = saved;
    }
  });

  it('does not parse again when rendering', () => {
    const template = compile('Hi {{name}}');
    const parse = vi.spyOn(Mustache.Writer.prototype, 'parse');
    template.render({ name: 'a' });
    template.render({ name: 'b' });
    expect(parse).not.toHaveBeenCalled();
  });

  it('renders the same template for many rows independently', () => {
    const template = compile('{{#items}}{{.}}{{/items}}|{{name}}');
    expect(template.render({ items: [1, 2], name: 'a' })).toEqual({ ok: true, text: '12|a' });
    expect(template.render({ items: [3], name: 'b' })).toEqual({ ok: true, text: '3|b' });
  });
});

describe('compileTemplate: strict placeholders', () => {
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

  it('names every missing field once, in order of appearance', () => {
    expect(render('{{b}} {{a}} {{b}} {{c}} {{ok}}', { ok: 'yes', c: ' ' })).toEqual({
      ok: false,
      fields: ['b', 'a', 'c'],
      message:
        'Template fields "b", "a" and "c" are missing or empty in this row; fill them or wrap optional parts ' +
        'in sections such as {{#b}}…{{/b}}',
    });
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

describe('compileTemplate: values that cannot be rendered', () => {
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

  it('reports missing fields and other problems together', () => {
    expect(render('{{fn}} {{a}} {{b}}', { fn: () => 1 })).toEqual({
      ok: false,
      fields: ['fn', 'a', 'b'],
      message:
        'Template fields "a" and "b" are missing or empty in this row; fill them or wrap optional parts in ' +
        'sections such as {{#a}}…{{/a}}; Template field "fn" is a function; functions in rows are never called',
    });
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

describe('compileTemplate: compile errors', () => {
  it.each<[string, string, string, number]>([
    [
      'an unclosed section',
      'Hi {{#items}}x',
      'Unclosed section "items" opened at line 1, column 4 (position 3): add {{/items}} where the section ends',
      3,
    ],
    [
      "a section closed by another section's tag",
      '{{#a}}{{#b}}{{/a}}',
      'Unclosed section "b" opened at line 1, column 7 (position 6): "{{/a}}" at line 1, column 13 (position 12) ' +
        'comes before its closing {{/b}}',
      6,
    ],
    [
      'a closing tag with no opening',
      'x\n  {{/a}}',
      'Unopened section "a": "{{/a}}" at line 2, column 3 (position 4) closes a section that was never opened; ' +
        'add {{#a}} before it or remove it',
      4,
    ],
    [
      'an unclosed tag',
      'Hi {{name',
      'Unclosed tag "{{name" opened at line 1, column 4 (position 3): close it with "}}"',
      3,
    ],
    [
      'an unclosed tag, shortening a long rest of the template',
      '{{name and a very long text after it',
      'Unclosed tag "{{name and a very l…" opened at line 1, column 1 (position 0): close it with "}}"',
      0,
    ],
    [
      'an unclosed triple mustache',
      '{{{x}}',
      'Unclosed tag "{{{x}}" opened at line 1, column 1 (position 0): close it with "}}}"',
      0,
    ],
    [
      'a set-delimiter tag with one delimiter',
      'a\nb {{=<%=}}',
      'Invalid set-delimiter tag "{{=<%=}}" at line 2, column 3 (position 4): give two delimiters separated by ' +
        'a space, such as {{=<% %>=}}',
      4,
    ],
    [
      'an unclosed section after a delimiter change, in the new delimiters',
      '{{=<% %>=}}<%#a%>',
      'Unclosed section "a" opened at line 1, column 12 (position 11): add <%/a%> where the section ends',
      11,
    ],
    [
      'an empty tag',
      'a\n {{ }}',
      'Empty tag "{{ }}" at line 2, column 2 (position 3): put a field name inside it',
      3,
    ],
    [
      'an empty section name',
      '{{#x}}{{#}}{{/}}{{/x}}',
      'Empty tag "{{#}}" at line 1, column 7 (position 6): put a field name inside it',
      6,
    ],
  ])('refuses %s as template_syntax with its position', (_name, source, message, position) => {
    expect(compileTemplate(source)).toEqual({ ok: false, code: 'template_syntax', message, position });
  });

  it.each([
    ['{{> footer}}', 0, '{{> footer}}'],
    ['Hi {{#a}}{{>footer}}{{/a}}', 9, '{{>footer}}'],
  ])('refuses the partial in %j as template_partial', (source, position, tag) => {
    expect(compileTemplate(source)).toEqual({
      ok: false,
      code: 'template_partial',
      message:
        `The template uses the partial "${tag}" at line 1, column ${position + 1} (position ${position}), but ` +
        'partials are not supported; write its text into the template itself',
      position,
    });
  });

  it('refuses a template that is not text', () => {
    expect(compileTemplate(42 as unknown as string)).toEqual({
      ok: false,
      code: 'template_syntax',
      message: 'The template must be text (got number)',
    });
  });

  it('explains, with a position, every template that mustache refuses to parse', () => {
    const piece = fc.constantFrom(
      '{{',
      '}}',
      '{{{',
      '}}}',
      '#',
      '^',
      '/',
      '=',
      '>',
      '!',
      '&',
      'a',
      'b',
      ' ',
      '\n',
      '<%',
      '%>',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 16 }).map((pieces) => pieces.join('')),
        (source) => {
          let mustacheThrows = false;
          try {
            new Mustache.Writer().parse(source, ['{{', '}}']);
          } catch {
            mustacheThrows = true;
          }
          const result = compileTemplate(source);
          if (mustacheThrows) {
            expect(result).toMatchObject({
              ok: false,
              code: 'template_syntax',
              position: expect.any(Number),
            });
          } else if (!result.ok) {
            // Beyond mustache, only partials and empty tags are refused.
            expect(result.message).toMatch(/^(The template uses the partial|Empty tag)/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('compileTemplate: what the compiled template reports', () => {
  it('lists every field once, in order of first appearance, with dotted paths as written', () => {
    const template = compile(
      'Hi {{first_name}} {{! note }}{{#orders}}{{id}} {{.}} {{customer.first_name}}{{/orders}}{{^orders}}' +
        '{{first_name}}{{/orders}}{{{raw}}}{{& amp}}{{=<% %>=}}<%late%>',
    );
    expect(template.fields).toEqual([
      'first_name',
      'orders',
      'id',
      'customer.first_name',
      'raw',
      'amp',
      'late',
    ]);
  });

  it('keeps the source and the fixed text of every section', () => {
    const source = 'Hi {{name}}, {{#vip}}thanks 🎉{{/vip}}{{^vip}}welcome{{/vip}}{{! hidden }}.';
    const template = compile(source);
    expect(template.source).toBe(source);
    expect(template.fixedText).toBe('Hi , thanks 🎉welcome.');
    expect(template.fixedTextLength).toBe('Hi , thanks 🎉welcome.'.length);
    expect(template.fixedTextLength).toBe(22);
  });

  it('cannot be changed after compiling', () => {
    const template = compile('{{a}}');
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.fields)).toBe(true);
  });
});

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}
