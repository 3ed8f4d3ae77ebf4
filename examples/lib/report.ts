/**
 * Turns a write's results into the lines the examples print: a table with one line per row, the reasons
 * rows failed, the delivery outcomes of the sent messages, and a summary with the failures counted by code.
 */
import {
  type CredentialsInfo,
  DELIVERY_OUTCOMES,
  type DeliveryOutcome,
  type Row,
  type RowResult,
  type TargetSettingsInfo,
  type ValidationResult,
} from '../../src/index.js';

/** Where the examples write; the process streams by default. */
export interface Output {
  log: (line: string) => void;
  error: (line: string) => void;
}

/**
 * Hides the middle of a recipient so that a printed table does not list customers' numbers:
 * `+14155550100` → `+1415•••0100`. A channel prefix stays visible (`whatsapp:+1415•••0100`).
 */
export function maskRecipient(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') return '(none)';
  const colon = value.indexOf(':');
  const prefix = colon >= 0 ? value.slice(0, colon + 1) : '';
  const address = value.slice(prefix.length);
  if (address.length <= 6) return `${prefix}${address.slice(0, 1)}•••`;
  if (address.length <= 9) return `${prefix}${address.slice(0, 2)}•••${address.slice(-2)}`;
  return `${prefix}${address.slice(0, 5)}•••${address.slice(-4)}`;
}

/** `twilio_rejected 21610`, or just the code when Twilio gave none. */
export function failureLabel(result: RowResult): string {
  if (result.status === 'sent') return 'sent';
  const { code, twilioCode } = result.error;
  return twilioCode === undefined ? code : `${code} ${twilioCode}`;
}

const HEADERS = ['row', 'recipient', 'status', 'SID or error', 'attempts', 'segments'] as const;
/** Columns aligned to the right (numbers). */
const RIGHT = new Set([0, 4, 5]);

/** One line per row: row, masked recipient, status, SID or error code, attempts, segments. */
export function formatTable(rows: readonly Row[], results: readonly RowResult[], toColumn = 'to'): string[] {
  const cells = results.map((result) => [
    String(result.index),
    maskRecipient(rows[result.index]?.[toColumn]),
    result.status,
    result.status === 'sent'
      ? `${result.messageSid}${result.recovered ? ' (recovered)' : ''}`
      : failureLabel(result),
    String(result.attempts),
    result.status === 'sent' && result.segments !== undefined ? String(result.segments) : '-',
  ]);
  const table = [[...HEADERS], ...cells];
  // Width in characters as shown: `•` is one character, and no cell holds an emoji.
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  return table.map((line) =>
    line
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return RIGHT.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Why each failed row failed, with the package's full message (what is wrong and what to do). The row's
 * recipient is masked there too, since Twilio's messages quote it.
 */
export function formatFailures(
  rows: readonly Row[],
  results: readonly RowResult[],
  toColumn = 'to',
): string[] {
  const failed = results.filter((result) => result.status === 'failed');
  if (failed.length === 0) return [];
  return [
    'Why rows failed:',
    ...failed.map((result) => {
      const to = rows[result.index]?.[toColumn];
      // The package starts each message with "Row n: ", which the line already says.
      let message = result.error.message.replace(/^Row \d+: /, '');
      if (typeof to === 'string' && to.trim() !== '') message = message.replaceAll(to, maskRecipient(to));
      return `  row ${result.index}: ${failureLabel(result)}: ${message}`;
    }),
  ];
}

/** How many rows failed with each label (`twilio_rejected 21610`), sorted by label. */
export function failuresByCode(results: readonly RowResult[]): Map<string, number> {
  const counts = new Map<string, number>();
  const labels = results
    .filter((result) => result.status === 'failed')
    .map(failureLabel)
    .sort();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

/** `Summary: 25 rows: 20 sent, 5 failed` and the failures counted by code. */
export function formatSummary(results: readonly RowResult[]): string[] {
  const sent = results.filter((result) => result.status === 'sent').length;
  const failed = results.length - sent;
  const lines = [`Summary: ${results.length} rows: ${sent} sent, ${failed} failed`];
  const counts = [...failuresByCode(results)].map(([label, count]) => `${label} × ${count}`);
  if (counts.length > 0) lines.push(`  failed by code: ${counts.join(', ')}`);
  return lines;
}

/** The outcome of one validation call: `ok` or `FAILED`, then every error and warning. */
export function formatValidation(name: string, result: ValidationResult, facts: string): string[] {
  const lines = [`${name.padEnd(22)}  ${result.ok ? 'ok' : 'FAILED'}${facts === '' ? '' : `  ${facts}`}`];
  for (const issue of result.errors) lines.push(`  error ${issue.field} (${issue.code}): ${issue.message}`);
  for (const issue of result.warnings)
    lines.push(`  warning ${issue.field} (${issue.code}): ${issue.message}`);
  return lines;
}

/** `account active, Full` from `validateCredentials()`'s info, when Twilio told. */
export function accountFacts(result: ValidationResult<CredentialsInfo>): string {
  const { account } = result.info;
  return account === undefined ? '' : `account ${account.status}, ${account.type}`;
}

/** `template fields: first_name, order_id, note` from `validateTargetSettings()`'s info. */
export function templateFacts(result: ValidationResult<TargetSettingsInfo>, from: string): string {
  const { fields = [] } = result.info;
  const list = fields.length > 0 ? `, template fields: ${fields.join(', ')}` : '';
  return `sender ${from}${list}`;
}

const DELIVERY_ACTIONS: Readonly<Record<DeliveryOutcome, string>> = {
  pending: 'not final yet: ask again later',
  delivered: 'on the handset',
  transient: 'try again in a later sync',
  permanent: 'fix the number or drop it',
  opted_out: 'suppress: the recipient replied STOP',
  blocked: 'change the content or register the sender',
};

/** The delivery outcomes of the sent rows: counts, then one line per message that was not delivered. */
export function formatDeliveries(
  rows: readonly Row[],
  results: readonly RowResult[],
  deliveries: ReadonlyMap<string, DeliveryOutcome>,
  toColumn = 'to',
): string[] {
  const counts = new Map<DeliveryOutcome, number>();
  const lines: string[] = [];
  for (const result of results) {
    if (result.status !== 'sent') continue;
    const outcome = deliveries.get(result.messageSid) ?? 'pending';
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    if (outcome !== 'delivered') {
      const to = maskRecipient(rows[result.index]?.[toColumn]);
      lines.push(`  row ${result.index} ${to}: ${outcome} (${DELIVERY_ACTIONS[outcome]})`);
    }
  }
  const summary = DELIVERY_OUTCOMES.filter((outcome) => counts.has(outcome))
    .map((outcome) => `${counts.get(outcome)} ${outcome}`)
    .join(', ');
  return [`Delivery (fetchStatuses): ${summary}`, ...lines];
}
