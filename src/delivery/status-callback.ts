/**
 * `createStatusCallbackHandler`: a `(req, res)` handler that receives Twilio's message status callbacks,
 * checks their signature exactly as Twilio's official library does, and hands each one on as a typed
 * {@link DeliveryEvent}. It answers as Twilio expects: 2xx once handled (Twilio does not resend), 5xx when
 * the receiver could not handle it (so that Twilio may try again), 4xx for requests that are not Twilio's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyTwilioBodySignature, verifyTwilioSignature } from '../signature.js';
import { type DeliveryOutcome, deliveryOutcome, parseErrorCode } from './outcome.js';
import { type FormFields, parseForm, parseJsonFields, readBody } from './request-body.js';
import { type PublicAddress, signedUrl } from './request-url.js';

/** One status callback, parsed. */
export interface DeliveryEvent {
  /** `SM…` or `MM…`. */
  messageSid: string;
  /** `MessageStatus`: `queued`, `sent`, `delivered`, `undelivered`, `failed`, `read`, … */
  status: string;
  /** `ErrorCode`, with `undelivered` or `failed` (e.g. 30003). */
  errorCode?: number;
  /** `ErrorMessage`, when Twilio sends one. */
  errorMessage?: string;
  /** What the status and error code mean for the engine (see `deliveryOutcome`). */
  outcome: DeliveryOutcome;
  /** The recipient. */
  to: string;
  /** The sender (`''` while a Messaging Service has not picked one). */
  from: string;
  /** The account the message belongs to. */
  accountSid: string;
  /** The Messaging Service the message was sent through. */
  messagingServiceSid?: string;
  /** Every field as posted (a repeated field is an array). */
  raw: Readonly<FormFields>;
}

/** Options of {@link createStatusCallbackHandler}. */
export interface StatusCallbackHandlerOptions extends PublicAddress {
  /**
   * The account's Auth Token, which Twilio signs every callback with (never an API key secret). During a
   * rotation give both, new first: callbacks of older messages keep arriving signed with the old one.
   */
  authToken: string | readonly string[];
  /**
   * Called once per verified callback. Callbacks arrive more than once and out of order (`delivered`
   * before `sent`): use `statusSupersedes` to keep only a later status. A rejection or throw answers 500,
   * so that Twilio tries again.
   */
  onStatus: (event: DeliveryEvent) => void | Promise<void>;
  /**
   * The largest body read; a larger one answers 413. A status callback is a few hundred bytes.
   * @default 65536
   */
  maxBodyBytes?: number;
}

/** A handler for `node:http`'s `request` event, Express routes and Fastify (via `request.raw`, `reply.raw`). */
export type StatusCallbackHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

function answer(
  res: ServerResponse,
  status: number,
  text?: string,
  headers: Record<string, string> = {},
): void {
  if (text === undefined) res.writeHead(status, headers).end();
  else res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(text);
}

function field(fields: FormFields, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = fields[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') return first;
  }
  return undefined;
}

/** The event, or `undefined` when a signed post is not a message status callback. */
export function toDeliveryEvent(fields: FormFields): DeliveryEvent | undefined {
  const messageSid = field(fields, 'MessageSid', 'SmsSid');
  const status = field(fields, 'MessageStatus', 'SmsStatus');
  if (messageSid === undefined || status === undefined) return undefined;
  const errorCode = parseErrorCode(field(fields, 'ErrorCode'));
  const errorMessage = field(fields, 'ErrorMessage');
  const messagingServiceSid = field(fields, 'MessagingServiceSid');
  return {
    messageSid,
    status,
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(errorMessage === undefined ? {} : { errorMessage }),
    outcome: deliveryOutcome(status, errorCode),
    to: field(fields, 'To') ?? '',
    from: field(fields, 'From') ?? '',
    accountSid: field(fields, 'AccountSid') ?? '',
    ...(messagingServiceSid === undefined ? {} : { messagingServiceSid }),
    raw: fields,
  };
}

function checkOptions(options: StatusCallbackHandlerOptions): readonly string[] {
  const given = options as Partial<StatusCallbackHandlerOptions> & { apiKeySecret?: unknown };
  const tokens = typeof given.authToken === 'string' ? [given.authToken] : (given.authToken ?? []);
  if (tokens.length === 0 || !tokens.every((token) => typeof token === 'string' && token !== '')) {
    throw new TypeError(
      given.apiKeySecret === undefined
        ? 'createStatusCallbackHandler: authToken must be the account’s Auth Token (a non-empty string, or several during a rotation)'
        : 'createStatusCallbackHandler: Twilio signs status callbacks with the account’s Auth Token, never with an API key secret; pass authToken',
    );
  }
  if (typeof given.onStatus !== 'function')
    throw new TypeError('createStatusCallbackHandler: onStatus must be a function');
  const max = given.maxBodyBytes;
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    throw new TypeError('createStatusCallbackHandler: maxBodyBytes must be a positive integer');
  }
  return tokens;
}

/**
 * Creates the handler. It reads the form body (bounded), rebuilds the URL Twilio signed, verifies
 * `X-Twilio-Signature`, and answers: 204 once `onStatus` has settled, 403 for a bad or missing signature,
 * 413 for a body over `maxBodyBytes`, 405 for anything but POST, 400 for a signed post that is not a
 * status callback, 500 when `onStatus` throws or rejects. The returned promise never rejects.
 * @example
 * ```ts
 * const handler = createStatusCallbackHandler({ authToken, publicUrl: 'https://hooks.example.com', onStatus });
 * http.createServer(handler).listen(3000);          // node:http
 * app.post('/twilio/status', handler);              // Express (no body parser needed on this route)
 * ```
 */
export function createStatusCallbackHandler(options: StatusCallbackHandlerOptions): StatusCallbackHandler {
  const tokens = checkOptions(options);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const address: PublicAddress = { publicUrl: options.publicUrl, trustProxy: options.trustProxy };
  return async (req, res) => {
    if (req.method !== 'POST') return answer(res, 405, 'POST only', { allow: 'POST' });
    const body = await readBody(req, maxBodyBytes);
    // Connection: close, so that the rest of an oversized body is never read.
    if (body.kind === 'too_large') return answer(res, 413, 'body too large', { connection: 'close' });
    if (body.kind === 'unreadable') return answer(res, 400, 'unreadable body');
    const url = signedUrl(req, address);
    const signature = req.headers['x-twilio-signature'];
    const given = typeof signature === 'string' ? signature : undefined;
    let fields: FormFields | undefined;
    let signed: boolean;
    if (body.kind === 'parsed') {
      fields = body.fields;
      signed = tokens.some((authToken) =>
        verifyTwilioSignature({ authToken, url, params: body.fields, signature: given }),
      );
    } else if (/[?&]bodySHA256=/.test(url)) {
      // A JSON webhook: the signature covers the URL, and the URL the body's hash.
      signed = tokens.some((authToken) =>
        verifyTwilioBodySignature({ authToken, url, body: body.bytes, signature: given }),
      );
      fields = parseJsonFields(body.bytes.toString('utf8'));
    } else {
      fields = parseForm(body.bytes.toString('utf8'));
      const params = fields;
      signed = tokens.some((authToken) =>
        verifyTwilioSignature({ authToken, url, params, signature: given }),
      );
    }
    // Not from Twilio (or signed for another URL, or with another token): never act on it.
    if (!signed) return answer(res, 403, 'invalid X-Twilio-Signature');
    const event = fields === undefined ? undefined : toDeliveryEvent(fields);
    if (event === undefined) return answer(res, 400, 'not a message status callback');
    try {
      await options.onStatus(event);
    } catch {
      // The receiver failed to keep it: 5xx makes Twilio post it again.
      return answer(res, 500, 'status callback not handled');
    }
    answer(res, 204);
  };
}
