/**
 * Runs the built bin (dist/cli/main.js, built by the global setup) as a child process, as a user runs it:
 * real argv, an environment of only what the test gives (and PATH), pipes, signals. Shared by every test
 * that starts the CLI in a process of its own.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built bin. */
export const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** How a child process ended. */
export interface BinExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How to start the bin: which Node, and which script (the bin itself, or a link to it). */
export interface StartOptions {
  /** @default this Node */
  node?: string;
  /** @default {@link BIN} */
  script?: string;
}

/**
 * Starts the bin with only `env` (and PATH) in its environment: no inherited TWILIO_* variables.
 * `done` settles when it has exited and its pipes are closed; `output()` is its stdout so far.
 */
export function startBin(
  args: readonly string[],
  env: Record<string, string> = {},
  { node = process.execPath, script = BIN }: StartOptions = {},
): ChildProcessWithoutNullStreams & { done: Promise<BinExit>; output: () => string } {
  const child = spawn(node, [script, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return Object.assign(child, { done, output: () => stdout });
}

/** Runs the bin to its end, with `stdin` as its input (none when undefined). */
export function runBin(
  args: readonly string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<BinExit> {
  const child = startBin(args, env);
  child.stdin.end(stdin);
  return child.done;
}
