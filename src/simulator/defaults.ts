/**
 * The simulator's default account, senders and behaviour. The demo, the README and the tests use these
 * values, so they are constants: a simulator started with no options always accepts the same credentials.
 * Each SID follows Twilio's format (two letters + 32 hex), so the package's own format checks accept them.
 */
import type { DeliveryErrorCode, LifecycleKnob, SimulatedAccount } from './types.js';

/** The default account's SID. */
export const DEFAULT_ACCOUNT_SID = 'AC00000000000000000000000000000001';

/** The default account's Auth Token (32 hex, like Twilio's). */
export const DEFAULT_AUTH_TOKEN = '0123456789abcdef0123456789abcdef';

/** Twilio's test sender: with test credentials it always succeeds, and every simulated account may use it. */
export const TWILIO_TEST_SENDER = '+15005550006';

/**
 * Numbers the default account owns: Twilio's test sender, a US long code (the number the README's examples
 * use) and a US toll-free number.
 */
export const DEFAULT_NUMBERS: readonly string[] = [TWILIO_TEST_SENDER, '+15551234567', '+18885550100'];

/** The default account's Messaging Service. */
export const DEFAULT_MESSAGING_SERVICE_SID = 'MG00000000000000000000000000000001';

/** The default account's API key SID. */
export const DEFAULT_API_KEY_SID = 'SK00000000000000000000000000000001';

/** The default account's API key secret. */
export const DEFAULT_API_KEY_SECRET = 'fedcba9876543210fedcba9876543210';

/**
 * Recipients whose messages are sent but never delivered, with the error the delivery report carries, one
 * per delivery outcome: `+15555550100` → 30003 (unreachable handset: transient), `+15555550101` → 30005
 * (unknown handset: permanent), `+15555550102` → 30006 (landline: permanent), `+15555550103` → 30007
 * (carrier filtering: blocked), `+15555550104` → 21610 (opted out, reported `failed`). All are in the
 * 555-0100…0199 range reserved for fiction, and none is one of Twilio's `+1500555000x` magic numbers, so
 * creating a message to them succeeds.
 */
export const DEFAULT_UNREACHABLE: Readonly<Record<string, DeliveryErrorCode>> = {
  '+15555550100': 30003,
  '+15555550101': 30005,
  '+15555550102': 30006,
  '+15555550103': 30007,
  '+15555550104': 21610,
};

/** How long a created message takes to be sent and then delivered, when lifecycle is not configured. */
export const DEFAULT_LIFECYCLE: Required<LifecycleKnob> = { sentAfterMs: 100, deliveredAfterMs: 400 };

/** Twilio's per-sender queue holds up to 10 hours of segments before answering 21611. */
export const DEFAULT_MAX_QUEUE_SECONDS = 36_000;

/** The seed of the random streams (latency jitter, random faults, SIDs) when none is given. */
export const DEFAULT_SEED = 0x5eed;

/** The account the simulator starts with when `accounts` is not given. */
export const DEFAULT_ACCOUNT: SimulatedAccount = {
  sid: DEFAULT_ACCOUNT_SID,
  authToken: DEFAULT_AUTH_TOKEN,
  friendlyName: 'Simulated account',
  numbers: DEFAULT_NUMBERS,
  messagingServices: [{ sid: DEFAULT_MESSAGING_SERVICE_SID, friendlyName: 'Simulated Messaging Service' }],
  apiKeys: [{ sid: DEFAULT_API_KEY_SID, secret: DEFAULT_API_KEY_SECRET }],
};
