/**
 * Turns zod's issues into our `ValidationIssue`s: a dotted field path, a stable snake_case code and a
 * message that names the field and says what is expected, with a "did you mean" for unknown keys. Values
 * are echoed only as their type, so a secret never appears in a message.
 */
import type { z } from 'zod';
import type { ValidationIssue } from '../types.js';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  int: 'a whole number',
  record: 'an object',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Edit distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function suggestion(key: string, known: readonly string[]): string {
  const best = known
    .map((name) => ({ name, d: distance(key.toLowerCase(), name.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best !== undefined && best.d <= Math.max(2, Math.floor(key.length / 3))
    ? `; did you mean "${best.name}"?`
    : '';
}

/**
 * A numeric range issue in words: "must be at least 1", "must be greater than 0", "must be at most 64".
 * The schemas let no other kind of issue reach here; one would be named by zod's own text.
 */
function rangeMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small')
    return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}`;
  return issue.code === 'too_big'
    ? `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`
    : `is invalid: ${issue.message}`;
}

/**
 * Turns zod's issues into ours. `prefix` is the path of the parsed value (`''` for the whole config),
 * `input` the raw value (to describe what was received), `schema` the schema it was parsed with (to list
 * the known keys).
 */
export function toIssues(
  error: z.ZodError,
  input: unknown,
  prefix: string,
  schema: z.ZodType,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const queue = [...error.issues];
  for (let issue = queue.shift(); issue !== undefined; issue = queue.shift()) {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    const field = path === '' ? prefix || 'config' : path;
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const where = path === '' ? 'the configuration' : path;
        issues.push({
          field: path === '' ? key : `${path}.${key}`,
          code: 'unknown_key',
          message: `Unknown key "${key}" in ${where}${suggestion(key, known)} (known keys: ${known.join(', ')})`,
        });
      }
      continue;
    }
    const received = valueAt(input, issue.path);
    if (issue.code === 'invalid_union') {
      // A value of one of the union's types that is wrong inside (`duplicateCheck: { pages: 0 }`): report
      // what is wrong inside, rather than that the value is of none of the types.
      const { path: at } = issue;
      const inside = issue.errors.find((list) =>
        list.some((inner) => inner.path.length > 0 || inner.code !== 'invalid_type'),
      );
      if (inside) {
        queue.unshift(...inside.map((inner) => ({ ...inner, path: [...at, ...inner.path] })));
        continue;
      }
    }
    if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
      const missing = received === undefined;
      const numeric = issue.code === 'invalid_type' && ['number', 'int'].includes(issue.expected);
      if (numeric && typeof received === 'number') {
        // A number of the wrong kind: a fraction where a whole number is needed, NaN or ±Infinity.
        const kind = Number.isFinite(received) ? 'a whole' : 'a finite';
        issues.push({
          field,
          code: 'out_of_range',
          message: `${field} must be ${kind} number (got ${received})`,
        });
        continue;
      }
      // The only union (duplicateCheck) says what it accepts in its own message.
      const expected =
        issue.code === 'invalid_union' ? issue.message : (TYPE_NAMES[issue.expected] ?? issue.expected);
      issues.push({
        field,
        code: missing ? 'required' : 'invalid_type',
        message: missing
          ? `${field} is required`
          : `${field} must be ${expected} (got ${describe(received)})`,
      });
      continue;
    }
    if (issue.code === 'custom') {
      const code = (issue.params?.['code'] as string | undefined) ?? 'invalid_value';
      const message = issue.message.startsWith('must ') ? `${field} ${issue.message}` : issue.message;
      issues.push({ field, code, message });
      continue;
    }
    // too_small / too_big: numeric option ranges.
    const got = typeof received === 'number' ? ` (got ${received})` : '';
    issues.push({ field, code: 'out_of_range', message: `${field} ${rangeMessage(issue)}${got}` });
  }
  return issues;
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = schema;
  for (const key of path) current = shapeOf(current)[String(key)] as z.ZodType;
  return Object.keys(shapeOf(current));
}

/** The object shape under optional wrappers and in unions (zod reports unknown keys only on objects). */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const def = (
    schema as unknown as {
      def: { type: string; innerType: z.ZodType; shape: Record<string, z.ZodType>; options: z.ZodType[] };
    }
  ).def;
  if (def.type === 'object') return def.shape;
  if (def.type !== 'union') return shapeOf(def.innerType);
  // The union's object option: the only one that can have keys.
  const object = def.options.find(
    (option) => (option as unknown as { def: { type: string } }).def.type === 'object',
  );
  return shapeOf(object as z.ZodType);
}
