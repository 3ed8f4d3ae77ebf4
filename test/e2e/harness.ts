/**
 * The end-to-end harness: one simulator per test file, real HTTP over 127.0.0.1, and after every test the
 * invariant the package exists for: the messages the simulator created are exactly the rows reported `sent`,
 * SID for SID (nothing lost, nothing doubled). The one allowed difference is a row that failed saying its
 * message may exist (`possiblySent`), which may account for one message no row claims.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { DestinationOptions } from '../../src/config/index.js';
import { TwilioDestination } from '../../src/destination.js';
import {
  type RecordedRequest,
  type SimulatorOptions,
  startTwilioSimulator,
  TWILIO_TEST_SENDER,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import type { DestinationConfig, Row, RowResult, WriteOptions } from '../../src/types.js';

/** Fast retries, a short timeout and a 1 ms duplicate-check pause: real waits, but milliseconds. */
export const FAST: DestinationOptions = {
  retry: { minDelayMs: 1, maxDelayMs: 5 },
  timeoutMs: 1000,
  duplicateCheck: { pauseMs: 1 },
};

/** The template of every e2e test. */
export const TEMPLATE = 'Hi {{first_name}}, order {{order_id}} has shipped.';

/** A row to a recipient; the body it renders to is `Hi <name>, order <order> has shipped.` */
export function row(to: string, firstName = 'Ada', orderId = 'A-1'): Row {
  return { phone: to, first_name: firstName, order_id: orderId };
}

/** `n` rows to distinct fictional US numbers (+1415555 01xx). */
export function rows(n: number, start = 0): Row[] {
  return Array.from({ length: n }, (_, i) =>
    row(`+1415555${String(100 + start + i).padStart(4, '0')}`, `N${start + i}`, `A-${start + i}`),
  );
}

/**
 * The contract fields of a result, with `possiblySent` made explicit (absent means false), so tests compare
 * them exactly without depending on message wording.
 */
export function outcome(result: RowResult) {
  if (result.status === 'sent') {
    return {
      index: result.index,
      status: result.status,
      attempts: result.attempts,
      segments: result.segments,
      recovered: result.recovered ?? false,
    };
  }
  const { error } = result;
  return {
    index: result.index,
    status: result.status,
    attempts: result.attempts,
    code: error.code,
    retryable: error.retryable,
    possiblySent: error.possiblySent ?? false,
    httpStatus: error.httpStatus,
    twilioCode: error.twilioCode,
  };
}

/** A sent row as `outcome` shows it. */
export function sent(index: number, attempts = 1, extra: { segments?: number; recovered?: boolean } = {}) {
  return {
    index,
    status: 'sent',
    attempts,
    segments: extra.segments ?? 1,
    recovered: extra.recovered ?? false,
  };
}

/** A failed row as `outcome` shows it. */
export function failed(
  index: number,
  attempts: number,
  error: {
    code: string;
    retryable?: boolean;
    possiblySent?: boolean;
    httpStatus?: number;
    twilioCode?: number;
  },
) {
  return {
    index,
    status: 'failed',
    attempts,
    code: error.code,
    retryable: error.retryable ?? false,
    possiblySent: error.possiblySent ?? false,
    httpStatus: error.httpStatus,
    twilioCode: error.twilioCode,
  };
}

/** What a test file gets: the running simulator and destinations whose results the invariant sees. */
export interface E2E {
  readonly sim: TwilioSimulator;
  /**
   * A destination pointed at the simulator (default account, sender `+15005550006`, {@link TEMPLATE},
   * `to` mapped from `phone`, {@link FAST} options); every `write` result is recorded for the invariant.
   */
  destination(overrides?: {
    config?: Partial<DestinationConfig>;
    options?: DestinationOptions;
  }): TwilioDestination;
  /** The requests received since the test started. */
  requests(): RecordedRequest[];
  /** The create requests (`POST …/Messages.json`) received since the test started. */
  creates(): RecordedRequest[];
  /** `METHOD status` of every request since the test started (`POST 500`, `GET 200`, `POST -` for a reset). */
  trace(): string[];
  /** Every result written in this test, in the order the writes finished. */
  readonly results: RowResult[];
}

/** Starts one simulator for the test file and checks the invariant after every test. */
export function useSimulator(options: SimulatorOptions = {}): E2E {
  let sim: TwilioSimulator | undefined;
  let firstMessage = 0;
  let firstRequest = 0;
  let authToken = '';
  const results: RowResult[] = [];
  const destinations: TwilioDestination[] = [];

  // Real loopback sockets only: nock's socket interception would stand between undici and the socket and
  // change what these tests count (connections, when a request counts as written).
  beforeAll(async () => {
    nock.restore();
    sim = await startTwilioSimulator({ lifecycle: false, ...options });
    authToken = sim.credentials.authToken;
  });
  afterAll(async () => {
    await sim?.close();
    nock.activate();
  });
  beforeEach(() => {
    firstMessage = sim?.messages.length ?? 0;
    firstRequest = sim?.requests.length ?? 0;
    results.length = 0;
  });
  afterEach(async () => {
    for (const destination of destinations.splice(0)) await destination.close();
    const current = sim as TwilioSimulator;
    const created = current.messages.slice(firstMessage).map((message) => message.sid);
    const reported = results.flatMap((result) => (result.status === 'sent' ? [result.messageSid] : []));
    // Nothing doubled: no SID reported twice.
    expect(new Set(reported).size).toBe(reported.length);
    // Nothing invented: every SID reported sent is a message the simulator created in this test.
    expect(reported.filter((sid) => !created.includes(sid))).toEqual([]);
    // Nothing lost or doubled: a message no row claims is allowed only for a row that says it may exist
    // (possiblySent), one message at most each. Every test here expects none of those unless it says so.
    const unclaimed = created.filter((sid) => !reported.includes(sid));
    const possiblySent = results.filter((result) => result.status === 'failed' && result.error.possiblySent);
    expect(unclaimed.length).toBeLessThanOrEqual(possiblySent.length);
    // Back to the defaults for the next test.
    current.configure({
      faults: undefined,
      randomFaults: undefined,
      concurrency: undefined,
      latency: undefined,
      authToken,
    });
  });

  const since = () => (sim as TwilioSimulator).requests.slice(firstRequest);
  return {
    get sim() {
      return sim as TwilioSimulator;
    },
    destination(overrides = {}) {
      const current = sim as TwilioSimulator;
      const destination = new RecordingDestination(
        results,
        {
          credentials: current.credentials,
          settings: { from: TWILIO_TEST_SENDER, messageTemplate: TEMPLATE },
          mapping: { to: 'phone' },
          ...overrides.config,
        },
        { apiBaseUrl: current.url, messagingBaseUrl: current.url, ...FAST, ...overrides.options },
      );
      destinations.push(destination);
      return destination;
    },
    requests: since,
    creates: () =>
      since().filter((request) => request.method === 'POST' && request.path.endsWith('/Messages.json')),
    trace: () => since().map((request) => `${request.method} ${request.status ?? '-'}`),
    results,
  };
}

/** A destination that hands every result it writes to the harness. */
class RecordingDestination extends TwilioDestination {
  constructor(
    private readonly sink: RowResult[],
    config: DestinationConfig,
    options: DestinationOptions,
  ) {
    super(config, options);
  }

  override async write<T extends object = Row>(
    input: Iterable<T> | AsyncIterable<T>,
    options?: WriteOptions,
  ): Promise<RowResult[]> {
    const written = await super.write(input, options);
    this.sink.push(...written);
    return written;
  }
}
