/**
 * A row's value as message text: raw strings, `String()` for other scalars, ISO 8601 for dates, JSON for
 * objects and arrays, written without calling anything in the row and within a length budget, so that a
 * huge value (an array of 2^28 items, a 100 MB string) costs no more than the budget to refuse.
 */
import { types } from 'node:util';
import { quote } from './words.js';

/** A value's text, or why it has none. */
export type Formatted = { ok: true; text: string } | { ok: false; message: string };

/** Raised inside the writer when the value cannot be written; its message ends the field's sentence. */
class Unwritable extends Error {}

/** `maxLength` characters of JSON remain to be written. */
interface Budget {
  left: number;
}

/** The message for a value over the budget. */
export function tooLargeMessage(name: string, maxLength: number): string {
  return `Template field ${quote(name)} is too large for a message: over ${maxLength.toLocaleString('en-US')} characters (Twilio accepts at most 1,600 per message)`;
}

/** `value` as text of at most `maxLength` characters. */
export function formatValue(name: string, value: unknown, maxLength: number): Formatted {
  switch (typeof value) {
    case 'string':
      return value.length > maxLength
        ? { ok: false, message: tooLargeMessage(name, maxLength) }
        : { ok: true, text: value };
    case 'number':
    case 'bigint':
    case 'boolean':
      // Short by nature; render.ts caps the whole text it appends them to.
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
    return { ok: true, text: objectToJson(value as object, [], { left: maxLength }) };
  } catch (error) {
    if (error instanceof TooLarge) return { ok: false, message: tooLargeMessage(name, maxLength) };
    const reason = error instanceof Unwritable ? error.message : 'reading one of its values threw an error';
    return { ok: false, message: `Template field ${quote(name)} cannot be written as JSON: ${reason}` };
  }
}

/** The message for a function in a row. */
export function functionMessage(name: string): string {
  return `Template field ${quote(name)} is a function; functions in rows are never called`;
}

/** The message for a symbol in a row. */
export function symbolMessage(name: string): string {
  return `Template field ${quote(name)} is a symbol, which has no text form`;
}

// The prototype's methods, not the value's own: a row could carry its own `toISOString`.
function isoDate(date: Date): string | undefined {
  return Number.isNaN(Date.prototype.getTime.call(date)) ? undefined : Date.prototype.toISOString.call(date);
}

class TooLarge extends Error {}

/** Counts `text` against the budget, before it is kept. */
function spend(budget: Budget, text: string): string {
  budget.left -= text.length + 1;
  if (budget.left < 0) throw new TooLarge();
  return text;
}

/**
 * `JSON.stringify` without calling anything in the row: `toJSON` methods are ignored, so objects are
 * written from their own enumerable properties. Otherwise identical output for plain data, except that a
 * bigint is written as its digits (JSON.stringify throws) and an invalid Date is an error (rather than null).
 */
function toJson(value: unknown, ancestors: object[], budget: Budget): string | undefined {
  switch (typeof value) {
    case 'string':
      // Checked before JSON.stringify copies it.
      if (value.length > budget.left) throw new TooLarge();
      return spend(budget, JSON.stringify(value));
    case 'number':
      return spend(budget, Number.isFinite(value) ? String(value) : 'null');
    case 'bigint':
    case 'boolean':
      return spend(budget, String(value));
    case 'object':
      break;
    default:
      // undefined, functions and symbols are left out, as JSON.stringify does; functions are not called.
      return undefined;
  }
  return value === null ? spend(budget, 'null') : objectToJson(value, ancestors, budget);
}

function objectToJson(value: object, ancestors: object[], budget: Budget): string {
  if (types.isDate(value)) {
    const iso = isoDate(value);
    if (iso === undefined) throw new Unwritable('it contains an invalid Date');
    return spend(budget, JSON.stringify(iso));
  }
  if (ancestors.includes(value)) throw new Unwritable('it contains a cycle (an object that contains itself)');
  ancestors.push(value);
  try {
    const parts: string[] = [];
    if (Array.isArray(value)) {
      // Index by index, so that a sparse array of 2^28 items stops at the budget, not after 2^28 steps.
      for (let index = 0; index < value.length; index++)
        parts.push(toJson(value[index], ancestors, budget) ?? spend(budget, 'null'));
      return `[${parts.join(',')}]`;
    }
    // A typed array's indices are its keys: listed lazily for the same reason.
    const keys = types.isTypedArray(value) ? indices(value.length) : Object.keys(value);
    for (const key of keys) {
      const text = toJson((value as Record<string, unknown>)[key], ancestors, budget);
      if (text !== undefined) parts.push(`${spend(budget, JSON.stringify(key))}:${text}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.pop();
  }
}

function* indices(length: number): Generator<string> {
  for (let index = 0; index < length; index++) yield String(index);
}
