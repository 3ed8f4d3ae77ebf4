/**
 * One row → one `MessageRequest`, or the local `RowError` that keeps the row from being sent. Nothing here
 * makes a request: a row that fails here costs nothing and texts nobody.
 */
import {
  type CheckResult,
  checkMediaUrls,
  checkRecipient,
  checkStatusCallback,
  type SenderKind,
} from './recipient.js';
import type { CompiledTemplate } from './template.js';
import type { FieldMapping, RowError } from './types.js';

/** Twilio refuses longer bodies with 21617. */
export const MAX_BODY_LENGTH = 1600;

/** What is sent for one row. */
export interface MessageRequest {
  to: string;
  /** Set for every sender but a Messaging Service. */
  from?: string;
  /** Set instead of `from` for an `MG…` sender. */
  messagingServiceSid?: string;
  body: string;
  mediaUrls: string[];
  statusCallback?: string;
}

/** Everything that is the same for every row of one write, prepared once. */
export interface MessagePlan {
  from: string;
  senderKind: SenderKind;
  template: CompiledTemplate;
  mapping: FieldMapping;
}

/** The outcome of building one row. */
export type BuildResult = { ok: true; request: MessageRequest } | { ok: false; error: RowError };

type DestinationField = keyof FieldMapping;

function fail(code: 'invalid_row' | 'template_error', message: string): BuildResult {
  return { ok: false, error: { code, message, retryable: false } };
}

/** Reads a destination field from the row: the mapped column, or the field's own name. Own keys only. */
function read(row: Record<string, unknown>, mapping: FieldMapping, field: DestinationField): unknown {
  const column = mapping[field] ?? field;
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

function label(mapping: FieldMapping, field: DestinationField): string {
  const column = mapping[field];
  return column === undefined || column === field ? `"${field}"` : `"${field}" (column "${column}")`;
}

/** Builds the request for row `index`, or says why it cannot be sent. */
export function buildMessage(row: unknown, index: number, plan: MessagePlan): BuildResult {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    const got = row === null ? 'null' : Array.isArray(row) ? 'an array' : `a ${typeof row}`;
    return fail('invalid_row', `Row ${index}: a row must be an object of column values (got ${got})`);
  }
  const record = row as Record<string, unknown>;
  const { mapping } = plan;
  const problem = (field: DestinationField, result: CheckResult | { ok: false; message: string }) =>
    fail('invalid_row', `Row ${index}: ${label(mapping, field)}: ${(result as { message: string }).message}`);

  let to: CheckResult;
  let media: ReturnType<typeof checkMediaUrls>;
  let callback: ReturnType<typeof checkStatusCallback>;
  let context: Record<string, unknown> = record;
  try {
    to = checkRecipient(read(record, mapping, 'to'), plan.senderKind);
    media = checkMediaUrls(read(record, mapping, 'media_url'));
    callback = checkStatusCallback(read(record, mapping, 'status_callback'));
    context = templateContext(record, mapping);
  } catch (error) {
    // A getter or proxy in the row threw: the row is unreadable, not the batch.
    return fail(
      'invalid_row',
      `Row ${index}: the row could not be read (${(error as Error)?.message ?? String(error)})`,
    );
  }
  if (!to.ok) return problem('to', to);
  if (!media.ok) return problem('media_url', media);
  if (!callback.ok) return problem('status_callback', callback);

  const rendered = plan.template.render(context);
  if (!rendered.ok) return fail('template_error', `Row ${index}: ${rendered.message}`);
  const body = rendered.text;
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

  const request: MessageRequest = { to: to.value, body, mediaUrls: media.value };
  if (plan.senderKind === 'messaging_service') request.messagingServiceSid = plan.from;
  else request.from = plan.from;
  if (callback.value !== undefined) request.statusCallback = callback.value;
  return { ok: true, request };
}

/**
 * The values the template sees: the row itself, plus each mapped destination field under its own name, so
 * that `{{body}}` places the mapped body column. Copied only when a mapping renames something.
 */
function templateContext(row: Record<string, unknown>, mapping: FieldMapping): Record<string, unknown> {
  const renamed = (Object.keys(mapping) as DestinationField[]).filter((field) => mapping[field] !== field);
  if (renamed.length === 0) return row;
  const context: Record<string, unknown> = { ...row };
  for (const field of renamed) {
    Object.defineProperty(context, field, {
      value: read(row, mapping, field),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return context;
}

/** The form body Twilio's Messages endpoint takes; `MediaUrl` repeats once per URL, in order. */
export function encodeForm(request: MessageRequest): string {
  const form = new URLSearchParams();
  form.append('To', request.to);
  if (request.messagingServiceSid !== undefined)
    form.append('MessagingServiceSid', request.messagingServiceSid);
  if (request.from !== undefined) form.append('From', request.from);
  if (request.body.trim() !== '') form.append('Body', request.body);
  for (const url of request.mediaUrls) form.append('MediaUrl', url);
  if (request.statusCallback !== undefined) form.append('StatusCallback', request.statusCallback);
  return form.toString();
}
