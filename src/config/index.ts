/**
 * The configuration's public face inside the package: validation entry points, the resolved shapes they
 * return, the options' types and defaults, and the manifest's JSON-Schema-able schemas. Nothing here
 * imports the send path; the send path imports its policies from here.
 */

export { defaultSleep } from './defaults.js';
export type {
  DestinationOptions,
  DispatcherLike,
  DuplicateCheckPolicy,
  Progress,
  ResolvedOptions,
  RetryPolicy,
  Sleep,
} from './options.js';
export {
  isApiKey,
  type Parsed,
  parseConfig,
  parseCredentials,
  parseOptions,
  parsePreviewOptions,
  parseSettings,
  type ResolvedConfig,
} from './parse.js';
export { credentialsManifestSchema, settingsManifestSchema } from './schemas.js';
