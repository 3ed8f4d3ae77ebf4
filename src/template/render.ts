/**
 * Renders a compiled template for one row. An SMS is text, so nothing is HTML-escaped; a placeholder
 * outside any section must not leave a hole in a message; rows are data (their functions are never called,
 * their prototypes never read); the work and the text are capped, so a huge row costs little to refuse;
 * and rendering never throws.
 */
import { type Formatted, formatValue, functionMessage, symbolMessage } from './json.js';
import type { Path, TemplateNode } from './tree.js';
import { quote } from './words.js';

/** The outcome of rendering one row: the text, or the fields that stopped it and why. */
export type RenderResult = { ok: true; text: string } | { ok: false; fields: string[]; message: string };

/**
 * The longest text a row may render to. Twilio accepts at most 1,600 characters per message (21617) and
 * the message builder says so for anything over that; this cap only bounds what a huge value costs, well above it.
 */
export const MAX_RENDERED_LENGTH = 65_536;

/**
 * Node visits and section repetitions allowed per row: a section over an array of 2^28 items, or nested
 * sections over the same long array, stop here instead of blocking the event loop. A real message template
 * takes a few dozen.
 */
export const MAX_RENDER_STEPS = 100_000;

type Lookup = { readonly found: false } | { readonly found: true; readonly value: unknown };
const MISS: Lookup = { found: false };

/** Problems found while rendering one row, by field; `undefined` marks a missing or empty value. */
type Problems = Map<string, string | undefined>;

interface RenderState {
  text: string;
  steps: number;
  readonly problems: Problems;
  readonly stack: unknown[];
}

/** Ends the render at once: the row is over a cap. `field` is the section or value that went over. */
class OverLimit extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Fills `nodes` from `row`. Never throws. */
export function renderRow(nodes: readonly TemplateNode[], row: Record<string, unknown>): RenderResult {
  const state: RenderState = { text: '', steps: 0, problems: new Map(), stack: [row] };
  try {
    renderNodes(nodes, state);
  } catch (error) {
    if (error instanceof OverLimit) {
      return { ok: false, fields: error.field === '' ? [] : [error.field], message: error.message };
    }
    /* v8 ignore next 6 -- every row access is guarded below; this is the promise that render never throws */
    return {
      ok: false,
      fields: [],
      message: 'The template could not be rendered for this row: the message would be too large',
    };
  }
  if (state.problems.size === 0) return { ok: true, text: state.text };
  return { ok: false, fields: [...state.problems.keys()], message: describeProblems(state.problems) };
}

/** Counts one step of work inside section `name`. */
function step(state: RenderState, name: string): void {
  state.steps += 1;
  if (state.steps > MAX_RENDER_STEPS) {
    throw new OverLimit(
      name,
      `The template takes over ${MAX_RENDER_STEPS.toLocaleString('en-US')} steps to render for this row: section ${quote(name)} repeats over too many items for one message`,
    );
  }
}

/** Appends `text` (from the value or section `name`, `''` outside any) unless the message goes over the cap. */
function append(state: RenderState, name: string, text: string): void {
  if (state.text.length + text.length > MAX_RENDERED_LENGTH) {
    const at = name === '' ? '' : ` (at ${quote(name)})`;
    throw new OverLimit(
      name,
      `The message for this row would be over ${MAX_RENDERED_LENGTH.toLocaleString('en-US')} characters${at}; Twilio accepts at most 1,600 per message (error 21617)`,
    );
  }
  state.text += text;
}

function renderNodes(nodes: readonly TemplateNode[], state: RenderState, section = ''): void {
  for (const node of nodes) {
    // Top-level nodes are bounded by the template itself; inside a section they repeat with the row.
    if (section !== '') step(state, section);
    if (node.kind === 'text') append(state, section, node.text);
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
  const text: Formatted = formatValue(node.name, found.value, MAX_RENDERED_LENGTH);
  if (!text.ok) {
    addProblem(state, node.name, text.message);
    return;
  }
  if (node.strict && text.text.trim() === '') {
    addProblem(state, node.name, undefined);
    return;
  }
  append(state, node.name, text.text);
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
      if (!value || (isArray && value.length === 0)) renderNodes(node.children, state, node.name);
      return;
    }
    if (!value) return;
    if (isArray) {
      for (let index = 0; index < value.length; index++) {
        step(state, node.name);
        renderInContext(node, state, value[index]);
      }
    } else if (typeof value === 'object' || typeof value === 'string' || typeof value === 'number') {
      renderInContext(node, state, value);
    } else {
      // `true` (and other truthy scalars) render the section once in the current context, as in mustache.
      renderNodes(node.children, state, node.name);
    }
  } catch (error) {
    if (error instanceof OverLimit) throw error;
    addProblem(state, node.name, unreadableMessage(node.name));
  }
}

function renderInContext(
  node: Extract<TemplateNode, { kind: 'section' }>,
  state: RenderState,
  context: unknown,
): void {
  state.stack.push(context);
  try {
    renderNodes(node.children, state, node.name);
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

function unreadableMessage(name: string): string {
  return `Template field ${quote(name)} could not be read: reading it threw an error`;
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
