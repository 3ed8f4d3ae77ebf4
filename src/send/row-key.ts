/**
 * A row's key in the sent ledger: the mapped `key` column (the engine's primary key), or, when no key
 * column is mapped, a hash of the message itself (recipient, sender, body or Content SID and variables,
 * media URLs). Also refuses a second row with the same key in one write: the ledger would take it for the
 * first row's message.
 */
import { createHash } from 'node:crypto';
import type { BuildResult, MessageRequest } from '../message.js';

/** A built row, with its ledger key when a ledger is used. */
export type KeyedBuildResult = BuildResult | (Extract<BuildResult, { ok: true }> & { rowKey: string });

/** The hash key of a message: the same message (to the same recipient, from the same sender) hashes alike. */
export function messageKey(request: MessageRequest): string {
  const parts = [
    request.to,
    request.messagingServiceSid ?? request.from ?? '',
    request.contentSid ?? '',
    request.contentSid === undefined ? request.body : JSON.stringify(sorted(request.contentVariables ?? {})),
    ...request.mediaUrls,
  ];
  return `sha256:${createHash('sha256').update(JSON.stringify(parts)).digest('base64url')}`;
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads the mapped key column: a non-empty string or a finite number (as text). */
function readKey(row: unknown, column: string, index: number): { key: string } | { error: string } {
  const value =
    row !== null && typeof row === 'object' && Object.hasOwn(row, column)
      ? (row as Record<string, unknown>)[column]
      : undefined;
  if (typeof value === 'string' && value.trim() !== '') return { key: value };
  if (typeof value === 'number' && Number.isFinite(value)) return { key: String(value) };
  if (typeof value === 'bigint') return { key: value.toString() };
  const got =
    value === undefined
      ? 'it is missing'
      : `got ${value === null ? 'null' : (JSON.stringify(value) ?? typeof value)}`;
  return {
    error: `Row ${index}: "key" (the row's idempotency key, read from column "${column}") must be a non-empty string or a number; ${got}`,
  };
}

/** Gives every row of one write its ledger key, refusing a key seen earlier in the same write. */
export class RowKeys {
  readonly #column: string | undefined;
  /** Row key → the index of the row that has it. One entry per row of the write. */
  readonly #seen = new Map<string, number>();

  /** `column`: `mapping.key`, or `undefined` to key rows by their message's hash. */
  constructor(column: string | undefined) {
    this.#column = column;
  }

  /** `built` with its `rowKey`, or the row's `invalid_row` failure. */
  key(row: unknown, built: BuildResult, index: number): KeyedBuildResult {
    if (!built.ok) return built;
    let rowKey: string;
    if (this.#column === undefined) rowKey = messageKey(built.request);
    else {
      const read = readKey(row, this.#column, index);
      if ('error' in read)
        return { ok: false, error: { code: 'invalid_row', message: read.error, retryable: false } };
      rowKey = read.key;
    }
    const first = this.#seen.get(rowKey);
    if (first !== undefined) {
      const what =
        this.#column === undefined
          ? 'the same message (recipient, sender and content)'
          : `the same key "${rowKey}" (column "${this.#column}")`;
      return {
        ok: false,
        error: {
          code: 'invalid_row',
          message: `Row ${index}: not sent because row ${first} of this write has ${what}; the ledger sends each key once per run id, so give the rows distinct keys or send them in separate runs`,
          retryable: false,
        },
      };
    }
    this.#seen.set(rowKey, index);
    return { ...built, rowKey };
  }
}
