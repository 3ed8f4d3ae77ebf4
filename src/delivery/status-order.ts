/**
 * Twilio's order of message statuses, for receivers of status callbacks: callbacks arrive more than once
 * and out of order (`delivered` before `sent`), and a late one must not undo a later status.
 */

/**
 * Where each status stands in a message's life. Final statuses share a rank, except `read`, which can only
 * follow `delivered`.
 */
const RANK: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  canceled: 4,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  partially_delivered: 4,
  read: 5,
};

/**
 * Whether a callback with status `next` should replace what is known (`current`) about a message: only a
 * status later in its life does. A repeat, an earlier status, or a second final status changes nothing (the
 * first final status to arrive stays), and a status Twilio adds later counts as the earliest.
 * @example
 * statusSupersedes('delivered', 'sent'); // true
 * statusSupersedes('sent', 'delivered'); // false: a late callback
 * statusSupersedes('sent', undefined);   // true: nothing known yet
 */
export function statusSupersedes(next: string, current: string | undefined): boolean {
  if (current === undefined) return true;
  return (RANK[next] ?? -1) > (RANK[current] ?? -1);
}

/** Whether a status is final: Twilio sends no further status for the message, except `read` after it. */
export function isFinalStatus(status: string): boolean {
  return (RANK[status] ?? -1) >= 4;
}
