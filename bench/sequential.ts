/**
 * CPU per message at concurrency 1, three clients against the same simulator process: a bare undici
 * `Client.request` loop (the floor of the HTTP stack), the package's `write()`, and the official `twilio`
 * library. The runs alternate (A B C A B C …) so that a change in the machine's load hits all three alike;
 * each figure is the median of the runs, with its spread (lowest–highest).
 */
import twilio from 'twilio';
import { Client } from 'undici';
import { TwilioDestination } from '../src/index.js';
import type { Sim } from './sim.js';

export const FROM = '+15005550006';
export const to = (i: number): string => `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`;
export const body = (i: number): string => `Hi Customer ${i}, order A-${i} shipped.`;
export function* rows(n: number): Generator<Record<string, string>> {
  for (let i = 0; i < n; i++) yield { to: to(i), name: `Customer ${i}`, order: `A-${i}` };
}

/** One client's way of sending `n` messages. */
export type Sender = (sim: Sim, n: number) => Promise<void>;

/** The limit of the HTTP stack: one undici `Client` (one connection), `request` in a loop, nothing else. */
export const bareUndici: Sender = async (sim, n) => {
  const client = new Client(sim.url);
  const { accountSid, authToken } = sim.credentials;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  for (let i = 0; i < n; i++) {
    const response = await client.request({
      path,
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ To: to(i), From: FROM, Body: body(i) }).toString(),
    });
    const message = (await response.body.json()) as { sid?: string };
    if (response.statusCode !== 201 || !message.sid)
      throw new Error(`bare loop: HTTP ${response.statusCode}`);
  }
  await client.close();
};

/** A destination on the simulator with the benchmark's template. */
export function destination(sim: Sim, concurrency = 1): TwilioDestination {
  return new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: FROM, messageTemplate: 'Hi {{name}}, order {{order}} shipped.' },
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, concurrency },
  );
}

/** The package: `write()` of `n` generated rows. */
export const packageWrite = async (sim: Sim, n: number, concurrency = 1): Promise<void> => {
  const dest = destination(sim, concurrency);
  const results = await dest.write(rows(n));
  await dest.close();
  const failed = results.find((result) => result.status === 'failed');
  if (failed) throw new Error(`package: ${JSON.stringify(failed)}`);
};

/** The official helper library, its own HTTP client pointed at the simulator instead of api.twilio.com. */
export const officialLibrary: Sender = async (sim, n) => {
  class LocalRequestClient extends twilio.RequestClient {
    override request<T>(options: Parameters<twilio.RequestClient['request']>[0]) {
      return super.request<T>({
        ...options,
        uri: options.uri.replace('https://api.twilio.com', sim.url),
      } as never);
    }
  }
  const client = twilio(sim.credentials.accountSid, sim.credentials.authToken, {
    httpClient: new LocalRequestClient(),
  });
  for (let i = 0; i < n; i++) await client.messages.create({ to: to(i), from: FROM, body: body(i) });
};

/** One run's figures. */
export interface Run {
  messagesPerSecond: number;
  cpuMicrosPerMessage: number;
}

/** Medians and spreads of a client's runs. */
export interface Summary {
  runs: Run[];
  messagesPerSecond: { median: number; low: number; high: number };
  cpuMicrosPerMessage: { median: number; low: number; high: number };
}

/** Median, lowest and highest of `values`. */
export function spread(values: number[]): { median: number; low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, low: sorted[0] as number, high: sorted[sorted.length - 1] as number };
}

/** Sends `n` messages with `send` once, timing it: wall clock for messages/s, this process's CPU for µs. */
export async function timeRun(n: number, send: () => Promise<void>): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await send();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { messagesPerSecond: n / seconds, cpuMicrosPerMessage: (used.user + used.system) / n };
}

/**
 * Warms every client up, then runs them in turn `rounds` times (A B C, A B C, …), `n` messages each run.
 * @example
 * const figures = await alternate(sim, 2000, 5, { bare: bareUndici, ours: packageWrite });
 */
export async function alternate<K extends string>(
  sim: Sim,
  n: number,
  rounds: number,
  senders: Record<K, Sender>,
): Promise<Record<K, Summary>> {
  const names = Object.keys(senders) as K[];
  for (const name of names) await senders[name](sim, Math.min(300, n));
  const runs = Object.fromEntries(names.map((name) => [name, [] as Run[]])) as Record<K, Run[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) runs[name].push(await timeRun(n, () => senders[name](sim, n)));
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        runs: runs[name],
        messagesPerSecond: spread(runs[name].map((run) => run.messagesPerSecond)),
        cpuMicrosPerMessage: spread(runs[name].map((run) => run.cpuMicrosPerMessage)),
      },
    ]),
  ) as Record<K, Summary>;
}
