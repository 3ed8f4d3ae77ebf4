import fc from 'fast-check';
import Mustache from 'mustache';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../src/template/index.js';

describe('describing a template that mustache refuses', () => {
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
      'an unclosed section after a closed one',
      '{{#a}}{{/a}}{{#b}}',
      'Unclosed section "b" opened at line 1, column 13 (position 12): add {{/b}} where the section ends',
      12,
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
  ])('refuses %s as template_syntax with its position', (_name, source, message, position) => {
    expect(compileTemplate(source)).toEqual({ ok: false, code: 'template_syntax', message, position });
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
            // Beyond mustache, only partials, empty tags and names that are not names are refused.
            expect(result.message).toMatch(/^(The template uses the partial|Empty tag|Invalid field name)/);
            if (result.message.startsWith('Invalid field name')) expect(source).toMatch(/[{}, \n]/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
