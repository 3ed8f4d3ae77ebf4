/**
 * Twilio's JSON shapes, as in Twilio's OpenAPI description (`api.v2010.account.message`,
 * `api.v2010.account`, `api.v2010.account.incoming_phone_number`, `messaging.v1.service`).
 */
import { createHash } from 'node:crypto';
import type { AccountState, ServiceState } from './state.js';

/** A Message resource, field for field as Twilio's API answers it. */
export interface TwilioMessage {
  /** The account that created the message (`AC…`). */
  account_sid: string;
  /** Always `2010-04-01`. */
  api_version: '2010-04-01';
  /** The text sent (`Body`), `''` for media only. */
  body: string;
  /** RFC 2822, e.g. `Thu, 27 Nov 2026 07:47:26 +0000`. */
  date_created: string;
  /** Null until the message is sent. */
  date_sent: string | null;
  /** RFC 2822; changes with every status change. */
  date_updated: string;
  /** Always `outbound-api`: the simulator only creates messages sent through the API. */
  direction: 'outbound-api';
  /** The delivery error (30003, 30005) once `undelivered`; null otherwise. */
  error_code: number | null;
  /** The text of `error_code`, or null. */
  error_message: string | null;
  /** Null at first for a Messaging Service send, until a sender is picked. */
  from: string | null;
  /** The Messaging Service SID of a pooled send, or null. */
  messaging_service_sid: string | null;
  /** How many `MediaUrl`s, as a string (`"0"` for an SMS). */
  num_media: string;
  /** `"0"` at first for a Messaging Service send. */
  num_segments: string;
  /** Always null: the simulator bills nothing. */
  price: string | null;
  /** Always `USD`. */
  price_unit: string;
  /** `SM` (SMS) or `MM` (MMS) followed by 32 hex characters. */
  sid: string;
  /** Where the message is in its life; `accepted` at first for a Messaging Service send, else `queued`. */
  status: 'accepted' | 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';
  /** Links to the message's subresources. */
  subresource_uris: {
    /** The message's media list. */
    media: string;
  };
  /** The recipient (`To`), as sent. */
  to: string;
  /** The message's own path, e.g. `/2010-04-01/Accounts/AC…/Messages/SM….json`. */
  uri: string;
}

const ACCOUNT_SUBRESOURCES = {
  calls: 'Calls',
  incoming_phone_numbers: 'IncomingPhoneNumbers',
  messages: 'Messages',
  keys: 'Keys',
  usage: 'Usage',
  balance: 'Balance',
};

const SERVICE_LINKS = {
  phone_numbers: 'PhoneNumbers',
  short_codes: 'ShortCodes',
  alpha_senders: 'AlphaSenders',
  messages: 'Messages',
  channel_senders: 'ChannelSenders',
};

/** RFC 2822 date in GMT, the way Twilio's 2010 API writes dates. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** ISO 8601 to the second, the way Twilio's v1 APIs write dates. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The API path prefix of an account. */
export function accountPath(accountSid: string): string {
  return `/2010-04-01/Accounts/${accountSid}`;
}

/** `GET /2010-04-01/Accounts/{sid}.json`. */
export function accountJson(account: AccountState): Record<string, unknown> {
  const base = accountPath(account.sid);
  return {
    // Twilio returns the Auth Token here, so the simulator does too: clients must not log this answer.
    auth_token: account.authToken,
    date_created: rfc2822(account.created),
    date_updated: rfc2822(account.created),
    friendly_name: account.friendlyName,
    owner_account_sid: account.sid,
    sid: account.sid,
    status: account.status,
    subresource_uris: Object.fromEntries(
      Object.entries(ACCOUNT_SUBRESOURCES).map(([key, name]) => [key, `${base}/${name}.json`]),
    ),
    type: account.type,
    uri: `${base}.json`,
  };
}

/** A stable `PN…` SID for an owned number. */
function phoneNumberSid(accountSid: string, number: string): string {
  return `PN${createHash('md5').update(`${accountSid}:${number}`).digest('hex')}`;
}

/** One entry of `GET …/IncomingPhoneNumbers.json`. */
export function incomingNumberJson(account: AccountState, number: string): Record<string, unknown> {
  const sid = phoneNumberSid(account.sid, number);
  const created = rfc2822(account.created);
  return {
    account_sid: account.sid,
    address_requirements: 'none',
    address_sid: null,
    api_version: '2010-04-01',
    beta: false,
    bundle_sid: null,
    capabilities: { fax: false, mms: true, sms: true, voice: true },
    date_created: created,
    date_updated: created,
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    emergency_status: 'Inactive',
    friendly_name: number,
    identity_sid: null,
    origin: 'twilio',
    phone_number: number,
    sid,
    sms_application_sid: null,
    sms_fallback_method: 'POST',
    sms_fallback_url: '',
    sms_method: 'POST',
    sms_url: '',
    status: 'in-use',
    status_callback: '',
    status_callback_method: 'POST',
    trunk_sid: null,
    type: number.startsWith('+1800') || number.startsWith('+1888') ? 'toll-free' : 'local',
    uri: `${accountPath(account.sid)}/IncomingPhoneNumbers/${sid}.json`,
    voice_application_sid: null,
    voice_caller_id_lookup: false,
    voice_fallback_method: 'POST',
    voice_fallback_url: null,
    voice_method: 'POST',
    voice_receive_mode: 'voice',
    voice_url: null,
  };
}

/** `GET /v1/Services/{MG…}` (Messaging v1 writes ISO dates and absolute links). */
export function serviceJson(service: ServiceState, baseUrl: string): Record<string, unknown> {
  const url = `${baseUrl}/v1/Services/${service.sid}`;
  return {
    account_sid: service.accountSid,
    area_code_geomatch: true,
    date_created: isoSeconds(service.created),
    date_updated: isoSeconds(service.created),
    fallback_method: 'POST',
    fallback_to_long_code: true,
    fallback_url: null,
    friendly_name: service.friendlyName,
    inbound_method: 'POST',
    inbound_request_url: null,
    links: Object.fromEntries(Object.entries(SERVICE_LINKS).map(([key, name]) => [key, `${url}/${name}`])),
    mms_converter: true,
    scan_message_content: 'inherit',
    sid: service.sid,
    smart_encoding: service.smartEncoding,
    status_callback: service.statusCallback,
    sticky_sender: true,
    synchronous_validation: true,
    url,
    us_app_to_person_registered: false,
    use_inbound_webhook_on_number: false,
    usecase: 'notifications',
    validity_period: 14_400,
  };
}
