/**
 * The message template: mustache syntax, compiled once per write and rendered once per row.
 *
 * Parsing is mustache's own; rendering is ours, because an SMS is text (nothing is HTML-escaped), a
 * placeholder outside any section must not leave a hole in a message, rows are data (their functions are
 * never called, their prototypes never read) and rendering a row must never throw.
 */
import { types } from 'node:util';
import Mustache from 'mustache';

/** A template ready to render rows; built once by {@link compileTemplate}. */
export interface CompiledTemplate {
  /** The template text as configured. */
  readonly source: string;
  /** Every placeholder/section name used, unique, in order of first appearance (dotted paths as written). */
  readonly fields: readonly string[];
  /** Length (UTF-16 code units) of the template's fixed text, i.e. all text tokens, sections' text included. */
  readonly fixedTextLength: number;
  /** The fixed text itself (text tokens concatenated), for estimates. */
  readonly fixedText: string;
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

/** The outcome of rendering one row: the text, or the fields that stopped it and why. */
export type RenderResult = { ok: true; text: string } | { ok: false; fields: string[]; message: string };

/** The outcome of {@link compileTemplate}. `position` is a 0-based character offset into the source. */
export type CompileResult =
  | { ok: true; template: CompiledTemplate }
  | { ok: false; code: 'template_syntax' | 'template_partial'; message: string; position?: number };

type Path =
  | { readonly kind: 'self' }
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'dotted'; readonly keys: readonly string[] };

type TemplateNode =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly name: string; readonly path: Path; readonly strict: boolean }
  | {
      readonly kind: 'section';
      readonly name: string;
      readonly path: Path;
      readonly inverted: boolean;
      readonly children: readonly TemplateNode[];
    };

interface SyntaxProblem {
  readonly message: string;
  readonly position: number;
}

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
  let tokens: unknown;
  try {
    // A writer of our own: Mustache.parse would keep every template in a process-wide cache forever.
    tokens = new Mustache.Writer().parse(source, DEFAULT_TAGS);
  } catch (error) {
    // Mustache's messages give a bare offset, and the end of the template for an unclosed section; the
    // scanner below mirrors its tag scanning to say which tag is wrong, where it opened, and what to do.
    return { ok: false, code: 'template_syntax', ...diagnoseSyntax(source, String(error)) };
  }
  const built = buildNodes(source, tokens as readonly unknown[], false);
  if (!Array.isArray(built)) return { ok: false, ...built };
  return { ok: true, template: makeTemplate(source, built) };
}

function makeTemplate(source: string, nodes: readonly TemplateNode[]): CompiledTemplate {
  const fields: string[] = [];
  let fixedText = '';
  let outerText = '';
  const visit = (list: readonly TemplateNode[], outer: boolean): void => {
    for (const node of list) {
      if (node.kind === 'text') {
        fixedText += node.text;
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
    fixedText,
    fixedTextLength: fixedText.length,
    outerText,
    render: (row: Record<string, unknown>) => renderRow(nodes, row),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Compile: mustache tokens → our own node tree
// ---------------------------------------------------------------------------------------------------------

type BuildProblem = { code: 'template_syntax' | 'template_partial'; message: string; position: number };

function buildNodes(
  source: string,
  tokens: readonly unknown[],
  inSection: boolean,
): TemplateNode[] | BuildProblem {
  const nodes: TemplateNode[] = [];
  for (const raw of tokens) {
    const token = raw as readonly unknown[];
    const type = token[0] as string;
    const value = token[1] as string;
    const start = token[2] as number;
    const tagText = source.slice(start, token[3] as number);
    if (type === 'text') {
      nodes.push({ kind: 'text', text: value });
      continue;
    }
    if (type === '>') {
      return {
        code: 'template_partial',
        message:
          `The template uses the partial ${quote(tagText)} at ${where(source, start)}, but partials are not ` +
          'supported; write its text into the template itself',
        position: start,
      };
    }
    // Comments and set-delimiter tags have done their work during parsing.
    if (type === '!' || type === '=') continue;
    if (value === '') {
      return {
        code: 'template_syntax',
        message: `Empty tag ${quote(tagText)} at ${where(source, start)}: put a field name inside it`,
        position: start,
      };
    }
    const path = toPath(value);
    if (type === '#' || type === '^') {
      const children = buildNodes(source, token[4] as readonly unknown[], true);
      if (!Array.isArray(children)) return children;
      nodes.push({ kind: 'section', name: value, path, inverted: type === '^', children });
    } else {
      // 'name', '&' and '{' (which mustache reports as '&') all render the same raw text here.
      nodes.push({ kind: 'value', name: value, path, strict: !inSection });
    }
  }
  return nodes;
}

// Mustache's rule: `.` is the current context; a name is a dotted path only when a dot follows its first
// character (so `.x` is a plain key).
function toPath(name: string): Path {
  if (name === '.') return { kind: 'self' };
  if (name.indexOf('.') > 0) return { kind: 'dotted', keys: name.split('.') };
  return { kind: 'key', key: name };
}

// ---------------------------------------------------------------------------------------------------------
// Compile errors: a mirror of mustache's tag scanner (mustache.js 4.2 `parseTemplate`), run only on failure
// ---------------------------------------------------------------------------------------------------------

const tagTypeRe = /#|\^|\/|>|\{|&|=|!/;
const whiteRe = /\s*/;
const spaceRe = /\s+/;
const equalsRe = /\s*=/;
const curlyRe = /\s*\}/;

interface Delimiters {
  readonly open: string;
  readonly close: string;
  readonly openRe: RegExp;
  readonly closeRe: RegExp;
  readonly closeCurlyRe: RegExp;
}

function delimiters(open: string, close: string): Delimiters {
  return {
    open,
    close,
    openRe: new RegExp(`${escapeRegExp(open)}\\s*`),
    closeRe: new RegExp(`\\s*${escapeRegExp(close)}`),
    closeCurlyRe: new RegExp(`\\s*${escapeRegExp(`}${close}`)}`),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[-[\]{}()*+?.,\\^$|#\s]/g, '\\$&');
}

/** Finds the first syntax error mustache would throw on, with a message that says where and what to do. */
function diagnoseSyntax(source: string, mustacheError: string): SyntaxProblem {
  let tags = delimiters(DEFAULT_TAGS[0], DEFAULT_TAGS[1]);
  const scanner = new Mustache.Scanner(source);
  const open: { name: string; position: number; tags: Delimiters }[] = [];
  while (!scanner.eos()) {
    scanner.scanUntil(tags.openRe);
    const start = scanner.pos;
    if (!scanner.scan(tags.openRe)) break;
    const type = scanner.scan(tagTypeRe) || 'name';
    scanner.scan(whiteRe);
    let value: string;
    if (type === '=') {
      value = scanner.scanUntil(equalsRe);
      scanner.scan(equalsRe);
      scanner.scanUntil(tags.closeRe);
    } else if (type === '{') {
      value = scanner.scanUntil(tags.closeCurlyRe);
      scanner.scan(curlyRe);
      scanner.scanUntil(tags.closeRe);
    } else {
      value = scanner.scanUntil(tags.closeRe);
    }
    if (!scanner.scan(tags.closeRe)) {
      return {
        message:
          `Unclosed tag ${quote(shorten(source.slice(start), 20))} opened at ${where(source, start)}: ` +
          `close it with ${quote(type === '{' ? `}${tags.close}` : tags.close)}`,
        position: start,
      };
    }
    const tagText = source.slice(start, scanner.pos);
    if (type === '#' || type === '^') {
      open.push({ name: value, position: start, tags });
    } else if (type === '/') {
      const section = open.pop();
      if (section === undefined) {
        return {
          message:
            `Unopened section ${quote(value)}: ${quote(tagText)} at ${where(source, start)} closes a section ` +
            `that was never opened; add ${tags.open}#${value}${tags.close} before it or remove it`,
          position: start,
        };
      }
      if (section.name !== value) {
        return {
          message:
            `Unclosed section ${quote(section.name)} opened at ${where(source, section.position)}: ` +
            `${quote(tagText)} at ${where(source, start)} comes before its closing ` +
            `${tags.open}/${section.name}${tags.close}`,
          position: section.position,
        };
      }
    } else if (type === '=') {
      const parts = value.split(spaceRe, 2);
      const [newOpen, newClose] = parts;
      if (parts.length !== 2 || newOpen === undefined || newClose === undefined) {
        return {
          message:
            `Invalid set-delimiter tag ${quote(tagText)} at ${where(source, start)}: give two delimiters ` +
            `separated by a space, such as ${tags.open}=<% %>=${tags.close}`,
          position: start,
        };
      }
      tags = delimiters(newOpen, newClose);
    }
  }
  const section = open.pop();
  /* v8 ignore next 3 -- unreachable while this mirrors mustache: it threw, so a section was left open */
  if (section === undefined) {
    return { message: `Template syntax error: ${mustacheError}`, position: source.length };
  }
  return {
    message:
      `Unclosed section ${quote(section.name)} opened at ${where(source, section.position)}: ` +
      `add ${section.tags.open}/${section.name}${section.tags.close} where the section ends`,
    position: section.position,
  };
}

/** `line 1, column 5 (position 4)`: lines and columns count from 1, the position (UTF-16 offset) from 0. */
function where(source: string, position: number): string {
  const before = source.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column} (position ${position})`;
}

function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

// ---------------------------------------------------------------------------------------------------------
// Render
// ---------------------------------------------------------------------------------------------------------

type Lookup = { readonly found: false } | { readonly found: true; readonly value: unknown };
const MISS: Lookup = { found: false };

/** Problems found while rendering one row, by field; `undefined` marks a missing or empty value. */
type Problems = Map<string, string | undefined>;

interface RenderState {
  text: string;
  readonly problems: Problems;
  readonly stack: unknown[];
}

function renderRow(nodes: readonly TemplateNode[], row: Record<string, unknown>): RenderResult {
  const state: RenderState = { text: '', problems: new Map(), stack: [row] };
  try {
    renderNodes(nodes, state);
  } catch {
    /* v8 ignore next 6 -- every row access is guarded below; this is the promise that render never throws
       (e.g. a text longer than the engine's maximum string length) */
    return {
      ok: false,
      fields: [],
      message: 'The template could not be rendered for this row: the message would be too large',
    };
  }
  if (state.problems.size === 0) return { ok: true, text: state.text };
  return { ok: false, fields: [...state.problems.keys()], message: describeProblems(state.problems) };
}

function renderNodes(nodes: readonly TemplateNode[], state: RenderState): void {
  for (const node of nodes) {
    if (node.kind === 'text') state.text += node.text;
    else if (node.kind === 'value') renderValue(node, state);
    else renderSection(node, state);
  }
}

function renderValue(node: Extract<TemplateNode, { kind: 'value' }>, state: RenderState): void {
  let found: Lookup;
  try {
    found = lookup(state.stack, node.path);
  } catch {
    addProblem(state, node.name, unreadableMessage(node.name));
    return;
  }
  if (!found.found || found.value === undefined || found.value === null) {
    if (node.strict) addProblem(state, node.name, undefined);
    return;
  }
  const text = formatValue(node.name, found.value);
  if (!text.ok) {
    addProblem(state, node.name, text.message);
    return;
  }
  if (node.strict && text.text.trim() === '') {
    addProblem(state, node.name, undefined);
    return;
  }
  state.text += text.text;
}

function renderSection(node: Extract<TemplateNode, { kind: 'section' }>, state: RenderState): void {
  try {
    const found = lookup(state.stack, node.path);
    const value = found.found ? found.value : undefined;
    if (typeof value === 'function') {
      // Mustache would call it as a lambda; a row's functions are never called.
      addProblem(state, node.name, functionMessage(node.name));
      return;
    }
    if (typeof value === 'symbol') {
      addProblem(state, node.name, symbolMessage(node.name));
      return;
    }
    const isArray = Array.isArray(value);
    if (node.inverted) {
      // Mustache's rule: JavaScript falsiness, plus the empty array.
      if (!value || (isArray && value.length === 0)) renderNodes(node.children, state);
      return;
    }
    if (!value) return;
    if (isArray) {
      for (let index = 0; index < value.length; index++) renderInContext(node.children, state, value[index]);
    } else if (typeof value === 'object' || typeof value === 'string' || typeof value === 'number') {
      renderInContext(node.children, state, value);
    } else {
      // `true` (and other truthy scalars) render the section once in the current context, as in mustache.
      renderNodes(node.children, state);
    }
  } catch {
    addProblem(state, node.name, unreadableMessage(node.name));
  }
}

function renderInContext(nodes: readonly TemplateNode[], state: RenderState, context: unknown): void {
  state.stack.push(context);
  try {
    renderNodes(nodes, state);
  } finally {
    state.stack.pop();
  }
}

/**
 * Mustache's context-stack lookup, restricted to own properties so that `{{constructor}}` or
 * `{{__proto__}}` never reach a prototype. Getters run (and may throw: the caller reports that field).
 */
function lookup(stack: readonly unknown[], path: Path): Lookup {
  if (path.kind === 'self') return { found: true, value: stack[stack.length - 1] };
  for (let depth = stack.length - 1; depth >= 0; depth--) {
    const view = stack[depth];
    if (path.kind === 'key') {
      // As in mustache, a plain name is looked up on objects only: inside {{#length}} over a string,
      // {{length}} is the string itself, not its length.
      const found = readOwn(view, path.key, false);
      if (found.found) return found;
      continue;
    }
    let current = view;
    let found = MISS;
    for (const key of path.keys) {
      // Reaching a function ends the path: it is reported, never called or looked into.
      if (typeof current === 'function') return { found: true, value: current };
      found = readOwn(current, key, true);
      if (!found.found) break;
      current = found.value;
    }
    if (found.found) return found;
  }
  return MISS;
}

function readOwn(container: unknown, key: string, allowString: boolean): Lookup {
  const readable =
    (typeof container === 'object' && container !== null) || (allowString && typeof container === 'string');
  if (!readable || !Object.hasOwn(container as object, key)) return MISS;
  return { found: true, value: (container as Record<string, unknown>)[key] };
}

type Formatted = { ok: true; text: string } | { ok: false; message: string };

/** A value as message text: raw strings, `String()` for scalars, ISO 8601 for dates, JSON for the rest. */
function formatValue(name: string, value: unknown): Formatted {
  switch (typeof value) {
    case 'string':
      return { ok: true, text: value };
    case 'number':
    case 'bigint':
    case 'boolean':
      return { ok: true, text: String(value) };
    case 'function':
      return { ok: false, message: functionMessage(name) };
    case 'symbol':
      return { ok: false, message: symbolMessage(name) };
    default:
      break;
  }
  try {
    if (types.isDate(value)) {
      const iso = isoDate(value);
      return iso === undefined
        ? { ok: false, message: `Template field ${quote(name)} is an invalid Date` }
        : { ok: true, text: iso };
    }
    return { ok: true, text: objectToJson(value as object, []) };
  } catch (error) {
    const reason = error instanceof Unwritable ? error.message : 'reading one of its values threw an error';
    return { ok: false, message: `Template field ${quote(name)} cannot be written as JSON: ${reason}` };
  }
}

// The prototype's methods, not the value's own: a row could carry its own `toISOString`.
function isoDate(date: Date): string | undefined {
  return Number.isNaN(Date.prototype.getTime.call(date)) ? undefined : Date.prototype.toISOString.call(date);
}

class Unwritable extends Error {}

/**
 * `JSON.stringify` without calling anything in the row: `toJSON` methods are ignored, so objects are
 * written from their own enumerable properties. Otherwise identical output for plain data, except that a
 * bigint is written as its digits (JSON.stringify throws) and an invalid Date is an error (rather than null).
 */
function toJson(value: unknown, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'object':
      break;
    default:
      // undefined, functions and symbols are left out, as JSON.stringify does; functions are not called.
      return undefined;
  }
  return value === null ? 'null' : objectToJson(value, ancestors);
}

function objectToJson(value: object, ancestors: object[]): string {
  if (types.isDate(value)) {
    const iso = isoDate(value);
    if (iso === undefined) throw new Unwritable('it contains an invalid Date');
    return JSON.stringify(iso);
  }
  if (ancestors.includes(value)) throw new Unwritable('it contains a cycle (an object that contains itself)');
  ancestors.push(value);
  try {
    const parts: string[] = [];
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++)
        parts.push(toJson(value[index], ancestors) ?? 'null');
      return `[${parts.join(',')}]`;
    }
    for (const key of Object.keys(value)) {
      const text = toJson((value as Record<string, unknown>)[key], ancestors);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.pop();
  }
}

function functionMessage(name: string): string {
  return `Template field ${quote(name)} is a function; functions in rows are never called`;
}

function unreadableMessage(name: string): string {
  return `Template field ${quote(name)} could not be read: reading it threw an error`;
}

function symbolMessage(name: string): string {
  return `Template field ${quote(name)} is a symbol, which has no text form`;
}

function addProblem(state: RenderState, field: string, message: string | undefined): void {
  if (!state.problems.has(field)) state.problems.set(field, message);
}

function describeProblems(problems: Problems): string {
  const missing: string[] = [];
  const others: string[] = [];
  for (const [field, message] of problems) {
    if (message === undefined) missing.push(field);
    else others.push(message);
  }
  const sentences: string[] = [];
  const [first] = missing;
  if (first !== undefined) {
    const section = `{{#${first}}}…{{/${first}}}`;
    sentences.push(
      missing.length === 1
        ? `Template field ${quote(first)} is missing or empty in this row; fill it or wrap optional parts in ${section}`
        : `Template fields ${listOf(missing)} are missing or empty in this row; fill them or wrap optional ` +
            `parts in sections such as ${section}`,
    );
  }
  sentences.push(...others);
  return sentences.join('; ');
}

function listOf(fields: readonly string[]): string {
  const quoted = fields.map(quote);
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}
