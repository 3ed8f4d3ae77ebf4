/**
 * The polling loop behind `twilio-destination status`: asks Twilio about every message still pending,
 * round after round, until each is final or the wait ends. Pure of I/O beyond the destination: the clock
 * and the pause between rounds are passed in.
 */
import type { StatusResult, TwilioDestination } from '../index.js';

/** A message to follow: its Message SID, and the row it was sent for. */
export interface TrackedMessage {
  index: number;
  messageSid: string;
}

/** What the loop needs. */
export interface PollOptions {
  /** How long to keep asking, from the first round (0: one round). */
  waitMs: number;
  /** The pause between two rounds. */
  intervalMs: number;
  now: () => number;
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

/** Whether a message needs no further asking: a final outcome, or a SID Twilio does not know. */
export function isSettled(result: StatusResult | undefined): boolean {
  if (result === undefined) return false;
  if (result.kind === 'not_found') return true;
  if (result.kind === 'failed') return result.error.code === 'auth_failed';
  return result.outcome !== 'pending';
}

/**
 * Polls until every message is settled, the wait is over, or `signal` aborts. Returns the latest answer
 * for each message (by SID), and how many rounds were made.
 */
export async function pollStatuses(
  destination: TwilioDestination,
  messages: readonly TrackedMessage[],
  options: PollOptions,
): Promise<{ latest: Map<string, StatusResult>; rounds: number }> {
  const latest = new Map<string, StatusResult>();
  const deadline = options.now() + options.waitMs;
  let rounds = 0;
  for (;;) {
    const open = messages.filter((m) => !isSettled(latest.get(m.messageSid))).map((m) => m.messageSid);
    if (open.length === 0 || options.signal.aborted) break;
    rounds++;
    for await (const result of destination.fetchStatuses(open, { signal: options.signal })) {
      // An aborted look-up says nothing new about the message: keep what the last round learned.
      if (result.kind === 'failed' && result.error.code === 'aborted' && latest.has(result.messageSid))
        continue;
      latest.set(result.messageSid, result);
    }
    const left = deadline - options.now();
    if (left <= 0 || messages.every((m) => isSettled(latest.get(m.messageSid)))) break;
    try {
      await options.sleep(Math.min(options.intervalMs, left), options.signal);
    } catch {
      break;
    }
  }
  return { latest, rounds };
}
