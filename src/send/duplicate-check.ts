/**
 * Finds out whether an ambiguous attempt (5xx, or a timeout or reset after the request was written)
 * created the message after all. Twilio documents no idempotency key for creating messages, so the only
 * way to know is to list the recipient's recent messages and look for this one.
 */
import { isMessageSid } from '../answer-fields.js';
import type { MessageResource, TwilioClient } from '../client.js';
import type { DuplicateCheckPolicy, Sleep } from '../config/index.js';
import type { MessageRequest } from '../message.js';
import type { Permit } from '../seams/coordinator.js';
import { lookUpMeaningOf } from './answer.js';

/** Twilio adds this to every body sent from a trial account. */
const TRIAL_PREFIX = 'Sent from your Twilio trial account - ';

/** Whether `message` is the one this row's request would have created since `sinceMs`. */
export function isSameMessage(message: MessageResource, request: MessageRequest, sinceMs: number): boolean {
  if (message['to'] !== request.to) return false;
  if (request.messagingServiceSid !== undefined) {
    if (message['messaging_service_sid'] !== request.messagingServiceSid) return false;
  } else if (message['from'] !== request.from) {
    return false;
  }
  const body = typeof message['body'] === 'string' ? message['body'] : '';
  // Twilio stores a body that differs from the one sent when it substitutes characters (SmartEncoded),
  // shortens links (ShortenUrls) or fills a Content template: match those on everything but the body.
  const rewritten =
    request.smartEncoded === true || request.shortenUrls === true || request.contentSid !== undefined;
  if (rewritten) {
    if (Number(message['num_media']) !== request.mediaUrls.length) return false;
  } else if (request.body.trim() === '') {
    if (Number(message['num_media']) !== request.mediaUrls.length) return false;
  } else if (body !== request.body && body !== `${TRIAL_PREFIX}${request.body}`) {
    return false;
  }
  const created = Date.parse(String(message['date_created']));
  // date_created has whole seconds: allow for the truncation.
  return !Number.isNaN(created) && created >= sinceMs - 1000;
}

interface MessagePage {
  messages?: unknown;
  next_page_uri?: unknown;
}

/** Retries of a failed look-up page: it is a GET, safe to repeat, and giving up costs a possiblySent row. */
const LOOKUP_RETRIES = 2;

/** One page of the list, retried after a failure the answer table reads as transient for a GET (429, 5xx, network). */
async function getPage(
  args: LookUp,
  path: string,
  signal: AbortSignal | undefined,
): Promise<{ body: MessagePage }> {
  const { client, policy, sleep, acquire, maxWaitMs } = args;
  for (let attempt = 0; ; attempt++) {
    const permit = await acquire?.();
    try {
      const page = await client.get<MessagePage>('api', path, { signal });
      await permit?.release({ kind: 'ok' });
      return page;
    } catch (error) {
      const meaning = lookUpMeaningOf(error);
      await permit?.release(meaning.end);
      const { retryAfterMs } = meaning;
      // A Retry-After over the cap is not waited for, as on every other answer: the look-up fails.
      if (!meaning.transient || attempt >= LOOKUP_RETRIES || (retryAfterMs ?? 0) > maxWaitMs) throw error;
      // The pause doubles per retry, or Twilio's Retry-After when longer; never past the cap.
      const pause = Math.max(policy.pauseMs * 2 ** attempt, retryAfterMs ?? 0);
      await sleep(Math.min(pause, maxWaitMs), signal);
    }
  }
}

/**
 * Lists the recipient's messages, newest first, and returns the one this request created, if any. Not
 * filtered on `DateSent`: a message created a moment ago has no `date_sent` yet, so that filter would hide
 * exactly the message looked for. Throws when the look-up itself fails.
 */
async function lookOnce(
  args: LookUp,
  sinceMs: number,
  signal: AbortSignal | undefined,
): Promise<MessageResource | undefined> {
  const { accountSid, request, exclude, policy } = args;
  const query = new URLSearchParams({ To: request.to });
  // From is null at first for Messaging Service sends, so filter on it only for a fixed sender.
  if (request.from !== undefined) query.set('From', request.from);
  query.set('PageSize', String(policy.pageSize));
  let path: string | undefined = `/2010-04-01/Accounts/${accountSid}/Messages.json?${query}`;
  for (let page = 0; page < policy.pages && path !== undefined; page++) {
    const { body } = await getPage(args, path, signal);
    const messages = Array.isArray(body.messages) ? (body.messages as MessageResource[]) : [];
    const found = messages.find(
      (message) =>
        isMessageSid(message?.sid) && !exclude.has(message.sid) && isSameMessage(message, request, sinceMs),
    );
    if (found) return found;
    // Newest first: once the page reaches messages older than the attempt, later pages cannot match.
    const oldest = messages.at(-1);
    if (oldest !== undefined && Date.parse(String(oldest['date_created'])) < sinceMs - 1000) return undefined;
    path = typeof body.next_page_uri === 'string' ? body.next_page_uri : undefined;
  }
  return undefined;
}

/** What a look-up needs. */
export interface LookUp {
  client: TwilioClient;
  accountSid: string;
  request: MessageRequest;
  /** When the row's first attempt began (epoch ms). */
  sinceMs: number;
  /** SIDs that other rows of the same write created. */
  exclude: { has(sid: string): boolean };
  policy: DuplicateCheckPolicy;
  /** The longest wait allowed (`retry.maxRetryAfterMs`): every pause of the look-up is capped at it. */
  maxWaitMs: number;
  sleep: Sleep;
  /** The coordinator's permit for each GET; `undefined`: none needed. */
  acquire?: () => Promise<Permit>;
}

/** Looks twice, with a pause between (at most `maxWaitMs`), before concluding that the message was not created. */
export async function findCreatedMessage(
  args: LookUp,
  signal?: AbortSignal,
): Promise<MessageResource | undefined> {
  const since = args.sinceMs - args.policy.clockSkewMs;
  const first = await lookOnce(args, since, signal);
  if (first) return first;
  await args.sleep(Math.min(args.policy.pauseMs, args.maxWaitMs), signal);
  return lookOnce(args, since, signal);
}
