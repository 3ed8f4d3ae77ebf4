/**
 * The plugin manifest: what a sync engine needs to know about this destination before running it (its id,
 * sync modes, mapping, batch size) and the JSON Schemas of the credentials and target settings. The JSON
 * Schemas are zod's own output for the zod schemas in config.ts, so a form built from them and the package's
 * validation agree (test/manifest.test.ts checks both on the same configurations).
 */
import { z } from 'zod';
import { credentialsManifestSchema, settingsManifestSchema } from './config/index.js';
import { SYNC_MODES, type SyncModeSupport } from './sync-modes.js';
import type { FieldMapping, SyncMode } from './types.js';
import { VERSION } from './version.js';

/**
 * A JSON Schema (draft-07) as plain JSON. Besides the standard keywords, the manifest's schemas carry two UI
 * hints: `"x-secret": true` on a secret (also marked with the standard `writeOnly: true`), which a form
 * should mask and never show back, and `"x-widget": "textarea"` on text that spans lines (the template).
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A sync engine's audience sync modes (adding people to, removing them from or mirroring a list). */
export type AudienceSyncMode = 'add' | 'remove' | 'mirror';

/** The destination fields a row can fill: the keys of `FieldMapping`. */
export type DestinationFieldName = keyof FieldMapping;

/** One destination field that a mapping can fill from a source column. */
export interface DestinationField {
  /** The field's name, as used in `mapping` (`mapping: { to: 'phone' }`). */
  readonly name: DestinationFieldName;
  /** A label for a UI. */
  readonly title: string;
  /** What the field holds and in what format. */
  readonly description: string;
  /** Whether every row needs it. */
  readonly required: boolean;
  /** The field's values, as JSON Schema. */
  readonly schema: JsonSchema;
}

/** What the destination can do besides sending. */
export interface ManifestFeatures {
  /** Source columns can be mapped to destination fields (`config.mapping`). */
  readonly fieldMapping: boolean;
  /** The destination can list its own objects and fields for the engine to discover. */
  readonly schemaIntrospection: boolean;
}

/** A destination plugin's manifest: its identity, abilities and configuration schemas. */
export interface DestinationManifest {
  /** A stable identifier for the engine's registry. */
  readonly id: string;
  /** A display name. */
  readonly name: string;
  /** One sentence on what the destination does. */
  readonly description: string;
  /** The package version. */
  readonly version: string;
  /** Every sync mode with whether it is supported and why. */
  readonly syncModes: Readonly<Record<SyncMode, SyncModeSupport>>;
  /** The audience sync modes supported (adding people to a list and the like). */
  readonly audienceSyncModes: readonly AudienceSyncMode[];
  /** What the destination can do besides sending. */
  readonly features: ManifestFeatures;
  /** The destination fields every mapping must provide (mapped, or a column of the same name). */
  readonly requiredMappingFields: readonly DestinationFieldName[];
  /** The destination fields a row can fill, offered by default in a mapping UI. */
  readonly defaultDestinationFields: readonly DestinationField[];
  /** Rows per request to the destination's API. */
  readonly batchSize: number;
  /** JSON Schema of `config.credentials`. */
  readonly credentialsSchema: JsonSchema;
  /** JSON Schema of `config.settings` (the target settings). */
  readonly targetSettingsSchema: JsonSchema;
}

const HTTP_URL: JsonSchema = { type: 'string', format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' };

const DESTINATION_FIELDS: readonly DestinationField[] = [
  {
    name: 'to',
    title: 'To',
    description:
      'The recipient: a phone number in E.164 format (+14155550100), or any form libphonenumber-js can read when settings.defaultCountry is set; whatsapp:+14155550100 with a WhatsApp or Messaging Service sender.',
    required: true,
    schema: { type: 'string', minLength: 1 },
  },
  {
    name: 'body',
    title: 'Body',
    description:
      "Data for the template's {{body}} placeholder, like any other column: the message template is the message.",
    required: false,
    schema: { type: 'string' },
  },
  {
    name: 'media_url',
    title: 'Media URL',
    description: 'One http(s) URL or an array of up to 10, sent as MediaUrl: the row becomes an MMS.',
    required: false,
    schema: { anyOf: [HTTP_URL, { type: 'array', items: HTTP_URL, maxItems: 10 }] },
  },
  {
    name: 'status_callback',
    title: 'Status callback URL',
    description:
      "An http(s) URL that Twilio posts this message's status changes to; overrides settings.statusCallback.",
    required: false,
    schema: HTTP_URL,
  },
  {
    name: 'key',
    title: 'Idempotency key',
    description:
      "The row's idempotency key, usually the model's primary key: with a ledger and a run id, each key is texted at most once per run, across re-runs and crashes. Unmapped, a row is keyed by a hash of its message (recipient, sender, content, media).",
    required: false,
    schema: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'number' }] },
  },
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The manifest of this destination (deeply frozen). Sync mode `insert` only: a Twilio message is
 * append-only, and `write`, `stream` and `preview` refuse any other mode with a `ConfigError` that says why.
 *
 * @example
 * ```ts
 * import { manifest } from 'twilio-destination';
 *
 * manifest.syncModes.upsert; // { supported: false, description: 'a sent message cannot be changed, …' }
 * renderForm(manifest.targetSettingsSchema); // any JSON Schema (draft-07) form library
 * ```
 */
export const manifest: DestinationManifest = deepFreeze({
  id: 'twilio',
  name: 'Twilio SMS/MMS',
  description: 'Sends one Twilio SMS, MMS or WhatsApp message per row, with one result per row.',
  version: VERSION,
  syncModes: SYNC_MODES,
  audienceSyncModes: [],
  features: { fieldMapping: true, schemaIntrospection: false },
  requiredMappingFields: ['to'],
  defaultDestinationFields: DESTINATION_FIELDS,
  // Twilio's Messages API creates one message per request.
  batchSize: 1,
  credentialsSchema: z.toJSONSchema(credentialsManifestSchema, { target: 'draft-7' }),
  targetSettingsSchema: z.toJSONSchema(settingsManifestSchema, { target: 'draft-7' }),
});
