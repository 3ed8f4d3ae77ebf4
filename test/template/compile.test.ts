import Mustache from 'mustache';
import { describe, expect, it, vi } from 'vitest';
import { compileTemplate, MAX_SECTION_DEPTH } from '../../src/template/index.js';
import { compile, renderText } from '../helpers/template.js';

describe('compileTemplate', () => {
  it.each<[string, string, string, number]>([
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
    [
      'a tag that runs into the next one',
      'Hi {{first_name, your order {{order_id}}',
      'Invalid field name "first_name, your order {{order_id" in the tag at line 1, column 4 (position 3): it contains "{{", so this tag is probably missing its closing "}}" and runs into the next tag; close each tag with "}}" right after its field name',
      3,
    ],
    [
      'a brace inside the name',
      'a\n{{first}name}}',
      'Invalid field name "first}name" in the tag at line 2, column 1 (position 2): it contains "}"; check the tag\'s braces',
      2,
    ],
    [
      'a comma',
      'Hi {{first_name, welcome}}',
      'Invalid field name "first_name, welcome" in the tag at line 1, column 4 (position 3): it contains a comma; close each tag with "}}" right after its field name',
      3,
    ],
    [
      'white space inside the name',
      'Hi {{first name}}',
      'Invalid field name "first name" in the tag at line 1, column 4 (position 3): it contains white space; close each tag with "}}" right after its field name, and write field names without spaces',
      3,
    ],
    [
      'white space in a section name',
      '{{#a b}}x{{/a b}}',
      'Invalid field name "a b" in the tag at line 1, column 1 (position 0): it contains white space; close each tag with "}}" right after its field name, and write field names without spaces',
      0,
    ],
    [
      'a long name, shortened',
      `{{${'a'.repeat(50)} b}}`,
      `Invalid field name "${'a'.repeat(39)}…" in the tag at line 1, column 1 (position 0): it contains white space; close each tag with "}}" right after its field name, and write field names without spaces`,
      0,
    ],
    [
      'a comma after a delimiter change, naming the new closing delimiter',
      '{{=<% %>=}}Hi <%a,b%>',
      'Invalid field name "a,b" in the tag at line 1, column 15 (position 14): it contains a comma; close each tag with "%>" right after its field name',
      14,
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

  it('keeps the source, the length of the fixed text of every section, and the text outside sections', () => {
    const source = 'Hi {{name}}, {{#vip}}thanks 🎉{{/vip}}{{^vip}}welcome{{/vip}}{{! hidden }}.';
    const template = compile(source);
    expect(template.source).toBe(source);
    expect(template.fixedTextLength).toBe('Hi , thanks 🎉welcome.'.length);
    expect(template.fixedTextLength).toBe(22);
    expect(template.outerText).toBe('Hi , .');
  });

  it('cannot be changed after compiling', () => {
    const template = compile('{{a}}');
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.fields)).toBe(true);
  });
});

describe('compileTemplate: field names', () => {
  it.each([
    'Hi {{ first_name }}',
    '{{{ raw }}}',
    '{{& amp}}',
    '{{order.id}}',
    '{{#items}}{{.}}{{/items}}',
    '{{! a comment, with commas }}',
  ])('accepts the names in %j', (source) => {
    expect(compileTemplate(source).ok).toBe(true);
  });
});

describe('compileTemplate: section depth', () => {
  const nested = (depth: number) => `${'{{#a}}'.repeat(depth)}x${'{{/a}}'.repeat(depth)}`;

  it(`accepts sections nested ${MAX_SECTION_DEPTH} deep and renders them`, () => {
    expect(renderText(nested(MAX_SECTION_DEPTH), { a: true })).toBe('x');
  });

  it.each([MAX_SECTION_DEPTH + 1, 5000])('refuses sections nested %i deep as template_too_deep', (depth) => {
    const position = MAX_SECTION_DEPTH * 6;
    expect(compileTemplate(nested(depth))).toEqual({
      ok: false,
      code: 'template_too_deep',
      message: `Section "a" at line 1, column ${position + 1} (position ${position}) is nested 33 levels deep; at most 32 are supported`,
      position,
    });
  });
});
