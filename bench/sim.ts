/**
 * Child processes for the benchmarks: the simulator in its own process (so that its CPU and memory are
 * not the sender's), and any script of bench/ run by Node with chosen flags.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const ROOT = new URL('..', import.meta.url);

/** A simulator process. */
export interface Sim {
  url: string;
  credentials: { accountSid: string; authToken: string };
  stop(): Promise<void>;
}

/** Starts `script` (a path from the repository root) in its own Node process with `nodeFlags`. */
export function child(
  script: string,
  args: string[],
  nodeFlags: string[] = [],
  env = process.env,
): ChildProcess {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...nodeFlags, ...loader, new URL(script, ROOT).pathname, ...args], {
    cwd: ROOT.pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
}

/** The first line the process prints, or an error if it exits first. */
export async function firstLine(proc: ChildProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  for await (const line of lines) return line;
  throw new Error('the child process printed nothing');
}

/** Starts the simulator (no history kept, no lifecycle) in its own process, answering after `latencyMs`. */
export async function startSim(latencyMs = 0): Promise<Sim> {
  const proc = child('bench/sim-process.ts', [String(latencyMs)]);
  const { url, credentials } = JSON.parse(await firstLine(proc)) as Omit<Sim, 'stop'>;
  return {
    url,
    credentials,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
