/**
 * Which sync modes this destination supports, and why: Twilio messages are append-only, so only `insert`.
 * The manifest publishes the table; `write`, `stream` and `preview` refuse any other mode with the reason.
 */
import type { SyncMode, ValidationIssue } from './types.js';

/** Whether a sync mode is supported, and why (or why not). */
export interface SyncModeSupport {
  /** `true` only for `insert`. */
  readonly supported: boolean;
  /** What the mode does here, or why Twilio cannot do it. */
  readonly description: string;
}

const APPEND_ONLY = 'Twilio messages are append-only.';

/** Why each mode but `insert` is refused: the end of the refusal's message and of the manifest's entry. */
const REFUSALS: Readonly<Record<Exclude<SyncMode, 'insert'>, string>> = {
  upsert: `${APPEND_ONLY} A sent message cannot be changed, and no key ties a row to a message sent earlier, so an upsert could only send every row again.`,
  update: `${APPEND_ONLY} A sent message cannot be edited or recalled: once delivered, the text is on the recipient's phone.`,
  mirror: `${APPEND_ONLY} Mirroring deletes the messages of removed rows, and deleting a message at Twilio removes only Twilio's record of it, never the text the recipient received.`,
};

/** Every sync mode with its support and reason, in the order a UI would list them. */
export const SYNC_MODES: Readonly<Record<SyncMode, SyncModeSupport>> = {
  insert: { supported: true, description: 'Each row is sent as one new message.' },
  upsert: { supported: false, description: `Not supported. ${REFUSALS.upsert}` },
  update: { supported: false, description: `Not supported. ${REFUSALS.update}` },
  mirror: { supported: false, description: `Not supported. ${REFUSALS.mirror}` },
};

/**
 * The issue that refuses `mode`, or none for `insert` (and for no mode at all, which means `insert`).
 *
 * @example
 * ```ts
 * checkSyncMode('insert'); // []
 * checkSyncMode('upsert'); // [{ field: 'mode', code: 'unsupported_sync_mode', message: 'mode "upsert" is not supported: Twilio messages are append-only. …' }]
 * ```
 */
export function checkSyncMode(mode: unknown): ValidationIssue[] {
  if (mode === undefined || mode === 'insert') return [];
  const why =
    typeof mode === 'string' && Object.hasOwn(REFUSALS, mode)
      ? REFUSALS[mode as keyof typeof REFUSALS]
      : `${APPEND_ONLY} The sync modes are ${Object.keys(SYNC_MODES).join(', ')}, and only insert can be done.`;
  const got =
    typeof mode === 'string'
      ? JSON.stringify(mode.slice(0, 40))
      : `of type ${mode === null ? 'null' : typeof mode}`;
  return [
    {
      field: 'mode',
      code: 'unsupported_sync_mode',
      message: `mode ${got} is not supported: ${why} Use mode "insert" (the default), which sends one new message per row.`,
    },
  ];
}
