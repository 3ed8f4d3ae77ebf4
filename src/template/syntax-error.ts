/**
 * Words a template that mustache refuses to parse: which tag is wrong, where it (or its section) opened,
 * and what to do. Mustache says only "Unclosed section "x" at 57", with the end of the template as the
 * position and no tokens, because it throws before it has any; so this walks the tags the way mustache.js
 * 4.2's `parseTemplate` scans them (its own `Scanner`, the same patterns) to find what mustache does not
 * say: where an unclosed tag or section opened and which delimiters were current. It runs only on failure;
 * templates that parse are checked on mustache's own tokens (compile.ts).
 */
import Mustache from 'mustache';
import { quote, shorten, where } from './words.js';

/** A syntax error's message and its 0-based position in the source. */
export interface SyntaxProblem {
  readonly message: string;
  readonly position: number;
}

/** One tag as mustache scans it; `end` is `undefined` when the tag never closes. */
interface Tag {
  readonly type: string;
  readonly value: string;
  readonly start: number;
  readonly end: number | undefined;
  readonly open: string;
  readonly close: string;
}

const tagTypeRe = /#|\^|\/|>|\{|&|=|!/;
const whiteRe = /\s*/;
const spaceRe = /\s+/;
const equalsRe = /\s*=/;
const curlyRe = /\s*\}/;

function escapeRegExp(text: string): string {
  return text.replace(/[-[\]{}()*+?.,\\^$|#\s]/g, '\\$&');
}

/** The tags of `source` in order, as mustache scans them. */
function* scanTags(source: string): Generator<Tag> {
  let [open, close] = ['{{', '}}'];
  const scanner = new Mustache.Scanner(source);
  while (!scanner.eos()) {
    const openRe = new RegExp(`${escapeRegExp(open)}\\s*`);
    const closeRe = new RegExp(`\\s*${escapeRegExp(close)}`);
    scanner.scanUntil(openRe);
    const start = scanner.pos;
    if (!scanner.scan(openRe)) return;
    const type = scanner.scan(tagTypeRe) || 'name';
    scanner.scan(whiteRe);
    let value: string;
    if (type === '=') {
      value = scanner.scanUntil(equalsRe);
      scanner.scan(equalsRe);
    } else if (type === '{') {
      value = scanner.scanUntil(new RegExp(`\\s*${escapeRegExp(`}${close}`)}`));
      scanner.scan(curlyRe);
    } else {
      value = scanner.scanUntil(closeRe);
    }
    if (type === '=' || type === '{') scanner.scanUntil(closeRe);
    const end = scanner.scan(closeRe) ? scanner.pos : undefined;
    yield { type, value, start, end, open, close };
    // The caller stops at a tag that does not close or sets invalid delimiters: mustache throws there.
    if (type === '=') [open, close] = value.split(spaceRe, 2) as [string, string];
  }
}

/**
 * The first syntax error mustache throws on, with a message that says where and what to do.
 * `mustacheError` is mustache's own message, kept for a case this walk would not find.
 */
export function describeSyntaxError(source: string, mustacheError: string): SyntaxProblem {
  const sections: Tag[] = [];
  for (const tag of scanTags(source)) {
    const { start, end, open, close } = tag;
    if (end === undefined) {
      return {
        message:
          `Unclosed tag ${quote(shorten(source.slice(start), 20))} opened at ${where(source, start)}: ` +
          `close it with ${quote(tag.type === '{' ? `}${close}` : close)}`,
        position: start,
      };
    }
    const text = source.slice(start, end);
    if (tag.type === '#' || tag.type === '^') sections.push(tag);
    if (tag.type === '/') {
      const section = sections.pop();
      if (section === undefined) {
        return {
          message:
            `Unopened section ${quote(tag.value)}: ${quote(text)} at ${where(source, start)} closes a section ` +
            `that was never opened; add ${open}#${tag.value}${close} before it or remove it`,
          position: start,
        };
      }
      if (section.value !== tag.value) {
        return {
          message:
            `Unclosed section ${quote(section.value)} opened at ${where(source, section.start)}: ` +
            `${quote(text)} at ${where(source, start)} comes before its closing ${open}/${section.value}${close}`,
          position: section.start,
        };
      }
    }
    if (tag.type === '=' && tag.value.split(spaceRe, 2).length !== 2) {
      return {
        message:
          `Invalid set-delimiter tag ${quote(text)} at ${where(source, start)}: give two delimiters ` +
          `separated by a space, such as ${open}=<% %>=${close}`,
        position: start,
      };
    }
  }
  const section = sections.pop();
  /* v8 ignore next 3 -- unreachable while this mirrors mustache: it threw, so a section was left open */
  if (section === undefined) {
    return { message: `Template syntax error: ${mustacheError}`, position: source.length };
  }
  return {
    message:
      `Unclosed section ${quote(section.value)} opened at ${where(source, section.start)}: ` +
      `add ${section.open}/${section.value}${section.close} where the section ends`,
    position: section.start,
  };
}
