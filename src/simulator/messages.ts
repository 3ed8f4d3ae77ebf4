/**
 * `POST /2010-04-01/Accounts/{sid}/Messages.json`: the checks Twilio makes before accepting a message, each
 * answered with Twilio's error code, then the Message resource Twilio creates.
 */
import { countSegments } from '../segments.js';
import { TWILIO_TEST_SENDER } from './defaults.js';
import { type Answer, all, E164, first, type Params, twilioError } from './http.js';
import { reserveSend, scheduleLifecycle } from './lifecycle.js';
import { accountPath, rfc2822, type TwilioMessage } from './resources.js';
import { type AccountState, type MessageRecord, randomHex, type SimulatorState } from './state.js';

/** Twilio's magic `From` numbers and what they answer with test credentials. */
const MAGIC_FROM: Readonly<Record<string, number>> = {
  '+15005550001': 21212,
  '+15005550007': 21606,
  '+15005550008': 21611,
};

/** Twilio's magic `To` numbers and what they answer with test credentials. */
const MAGIC_TO: Readonly<Record<string, number>> = {
  '+15005550001': 21211,
  '+15005550002': 21612,
  '+15005550003': 21408,
  '+15005550004': 21610,
  '+15005550009': 21614,
};

const MESSAGES: Readonly<Record<number, (value: string) => string>> = {
  21211: (to) => `The 'To' number ${to} is not a valid phone number.`,
  21212: (from) =>
    `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
  21408: (to) =>
    `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`,
  21606: (from) =>
    `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number ` +
    'for this destination.',
  21608: (to) =>
    `The number ${to} is unverified. Trial accounts cannot send messages to unverified numbers; verify ${to} ` +
    'at twilio.com/user/account/phone-numbers/verified, or purchase a Twilio number to send messages to ' +
    'unverified numbers.',
  21610: () => 'Attempt to send to unsubscribed recipient',
  21611: (from) => `This 'From' number (${from}) has exceeded the maximum number of queued messages.`,
  21612: (to) =>
    `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number via SMS.`,
  21614: (to) => `'To' number ${to} is not a valid mobile number`,
};

function rejected(code: number, value: string): Answer {
  return twilioError(400, code, (MESSAGES[code] as (value: string) => string)(value));
}

/** A recipient: E.164, or a channel address such as `whatsapp:+15551234567`. */
const RECIPIENT = /^(?:[a-z]+:)?\+[1-9]\d{1,14}$/;
/** Senders: E.164, short code, alphanumeric sender ID (at least one letter), or a channel address. */
const SENDER = [E164, /^\d{5,6}$/, /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/, RECIPIENT];

/** The phone number of a channel address (`whatsapp:+1555…` → `+1555…`). */
function bare(address: string): string {
  return address.slice(address.indexOf(':') + 1);
}

function isHttpUrl(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:');
}

/** Twilio requires a valid URL whose host name has no underscore (StatusCallback, 21609). */
function isCallbackUrl(value: string): boolean {
  return isHttpUrl(value) && !(URL.parse(value) as URL).hostname.includes('_');
}

function checkSender(account: AccountState, from: string): Answer | undefined {
  const magic = MAGIC_FROM[from];
  if (magic !== undefined) return rejected(magic, from);
  const owned = from === TWILIO_TEST_SENDER || account.numbers.includes(bare(from));
  if (owned) return undefined;
  return rejected(SENDER.some((pattern) => pattern.test(from)) ? 21606 : 21212, from);
}

/** Validates a create request and, when Twilio would accept it, creates the message (201). */
export function createMessage(state: SimulatorState, account: AccountState, form: Params): Answer {
  const to = first(form, 'To');
  if (to === undefined || to === '') return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!RECIPIENT.test(to)) return rejected(21211, to);

  const from = first(form, 'From');
  const serviceSid = first(form, 'MessagingServiceSid');
  const service = serviceSid === undefined ? undefined : account.services.get(serviceSid);
  if (serviceSid !== undefined && service === undefined) {
    return twilioError(400, 21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
  }
  if (from === undefined && service === undefined) {
    return twilioError(400, 21603, "A 'From' phone number is required.");
  }
  const senderError = from === undefined ? undefined : checkSender(account, from);
  if (senderError !== undefined) return senderError;

  const magicTo = MAGIC_TO[to];
  if (magicTo !== undefined) return rejected(magicTo, to);

  const body = first(form, 'Body');
  const media = all(form, 'MediaUrl');
  const content = first(form, 'ContentSid') !== undefined;
  if (body === undefined && media.length === 0 && !content) {
    return twilioError(400, 21619, 'A text message body or media urls must be specified.');
  }
  if (body !== undefined && body.trim() === '' && media.length === 0 && !content) {
    return twilioError(400, 21602, 'Message body is required.');
  }
  if (body !== undefined && body.length > 1600) {
    return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  if (media.length > 10) return twilioError(400, 21623, 'Too many media urls. The maximum is 10.');
  if (!media.every(isHttpUrl)) return twilioError(400, 21620, 'Invalid media URL(s).');

  const statusCallback = first(form, 'StatusCallback');
  if (statusCallback !== undefined && !isCallbackUrl(statusCallback)) {
    return twilioError(400, 21609, `Invalid StatusCallback URL: ${statusCallback}`);
  }
  if (account.type === 'Trial' && !account.verified.has(bare(to))) return rejected(21608, to);

  const text = body ?? '';
  const smartEncoded = first(form, 'SmartEncoded') === 'true' || service?.smartEncoding === true;
  // Twilio counts an MMS as one segment whatever its text.
  const segments = media.length > 0 ? 1 : countSegments(text, { smartEncoded }).segments;
  const sender = from ?? (serviceSid as string);
  const now = state.clock.now();
  const pacedUntil = reserveSend(state, sender, segments, now);
  if (pacedUntil === undefined) return rejected(21611, sender);

  const sid = `${media.length > 0 ? 'MM' : 'SM'}${randomHex(state)}`;
  const base = accountPath(account.sid);
  const date = rfc2822(new Date(now));
  const resource: TwilioMessage = {
    account_sid: account.sid,
    api_version: '2010-04-01',
    body: text,
    date_created: date,
    date_sent: null,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    // A pooled send has no sender until Twilio picks one, and no segment count until then.
    from: from ?? null,
    messaging_service_sid: service?.sid ?? null,
    num_media: String(media.length),
    num_segments: service === undefined ? String(segments) : '0',
    price: null,
    price_unit: 'USD',
    sid,
    status: service === undefined ? 'queued' : 'accepted',
    subresource_uris: { media: `${base}/Messages/${sid}/Media.json` },
    to,
    uri: `${base}/Messages/${sid}.json`,
  };
  const record: MessageRecord = {
    resource,
    account,
    service,
    statusCallback: statusCallback ?? service?.statusCallback ?? undefined,
    segments,
    sentAt: undefined,
    pacedUntil,
    callbackChain: Promise.resolve(),
  };
  state.records.push(record);
  state.messages.push(resource);
  state.bySid.set(sid, record);
  scheduleLifecycle(state, record, now);
  return { status: 201, body: resource };
}
