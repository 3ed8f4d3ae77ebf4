/**
 * twilio-destination: a reverse-ETL destination that sends one Twilio SMS or MMS per row.
 * @packageDocumentation
 */
export type { DestinationOptions, DuplicateCheckPolicy, Progress, RetryPolicy } from './config/index.js';
export { TwilioDestination } from './destination.js';
export { ConfigError, isConfigError } from './errors.js';
export type { Logger } from './logger.js';
export {
  type AudienceSyncMode,
  type DestinationField,
  type DestinationFieldName,
  type DestinationManifest,
  type JsonSchema,
  type ManifestFeatures,
  manifest,
} from './manifest.js';
export type {
  PreviewCostlyRow,
  PreviewFailedRow,
  PreviewOptions,
  PreviewReadyRow,
  PreviewResult,
  PreviewRow,
  PreviewSummary,
  PreviewWarning,
  PreviewWarningCode,
} from './preview.js';
export type { Encoding } from './segments.js';
export type { Claim, LeaseOptions, Ledger, LedgerKey } from './send/ledger.js';
export { SEGMENT_RATE_PRESETS } from './send/pacing.js';
export {
  computeTwilioSignature,
  type SignedParams,
  type VerifyTwilioSignatureArgs,
  verifyTwilioSignature,
} from './signature.js';
export type { SyncModeSupport } from './sync-modes.js';
export type {
  ApiKeyCredentials,
  AuthTokenCredentials,
  Credentials,
  DestinationConfig,
  FailedRowResult,
  FieldMapping,
  Row,
  RowError,
  RowErrorCode,
  RowResult,
  SentRowResult,
  SyncMode,
  TargetSettings,
  ValidationIssue,
  ValidationResult,
  WriteOptions,
} from './types.js';
