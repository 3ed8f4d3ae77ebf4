/**
 * The compiled form of a template that the compiler builds and the renderer walks: text, values and sections,
 * each value or section with the path it reads from the row.
 */

/** Where a name reads from: the current context (`.`), one key, or a dotted path. */
export type Path =
  | { readonly kind: 'self' }
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'dotted'; readonly keys: readonly string[] };

/** One node of a compiled template. `strict` values (outside any section) must not render empty. */
export type TemplateNode =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly name: string; readonly path: Path; readonly strict: boolean }
  | {
      readonly kind: 'section';
      readonly name: string;
      readonly path: Path;
      readonly inverted: boolean;
      readonly children: readonly TemplateNode[];
    };

/**
 * Mustache's rule: `.` is the current context; a name is a dotted path only when a dot follows its first
 * character (so `.x` is a plain key).
 */
export function toPath(name: string): Path {
  if (name === '.') return { kind: 'self' };
  if (name.indexOf('.') > 0) return { kind: 'dotted', keys: name.split('.') };
  return { kind: 'key', key: name };
}
