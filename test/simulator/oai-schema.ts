/**
 * A small checker for the OpenAPI 3.0 schema subset Twilio's description uses for the answers the
 * simulator gives: `$ref`, `type`, `nullable`, `enum`, `properties`, `required`, `items`, `pattern`,
 * `minLength`/`maxLength` and the date formats. With `exact`, an object must carry every property its
 * schema declares and no other (the simulator promises Twilio's full field set).
 */
import { readFileSync } from 'node:fs';

interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  format?: string;
}

interface Document {
  components: { schemas: Record<string, Schema> };
}

function load(name: string): Document {
  return JSON.parse(readFileSync(new URL(`../fixtures/twilio-oai/${name}`, import.meta.url), 'utf8'));
}

const documents = { api: load('api_v2010.json'), messaging: load('messaging_v1.json') };

const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const RFC_2822 = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000$`);
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function check(
  doc: Document,
  schema: Schema,
  value: unknown,
  path: string,
  exact: boolean,
  errors: string[],
) {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (target === undefined) throw new Error(`unknown schema ${name}`);
    check(doc, target, value, path, exact, errors);
    return;
  }
  if (value === null) {
    if (!schema.nullable) errors.push(`${path}: null but not nullable`);
    return;
  }
  const actual = typeOf(value);
  const wanted = schema.type;
  if (wanted !== undefined && actual !== wanted && !(wanted === 'number' && actual === 'integer')) {
    errors.push(`${path}: expected ${wanted}, got ${actual} (${JSON.stringify(value)})`);
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${path}: ${value} does not match ${schema.pattern}`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: too long`);
    if (schema.format === 'date-time-rfc-2822' && !RFC_2822.test(value)) errors.push(`${path}: not RFC 2822`);
    if (schema.format === 'date-time' && !ISO_8601.test(value)) errors.push(`${path}: not ISO 8601`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) => {
      check(doc, schema.items as Schema, item, `${path}[${index}]`, exact, errors);
    });
  }
  if (actual === 'object' && schema.properties !== undefined) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!(name in record)) errors.push(`${path}.${name}: required`);
    }
    for (const [name, property] of Object.entries(schema.properties)) {
      if (name in record) check(doc, property, record[name], `${path}.${name}`, exact, errors);
      else if (exact) errors.push(`${path}.${name}: missing`);
    }
    if (exact) {
      for (const name of Object.keys(record)) {
        if (!(name in schema.properties)) errors.push(`${path}.${name}: not in the schema`);
      }
    }
  }
}

/**
 * The ways `value` breaks the named schema (`[]` when it conforms).
 * @param spec `'api'` for the 2010 API, `'messaging'` for Messaging v1
 */
export function schemaErrors(
  spec: keyof typeof documents,
  name: string,
  value: unknown,
  options: { exact?: boolean } = {},
): string[] {
  const errors: string[] = [];
  check(
    documents[spec],
    { $ref: `#/components/schemas/${name}` },
    value,
    name,
    options.exact ?? true,
    errors,
  );
  return errors;
}
