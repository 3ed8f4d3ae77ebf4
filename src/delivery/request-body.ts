/**
 * Reads a webhook request's body once, bounded, whichever framework it arrives through: a bare
 * `node:http` request (read from the stream), or a framework that already read it (a raw string or Buffer
 * in `req.body` / `req.rawBody`, or a parsed form object in `req.body`).
 */
import type { IncomingMessage } from 'node:http';

/** Form fields as received; a repeated field is an array. */
export type FormFields = Record<string, string | string[]>;

/** What was read: the raw bytes, fields a framework already parsed, or why nothing could be. */
export type BodyRead =
  | { kind: 'raw'; bytes: Buffer }
  | { kind: 'parsed'; fields: FormFields }
  | { kind: 'too_large' }
  | { kind: 'unreadable' };

/** A request as frameworks hand it on: Express and Fastify keep what they read in these properties. */
type FrameworkRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };

function isFormObject(value: unknown): value is FormFields {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value))
    return false;
  return Object.values(value).every(
    (field) =>
      typeof field === 'string' || (Array.isArray(field) && field.every((v) => typeof v === 'string')),
  );
}

/** Reads the body, at most `maxBytes` of it. Never rejects. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const framework = req as FrameworkRequest;
  for (const value of [framework.rawBody, framework.body]) {
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const bytes = Buffer.from(value);
      return bytes.length > maxBytes ? { kind: 'too_large' } : { kind: 'raw', bytes };
    }
  }
  // A body parser ran before us (Express's `urlencoded()`): the stream is spent, the fields are parsed.
  if (req.readableEnded && isFormObject(framework.body)) return { kind: 'parsed', fields: framework.body };
  if (Number(req.headers['content-length']) > maxBytes) return { kind: 'too_large' };
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) return { kind: 'too_large' };
      chunks.push(chunk);
    }
  } catch {
    return { kind: 'unreadable' };
  }
  return { kind: 'raw', bytes: Buffer.concat(chunks) };
}

/** Form fields as Twilio signs them: a repeated field keeps every value. */
export function parseForm(body: string): FormFields {
  const fields: FormFields = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const previous = fields[name];
    fields[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return fields;
}

/** The fields of a JSON webhook body, as strings; `undefined` when it is not a JSON object. */
export function parseJsonFields(body: string): FormFields | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const fields: FormFields = {};
  for (const [name, value] of Object.entries(json)) {
    if (value !== null && value !== undefined)
      fields[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return fields;
}
