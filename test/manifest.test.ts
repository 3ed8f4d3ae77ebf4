import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCredentials, parseSettings } from '../src/config/index.js';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import { type JsonSchema, manifest } from '../src/manifest.js';
import { isKnownCountry } from '../src/phone.js';
import { classifySender } from '../src/recipient.js';
import { checkSyncMode } from '../src/sync-modes.js';
import type { WriteOptions } from '../src/types.js';
import {
  ACCOUNT_SID,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  baseConfig,
  FROM,
  KEY_CREDENTIALS,
  MG_SID,
  TOKEN_CREDENTIALS,
} from './helpers/twilio.js';

const HX_SID = `HX${'d4'.repeat(16)}`;

// ajv-formats is a CommonJS module whose function is module.exports; its types describe `.default`.
const addFormats = ajvFormats as unknown as (ajv: Ajv) => Ajv;
// Strict mode, so that a keyword ajv does not know is an error, except the manifest's two UI hints.
const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'x-widget', schemaType: 'string' });
const validCredentials = ajv.compile(manifest.credentialsSchema);
const validSettings = ajv.compile(manifest.targetSettingsSchema);

/** Every property schema of a JSON Schema, with its path (through oneOf and additionalProperties). */
function properties(schema: JsonSchema, path = ''): [string, JsonSchema][] {
  const found: [string, JsonSchema][] = [];
  for (const variant of (schema['oneOf'] as JsonSchema[] | undefined) ?? [schema]) {
    const props = (variant['properties'] ?? {}) as Record<string, JsonSchema>;
    for (const [name, property] of Object.entries(props)) found.push([`${path}${name}`, property]);
  }
  return found;
}

describe('manifest', () => {
  it('describes an insert-only destination with one message per request', () => {
    expect({ ...manifest, credentialsSchema: undefined, targetSettingsSchema: undefined }).toEqual({
      id: 'twilio',
      name: 'Twilio SMS/MMS',
      description: 'Sends one Twilio SMS, MMS or WhatsApp message per row, with one result per row.',
      version: '0.1.0',
      syncModes: {
        insert: { supported: true, description: 'Each row is sent as one new message.' },
        upsert: {
          supported: false,
          description: expect.stringMatching(/^Not supported\. Twilio messages are append-only\. /),
        },
        update: {
          supported: false,
          description: expect.stringMatching(/^Not supported\. Twilio messages are append-only\. /),
        },
        mirror: {
          supported: false,
          description: expect.stringMatching(/^Not supported\. Twilio messages are append-only\. /),
        },
      },
      audienceSyncModes: [],
      features: { fieldMapping: true, schemaIntrospection: false },
      requiredMappingFields: ['to'],
      defaultDestinationFields: [
        expect.objectContaining({ name: 'to', required: true }),
        expect.objectContaining({ name: 'body', required: false }),
        expect.objectContaining({ name: 'media_url', required: false }),
        expect.objectContaining({ name: 'status_callback', required: false }),
        expect.objectContaining({
          name: 'key',
          title: 'Idempotency key',
          required: false,
          description: expect.stringMatching(/^The row's idempotency key/),
          schema: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'number' }] },
        }),
      ],
      batchSize: 1,
      credentialsSchema: undefined,
      targetSettingsSchema: undefined,
    });
  });

  it('is plain JSON and cannot be changed by a consumer', () => {
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    expect(Object.isFrozen(manifest.targetSettingsSchema)).toBe(true);
    expect(() => {
      (manifest.syncModes.upsert as { supported: boolean }).supported = true;
    }).toThrow(TypeError);
  });

  it('gives each destination field a title, a description and a JSON Schema of its values', () => {
    const fieldSchema = (name: string) => {
      const field = manifest.defaultDestinationFields.find((f) => f.name === name);
      return ajv.compile(field?.schema as JsonSchema);
    };
    for (const field of manifest.defaultDestinationFields) {
      expect(field.title).not.toBe('');
      expect(field.description.length).toBeGreaterThan(20);
    }
    const media = fieldSchema('media_url');
    expect(media('https://example.com/a.jpg')).toBe(true);
    expect(media(Array.from({ length: 10 }, (_, i) => `https://example.com/${i}.jpg`))).toBe(true);
    expect(media(Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.jpg`))).toBe(false);
    expect(media('ftp://example.com/a.jpg')).toBe(false);
    expect(fieldSchema('to')('')).toBe(false);
  });
});

describe('manifest JSON Schemas', () => {
  it('are draft-07 schemas that ajv compiles in strict mode', () => {
    expect(manifest.credentialsSchema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(manifest.targetSettingsSchema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof validCredentials).toBe('function');
    expect(typeof validSettings).toBe('function');
  });

  it('give every field a title and a description', () => {
    const all = [...properties(manifest.credentialsSchema), ...properties(manifest.targetSettingsSchema)];
    expect(new Set(all.map(([name]) => name))).toEqual(
      new Set([
        'accountSid',
        'authToken',
        'apiKeySid',
        'apiKeySecret',
        'from',
        'messageTemplate',
        'defaultCountry',
        'smartEncoded',
        'validityPeriod',
        'shortenUrls',
        'statusCallback',
        'maxSegments',
        'contentSid',
        'contentVariables',
      ]),
    );
    for (const [name, schema] of all) {
      expect(schema['title'], name).toEqual(expect.any(String));
      expect(String(schema['description']).length, name).toBeGreaterThan(20);
    }
  });

  it('mark the Auth Token and the API key secret as secrets, and nothing else', () => {
    const all = [...properties(manifest.credentialsSchema), ...properties(manifest.targetSettingsSchema)];
    const secrets = all.filter(([, schema]) => schema['x-secret'] === true && schema['writeOnly'] === true);
    expect(secrets.map(([name]) => name)).toEqual(['authToken', 'apiKeySecret']);
    expect(all.filter(([, schema]) => 'x-secret' in schema || 'writeOnly' in schema)).toHaveLength(2);
  });

  it('hint a textarea for the template, a URI for the status callback and a list for the country', () => {
    const settings = Object.fromEntries(properties(manifest.targetSettingsSchema));
    expect(settings['messageTemplate']?.['x-widget']).toBe('textarea');
    expect(settings['statusCallback']?.['format']).toBe('uri');
    expect(settings['defaultCountry']?.['enum']).toEqual(expect.arrayContaining(['US', 'GB', 'AU']));
    expect(settings['smartEncoded']?.['default']).toBe(false);
  });

  it('offer the two kinds of credentials and of message as titled alternatives', () => {
    const titles = (schema: JsonSchema) => (schema['oneOf'] as JsonSchema[]).map((v) => v['title']);
    expect(titles(manifest.credentialsSchema)).toEqual(['Account SID and Auth Token', 'API key']);
    expect(titles(manifest.targetSettingsSchema)).toEqual(['Text message', 'Content template']);
  });

  it("state the sender rule exactly as the package's sender check", () => {
    const settings = Object.fromEntries(properties(manifest.targetSettingsSchema));
    const pattern = new RegExp(settings['from']?.['pattern'] as string, 'u');
    const near = fc.oneof(
      fc.stringMatching(/^\+?[0-9]{0,17}$/),
      fc.stringMatching(/^(whatsapp:)?\+?[0-9]{1,16}$/),
      fc.stringMatching(/^(MG|SK|mg)[0-9a-fA-F]{30,34}$/),
      fc.stringMatching(/^[A-Za-z0-9 _-]{0,13}$/),
      fc.string(),
    );
    fc.assert(
      fc.property(near, (from) => pattern.test(from) === (classifySender(from) !== undefined)),
      { numRuns: 2000 },
    );
  });

  it("list exactly the countries the package's country check accepts", () => {
    const settings = Object.fromEntries(properties(manifest.targetSettingsSchema));
    const listed = new Set(settings['defaultCountry']?.['enum'] as string[]);
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (const a of letters)
      for (const b of letters) expect(listed.has(a + b), a + b).toBe(isKnownCountry(a + b));
    expect(listed.size).toBeGreaterThan(200);
  });
});

const template = { from: FROM, messageTemplate: 'Hi {{first_name}}' };
const content = { from: 'whatsapp:+15551234567', contentSid: HX_SID };

describe('the JSON Schemas and the zod schemas agree', () => {
  it.each([
    ['an Account SID with its Auth Token', TOKEN_CREDENTIALS],
    ['an API key', KEY_CREDENTIALS],
  ])('accept %s', (_name, credentials) => {
    expect(validCredentials(credentials), JSON.stringify(validCredentials.errors)).toBe(true);
    expect(parseCredentials(credentials).ok).toBe(true);
  });

  it.each([
    ['a phone number sender', template],
    ['a short code sender', { ...template, from: '12345' }],
    ['an alphanumeric sender ID', { ...template, from: 'Acme Shop' }],
    [
      'a Messaging Service sender with every send option',
      {
        ...template,
        from: MG_SID,
        defaultCountry: 'GB',
        smartEncoded: true,
        validityPeriod: 36_000,
        shortenUrls: true,
        statusCallback: 'https://hooks.example.com/twilio/status?src=sync',
        maxSegments: 1600,
      },
    ],
    ['a WhatsApp sender', { ...template, from: 'whatsapp:+15551234567', validityPeriod: 1, maxSegments: 1 }],
    ['a Content template', content],
    [
      'a Content template with variables',
      { ...content, contentVariables: { '1': '{{first_name}}', '12': 'order {{order_id}}' } },
    ],
    ['shortenUrls off with any sender', { ...template, shortenUrls: false }],
  ])('accept settings with %s', (_name, settings) => {
    expect(validSettings(settings), JSON.stringify(validSettings.errors)).toBe(true);
    expect(parseSettings(settings, undefined).ok).toBe(true);
  });

  it.each([
    ['no credentials at all', {}],
    ['an Account SID alone', { accountSid: ACCOUNT_SID }],
    ['an Auth Token without the Account SID', { authToken: AUTH_TOKEN }],
    ['an API key without its secret', { accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID }],
    ['an API key secret without its key', { accountSid: ACCOUNT_SID, apiKeySecret: API_KEY_SECRET }],
    ['both kinds', { ...TOKEN_CREDENTIALS, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET }],
    ['a number as Account SID', { ...TOKEN_CREDENTIALS, accountSid: 42 }],
    ['null as Auth Token', { ...TOKEN_CREDENTIALS, authToken: null }],
    ['an unknown key', { ...TOKEN_CREDENTIALS, token: AUTH_TOKEN }],
    ['an Account SID of the wrong pattern', { ...TOKEN_CREDENTIALS, accountSid: 'AC123' }],
    ['an Account SID of the wrong kind', { ...TOKEN_CREDENTIALS, accountSid: API_KEY_SID }],
    ['an empty Account SID', { ...TOKEN_CREDENTIALS, accountSid: '' }],
    ['an Auth Token that is not hex', { ...TOKEN_CREDENTIALS, authToken: 'z'.repeat(32) }],
    ['an Auth Token one character short', { ...TOKEN_CREDENTIALS, authToken: AUTH_TOKEN.slice(1) }],
    ['an API key SID of the wrong kind', { ...KEY_CREDENTIALS, apiKeySid: ACCOUNT_SID }],
    ['an API key secret with white space', { ...KEY_CREDENTIALS, apiKeySecret: 'has space' }],
    ['an empty API key secret', { ...KEY_CREDENTIALS, apiKeySecret: '' }],
    ['credentials that are not an object', 'AC…'],
  ])('refuse credentials with %s', (_name, credentials) => {
    expect(validCredentials(credentials)).toBe(false);
    expect(parseCredentials(credentials).ok).toBe(false);
  });

  it.each([
    // Types.
    ['a number as sender', { ...template, from: 15551234567 }],
    ['a number as template', { ...template, messageTemplate: 42 }],
    ['a string as smartEncoded', { ...template, smartEncoded: 'yes' }],
    ['a string as validityPeriod', { ...template, validityPeriod: '60' }],
    ['a fraction as validityPeriod', { ...template, validityPeriod: 1.5 }],
    ['a string as contentVariables', { ...content, contentVariables: '{"1":"x"}' }],
    ['a number as a content variable', { ...content, contentVariables: { '1': 3 } }],
    ['settings that are an array', []],
    // Required keys.
    ['nothing', {}],
    ['no sender', { messageTemplate: 'Hi' }],
    ['neither template nor Content template', { from: FROM }],
    // Unknown keys.
    ['a misspelt key', { from: FROM, messageTemplte: 'Hi' }],
    ['an unknown key', { ...template, priority: 'high' }],
    // Patterns.
    ['a sender that is nothing Twilio accepts', { ...template, from: 'not a sender!' }],
    ['a phone number without +', { ...template, from: '15551234567' }],
    ['a phone number with a leading 0', { ...template, from: '+05551234567' }],
    ['a phone number of 16 digits', { ...template, from: '+1234567890123456' }],
    ['a Messaging Service SID one character too long', { ...template, from: `${MG_SID}0` }],
    ['a WhatsApp sender without +', { ...template, from: 'whatsapp:15551234567' }],
    ['a Content SID of the wrong kind', { ...content, contentSid: MG_SID }],
    ['a Content SID too short', { ...content, contentSid: 'HX123' }],
    ['a lower-case country', { ...template, defaultCountry: 'us' }],
    ['UK as country', { ...template, defaultCountry: 'UK' }],
    ['a status callback on ftp', { ...template, statusCallback: 'ftp://example.com/cb' }],
    ['a status callback that is no URL', { ...template, statusCallback: 'hooks.example.com' }],
    ['a Content variable named, not numbered', { ...content, contentVariables: { first: '{{first_name}}' } }],
    ['a Content variable 0', { ...content, contentVariables: { '0': '{{first_name}}' } }],
    // Lengths and ranges.
    ['an empty template', { ...template, messageTemplate: '' }],
    ['a template of white space', { ...template, messageTemplate: ' \n\t' }],
    ['an empty sender', { ...template, from: '' }],
    ['an alphanumeric sender of 12 characters', { ...template, from: 'ABCDEFGHIJKL' }],
    ['a short code of 4 digits', { ...template, from: '1234' }],
    ['an empty Content variable', { ...content, contentVariables: { '1': '' } }],
    ['validityPeriod 0', { ...template, validityPeriod: 0 }],
    ['validityPeriod over 36000', { ...template, validityPeriod: 36_001 }],
    ['maxSegments 0', { ...template, maxSegments: 0 }],
    ['maxSegments over 1600', { ...template, maxSegments: 1601 }],
    // Rules across fields (oneOf and if/then).
    ['both a template and a Content template', { ...template, contentSid: HX_SID }],
    ['Content variables without a Content template', { ...template, contentVariables: { '1': 'x' } }],
    ['shortenUrls with a phone number sender', { ...template, shortenUrls: true }],
    ['shortenUrls with a WhatsApp sender', { ...content, shortenUrls: true }],
  ])('refuse settings with %s', (_name, settings) => {
    expect(validSettings(settings)).toBe(false);
    expect(parseSettings(settings, undefined).ok).toBe(false);
  });

  it('leave to the package the one rule JSON Schema does not state: no underscore in a callback host', () => {
    const settings = { ...template, statusCallback: 'https://my_app.example.com/cb' };
    expect(validSettings(settings)).toBe(true);
    expect(parseSettings(settings, undefined)).toMatchObject({
      ok: false,
      issues: [{ field: 'settings.statusCallback', code: 'invalid_url' }],
    });
  });
});

describe('sync modes', () => {
  it.each([
    [
      'upsert',
      /^mode "upsert" is not supported: Twilio messages are append-only\. A sent message cannot be changed/,
    ],
    [
      'update',
      /^mode "update" is not supported: Twilio messages are append-only\. A sent message cannot be edited/,
    ],
    ['mirror', /^mode "mirror" is not supported: Twilio messages are append-only\. Mirroring deletes/],
    [
      'delete',
      /^mode "delete" is not supported: Twilio messages are append-only\. The sync modes are insert, upsert, update, mirror/,
    ],
    [42, /^mode of type number is not supported: /],
    [null, /^mode of type null is not supported: /],
    ['x'.repeat(100), /^mode "x{40}" is not supported/],
  ])('refuses mode %j, saying why, before any request', async (mode, message) => {
    const destination = new TwilioDestination(baseConfig());
    const options = { mode } as unknown as WriteOptions;
    // The network is off for the suite: a request would fail the row instead of throwing.
    const error = await destination
      .write([{ to: '+14155550100', first_name: 'Ada' }], options)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { field: 'mode', code: 'unsupported_sync_mode', message: expect.stringMatching(message) },
    ]);
    expect((error as ConfigError).issues[0]?.message).toMatch(/Use mode "insert" \(the default\)/);
    expect(() => destination.stream([], options)).toThrow(ConfigError);
    await expect(destination.preview([], options)).rejects.toThrow(ConfigError);
  });

  it('lists a refused mode with every other problem of the configuration', () => {
    const destination = new TwilioDestination(baseConfig({ settings: { from: 'nope!' } }));
    let error: unknown;
    try {
      destination.stream([], { mode: 'upsert' });
    } catch (thrown) {
      error = thrown;
    }
    expect((error as ConfigError).issues.map((issue) => issue.field)).toEqual(['settings.from', 'mode']);
  });

  it('accepts insert, and no mode at all', async () => {
    expect(checkSyncMode('insert')).toEqual([]);
    expect(checkSyncMode(undefined)).toEqual([]);
    const destination = new TwilioDestination(baseConfig());
    await expect(destination.write([], { mode: 'insert' })).resolves.toEqual([]);
    await expect(destination.preview([], { mode: 'insert' })).resolves.toMatchObject({ rows: [] });
  });
});
