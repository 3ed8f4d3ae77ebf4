/**
 * The columns check: before any row is built, whether the columns the rows have (a CSV's header, or the
 * first row's keys) hold what the configuration reads, so that a wrong mapping or a file read with the
 * wrong delimiter is one clear problem instead of the same failure on every row.
 */
import type { MessagePlan } from './message.js';
import type { FieldMapping, ValidationIssue } from './types.js';

type DestinationField = keyof FieldMapping;

/** Where a destination field is read from: its mapped column, else a column of its own name. */
function columnOf(plan: MessagePlan, field: DestinationField): string {
  return plan.mapping[field] ?? field;
}

function quoteAll(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((name) => JSON.stringify(name)).join(', ');
}

/**
 * A hint for the likely cause of missing columns: one column holding a delimiter (the file uses another
 * one), or a column that matches a wanted name but for white space or letter case.
 */
export function columnsHint(columns: readonly string[], wanted: readonly string[]): string {
  const [only] = columns;
  if (columns.length === 1 && only !== undefined) {
    const delimiter = [';', '\t', '|'].find((d) => only.includes(d));
    if (delimiter !== undefined) {
      const name = delimiter === '\t' ? 'tabs' : `"${delimiter}"`;
      return `. The columns seem to be separated by ${name}, not commas: convert the file to comma-separated CSV`;
    }
  }
  for (const name of wanted) {
    const near = columns.find(
      (column) => column !== name && column.trim().toLowerCase() === name.trim().toLowerCase(),
    );
    if (near !== undefined) {
      return `. Column ${JSON.stringify(near)} differs from ${JSON.stringify(name)} only by white space or letter case: rename it in the file, or map it exactly`;
    }
  }
  return '';
}

/**
 * The columns of a first row, for the recipient check: its own enumerable keys when it is an object other
 * than an array; `undefined` for anything else, and for a row whose keys cannot be read (a hostile proxy),
 * which then fails on its own as the row it is.
 */
export function firstRowColumns(row: unknown): string[] | undefined {
  if (row === null || typeof row !== 'object') return undefined;
  try {
    // Inside the guard: Array.isArray throws on a revoked Proxy, which then fails as its own row.
    return Array.isArray(row) ? undefined : Object.keys(row);
  } catch {
    return undefined;
  }
}

/**
 * The issue when the recipient's column is not among `columns`; `undefined` when it is.
 *
 * @example
 * ```ts
 * recipientColumnIssue(['mobile', 'first_name'], plan)?.message;
 * // 'The rows have no column "phone", which mapping.to reads the recipient from. Their columns: "mobile", "first_name"'
 * ```
 */
export function recipientColumnIssue(
  columns: readonly string[],
  plan: MessagePlan,
): ValidationIssue | undefined {
  const column = columnOf(plan, 'to');
  if (columns.includes(column)) return undefined;
  const source =
    plan.mapping.to === undefined
      ? 'the recipient is read from (set mapping.to to name another)'
      : 'mapping.to reads the recipient from';
  return {
    field: 'mapping.to',
    code: 'missing_column',
    message: `The rows have no column ${JSON.stringify(column)}, which ${source}. Their columns: ${quoteAll(columns)}${columnsHint(columns, [column])}`,
  };
}

/**
 * Every column the configuration needs that `columns` lacks: the recipient's, the other mapped ones, and
 * the template's (or the Content variables') placeholders. Meant for a header, which every row shares.
 */
export function columnIssues(columns: readonly string[], plan: MessagePlan): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const recipient = recipientColumnIssue(columns, plan);
  if (recipient !== undefined) issues.push(recipient);
  for (const field of ['body', 'media_url', 'status_callback'] as const) {
    const column = plan.mapping[field];
    if (column !== undefined && !columns.includes(column)) {
      issues.push({
        field: `mapping.${field}`,
        code: 'missing_column',
        message: `The rows have no column ${JSON.stringify(column)}, which mapping.${field} reads. Their columns: ${quoteAll(columns)}${columnsHint(columns, [column])}`,
      });
    }
  }
  // Rendered with every column filled: what is still missing is a placeholder no column can fill.
  const filled: Record<string, unknown> = {};
  for (const column of columns) Object.defineProperty(filled, column, { value: 'x', enumerable: true });
  for (const field of ['to', 'body', 'media_url', 'status_callback'] as const) {
    if (plan.mapping[field] !== undefined)
      Object.defineProperty(filled, field, { value: 'x', enumerable: true, configurable: true });
  }
  const templates =
    plan.content.kind === 'template'
      ? [['settings.messageTemplate', plan.content.template] as const]
      : plan.content.variables.map(
          ([number, template]) => [`settings.contentVariables.${number}`, template] as const,
        );
  for (const [field, template] of templates) {
    const rendered = template.render(filled);
    if (rendered.ok || rendered.fields.length === 0) continue;
    issues.push({
      field,
      code: 'missing_column',
      message: `The template reads ${quoteAll(rendered.fields)}, but the rows have no such column. Their columns: ${quoteAll(columns)}${columnsHint(columns, rendered.fields)}`,
    });
  }
  return issues;
}
