/**
 * One row → one `MessageRequest`, or the local `RowError` that keeps the row from being sent. Nothing here
 * makes a request: a row that fails here costs nothing and texts nobody. `write` and `preview` both build
 * every row here, so a preview reports exactly the error `write` would. Over 300 lines because the row's
 * checks run in one order that reads better whole.
 */
import type { CountryCode } from './phone.js';
import {
  type CheckResult,
  checkMediaUrls,
  checkRecipient,
  checkStatusCallback,
  type SenderKind,
} from './recipient.js';
import { countSegments, type SegmentInfo } from './segments.js';
import type { CompiledTemplate } from './template/index.js';
import type { FieldMapping, RowError } from './types.js';

/** Twilio refuses longer bodies with 21617. */
export const MAX_BODY_LENGTH = 1600;

/** What is sent for one row. */
export interface MessageRequest {
  /** E.164, or a channel address such as `whatsapp:+14155550100`, after normalisation. */
  to: string;
  /** The row's `to` as it was read, before trimming and normalisation; shown by the preview, never sent. */
  originalTo?: string;
  /** Set for every sender but a Messaging Service. */
  from?: string;
  /** Set instead of `from` for an `MG…` sender. */
  messagingServiceSid?: string;
  /** The rendered body; `''` with a Content template (no `Body` is sent then). */
  body: string;
  mediaUrls: string[];
  statusCallback?: string;
  /** `ContentSid` (`HX…`), instead of a body. */
  contentSid?: string;
  /** `ContentVariables`: Twilio's variable number → this row's value. */
  contentVariables?: Record<string, string>;
  /** `ValidityPeriod`, in seconds. */
  validityPeriod?: number;
  /** `SmartEncoded=true`. */
  smartEncoded?: boolean;
  /** `ShortenUrls=true`. */
  shortenUrls?: boolean;
}

/** The text of every message: a body template, or a Content template and its variables' templates. */
export type MessageContent =
  | { kind: 'template'; template: CompiledTemplate }
  | { kind: 'content'; sid: string; variables: readonly (readonly [number: string, CompiledTemplate])[] };

/** Everything that is the same for every row of one write, prepared once. */
export interface MessagePlan {
  from: string;
  senderKind: SenderKind;
  content: MessageContent;
  mapping: FieldMapping;
  /** Reads national numbers as numbers of this country; without it, `to` must be E.164. */
  defaultCountry?: CountryCode;
  /** Used when the row has no `status_callback`. */
  statusCallback?: string;
  smartEncoded: boolean;
  shortenUrls: boolean;
  validityPeriod?: number;
  /** A row whose message would take more segments fails with `template_error`. */
  maxSegments?: number;
}

/** The outcome of building one row; `segments` when they were counted. */
export type BuildResult =
  | { ok: true; request: MessageRequest; segments?: SegmentInfo }
  | { ok: false; error: RowError };

/** Options for {@link buildMessage}. */
export interface BuildOptions {
  /**
   * Count the segments of every message (the preview does); otherwise they are counted only to enforce
   * `maxSegments`, and only for SMS text.
   * @default false
   */
  measure?: boolean;
}

type DestinationField = keyof FieldMapping;

function fail(code: 'invalid_row' | 'template_error', message: string): BuildResult {
  return { ok: false, error: { code, message, retryable: false } };
}

/** Reads a destination field from the row: the mapped column, or the field's own name. Own keys only. */
function read(row: Record<string, unknown>, mapping: FieldMapping, field: DestinationField): unknown {
  const column = mapping[field] ?? field;
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

/** Where a destination field was read from, when a mapping renamed it. */
function source(mapping: FieldMapping, field: DestinationField): string {
  const column = mapping[field];
  return column === undefined || column === field ? '' : ` (read from column "${column}")`;
}

/**
 * How Twilio will encode and count one message: the body's encoding, characters that forced UCS-2, and
 * segments. An MMS counts as one (Twilio bills it as one message whatever its text); a Content template's
 * text lives at Twilio, so its message counts as one with nothing known about its encoding.
 * @example
 * messageSegments({ to: '+14155550100', body: 'Hi “Ann”', mediaUrls: [] }); // { encoding: 'UCS-2', segments: 1, nonGsmCharacters: ['“', '”'] }
 */
export function messageSegments(request: MessageRequest): SegmentInfo {
  const counted = countSegments(request.body, { smartEncoded: request.smartEncoded === true });
  return request.mediaUrls.length > 0 || request.contentSid !== undefined
    ? { ...counted, segments: 1 }
    : counted;
}

/** The characters behind a UCS-2 count, for a message: at most five, quoted. */
export function describeCharacters(characters: readonly string[]): string {
  const shown = characters.slice(0, 5).map((character) => JSON.stringify(character));
  return characters.length > 5 ? `${shown.join(', ')} and ${characters.length - 5} more` : shown.join(', ');
}

/** Builds the request for row `index`, or says why it cannot be sent. Never throws, whatever the row is. */
export function buildMessage(
  row: unknown,
  index: number,
  plan: MessagePlan,
  options: BuildOptions = {},
): BuildResult {
  try {
    return build(row, index, plan, options);
  } catch (error) {
    // A getter or proxy in the row threw (a revoked Proxy throws on every touch): the row is unreadable,
    // not the batch.
    return fail('invalid_row', `Row ${index}: the row could not be read (${reasonOf(error)})`);
  }
}

/** What a thrown value says, in at most 200 characters, without touching it in a way that can throw. */
function reasonOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : String(error);
  } catch {
    text = 'it threw a value that cannot be printed';
  }
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function build(row: unknown, index: number, plan: MessagePlan, options: BuildOptions): BuildResult {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    const got = row === null ? 'null' : Array.isArray(row) ? 'an array' : `a ${typeof row}`;
    return fail('invalid_row', `Row ${index}: a row must be an object of column values (got ${got})`);
  }
  const record = row as Record<string, unknown>;
  const { mapping } = plan;
  const problem = (field: DestinationField, result: CheckResult | { ok: false; message: string }) =>
    // The check's message already names the field ("to" must be …).
    fail('invalid_row', `Row ${index}: ${(result as { message: string }).message}${source(mapping, field)}`);

  const rawTo = read(record, mapping, 'to');
  const to = checkRecipient(rawTo, plan.senderKind, plan.defaultCountry);
  const media = checkMediaUrls(read(record, mapping, 'media_url'));
  const callback = checkStatusCallback(read(record, mapping, 'status_callback'));
  const { context, cut } = templateContext(record, plan);
  if (!to.ok) return problem('to', to);
  if (!media.ok) return problem('media_url', media);
  if (!callback.ok) return problem('status_callback', callback);

  const request: MessageRequest = {
    to: to.value,
    originalTo: rawTo as string,
    body: '',
    mediaUrls: media.value,
  };
  if (plan.senderKind === 'messaging_service') request.messagingServiceSid = plan.from;
  else request.from = plan.from;
  const content = plan.content;
  if (content.kind === 'content') {
    if (media.value.length > 0) {
      return problem('media_url', {
        ok: false,
        message:
          'a Content template (settings.contentSid) carries its own media; leave media_url empty, or send a text template (settings.messageTemplate) instead',
      });
    }
    const variables = renderVariables(content.variables, context, index);
    if (!variables.ok) return variables;
    request.contentSid = content.sid;
    if (content.variables.length > 0) request.contentVariables = variables.values;
  } else {
    const rendered = content.template.render(context);
    if (!rendered.ok) return fail('template_error', `Row ${index}: ${rendered.message}`);
    const body = rendered.text;
    if (body.length > MAX_BODY_LENGTH && cut !== undefined) {
      return fail(
        'template_error',
        `Row ${index}: the rendered message is longer than ${MAX_BODY_LENGTH} characters, the most Twilio accepts (error 21617): ${cut}. Shorten this row's values or the template`,
      );
    }
    if (body.length > MAX_BODY_LENGTH) {
      return fail(
        'template_error',
        `Row ${index}: the rendered message is ${body.length} characters; Twilio accepts at most ${MAX_BODY_LENGTH} (error 21617). Shorten the template or this row's values`,
      );
    }
    if (body.trim() === '' && media.value.length === 0) {
      return fail(
        'template_error',
        `Row ${index}: the rendered message is empty and the row has no media_url; Twilio needs a body or media (error 21602)`,
      );
    }
    request.body = body;
  }
  const statusCallback = callback.value ?? plan.statusCallback;
  if (statusCallback !== undefined) request.statusCallback = statusCallback;
  if (plan.validityPeriod !== undefined) request.validityPeriod = plan.validityPeriod;
  if (plan.smartEncoded) request.smartEncoded = true;
  if (plan.shortenUrls) request.shortenUrls = true;

  // Only SMS text can exceed the cap, so only it is counted on the write path (the GSM-7 fast path makes
  // the usual body cost a table look-up per character).
  const capped =
    plan.maxSegments !== undefined && request.mediaUrls.length === 0 && content.kind === 'template';
  if (!options.measure && !capped) return { ok: true, request };
  const segments = messageSegments(request);
  if (capped && segments.segments > (plan.maxSegments as number)) {
    const why =
      segments.encoding === 'UCS-2'
        ? `UCS-2 because of ${describeCharacters(segments.nonGsmCharacters)}`
        : 'GSM-7';
    return fail(
      'template_error',
      `Row ${index}: the message would take ${segments.segments} segments (${why}), more than settings.maxSegments (${plan.maxSegments}); nothing was sent. Shorten the template or this row's values, or raise maxSegments`,
    );
  }
  return { ok: true, request, segments };
}

/** Renders each Content variable for this row; any failure fails the row, naming the variable. */
function renderVariables(
  variables: readonly (readonly [string, CompiledTemplate])[],
  context: Record<string, unknown>,
  index: number,
): { ok: true; values: Record<string, string> } | { ok: false; error: RowError } {
  const values: Record<string, string> = {};
  for (const [number, template] of variables) {
    const rendered = template.render(context);
    const where = `Row ${index}: Content variable ${number} (settings.contentVariables)`;
    if (!rendered.ok) {
      return {
        ok: false,
        error: { code: 'template_error', message: `${where}: ${rendered.message}`, retryable: false },
      };
    }
    // A variable longer than a whole message cannot fit one; a cut value (see MAX_VALUE_LENGTH) ends here.
    if (rendered.text.length > MAX_BODY_LENGTH) {
      return {
        ok: false,
        error: {
          code: 'template_error',
          message: `${where} renders over ${MAX_BODY_LENGTH} characters for this row, more than a whole message holds; shorten this row's value`,
          retryable: false,
        },
      };
    }
    // WhatsApp refuses a template message with an empty parameter, so it is caught here, before the request.
    if (rendered.text.trim() === '') {
      return {
        ok: false,
        error: {
          code: 'template_error',
          message: `${where} renders empty for this row; Twilio refuses empty template variables, so fill it or give it a fixed fallback`,
          retryable: false,
        },
      };
    }
    values[number] = rendered.text;
  }
  return { ok: true, values };
}

/**
 * The most of one value a template is given: a string's first characters, an array's first elements. A
 * message holds at most {@link MAX_BODY_LENGTH} characters, so a longer string, or a section over more
 * elements, already makes a body Twilio refuses; reading further would only cost time (a 10 MB cell, a
 * `new Array(2 ** 28)`) before the same answer.
 */
export const MAX_VALUE_LENGTH = MAX_BODY_LENGTH + 1;

/** The top-level names a plan's templates read (`a` for `{{a.b}}`). */
function templateNames(content: MessageContent): Set<string> {
  const templates =
    content.kind === 'template' ? [content.template] : content.variables.map(([, template]) => template);
  const names = new Set<string>();
  for (const template of templates) {
    for (const field of template.fields) names.add(field.split('.')[0] as string);
  }
  return names;
}

/** A value cut to {@link MAX_VALUE_LENGTH}, and what was cut, for the message. */
function capValue(name: string, value: unknown): { value: unknown; capped?: string } {
  if (typeof value === 'string' && value.length > MAX_VALUE_LENGTH) {
    return {
      value: value.slice(0, MAX_VALUE_LENGTH),
      capped: `"${name}" alone holds ${value.length} characters`,
    };
  }
  if (Array.isArray(value) && value.length > MAX_VALUE_LENGTH) {
    // Element by element, holes kept: no species constructor or iterator of the row's is run.
    const head: unknown[] = new Array(MAX_VALUE_LENGTH);
    for (let i = 0; i < MAX_VALUE_LENGTH; i++) if (i in value) head[i] = value[i];
    return { value: head, capped: `"${name}" holds ${value.length} elements` };
  }
  return { value };
}

/**
 * The values the template sees: each name it reads, from the row (own keys only), with each mapped
 * destination field under its own name too, so that `{{body}}` places the mapped body column. Each value is
 * read once, here, and cut to {@link MAX_VALUE_LENGTH}; `cut` says what was cut.
 */
function templateContext(
  row: Record<string, unknown>,
  plan: MessagePlan,
): { context: Record<string, unknown>; cut?: string } {
  const { mapping } = plan;
  const context: Record<string, unknown> = {};
  let cut: string | undefined;
  for (const name of templateNames(plan.content)) {
    const renamed = Object.hasOwn(mapping, name) && mapping[name as DestinationField] !== name;
    if (!renamed && !Object.hasOwn(row, name)) continue;
    const value = renamed ? read(row, mapping, name as DestinationField) : row[name];
    const kept = capValue(name, value);
    cut ??= kept.capped;
    Object.defineProperty(context, name, {
      value: kept.value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return cut === undefined ? { context } : { context, cut };
}

/**
 * The form body Twilio's Messages endpoint takes, in this order: `To`, `MessagingServiceSid` or `From`,
 * `Body`, one `MediaUrl` per URL (in order), `ContentSid`, `ContentVariables` (JSON, variables in numeric
 * order), `StatusCallback`, `ValidityPeriod`, `SmartEncoded`, `ShortenUrls`.
 */
export function encodeForm(request: MessageRequest): string {
  const form = new URLSearchParams();
  form.append('To', request.to);
  if (request.messagingServiceSid !== undefined)
    form.append('MessagingServiceSid', request.messagingServiceSid);
  if (request.from !== undefined) form.append('From', request.from);
  if (request.body.trim() !== '') form.append('Body', request.body);
  for (const url of request.mediaUrls) form.append('MediaUrl', url);
  if (request.contentSid !== undefined) form.append('ContentSid', request.contentSid);
  // Integer-like keys enumerate in ascending numeric order, so the JSON is the same for the same values.
  if (request.contentVariables !== undefined)
    form.append('ContentVariables', JSON.stringify(request.contentVariables));
  if (request.statusCallback !== undefined) form.append('StatusCallback', request.statusCallback);
  if (request.validityPeriod !== undefined) form.append('ValidityPeriod', String(request.validityPeriod));
  if (request.smartEncoded === true) form.append('SmartEncoded', 'true');
  if (request.shortenUrls === true) form.append('ShortenUrls', 'true');
  return form.toString();
}
