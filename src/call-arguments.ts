/**
 * Checks of the arguments a call takes besides the configuration: the rows (an iterable or async iterable)
 * and the options' `signal` (an AbortSignal). A wrong one is a `ConfigError` issue naming the argument and
 * what it must be, reported at the call, where the bad `mode` is reported, never a raw `TypeError` later.
 */
import type { ValidationIssue } from './types.js';

/** How a value reads in a message: its type, never its content (which could be anything, a secret too). */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `of type ${typeof value}`;
}

function isIterable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const iterable = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return (
    typeof iterable[Symbol.iterator] === 'function' || typeof iterable[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The issues of a call's `rows` (`[]` when fine): an iterable or async iterable of objects. A string is
 * refused too: it would iterate its characters.
 *
 * @example
 * ```ts
 * rowsIssues(5); // [{ field: 'rows', code: 'invalid_rows', message: 'rows is of type number: pass an iterable …' }]
 * ```
 */
export function rowsIssues(rows: unknown): ValidationIssue[] {
  if (typeof rows !== 'string' && isIterable(rows)) return [];
  return [
    {
      field: 'rows',
      code: 'invalid_rows',
      message: `rows is ${rows === undefined ? 'missing' : typeName(rows)}: pass an iterable or async iterable of objects (an array of rows, a generator, a stream in object mode)`,
    },
  ];
}

/**
 * The issues of `write`'s and `stream`'s `options` (`[]` when fine): an object when given, and its
 * `signal` an AbortSignal when given.
 *
 * @example
 * ```ts
 * writeOptionsIssues({ signal: 'x' }); // [{ field: 'options.signal', code: 'invalid_signal', … }]
 * ```
 */
export function writeOptionsIssues(options: unknown): ValidationIssue[] {
  if (options === undefined) return [];
  if (options === null || typeof options !== 'object') {
    return [
      {
        field: 'options',
        code: 'invalid_options',
        message: `options is ${typeName(options)}: pass an object, or leave it out`,
      },
    ];
  }
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined || signal instanceof AbortSignal) return [];
  return [
    {
      field: 'options.signal',
      code: 'invalid_signal',
      message: `options.signal is ${typeName(signal)}: pass an AbortSignal (e.g. AbortSignal.timeout(60_000)), or leave it out`,
    },
  ];
}
