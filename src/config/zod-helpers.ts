/**
 * The small language the configuration schemas are written in: a string with checks that carry our issue
 * codes and messages (and, where JSON Schema can state the same rule, its keywords for the manifest), a
 * string checked by a function, a key forbidden in a combination, a function, a bounded whole number.
 */
import { z } from 'zod';

/**
 * A check on a string: its test, the issue's code and message, and the JSON Schema keywords that state the
 * same rule (a pattern, a length) for the manifest's JSON Schemas, when JSON Schema can state it.
 */
export type Check = readonly [
  test: (value: string) => boolean,
  code: string,
  message: string,
  jsonSchema?: Readonly<Record<string, unknown>>,
];

/**
 * A required string that passes each check in turn; the first failing check is the issue. The checks' JSON
 * Schema keywords become the schema's metadata, which zod's JSON Schema output carries. Where two checks
 * give a pattern the later one is kept, so it must imply the earlier (a SID pattern implies "not blank").
 */
export function text(...checks: Check[]) {
  return z
    .string()
    .superRefine((value, ctx) => {
      for (const [test, code, message] of checks) {
        if (!test(value)) {
          ctx.addIssue({ code: 'custom', message, params: { code } });
          return;
        }
      }
    })
    .meta(Object.assign({}, ...checks.map((check) => check[3])));
}

/** A check that the value matches `pattern`, stated in JSON Schema as the very same pattern. */
export function matches(pattern: RegExp, code: string, message: string): Check {
  return [(v) => pattern.test(v), code, message, { pattern: pattern.source }];
}

/** The pattern of a Twilio SID: its two-letter prefix and 32 hexadecimal characters. */
export const sidPattern = (prefix: string): RegExp => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);

/** Not empty and not only white space. */
export const notBlank: Check = [
  (v) => v.trim() !== '',
  'empty',
  'must not be empty',
  // JavaScript's \S is exactly what trim() keeps.
  { minLength: 1, pattern: '\\S' },
];

/** JSON Schema annotations of a secret: never shown back, never logged (`x-secret` is our UI hint). */
export const SECRET = { writeOnly: true, 'x-secret': true } as const;

/** A string checked by `check`, which returns the issue's code and message, or `undefined` when it is fine. */
export function checked(check: (value: string) => readonly [code: string, message: string] | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem[1], params: { code: problem[0] } });
  });
}

/** A key that must be absent in this combination of settings. */
export function forbidden(code: string, message: string) {
  return z
    .unknown()
    .superRefine((_value, ctx) => {
      ctx.addIssue({ code: 'custom', message, params: { code } });
    })
    .optional();
}

/** A whole number from 0 to `max`. */
export const nonNegativeInt = (max: number) => z.number().int().min(0).max(max);

/** Any function, typed as `T` (zod cannot check a function's signature). */
export const fn = <T>() =>
  z.custom<T>((v) => typeof v === 'function', {
    params: { code: 'invalid_type' },
    message: 'must be a function',
  });

/** Every value of `shape` made optional, keeping the key order. */
export function optional<T extends Record<string, z.ZodType>>(
  shape: T,
): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}
