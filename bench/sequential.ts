/**
 * CPU per message at concurrency 1, three clients against the same simulator process: a bare undici
 * `Client.request` loop (the floor of the HTTP stack), the package's `write()`, and the official `twilio`
 * library. Each run is a fresh process (bench/cpu-child.mjs), and the runs alternate (A B C A B C …) so that
 * a change in the machine's load hits all three alike; each figure is the median of the runs, with its
 * spread (lowest–highest).
 */
import { child, firstLine, type Sim } from './sim.js';

/** The clients bench/cpu-child.mjs knows. */
export type ClientName = 'bare' | 'package' | 'official';

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

/** One run of `client` sending `n` messages, in a fresh process. */
async function run(sim: Sim, client: ClientName, n: number): Promise<Run> {
  const proc = child('bench/cpu-child.mjs', [
    sim.url,
    sim.credentials.accountSid,
    sim.credentials.authToken,
    client,
    String(n),
  ]);
  return JSON.parse(await firstLine(proc)) as Run;
}

/**
 * Runs the clients in turn `rounds` times (A B C, A B C, …), `n` messages each run after a warm-up of 300.
 * @example
 * const figures = await alternate(sim, 2000, 5, ['bare', 'package']);
 */
export async function alternate<K extends ClientName>(
  sim: Sim,
  n: number,
  rounds: number,
  clients: readonly K[],
): Promise<Record<K, Summary>> {
  const runs = Object.fromEntries(clients.map((name) => [name, [] as Run[]])) as Record<K, Run[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of clients) runs[name].push(await run(sim, name, n));
  }
  return Object.fromEntries(
    clients.map((name) => [
      name,
      {
        runs: runs[name],
        messagesPerSecond: spread(runs[name].map((r) => r.messagesPerSecond)),
        cpuMicrosPerMessage: spread(runs[name].map((r) => r.cpuMicrosPerMessage)),
      },
    ]),
  ) as Record<K, Summary>;
}
