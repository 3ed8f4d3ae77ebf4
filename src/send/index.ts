/**
 * The send path's public face: `sendRows` (the scheduler) and what plugs into it (the coordinator and
 * ledger seams, the in-process coordinator), with the policies and types the options name. Modules outside
 * `src/send/` import from here.
 */
export {
  ANSWER_RULES,
  type Decision,
  decide,
  isTransient,
  type Meaning,
  meaningOf,
  type RuleName,
} from './answer.js';
export {
  type Coordinator,
  type CoordinatorContext,
  CoordinatorUnavailableError,
  type Permit,
  type PermitKind,
  type PermitRequest,
  type RequestEnd,
} from './coordinator.js';
export { InProcessCoordinator, type InProcessCoordinatorOptions } from './in-process-coordinator.js';
export {
  type Claim,
  type LeaseOptions,
  type Ledger,
  type LedgerKey,
  LedgerUnavailableError,
} from './ledger.js';
export { SEGMENT_RATE_PRESETS } from './pacing.js';
export { abortedBeforeStart } from './row-outcome.js';
export { type BuildRow, type SendContext, type SendOptions, sendRows } from './sender.js';
