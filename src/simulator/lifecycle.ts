/**
 * A created message's life: `queued` (or `accepted` via a Messaging Service) → `sent` → `delivered`, or
 * `undelivered` (or `failed`) with a delivery error code for the recipients the `unreachable` knob names. Each change is posted to the message's status
 * callback, form-encoded and signed with `X-Twilio-Signature` as Twilio signs it. A paced sender's messages
 * are sent when its queue reaches them.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { deliveryErrorInfo } from '../delivery/outcome.js';
import { computeTwilioSignature } from '../signature.js';
import { DEFAULT_MAX_QUEUE_SECONDS } from './defaults.js';
import { later } from './http.js';
import { rfc2822, type TwilioMessage } from './resources.js';
import { type MessageRecord, randomHex, type ServiceState, type SimulatorState } from './state.js';
import type { RecordedCallback } from './types.js';

/** Twilio's `error_message` for the codes the simulator's defaults use. */
const DELIVERY_ERRORS: Readonly<Record<number, string>> = {
  30003: 'Unreachable destination handset',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  21610: 'Attempt to send to unsubscribed recipient',
};

/**
 * Per-sender pacing, which decides when a message can be sent. Twilio sends each sender's messages at a fixed
 * rate in segments per second (about 1 for a US long code, 3 for toll-free, 100 for a short code) and keeps
 * the rest in a queue of up to 10 hours; a message that would overflow the queue is refused with 21611.
 *
 * Books `segments` on `sender`'s queue. Returns the epoch ms at which the queue will have sent them, or
 * `undefined` when the queue would then hold more than its limit (the caller answers 21611).
 * Without a pace knob nothing waits: the answer is `now`.
 */
export function reserveSend(
  state: SimulatorState,
  sender: string,
  segments: number,
  now: number,
): number | undefined {
  const pace = state.knobs.pace;
  if (pace === undefined) return now;
  const rate = pace.senders?.[sender] ?? pace.segmentsPerSecond;
  const start = Math.max(now, state.senderQueues.get(sender) ?? now);
  const done = start + (segments / rate) * 1000;
  const maxQueueMs = (pace.maxQueueSeconds ?? DEFAULT_MAX_QUEUE_SECONDS) * 1000;
  if (done - now > maxQueueMs) return undefined;
  state.senderQueues.set(sender, done);
  return done;
}

/** Schedules the status changes of a message just created at `now` (epoch ms). */
export function scheduleLifecycle(state: SimulatorState, record: MessageRecord, now: number): void {
  const lifecycle = state.knobs.lifecycle;
  if (lifecycle === false) return;
  // A paced message is sent when its sender's queue reaches it, not before.
  const sendAt = Math.max(now + lifecycle.sentAfterMs, record.pacedUntil);
  later(state, sendAt - now, () => {
    markSent(state, record);
    later(state, lifecycle.deliveredAfterMs, () => markDelivered(state, record));
  });
}

function markSent(state: SimulatorState, record: MessageRecord): void {
  const message = record.resource;
  const at = new Date(state.clock.now());
  if (message.status === 'accepted') {
    // A pooled message gets its sender, and with it a segment count, when it leaves the service's queue.
    message.from ??= (record.service as ServiceState).senders[0] ?? null;
    message.num_segments = String(record.segments);
    transition(state, record, 'queued', at);
  }
  message.date_sent = rfc2822(at);
  record.sentAt = Math.floor(at.getTime() / 1000) * 1000;
  transition(state, record, 'sent', at);
}

function markDelivered(state: SimulatorState, record: MessageRecord): void {
  const message = record.resource;
  const to = message.to.slice(message.to.indexOf(':') + 1);
  const code = state.knobs.unreachable[to];
  if (code !== undefined) {
    message.error_code = code;
    message.error_message = DELIVERY_ERRORS[code] ?? deliveryErrorInfo(code).meaning;
    // Twilio reports carrier-side (30xxx) failures `undelivered`, and refusals before the carrier `failed`.
    transition(
      state,
      record,
      code >= 30000 && code < 31000 ? 'undelivered' : 'failed',
      new Date(state.clock.now()),
    );
  } else {
    transition(state, record, 'delivered', new Date(state.clock.now()));
  }
}

function transition(state: SimulatorState, record: MessageRecord, status: TwilioMessage['status'], at: Date) {
  record.resource.status = status;
  record.resource.date_updated = rfc2822(at);
  const url = record.statusCallback;
  if (url === undefined) return;
  const params = callbackParams(record.resource);
  // Chained so one message's callbacks leave in status order.
  record.callbackChain = record.callbackChain.then(() => postCallback(state, record, url, params));
}

/** The form fields Twilio posts to a message status callback. */
export function callbackParams(message: TwilioMessage): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: message.account_sid,
    ApiVersion: message.api_version,
    From: message.from ?? '',
    MessageSid: message.sid,
    MessageStatus: message.status,
    SmsSid: message.sid,
    SmsStatus: message.status,
    To: message.to,
  };
  if (message.messaging_service_sid !== null) params['MessagingServiceSid'] = message.messaging_service_sid;
  if (message.error_code !== null) params['ErrorCode'] = String(message.error_code);
  return params;
}

async function postCallback(
  state: SimulatorState,
  record: MessageRecord,
  url: string,
  params: Record<string, string>,
): Promise<void> {
  if (state.abort.signal.aborted) return;
  // Signed with the account's token at the time of sending, as Twilio signs with the current primary token.
  const signature = computeTwilioSignature(record.account.authToken, url, params);
  const entry: RecordedCallback = { url, params, signature, at: new Date(state.clock.now()) };
  if (state.record) state.callbacks.push(entry);
  const outcome = await post(state, url, params, signature);
  if (outcome.status !== undefined) entry.status = outcome.status;
  else entry.error = outcome.error as string;
}

function post(
  state: SimulatorState,
  url: string,
  params: Record<string, string>,
  signature: string,
): Promise<{ status?: number; error?: string }> {
  const body = new URLSearchParams(params).toString();
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(url, {
      method: 'POST',
      signal: state.abort.signal,
      timeout: state.callbackTimeoutMs,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'TwilioProxy/1.1',
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': randomHex(state),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('close', () => resolve({ status: res.statusCode as number }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${state.callbackTimeoutMs} ms`)));
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(body);
  });
}
