/**
 * Shape checks for the identifiers and statuses the package copies out of Twilio's answers into results,
 * errors and logs. A value of the wrong shape is not kept: it could be anything an intermediary put there,
 * a credential included.
 */

/** Twilio's request id header value: `RQ` and 32 hex digits. */
const REQUEST_ID = /^RQ[0-9a-fA-F]{32}$/;

/** A Message SID: `SM` (SMS) or `MM` (MMS) and 32 hex digits (Twilio's OpenAPI pattern). */
const MESSAGE_SID = /^(?:SM|MM)[0-9a-fA-F]{32}$/;

/** The Message resource's `status` values, from Twilio's OpenAPI `message_enum_status`. */
export const MESSAGE_STATUSES: ReadonlySet<string> = new Set([
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'receiving',
  'received',
  'accepted',
  'scheduled',
  'read',
  'partially_delivered',
  'canceled',
]);

/** `Twilio-Request-Id` when it has Twilio's shape, else `undefined`. */
export function requestIdOf(value: string | undefined): string | undefined {
  return value !== undefined && REQUEST_ID.test(value) ? value : undefined;
}

/** Whether a value is a Message SID. */
export function isMessageSid(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_SID.test(value);
}

/** Whether a value is one of Twilio's message statuses. */
export function isMessageStatus(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_STATUSES.has(value);
}

/** A value kept only when it is one of `allowed`; anything else reads `'unknown'`. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | 'unknown' {
  return allowed.includes(value as T) ? (value as T) : 'unknown';
}
