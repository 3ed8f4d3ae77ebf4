/**
 * twilio-destination: a reverse-ETL destination that sends one Twilio SMS or MMS per row.
 * @packageDocumentation
 */
// First: refuses a Node.js too old before undici is loaded.
import './node-guard.js';

export type {
  DestinationOptions,
  DispatcherLike,
  DuplicateCheckPolicy,
  Progress,
  RetryPolicy,
  Sleep,
} from './config/index.js';
export type {
  FetchStatusesOptions,
  MessageNotFound,
  MessageStatus,
  StatusLookupFailed,
  StatusResult,
  StatusSource,
} from './delivery/fetch-statuses.js';
export {
  createStatusCallbackHandler,
  DELIVERY_ERROR_CODES,
  DELIVERY_OUTCOMES,
  type DeliveryErrorInfo,
  type DeliveryEvent,
  type DeliveryOutcome,
  deliveryErrorInfo,
  deliveryOutcome,
  isFinalStatus,
  type StatusCallbackHandler,
  type StatusCallbackHandlerOptions,
  statusSupersedes,
} from './delivery/index.js';
export type { FormFields } from './delivery/request-body.js';
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
  PreviewStream,
  PreviewSummary,
  PreviewWarning,
  PreviewWarningCode,
} from './preview.js';
export type { Claim, LeaseOptions, Ledger, LedgerKey } from './seams/ledger.js';
export type { Encoding } from './segments.js';
export type { LookUpCode } from './send/index.js';
export {
  type Coordinator,
  type CoordinatorContext,
  CoordinatorUnavailableError,
  InProcessCoordinator,
  type InProcessCoordinatorOptions,
  type Permit,
  type PermitKind,
  type PermitRequest,
  type RequestEnd,
  SEGMENT_RATE_PRESETS,
} from './send/index.js';
export {
  computeBodySHA256,
  computeTwilioSignature,
  type SignedParams,
  type VerifyTwilioBodySignatureArgs,
  type VerifyTwilioSignatureArgs,
  verifyTwilioBodySignature,
  verifyTwilioSignature,
} from './signature.js';
export type { SyncModeSupport } from './sync-modes.js';
export type {
  ApiKeyCredentials,
  AuthTokenCredentials,
  Credentials,
  CredentialsInfo,
  DestinationConfig,
  FailedRowResult,
  FieldMapping,
  Row,
  RowError,
  RowErrorCode,
  RowResult,
  SenderInfo,
  SentRowResult,
  SyncMode,
  TargetSettings,
  TargetSettingsInfo,
  ValidationIssue,
  ValidationResult,
  WriteOptions,
} from './types.js';
