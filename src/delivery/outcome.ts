/**
 * What a message's status and delivery error code mean for the engine: one table, in the order of
 * Twilio's documented facts, each code with Twilio's name for it and the action it calls for.
 */

/**
 * Where a message stands, as something the engine can act on:
 * - `pending`: not final yet (`queued`, `accepted`, `scheduled`, `sending`, `sent`); ask again later.
 * - `delivered`: the handset has it (`delivered`, or `read` for channels that report reads).
 * - `transient`: not delivered, for a reason that may pass (handset off, carrier congestion, a rate or
 *   daily cap); the same message can be tried again in a later sync.
 * - `permanent`: the number cannot take it (unknown, landline, not mobile); fix the number or drop it.
 * - `opted_out`: the recipient replied STOP; suppress them until they opt back in.
 * - `blocked`: the content, sender or account was refused (carrier filtering, unregistered sender);
 *   sending the same again fails the same way until that changes.
 */
export type DeliveryOutcome = 'pending' | 'delivered' | 'transient' | 'permanent' | 'opted_out' | 'blocked';

/** Every outcome, in the order reports list them. */
export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = [
  'pending',
  'delivered',
  'transient',
  'permanent',
  'opted_out',
  'blocked',
];

/** One delivery error code's entry. */
export interface DeliveryErrorInfo {
  /** What the code means for the engine. */
  outcome: Exclude<DeliveryOutcome, 'pending' | 'delivered'>;
  /** Twilio's name for the code (from its error dictionary). */
  meaning: string;
}

const t = (meaning: string): DeliveryErrorInfo => ({ outcome: 'transient', meaning });
const p = (meaning: string): DeliveryErrorInfo => ({ outcome: 'permanent', meaning });
const b = (meaning: string): DeliveryErrorInfo => ({ outcome: 'blocked', meaning });

/**
 * Delivery error codes Twilio documents for messages (`ErrorCode` of a status callback, `error_code` of a
 * Message), and the create-time codes a Messaging Service reports on the message instead of the request.
 * Sources: Twilio's error dictionary (www.twilio.com/docs/api/errors/<code>) and its guidance there, e.g.
 * 30003 "retry later", 30006 "use a mobile number", 21610 "the recipient opted out".
 */
export const DELIVERY_ERROR_CODES: Readonly<Record<number, DeliveryErrorInfo>> = {
  30001: t('Queue overflow: the sender’s queue was full'),
  30002: b('Account suspended'),
  30003: t('Unreachable destination handset (off, out of coverage, or blocking)'),
  30004: b('Message blocked by the recipient or their carrier'),
  30005: p('Unknown destination handset (the number does not exist or is no longer in service)'),
  30006: p('Landline or unreachable carrier'),
  30007: b('Message filtered by the carrier (spam, fraud or unregistered traffic)'),
  30008: t('Unknown error from the carrier'),
  30009: t('Missing segment of a multi-part message'),
  30010: b('Message price exceeds the MaxPrice set for it'),
  30011: p('MMS not supported by the receiving carrier or handset'),
  30012: t('Validity period too short for the message to be sent'),
  30017: t('Carrier network congestion'),
  30018: b('The destination carrier requires sender ID pre-registration'),
  30019: b('Content size exceeds the carrier’s limit'),
  30022: t('US A2P 10DLC rate limit exceeded'),
  30023: t('US A2P 10DLC daily cap reached'),
  30024: b('Numeric sender ID not provisioned by the carrier'),
  30027: t('US A2P 10DLC T-Mobile daily limit reached'),
  30032: b('Toll-free number has not been verified'),
  30033: b('US A2P 10DLC campaign suspended'),
  30034: b('US A2P 10DLC message from an unregistered number'),
  30035: t('US A2P 10DLC message from a number still being configured'),
  30036: t('Validity period expired before the message could be sent'),
  30037: b('Outbound messaging disabled for the sender'),
  30038: b('OTP message body filtered'),
  30410: t('Provider timeout'),
  30450: b('Message delivery blocked (SMS pumping protection)'),
  21211: p('Invalid To phone number'),
  21408: b('Sending to this region is not enabled (geo permissions)'),
  21610: { outcome: 'opted_out', meaning: 'The recipient replied STOP (unsubscribed)' },
  21612: p('Twilio cannot route to this number'),
  21614: p('The To number is not a mobile number'),
  21635: p('The To number is a landline'),
  63003: p('The channel could not find the To address'),
  63016: b('WhatsApp: free-form message outside the 24-hour window; use an approved template'),
  63018: t('WhatsApp: rate limit exceeded'),
  63024: p('WhatsApp: invalid recipient'),
  63049: b('WhatsApp: Meta chose not to deliver this marketing message'),
};

const PENDING = new Set(['queued', 'accepted', 'scheduled', 'sending', 'sent']);
const DELIVERED = new Set(['delivered', 'read']);
// Final without being delivered; `partially_delivered`: some segments of a multi-part message are missing.
const FINAL_FAILURE = new Set(['undelivered', 'failed', 'canceled', 'partially_delivered']);

/** The entry for `code`, and for a code the table does not know: `transient`, said so in `meaning`. */
export function deliveryErrorInfo(code: number): DeliveryErrorInfo & {
  /** `false` for a code the table does not know (its outcome is then `transient`). */
  known: boolean;
} {
  const info = DELIVERY_ERROR_CODES[code];
  if (info !== undefined) return { ...info, known: true };
  return {
    outcome: 'transient',
    meaning: `Error ${code} is not in this package's table; treated as transient (see https://www.twilio.com/docs/api/errors/${code})`,
    known: false,
  };
}

/**
 * The outcome of a message with this status and error code. A final failure (`undelivered`, `failed`)
 * takes its outcome from the code's table entry; one without a code, a `canceled` message and a code the
 * table does not know are `transient` (sending again is the only thing that can help, and cannot hurt
 * more than once). A status Twilio adds later is `pending` unless it carries an error code. Never throws.
 * @example
 * deliveryOutcome('undelivered', 30006); // 'permanent'
 * deliveryOutcome('sent', undefined);    // 'pending'
 */
export function deliveryOutcome(status: string, errorCode?: number | null): DeliveryOutcome {
  if (DELIVERED.has(status)) return 'delivered';
  const code =
    typeof errorCode === 'number' && Number.isInteger(errorCode) && errorCode > 0 ? errorCode : undefined;
  if (PENDING.has(status)) return 'pending';
  if (code !== undefined) return deliveryErrorInfo(code).outcome;
  if (FINAL_FAILURE.has(status)) return 'transient';
  return 'pending';
}

/** Parses an `ErrorCode` / `error_code` as Twilio sends it (a number, a numeric string, empty or null). */
export function parseErrorCode(value: unknown): number | undefined {
  const code =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : Number.NaN;
  return Number.isInteger(code) && code > 0 ? code : undefined;
}
