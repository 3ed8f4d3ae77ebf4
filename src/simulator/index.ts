/**
 * `twilio-destination/simulator`: a local, Twilio-compatible Messages API for testing syncs, running the
 * demo, and fault and benchmark work. See {@link startTwilioSimulator}.
 */
import type { AddressInfo } from 'node:net';
import { createSimulatorServer } from './server.js';
import { applyKnobs, createState } from './state.js';
import type { SimulatorOptions, TwilioSimulator } from './types.js';

export {
  DEFAULT_ACCOUNT,
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY_SECRET,
  DEFAULT_API_KEY_SID,
  DEFAULT_AUTH_TOKEN,
  DEFAULT_LIFECYCLE,
  DEFAULT_MESSAGING_SERVICE_SID,
  DEFAULT_NUMBERS,
  DEFAULT_UNREACHABLE,
  TWILIO_TEST_SENDER,
} from './defaults.js';
export type {
  Fault,
  FaultKind,
  FaultRequest,
  FaultScript,
  FaultTarget,
  RandomFaults,
  ScriptedFault,
} from './faults.js';
export type { TwilioMessage } from './resources.js';
export type * from './types.js';

/**
 * Starts a Twilio-compatible simulator on `127.0.0.1` and a free port (or `options.port`).
 *
 * With no options it accepts one active `Full` account ({@link DEFAULT_ACCOUNT_SID} /
 * {@link DEFAULT_AUTH_TOKEN}) owning `+15005550006`, `+15551234567` and `+18885550100`, with one Messaging
 * Service and one API key; messages to `+15555550100` / `+15555550101` end `undelivered` (30003 / 30005).
 * Twilio's magic test numbers answer as with Twilio's test credentials, on every account.
 * @example
 * const sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 5, deliveredAfterMs: 5 } });
 * const destination = new TwilioDestination(
 *   { credentials: sim.credentials, settings: { from: sim.numbers[1], messageTemplate: 'Hi {{name}}' } },
 *   { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
 * );
 * sim.configure({ faults: [{ on: 'create', nth: 2, kind: 'reset_after_create' }] });
 * await sim.close();
 */
export async function startTwilioSimulator(options: SimulatorOptions = {}): Promise<TwilioSimulator> {
  const state = createState(options);
  const server = createSimulatorServer(state);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  state.baseUrl = url;
  const account = state.defaultAccount;
  // An account configured with `messagingServices: []` has none: the handle then shows ''.
  const messagingServiceSid = (account.services.keys().next().value as string | undefined) ?? '';
  let closing: Promise<void> | undefined;

  return {
    url,
    get credentials() {
      return { accountSid: account.sid, authToken: account.authToken };
    },
    get numbers() {
      return account.numbers;
    },
    messagingServiceSid,
    get apiKey() {
      // After `apiKeys: []` (all revoked) there is no key to show.
      return account.apiKeys[0] ?? { sid: '', secret: '' };
    },
    messages: state.messages,
    requests: state.requests,
    callbacks: state.callbacks,
    get connections() {
      return state.connections;
    },
    configure(knobs) {
      applyKnobs(state, knobs);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        state.abort.abort();
        for (const timer of state.timers) state.clock.clearTimeout(timer);
        state.timers.clear();
        server.close(() => resolve());
        // Keep-alive and hung sockets would otherwise hold close() open until they time out.
        for (const socket of state.sockets) socket.destroy();
        // Then every status callback chain has ended (aborted or skipped), so none is posted after close().
      }).then(() => Promise.all(state.records.map((record) => record.callbackChain)).then(() => {}));
      return closing;
    },
  };
}
