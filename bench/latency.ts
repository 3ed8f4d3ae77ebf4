/**
 * Sending efficiency against a server that answers after a fixed latency: messages/s as a share of the ideal
 * (concurrency ÷ latency), and where the rest goes. A timing dispatcher records when each request was handed
 * to undici and when its answer ended, which splits the loss into
 * - round trip above the latency: the server's timer firing late, HTTP on loopback, the two processes
 *   sharing the cores;
 * - slot idle time: from an answer's end to the next request on that slot (parsing the answer, yielding the
 *   result, pulling and rendering the next row, an event-loop turn), plus the ramp-up and the tail.
 */
import { Agent, type Dispatcher, request } from 'undici';
import { TwilioDestination } from '../src/index.js';
import type { Sim } from './sim.js';

const FROM = '+15005550006';
function* rows(n: number): Generator<Record<string, string>> {
  for (let i = 0; i < n; i++) {
    yield {
      to: `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`,
      name: `Customer ${i}`,
      order: `A-${i}`,
    };
  }
}

/** An Agent that notes each request's start and end, and each connection it opens. */
class TimingAgent extends Agent {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  connects = 0;

  constructor(options: Agent.Options) {
    super(options);
    this.on('connect', () => this.connects++);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.starts.push(performance.now());
    const timed = Object.create(handler) as Dispatcher.DispatchHandler;
    timed.onResponseEnd = (controller, trailers) => {
      this.ends.push(performance.now());
      handler.onResponseEnd?.(controller, trailers);
    };
    return super.dispatch(options, timed);
  }
}

/** One run at a latency and concurrency, and where its time went. */
export interface EfficiencyRun {
  messages: number;
  messagesPerSecond: number;
  ideal: number;
  share: number;
  /** Mean ms from handing a request to undici to the end of its answer. */
  meanRoundTripMs: number;
  /** Share of the ideal lost to round trips longer than the latency. */
  lostToRoundTrip: number;
  /**
   * Messages/s as a share of what the measured round trips allowed (concurrency ÷ mean round trip): the
   * sender's own efficiency, whatever the server and the network took.
   */
  ofRoundTrips: number;
  /** Share lost to slots standing idle (between an answer and the next request, ramp-up and tail). */
  lostToIdleSlots: number;
  /** Mean ms from an answer's end to the request that took its slot. */
  meanGapMs: number;
  /** Connections opened (the pool is sized to the concurrency). */
  connections: number;
}

/**
 * Sends `n` rows through `write()` at `concurrency` to a simulator answering after `latencyMs`.
 * @example
 * const run = await efficiency(sim, 2000, 8, 20);
 */
export async function efficiency(
  sim: Sim,
  n: number,
  concurrency: number,
  latencyMs: number,
): Promise<EfficiencyRun> {
  const agent = new TimingAgent({
    keepAliveTimeout: 30_000,
    connections: concurrency,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const dest = new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: FROM, messageTemplate: 'Hi {{name}}, order {{order}} shipped.' },
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, concurrency, dispatcher: agent },
  );
  const started = performance.now();
  const results = await dest.write(rows(n));
  const wallMs = performance.now() - started;
  await agent.close();
  if (results.some((result) => result.status !== 'sent')) throw new Error('a row was not sent');
  // Answers can end out of order; pair each request after the first `concurrency` with the answer that freed
  // its slot: the (k − concurrency)-th answer to end.
  const ends = [...agent.ends].sort((a, b) => a - b);
  const gaps = agent.starts.slice(concurrency).map((start, k) => start - (ends[k] as number));
  const slotTime = concurrency * wallMs;
  // The sum of round trips is the sum of ends less the sum of starts, whichever request each end belongs to.
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const busy = sum(agent.ends) - sum(agent.starts);
  const ideal = (concurrency * 1000) / latencyMs;
  const messagesPerSecond = n / (wallMs / 1000);
  return {
    messages: n,
    messagesPerSecond,
    ideal,
    share: messagesPerSecond / ideal,
    meanRoundTripMs: busy / n,
    ofRoundTrips: messagesPerSecond / ((concurrency * 1000) / (busy / n)),
    lostToRoundTrip: (busy - n * latencyMs) / slotTime,
    lostToIdleSlots: (slotTime - busy) / slotTime,
    meanGapMs: sum(gaps) / gaps.length,
    connections: agent.connects,
  };
}

/** What the HTTP stack alone reached against the same server. */
export interface BareRun {
  messagesPerSecond: number;
  share: number;
  meanRoundTripMs: number;
}

/**
 * The HTTP stack alone against the same server, as the ceiling for any client built on it: `concurrency`
 * loops of undici's `request` on one Agent, each posting the create request `write()` would post and
 * posting the next as soon as the answer is read. No package code, no rows, no results.
 */
export async function bareEfficiency(
  sim: Sim,
  n: number,
  concurrency: number,
  latencyMs: number,
): Promise<BareRun> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: concurrency });
  const url = `${sim.url}/2010-04-01/Accounts/${sim.credentials.accountSid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${sim.credentials.accountSid}:${sim.credentials.authToken}`).toString('base64')}`;
  let next = 0;
  let busy = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const body = new URLSearchParams({
          To: `+1415${String(5_000_000 + i).padStart(7, '0')}`,
          From: FROM,
          Body: `Hi Customer ${i}, order A-${i} shipped.`,
        }).toString();
        const sent = performance.now();
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        await response.body.text();
        busy += performance.now() - sent;
        if (response.statusCode !== 201) throw new Error(`the simulator answered ${response.statusCode}`);
      }
    }),
  );
  const wallMs = performance.now() - started;
  await agent.close();
  const messagesPerSecond = n / (wallMs / 1000);
  return {
    messagesPerSecond,
    share: messagesPerSecond / ((concurrency * 1000) / latencyMs),
    meanRoundTripMs: busy / n,
  };
}
