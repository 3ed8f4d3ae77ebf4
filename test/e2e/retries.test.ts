/**
 * Retries end to end: 429 with and without Retry-After (scripted and from the simulator's concurrency
 * limit), 5xx and network failures before and after the message was created, and the duplicate check that
 * keeps a retried row from texting anyone twice.
 */
import { describe, expect, it } from 'vitest';
import { FAST, failed, outcome, row, sent, useSimulator } from './harness.js';

const e2e = useSimulator();

/** A sleep that records each wait and returns at once, so Retry-After of seconds costs nothing. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('429 Too Many Requests', () => {
  it('waits as long as Retry-After says, then sends', async () => {
    e2e.sim.configure({ faults: [{ nth: 1, kind: '429', retryAfter: 2 }] });
    const { waits, sleep } = recordingSleep();
    const results = await e2e.destination({ options: { sleep } }).write([row('+14155550200')]);
    expect(results.map(outcome)).toEqual([sent(0, 2)]);
    expect(waits).toEqual([2000]);
    expect(e2e.trace()).toEqual(['POST 429', 'POST 201']);
  });

  it('backs off exponentially without Retry-After, then sends', async () => {
    e2e.sim.configure({ faults: [{ nth: [1, 2, 3], kind: '429' }] });
    const { waits, sleep } = recordingSleep();
    const results = await e2e
      .destination({ options: { sleep, random: () => 1, retry: { minDelayMs: 10, maxDelayMs: 25 } } })
      .write([row('+14155550201')]);
    expect(results.map(outcome)).toEqual([sent(0, 4)]);
    // min(maxDelayMs, minDelayMs × 2^(n−1)) with the jitter factor at its top (1).
    expect(waits).toEqual([10, 20, 25]);
    expect(e2e.trace()).toEqual(['POST 429', 'POST 429', 'POST 429', 'POST 201']);
  });

  it('fails the row rate_limited and retryable when the retries run out, and sends the next row', async () => {
    e2e.sim.configure({ faults: [{ to: '+14155550202', kind: '429' }] });
    const results = await e2e.destination().write([row('+14155550202'), row('+14155550203')]);
    expect(results.map(outcome)).toEqual([
      failed(0, 4, { code: 'rate_limited', retryable: true, httpStatus: 429, twilioCode: 20429 }),
      sent(1),
    ]);
    expect(e2e.trace()).toEqual(['POST 429', 'POST 429', 'POST 429', 'POST 429', 'POST 201']);
  });

  it('ends the batch at once when the account limit’s Retry-After exceeds maxRetryAfterMs', async () => {
    e2e.sim.configure({ concurrency: { limit: 0, retryAfter: 120 } });
    const results = await e2e
      .destination()
      .write([row('+14155550204'), row('+14155550205'), row('+14155550206')]);
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'rate_limited', retryable: true, httpStatus: 429, twilioCode: 20429 }),
      failed(1, 0, { code: 'rate_limited', retryable: true }),
      failed(2, 0, { code: 'rate_limited', retryable: true }),
    ]);
    expect(results[0]?.status === 'failed' && results[0].error.message).toContain('2 min');
    expect(e2e.trace()).toEqual(['POST 429']);
  });

  it('gets every row through the simulator’s concurrency limit when two writes compete', async () => {
    e2e.sim.configure({ concurrency: { limit: 1 }, latency: { fixedMs: 20 } });
    const options = { retry: { ...FAST.retry, retries: 20 }, random: () => 1 };
    const [a, b] = await Promise.all([
      e2e.destination({ options }).write([row('+14155550207')]),
      e2e.destination({ options }).write([row('+14155550208')]),
    ]);
    const results = [...(a ?? []), ...(b ?? [])];
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent']);
    const attempts = results.map((result) => result.attempts).sort((x, y) => x - y);
    // One got in first; the other was refused (20429) until the first finished.
    expect(attempts[0]).toBe(1);
    expect(attempts[1]).toBeGreaterThan(1);
    const statuses = e2e.creates().map((request) => request.status);
    expect(statuses.filter((status) => status === 429)).toHaveLength((attempts[1] as number) - 1);
    expect(statuses.filter((status) => status === 201)).toHaveLength(2);
  });
});

describe('5xx and network failures', () => {
  it('recovers from a 500 and a 503 that created nothing: looks for the message, then retries', async () => {
    e2e.sim.configure({
      faults: [
        { nth: 1, kind: '500' },
        { nth: 2, kind: '503' },
      ],
    });
    const results = await e2e.destination().write([row('+14155550210')]);
    expect(results.map(outcome)).toEqual([sent(0, 3)]);
    // Each ambiguous failure is followed by two looks at the recipient's messages before the retry.
    expect(e2e.trace()).toEqual([
      'POST 500',
      'GET 200',
      'GET 200',
      'POST 503',
      'GET 200',
      'GET 200',
      'POST 201',
    ]);
    expect(e2e.requests()[1]?.query).toMatchObject({ To: '+14155550210', From: '+15005550006' });
  });

  it('reports a message created before a 500 as sent (recovered) and does not send it again', async () => {
    e2e.sim.configure({ faults: [{ nth: 1, kind: 'created_then_500' }] });
    const results = await e2e.destination().write([row('+14155550211'), row('+14155550212')]);
    expect(results.map(outcome)).toEqual([sent(0, 1, { recovered: true }), sent(1)]);
    expect(e2e.trace()).toEqual(['POST 500', 'GET 200', 'POST 201']);
    expect(e2e.sim.messages.filter((message) => message.to === '+14155550211')).toHaveLength(1);
    expect(results[0]).toMatchObject({ messageSid: e2e.sim.messages.at(-2)?.sid });
  });

  it('reports a message created before the connection was reset as sent (recovered), once', async () => {
    e2e.sim.configure({ faults: [{ nth: 1, kind: 'reset_after_create' }] });
    const results = await e2e.destination().write([row('+14155550213')]);
    expect(results.map(outcome)).toEqual([sent(0, 1, { recovered: true })]);
    expect(e2e.trace()).toEqual(['POST -', 'GET 200']);
    expect(e2e.sim.messages.filter((message) => message.to === '+14155550213')).toHaveLength(1);
  });

  it('retries a connection reset that created nothing, after making sure', async () => {
    e2e.sim.configure({ faults: [{ nth: 1, kind: 'reset_before_create' }] });
    const results = await e2e.destination().write([row('+14155550214')]);
    expect(results.map(outcome)).toEqual([sent(0, 2)]);
    expect(e2e.trace()).toEqual(['POST -', 'GET 200', 'GET 200', 'POST 201']);
  });

  it('retries after a request that timed out without an answer', async () => {
    e2e.sim.configure({ faults: [{ nth: 1, kind: 'hang' }] });
    const results = await e2e.destination({ options: { timeoutMs: 150 } }).write([row('+14155550215')]);
    expect(results.map(outcome)).toEqual([sent(0, 2)]);
    // The hung create, the two looks, the second create. On a loaded machine a look-up page may itself miss
    // the short timeout (answered, but too late for the client) and be asked again: more GETs, never a POST.
    const trace = e2e.trace();
    expect([trace[0], trace.at(-1)]).toEqual(['POST -', 'POST 201']);
    const looks = trace.slice(1, -1);
    expect(looks.length).toBeGreaterThanOrEqual(2);
    expect(looks.every((entry) => entry.startsWith('GET '))).toBe(true);
  });

  it('fails the row server_error when 5xx outlasts the retries, not possibly sent, and sends the next row', async () => {
    e2e.sim.configure({ faults: [{ to: '+14155550216', kind: '503' }] });
    const results = await e2e.destination().write([row('+14155550216'), row('+14155550217')]);
    expect(results.map(outcome)).toEqual([
      failed(0, 4, { code: 'server_error', retryable: true, httpStatus: 503, twilioCode: 20503 }),
      sent(1),
    ]);
    expect(e2e.creates().map((request) => request.status)).toEqual([503, 503, 503, 503, 201]);
  });
});

describe('with the duplicate check turned off', () => {
  // The `duplicateCheck` option promises: "`false` turns it off (ambiguous rows then end `possiblySent`)".
  // Today the row is retried blindly instead: the customer gets two texts and the row says `sent`.
  it('does not resend a row whose 500 may have created the message: it ends possiblySent', async () => {
    e2e.sim.configure({ faults: [{ nth: 1, kind: 'created_then_500' }] });
    const results = await e2e
      .destination({ options: { duplicateCheck: false } })
      .write([row('+14155550218')]);
    expect(e2e.sim.messages.filter((message) => message.to === '+14155550218')).toHaveLength(1);
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'server_error', possiblySent: true, httpStatus: 500, twilioCode: 20500 }),
    ]);
  });
});
