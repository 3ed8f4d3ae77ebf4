/**
 * The send path's public face: `sendRows` (the scheduler) and what plugs into it (the coordinator and
 * ledger seams, the in-process coordinator), with the policies and types the options name. Modules outside
 * the send folder import from here.
 */

export {
  type Coordinator,
  type CoordinatorContext,
  CoordinatorUnavailableError,
  type Permit,
  type PermitKind,
  type PermitRequest,
  type RequestEnd,
} from '../seams/coordinator.js';
export {
  type Claim,
  type LeaseOptions,
  type Ledger,
  type LedgerKey,
  LedgerUnavailableError,
} from '../seams/ledger.js';
export {
  ANSWER_RULES,
  capWait,
  type Decision,
  decide,
  decideLookUp,
  isTransient,
  type LookUpCode,
  type LookUpMeaning,
  lookUpMeaningOf,
  type Meaning,
  meaningOf,
  type RuleName,
} from './answer.js';
export { InProcessCoordinator, type InProcessCoordinatorOptions } from './in-process-coordinator.js';
export { SEGMENT_RATE_PRESETS } from './pacing.js';
export { abortedBeforeStart } from './row-outcome.js';
export { type BuildRow, type SendContext, type SendOptions, sendRows } from './sender.js';
