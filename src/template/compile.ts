/**
 * Compiles a message template: mustache parses it (its own `Writer`, so nothing is cached process-wide),
 * our checks run on mustache's tokens (no partials, no empty tags, field names that are names, sections
 * nested at most `MAX_SECTION_DEPTH` deep), and the tokens become the tree render.ts walks.
 */
import Mustache from 'mustache';
import { type RenderResult, renderRow } from './render.js';
import { describeSyntaxError } from './syntax-error.js';
import { type TemplateNode, toPath } from './tree.js';
import { quote, shorten, where } from './words.js';

/** A template ready to render rows; built once by {@link compileTemplate}. */
export interface CompiledTemplate {
  /** The template text as configured. */
  readonly source: string;
  /** Every placeholder/section name used, unique, in order of first appearance (dotted paths as written). */
  readonly fields: readonly string[];
  /** Length (UTF-16 code units) of the template's fixed text, i.e. all text tokens, sections' text included. */
  readonly fixedTextLength: number;
  /**
   * The fixed text outside any section: every rendered message contains it, so its encoding and segments
   * are a floor for every message's.
   */
  readonly outerText: string;
  /**
   * Fills the template from one row. Never throws, whatever the row contains.
   *
   * @example
   * ```ts
   * const result = template.render({ first_name: 'Ada' });
   * if (result.ok) send(result.text);
   * ```
   */
  render(row: Record<string, unknown>): RenderResult;
}

/** Why a template does not compile. */
export type CompileErrorCode = 'template_syntax' | 'template_partial' | 'template_too_deep';

/** The outcome of {@link compileTemplate}. `position` is a 0-based character offset into the source. */
export type CompileResult =
  | { ok: true; template: CompiledTemplate }
  | { ok: false; code: CompileErrorCode; message: string; position?: number };

/**
 * Sections nested deeper than this are refused: a message template needs two or three levels, and the
 * limit keeps compiling and rendering a hostile template (5,000 levels) to bounded work and stack.
 */
export const MAX_SECTION_DEPTH = 32;

/** Mustache's token: type, name or text, start and end offsets, and a section's own tokens. */
type Token = readonly [type: string, value: string, start: number, end: number, children?: readonly Token[]];

type Problem = { code: CompileErrorCode; message: string; position: number };

// Passed explicitly so that another library changing the global `Mustache.tags` cannot change our parsing.
const DEFAULT_TAGS: [string, string] = ['{{', '}}'];

/**
 * Parses a template and prepares everything that does not depend on the row.
 *
 * @example
 * ```ts
 * const compiled = compileTemplate('Hi {{first_name}}, order {{order.id}} has shipped.');
 * if (!compiled.ok) throw new Error(compiled.message);
 * compiled.template.render({ first_name: 'Ada', order: { id: 42 } }); // { ok: true, text: 'Hi Ada, order 42 has shipped.' }
 * ```
 */
export function compileTemplate(source: string): CompileResult {
  if (typeof source !== 'string') {
    return {
      ok: false,
      code: 'template_syntax',
      message: `The template must be text (got ${typeof source})`,
    };
  }
  let tokens: readonly Token[];
  try {
    // A writer of our own: Mustache.parse would keep every template in a process-wide cache forever.
    tokens = new Mustache.Writer().parse(source, DEFAULT_TAGS) as unknown as readonly Token[];
  } catch (error) {
    return { ok: false, code: 'template_syntax', ...describeSyntaxError(source, String(error)) };
  }
  const problem = checkTokens(source, tokens);
  if (problem) return { ok: false, ...problem };
  return { ok: true, template: makeTemplate(source, buildNodes(tokens, false)) };
}

/**
 * The first problem in document order, found without recursion (the depth is what is being checked):
 * a partial, an empty tag, a name that is not a name, a section nested too deep.
 */
function checkTokens(source: string, tokens: readonly Token[]): Problem | undefined {
  let close = DEFAULT_TAGS[1];
  const stack = [{ tokens, index: 0 }];
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const token = frame.tokens[frame.index++];
    if (token === undefined) {
      stack.pop();
      continue;
    }
    const [type, value, start, end, children] = token;
    // Comments have done their work during parsing; a set-delimiter tag changes the closing delimiter.
    if (type === 'text' || type === '!') continue;
    if (type === '=') {
      close = value.split(/\s+/)[1] as string;
      continue;
    }
    const tagText = source.slice(start, end);
    if (type === '>') {
      return {
        code: 'template_partial',
        message:
          `The template uses the partial ${quote(tagText)} at ${where(source, start)}, but partials are not ` +
          'supported; write its text into the template itself',
        position: start,
      };
    }
    if (value === '') {
      return {
        code: 'template_syntax',
        message: `Empty tag ${quote(tagText)} at ${where(source, start)}: put a field name inside it`,
        position: start,
      };
    }
    const reason = nameProblem(value, close);
    if (reason !== undefined) {
      return {
        code: 'template_syntax',
        message: `Invalid field name ${quote(shorten(value, 40))} in the tag at ${where(source, start)}: ${reason}`,
        position: start,
      };
    }
    if (children === undefined) continue;
    if (stack.length > MAX_SECTION_DEPTH) {
      return {
        code: 'template_too_deep',
        message:
          `Section ${quote(shorten(value, 40))} at ${where(source, start)} is nested ${stack.length} ` +
          `levels deep; at most ${MAX_SECTION_DEPTH} are supported`,
        position: start,
      };
    }
    stack.push({ tokens: children, index: 0 });
  }
  return undefined;
}

/**
 * Why `name` cannot be a field name, or `undefined`. Such a name almost always comes from a tag that is
 * not closed and runs into the text and tags after it (`Hi {{first_name, your order {{order_id}}`).
 */
function nameProblem(name: string, close: string): string | undefined {
  const closeIt = `close each tag with ${quote(close)} right after its field name`;
  if (name.includes('{{')) {
    return `it contains "{{", so this tag is probably missing its closing ${quote(close)} and runs into the next tag; ${closeIt}`;
  }
  if (name.includes('}')) return `it contains "}"; check the tag's braces`;
  if (name.includes(',')) return `it contains a comma; ${closeIt}`;
  if (/\s/.test(name)) return `it contains white space; ${closeIt}, and write field names without spaces`;
  return undefined;
}

/** The tree of tokens that passed `checkTokens` (so nested at most `MAX_SECTION_DEPTH` deep). */
function buildNodes(tokens: readonly Token[], inSection: boolean): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  for (const [type, value, , , children] of tokens) {
    if (type === 'text') nodes.push({ kind: 'text', text: value });
    else if (type === '!' || type === '=') continue;
    else if (children !== undefined) {
      const inverted = type === '^';
      nodes.push({
        kind: 'section',
        name: value,
        path: toPath(value),
        inverted,
        children: buildNodes(children, true),
      });
    } else {
      // 'name', '&' and '{' (which mustache reports as '&') all render the same raw text here.
      nodes.push({ kind: 'value', name: value, path: toPath(value), strict: !inSection });
    }
  }
  return nodes;
}

function makeTemplate(source: string, nodes: readonly TemplateNode[]): CompiledTemplate {
  const fields: string[] = [];
  let fixedTextLength = 0;
  let outerText = '';
  const visit = (list: readonly TemplateNode[], outer: boolean): void => {
    for (const node of list) {
      if (node.kind === 'text') {
        fixedTextLength += node.text.length;
        if (outer) outerText += node.text;
        continue;
      }
      if (node.path.kind !== 'self' && !fields.includes(node.name)) fields.push(node.name);
      if (node.kind === 'section') visit(node.children, false);
    }
  };
  visit(nodes, true);
  Object.freeze(fields);
  return Object.freeze({
    source,
    fields,
    fixedTextLength,
    outerText,
    render: (row: Record<string, unknown>) => renderRow(nodes, row),
  });
}
