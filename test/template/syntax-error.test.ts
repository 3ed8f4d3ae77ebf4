import fc from 'fast-check';
import Mustache from 'mustache';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../src/template/index.js';
import { describeSyntaxError } from '../../src/template/syntax-error.js';

describe('describing a template that mustache refuses', () => {
  it.each<{ case: string; source: string; position: number; message: string }>([
    {
      case: 'an unclosed section',
      source: 'Hi {{#items}}x',
      position: 3,
      message:
        'Unclosed section "items" opened at line 1, column 4 (position 3): add {{/items}} where the section ends',
    },
    {
      case: "a section closed by another section's tag",
      source: '{{#a}}{{#b}}{{/a}}',
      position: 6,
      message:
        'Unclosed section "b" opened at line 1, column 7 (position 6): "{{/a}}" at line 1, column 13 (position 12) ' +
        'comes before its closing {{/b}}',
    },
    {
      case: 'an unclosed section after a closed one',
      source: '{{#a}}{{/a}}{{#b}}',
      position: 12,
      message:
        'Unclosed section "b" opened at line 1, column 13 (position 12): add {{/b}} where the section ends',
    },
    {
      case: 'a closing tag with no opening',
      source: 'x\n  {{/a}}',
      position: 4,
      message:
        'Unopened section "a": "{{/a}}" at line 2, column 3 (position 4) closes a section that was never opened; ' +
        'add {{#a}} before it or remove it',
    },
    {
      case: 'an unclosed tag',
      source: 'Hi {{name',
      position: 3,
      message: 'Unclosed tag "{{name" opened at line 1, column 4 (position 3): close it with "}}"',
    },
    {
      case: 'an unclosed tag, shortening a long rest of the template',
      source: '{{name and a very long text after it',
      position: 0,
      message:
        'Unclosed tag "{{name and a very l…" opened at line 1, column 1 (position 0): close it with "}}"',
    },
    {
      case: 'an unclosed triple mustache',
      source: '{{{x}}',
      position: 0,
      message: 'Unclosed tag "{{{x}}" opened at line 1, column 1 (position 0): close it with "}}}"',
    },
    {
      case: 'a set-delimiter tag with one delimiter',
      source: 'a\nb {{=<%=}}',
      position: 4,
      message:
        'Invalid set-delimiter tag "{{=<%=}}" at line 2, column 3 (position 4): give two delimiters separated by ' +
        'a space, such as {{=<% %>=}}',
    },
    {
      case: 'an unclosed section after a delimiter change, in the new delimiters',
      source: '{{=<% %>=}}<%#a%>',
      position: 11,
      message:
        'Unclosed section "a" opened at line 1, column 12 (position 11): add <%/a%> where the section ends',
    },
  ])('words $case, at its position', ({ source, position, message }) => {
    const thrown = (() => {
      try {
        new Mustache.Writer().parse(source, ['{{', '}}']);
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    expect(thrown).not.toBe('');
    expect(describeSyntaxError(source, thrown)).toEqual({ message, position });
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
