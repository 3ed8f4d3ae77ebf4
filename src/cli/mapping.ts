/**
 * `name=value` flags: `--map to=phone_number` (destination field = source column) and
 * `--content-variable 1={{first_name}}`. Each value is checked as commander reads it, so a bad one is a
 * usage error naming the flag; the package then checks what the pairs mean.
 */
import { InvalidArgumentError } from 'commander';
import type { FieldMapping } from '../index.js';

/** The destination fields a `--map` can name, in the order the help lists them. */
export const MAPPABLE_FIELDS: readonly (keyof FieldMapping)[] = [
  'to',
  'body',
  'media_url',
  'status_callback',
];

/** A `name=value` flag value that cannot be read: commander reports it as a usage error naming the flag. */
export class AssignmentError extends InvalidArgumentError {}

/**
 * Splits `name=value` at the first `=` (the value may hold more), trimming the name only.
 *
 * @example
 * ```ts
 * parseAssignment('to=phone_number', 'field=column'); // ['to', 'phone_number']
 * ```
 */
export function parseAssignment(value: string, shape: string): [name: string, value: string] {
  const at = value.indexOf('=');
  const name = at < 0 ? '' : value.slice(0, at).trim();
  const rest = at < 0 ? '' : value.slice(at + 1);
  if (name === '' || rest.trim() === '') {
    throw new AssignmentError(`expected ${shape}, got ${JSON.stringify(value)}`);
  }
  return [name, rest];
}

/**
 * Commander's reader for a repeated `--map field=column`: adds one pair to those read so far, refusing an
 * unknown field and a field mapped twice.
 *
 * @example
 * ```ts
 * addMapping('to=phone', {}); // { to: 'phone' }
 * ```
 */
export function addMapping(value: string, previous: FieldMapping = {}): FieldMapping {
  const [field, column] = parseAssignment(value, 'field=column');
  if (!(MAPPABLE_FIELDS as readonly string[]).includes(field)) {
    throw new AssignmentError(
      `unknown destination field "${field}": map one of ${MAPPABLE_FIELDS.join(', ')}`,
    );
  }
  if (Object.hasOwn(previous, field)) throw new AssignmentError(`"${field}" is mapped twice`);
  return { ...previous, [field]: column };
}

/**
 * Commander's reader for a repeated `--content-variable number=template`.
 *
 * @example
 * ```ts
 * addContentVariable('1={{first_name}}', {}); // { '1': '{{first_name}}' }
 * ```
 */
export function addContentVariable(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const [number, template] = parseAssignment(value, 'number=template');
  if (Object.hasOwn(previous, number)) throw new AssignmentError(`variable "${number}" is given twice`);
  // defineProperty, so that a "__proto__" name stays a key (and the package refuses it) instead of a prototype.
  return Object.defineProperty({ ...previous }, number, {
    value: template,
    enumerable: true,
    writable: true,
  });
}
