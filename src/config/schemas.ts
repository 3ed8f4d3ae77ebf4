/**
 * The configuration's schemas, built from the field schemas: for validation, where some rules
 * depend on the input (which settings are required depends on `contentSid`), and for the manifest, as
 * static JSON-Schema-able unions stating the same rules with `oneOf`.
 */
import { z } from 'zod';
import { classifySender } from '../recipient.js';
import {
  accountSid,
  apiKeySecret,
  apiKeySid,
  authToken,
  CONTENT_VARIABLE_KEY,
  column,
  contentSid,
  contentVariables,
  from,
  messageTemplate,
  sendOptionFields,
  shortenUrls,
} from './fields.js';
import { forbidden, optional, sidPattern } from './zod-helpers.js';

/** The credentials for validation: one object, refined so that each missing or extra key is named. */
export const credentialsSchema = z
  .strictObject({
    accountSid,
    authToken: authToken.optional(),
    apiKeySid: apiKeySid.optional(),
    apiKeySecret: apiKeySecret.optional(),
  })
  .superRefine((value, ctx) => {
    const token = value.authToken !== undefined;
    const key = value.apiKeySid !== undefined || value.apiKeySecret !== undefined;
    const message =
      'Give either authToken (Account SID + Auth Token) or apiKeySid with apiKeySecret (API key), not both';
    if (token && key) ctx.addIssue({ code: 'custom', message, params: { code: 'ambiguous_credentials' } });
    else if (!token && !key) {
      ctx.addIssue({ code: 'custom', path: ['authToken'], message, params: { code: 'required' } });
    } else if (key && value.apiKeySid === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiKeySid'],
        message: 'apiKeySid is required with apiKeySecret',
        params: { code: 'required' },
      });
    } else if (key && value.apiKeySecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiKeySecret'],
        message: 'apiKeySecret is required with apiKeySid',
        params: { code: 'required' },
      });
    }
  });

/**
 * The credentials as one static schema, for the manifest's JSON Schema: exactly one of the two kinds
 * (`oneOf`), which states in JSON Schema the rule that `credentialsSchema`'s refinement checks. Validation
 * uses `credentialsSchema`, whose issues are more specific.
 */
export const credentialsManifestSchema = z
  .xor([
    z.strictObject({ accountSid, authToken }).meta({
      title: 'Account SID and Auth Token',
      description: "The account's own credentials.",
    }),
    z.strictObject({ accountSid, apiKeySid, apiKeySecret }).meta({
      title: 'API key',
      description: 'An API key of the account (Twilio recommends these: each can be revoked on its own).',
    }),
  ])
  .meta({
    title: 'Twilio credentials',
    description: 'The Account SID with either its Auth Token or an API key. Sent as HTTP Basic auth.',
  });

/**
 * The settings schema for this input: which keys are required or forbidden depends on whether `contentSid`
 * is set, and is decided per key (not in an object-level refinement, which zod skips as soon as any key has
 * the wrong type) so that every problem is reported at once.
 */
export function settingsSchema(input: unknown) {
  const raw = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const own = (key: string) => (Object.hasOwn(raw, key) ? raw[key] : undefined);
  const content = own('contentSid') !== undefined;
  const sender = typeof own('from') === 'string' ? classifySender(own('from') as string) : undefined;
  return z.strictObject({
    from,
    messageTemplate: content
      ? forbidden(
          'template_and_content',
          'Set either settings.messageTemplate (a text message) or settings.contentSid (a Content template), not both: with contentSid the text comes from the Content template and no Body is sent',
        )
      : messageTemplate,
    ...optional(sendOptionFields),
    shortenUrls: shortenUrls
      .superRefine((value, ctx) => {
        // Twilio shortens links on the domain configured for a Messaging Service; other senders have none.
        if (value && sender !== undefined && sender !== 'messaging_service') {
          ctx.addIssue({
            code: 'custom',
            message:
              'settings.shortenUrls needs a Messaging Service sender (settings.from = MG…) with a link shortening domain; Twilio cannot shorten links for other senders',
            params: { code: 'shorten_urls_needs_messaging_service' },
          });
        }
      })
      .optional(),
    contentSid: contentSid.optional(),
    contentVariables: content
      ? contentVariables
          .superRefine((_value, ctx) => {
            // The raw input's own keys: a "__proto__" key would not survive into the parsed record.
            for (const key of Object.keys(own('contentVariables') as object)) {
              if (CONTENT_VARIABLE_KEY.test(key)) continue;
              ctx.addIssue({
                code: 'custom',
                path: [key],
                message: `settings.contentVariables has the key ${JSON.stringify(key)}: Twilio numbers a Content template's variables {{1}}, {{2}}, …, so the keys must be those numbers ("1", "2", …)`,
                params: { code: 'invalid_content_variable' },
              });
            }
          })
          .optional()
      : forbidden(
          'content_variables_without_content',
          'settings.contentVariables needs settings.contentSid: the variables fill a Content template',
        ),
  });
}

/**
 * The settings as one static schema, for the manifest's JSON Schema: a text message or a Content template
 * (`oneOf`, which states the rules that `settingsSchema` builds per input), from the same fields. JSON
 * Schema's `if`/`then` states what shortenUrls' check enforces. Validation uses `settingsSchema`.
 */
export const settingsManifestSchema = z
  .xor([
    z.strictObject({ from, messageTemplate, ...optional(sendOptionFields) }).meta({
      title: 'Text message',
      description: 'The body is rendered from the message template for each row.',
    }),
    z
      .strictObject({
        from,
        ...optional(sendOptionFields),
        contentSid,
        contentVariables: contentVariables.optional(),
      })
      .meta({
        title: 'Content template',
        description: 'A Content template approved at Twilio, with its variables filled from each row.',
      }),
  ])
  .meta({
    title: 'Twilio SMS/MMS settings',
    description: 'The sender, the message and the send options.',
    if: { type: 'object', properties: { shortenUrls: { const: true } }, required: ['shortenUrls'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, in a value never awaited.
    then: { type: 'object', properties: { from: { type: 'string', pattern: sidPattern('MG').source } } },
  });

/** The mapping: which source column feeds each destination field. */
export const mappingSchema = z.strictObject({
  to: column.optional(),
  body: column.optional(),
  media_url: column.optional(),
  status_callback: column.optional(),
  key: column.optional(),
});

/** The whole first argument of `new TwilioDestination(…)`, for this input. */
export function configSchema(input: unknown) {
  const settings =
    input !== null && typeof input === 'object' && Object.hasOwn(input, 'settings')
      ? (input as { settings: unknown }).settings
      : undefined;
  return z.strictObject({
    credentials: credentialsSchema,
    settings: settingsSchema(settings),
    mapping: mappingSchema.optional(),
  });
}
