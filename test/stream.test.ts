import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../src/config/index.js';
import { TwilioDestination } from '../src/destination.js';
import type { Logger } from '../src/logger.js';
import { startTwilioSimulator, type TwilioSimulator } from '../src/simulator/index.js';
import type { Row, RowResult } from '../src/types.js';
import { recordingLogger } from './helpers/logger.js';
import { startServer } from './helpers/server.js';
import { baseConfig, messageJson } from './helpers/twilio.js';

// Real loopback servers only: nock's socket interception would change connection counts.
beforeAll(() => nock.restore());
afterAll(() => nock.activate());

const cleanups: (() => Promise<void>)[] = [];

/** A logger that runs `then` when the client logs an answer with this HTTP status. */
function onAnswer(status: number, then: () => void): Logger {
  const line = new RegExp(` -> ${status} in `);
  return {
    debug: (message) => {
      if (line.test(message)) then();
    },
    info: () => {},
    warn: () => {},
    error: () => {},
  };
}

/** Resolves once `check` holds, checking after each turn of the event loop. */
function waitUntil(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setImmediate(poll));
    poll();
  });
}
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function simulator(options: Parameters<typeof startTwilioSimulator>[0] = {}): Promise<TwilioSimulator> {
  const sim = await startTwilioSimulator({ lifecycle: false, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

function destinationFor(
  sim: TwilioSimulator,
  options: ConstructorParameters<typeof TwilioDestination>[1] = {},
) {
  const destination = new TwilioDestination(
    { credentials: sim.credentials, settings: { from: '+15005550006', messageTemplate: 'Hello {{n}}' } },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, retry: { minDelayMs: 1, maxDelayMs: 5 }, ...options },
  );
  cleanups.push(() => destination.close());
  return destination;
}

const rows = (count: number, to = (i: number) => `+1415555${String(1000 + i).padStart(4, '0')}`): Row[] =>
  Array.from({ length: count }, (_, i) => ({ to: to(i), n: i }));

/** Created messages equal the rows reported sent, SID for SID. */
function expectNothingLostOrDoubled(sim: TwilioSimulator, results: RowResult[]) {
  const sent = results.flatMap((r) => (r.status === 'sent' ? [r.messageSid] : [])).sort();
  expect(sim.messages.map((m) => m.sid).sort()).toEqual(sent);
}

describe('stream', () => {
  it('pulls the next row only when it can send it', async () => {
    const sim = await simulator();
    const destination = destinationFor(sim);
    let pulled = 0;
    async function* source() {
      for (const row of rows(5)) {
        pulled++;
        yield row;
      }
    }
    const seen: number[] = [];
    for await (const result of destination.stream(source())) {
      // At concurrency 1, row n+1 is pulled only after row n has its result.
      expect(pulled).toBe(result.index + 1);
      seen.push(result.index);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('throws ConfigError at the call, before any request, for a bad configuration', () => {
    const destination = new TwilioDestination(baseConfig({ settings: { from: 'nope!' } }));
    expect(() => destination.stream([])).toThrow(/Invalid configuration/);
  });

  it('closes the source when the consumer stops early', async () => {
    const sim = await simulator();
    const destination = destinationFor(sim);
    let closed = false;
    async function* source() {
      try {
        yield* rows(10);
      } finally {
        closed = true;
      }
    }
    for await (const result of destination.stream(source())) {
      if (result.index === 1) break;
    }
    expect(closed).toBe(true);
    expect(sim.messages).toHaveLength(2);
  });
});

describe('concurrency', () => {
  it('keeps at most `concurrency` requests in flight and results in input order', async () => {
    let active = 0;
    let peak = 0;
    const held: (() => void)[] = [];
    const server = await startServer((_req, res, _body, n) => {
      active++;
      peak = Math.max(peak, active);
      held.push(() => {
        active--;
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(messageJson({ sid: `SM${String(n).padStart(32, '0')}` })));
      });
      // Answers wait until four requests are in flight, then go out latest first, so they arrive out of order.
      if (held.length === 4) for (const answer of held.splice(0).reverse()) answer();
    });
    cleanups.push(server.close);
    const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hello {{n}}' } }), {
      apiBaseUrl: server.url,
      concurrency: 4,
    });
    cleanups.push(() => destination.close());
    const results = await destination.write(rows(12));
    expect(results.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(results.every((r) => r.status === 'sent')).toBe(true);
    expect(peak).toBe(4);
    // The pool is sized to the concurrency.
    expect(server.connections()).toBe(4);
  });

  it('uses one connection for 1,000 sequential rows', async () => {
    const sim = await simulator({ record: false });
    const destination = destinationFor(sim);
    const results = await destination.write(rows(1000));
    expect(results.filter((r) => r.status === 'sent')).toHaveLength(1000);
    expect(sim.connections).toBe(1);
    expectNothingLostOrDoubled(sim, results);
  });

  it('stops new requests at a batch-ending answer; rows already in flight keep their own results', async () => {
    const held: (() => void)[] = [];
    let refuse: (() => void) | undefined;
    const server = await startServer((_req, res, _body, n) => {
      if (n === 3) {
        refuse = () => {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
        };
      } else {
        held.push(() => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify(messageJson({ sid: `SM${String(n).padStart(32, '0')}` })));
        });
      }
      // Request 3 is refused once four are in flight; the others answer after the client took the refusal.
      if (n === 4) refuse?.();
    });
    cleanups.push(server.close);
    const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hello {{n}}' } }), {
      apiBaseUrl: server.url,
      concurrency: 4,
      // The client logs an answer as it resolves it; the row's outcome follows in the same turn.
      logger: onAnswer(401, () => {
        for (const answer of held) answer();
      }),
    });
    cleanups.push(() => destination.close());
    const results = await destination.write(rows(10));
    expect(server.received).toHaveLength(4);
    expect(results.map((r) => (r.status === 'sent' ? 'sent' : `${r.error.code}/${r.attempts}`))).toEqual([
      'sent',
      'sent',
      'auth_failed/1',
      'sent',
      ...Array(6).fill('auth_failed/0'),
    ]);
  });

  it('adapts to an account concurrency limit: every row sent, the 429s bounded', async () => {
    const sim = await simulator({ concurrency: { limit: 4 }, latency: { fixedMs: 5 } });
    const logger = recordingLogger();
    const destination = destinationFor(sim, {
      concurrency: 16,
      logger,
      retry: { retries: 10, minDelayMs: 1, maxDelayMs: 10 },
    });
    const results = await destination.write(rows(300));
    expect(results.filter((r) => r.status === 'sent')).toHaveLength(300);
    expectNothingLostOrDoubled(sim, results);
    const rejected = sim.requests.filter((r) => r.status === 429).length;
    // Bound: the first burst (16 − 4 = 12), then one probe above the limit per 8 × 4 = 32 successes (the
    // cautious climb back to a value that failed), each meeting at most 5 429s: 12 + ⌈300 / 32⌉ × 5 = 62.
    // Measured: 19 to 37. Without adaptation every row would meet several.
    expect(rejected).toBeLessThanOrEqual(62);
    expect(logger.lines.some(([, line]) => /^twilio-destination: 429, concurrency now \d+$/.test(line))).toBe(
      true,
    );
  });
});

describe('pacing', () => {
  it('paces sends in segments per second, counting each message’s segments', async () => {
    const sim = await simulator();
    const waits: number[] = [];
    let now = 0;
    const destination = destinationFor(sim, {
      segmentsPerSecond: 2,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    // Two 1-segment messages fit the 1 s burst; a 2-segment message then waits a second.
    const results = await destination.write([
      { to: '+14155550100', n: 'a' },
      { to: '+14155550101', n: 'b' },
      { to: '+14155550102', n: 'x'.repeat(200) },
    ]);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(waits).toEqual([1000]);
  });
});

describe('pacing after a 429', () => {
  it('halves the paced rate at a 429', async () => {
    const sim = await simulator({ faults: [{ on: 'create', nth: 1, kind: '429' }] });
    const logger = recordingLogger();
    const destination = destinationFor(sim, { segmentsPerSecond: 100, logger });
    const [result] = await destination.write(rows(1));
    expect(result).toMatchObject({ status: 'sent', attempts: 2 });
    expect(logger.lines).toContainEqual([
      'debug',
      'twilio-destination: 429, concurrency now 1, rate 50 segments/s',
    ]);
  });
});

describe('abort while pacing', () => {
  it('reports a row that waited for the rate as aborted, not started', async () => {
    const sim = await simulator();
    const controller = new AbortController();
    let sent = false;
    const destination = destinationFor(sim, {
      segmentsPerSecond: 1,
      logger: onAnswer(201, () => {
        sent = true;
      }),
      // Row 1 waits for the rate; the abort comes during that wait, once row 0 has its answer.
      sleep: async (_ms, signal) => {
        await new Promise<void>((resolve) => {
          const check = () => (sent ? resolve() : setImmediate(check));
          check();
        });
        controller.abort();
        throw signal?.reason;
      },
    });
    const results = await destination.write(rows(3), { signal: controller.signal });
    expect(
      results.map((r) =>
        r.status === 'sent' ? 'sent' : `${r.error.code}/${r.attempts}/${r.error.retryable}`,
      ),
    ).toEqual(['sent', 'aborted/0/true', 'aborted/0/true']);
    expect(sim.messages).toHaveLength(1);
  });
});

describe('onProgress', () => {
  it('reports at most every 500 ms and once at the end with the totals', async () => {
    const sim = await simulator({ latency: { fixedMs: 2 } });
    const reports: Progress[] = [];
    const destination = destinationFor(sim, { onProgress: (p) => reports.push(p) });
    const started = performance.now();
    await destination.write([...rows(30), { to: 'bad', n: 1 }]);
    const elapsed = performance.now() - started;
    const last = reports.at(-1);
    expect(last).toMatchObject({ done: 31, sent: 30, failed: 1, retrying: 0, inFlight: 0 });
    // The interval's k-th report comes no sooner than k × 500 ms: a bound that holds however slow the run.
    expect(reports.length).toBeLessThanOrEqual(Math.floor(elapsed / 500) + 1);
  });
});

describe('batch-ending answers and early exits with rows in flight', () => {
  it('makes no retry request after another row ended the batch', async () => {
    const server = await startServer((_req, res, _body, n) => {
      res.writeHead(n === 1 ? 429 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          n === 1
            ? { code: 20429, message: 'Too Many Requests', status: 429 }
            : { code: 20003, message: 'Authenticate', status: 401 },
        ),
      );
    });
    cleanups.push(server.close);
    let refused = false;
    const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hello {{n}}' } }), {
      apiBaseUrl: server.url,
      concurrency: 2,
      logger: onAnswer(401, () => {
        refused = true;
      }),
      // Row 0's retry wait ends only after row 1's 401 has ended the batch.
      sleep: () =>
        new Promise<void>((resolve) => {
          const check = () => (refused ? setImmediate(resolve) : setImmediate(check));
          check();
        }),
    });
    cleanups.push(() => destination.close());
    const results = await destination.write(rows(2));
    expect(server.received).toHaveLength(2);
    expect(results.map((r) => r.status === 'failed' && [r.error.code, r.attempts])).toEqual([
      ['auth_failed', 1],
      ['auth_failed', 1],
    ]);
    expect(results[0]?.status === 'failed' && results[0].error.message).toMatch(
      /^Not sent: the batch stopped at row 1 /,
    );
  });

  it('cancels the requests in flight when the consumer stops early', async () => {
    let cancelled = 0;
    let first: (() => void) | undefined;
    const server = await startServer((_req, res, _body, n) => {
      res.on('close', () => {
        if (!res.writableFinished) cancelled++;
      });
      // Request 1 is answered once all four are in flight; the others never are.
      if (n === 4) {
        first?.();
        return;
      }
      if (n === 1) {
        first = () => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify(messageJson({ sid: `SM${String(n).padStart(32, '0')}` })));
        };
      }
    });
    cleanups.push(server.close);
    const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hello {{n}}' } }), {
      apiBaseUrl: server.url,
      concurrency: 4,
    });
    cleanups.push(() => destination.close());
    for await (const result of destination.stream(rows(10))) {
      expect(result.index).toBe(0);
      break;
    }
    await waitUntil(() => cancelled === 3);
    expect(server.received).toHaveLength(4);
  });
});
