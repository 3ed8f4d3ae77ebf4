/**
 * The V8 heap flags the CLI's streaming commands (`send`, `preview`) run with, so that a million-row file
 * stays under 150 MB of RSS without the user knowing about V8 (README, "Large syncs"). Node reads heap flags
 * only at start-up, so the CLI re-runs itself with them through `process.execve`: the same process (same
 * PID, same terminal foreground, one Ctrl-C), which a child process or a `#!/usr/bin/env -S` line cannot
 * give. On Windows, or where `process.execve` fails, the command runs as it is. The bin does it
 * before the rest of the CLI is loaded, so that the modules are loaded once.
 */

/**
 * The flags of each streaming command. `send` favours memory: with `--optimize-for-size` V8 keeps a 1 MB
 * young generation and its full collections give pages back, which held a 1,000,000-row send at about
 * 130 MiB instead of 165 (`npm run bench`), for about 40 % more CPU per row, far below what Twilio's own pace
 * leaves idle. `preview` makes no request, so its speed is the CPU's: it keeps the young generation at 8 MB,
 * as the README recommends for any sending process, which holds it under the same bound.
 */
export const HEAP_FLAGS: Readonly<Record<'send' | 'preview', readonly string[]>> = {
  send: ['--optimize-for-size', '--max-old-space-size=256'],
  preview: ['--max-semi-space-size=8', '--max-old-space-size=256'],
};

/**
 * Set (to `applied`) in the re-run's environment so that it does not re-run again; set it to anything
 * yourself (say `off`) to keep the CLI from re-running.
 */
export const HEAP_FLAGS_ENV = 'TWILIO_DESTINATION_HEAP_FLAGS';

/**
 * `--max_old_space_size=64` → `--max-old-space-size`, `--no-optimize-for-size` → `--optimize-for-size`: V8
 * accepts both spellings, and a flag turned off is a flag the user gave.
 */
function flagName(arg: string): string {
  const name = (arg.split('=', 1)[0] as string).replaceAll('_', '-');
  return name.startsWith('--no-') ? `--${name.slice(5)}` : name;
}

/**
 * The heap flags to add for the command in `argv` (the arguments after the program name): none for a
 * command that does not stream, none once re-run or turned off through {@link HEAP_FLAGS_ENV}, and never
 * one the user already gave in `execArgv` or `NODE_OPTIONS` (their value wins). None either when the user
 * gave `--max-heap-size`: V8 aborts at start-up when it comes with both semi-space and old-space sizes.
 *
 * @example
 * ```ts
 * heapFlagsToAdd(['send', 'rows.csv'], [], {}); // ['--optimize-for-size', '--max-old-space-size=256']
 * heapFlagsToAdd(['preview', 'rows.csv'], ['--max-old-space-size=1024'], {}); // ['--max-semi-space-size=8']
 * ```
 */
export function heapFlagsToAdd(
  argv: readonly string[],
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (env[HEAP_FLAGS_ENV] !== undefined) return [];
  const command = argv.find((arg) => !arg.startsWith('-'));
  if (command !== 'send' && command !== 'preview') return [];
  const given = new Set([...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)].map(flagName));
  if (given.has('--max-heap-size')) return [];
  return HEAP_FLAGS[command].filter((flag) => !given.has(flagName(flag)));
}

/** What {@link runWithHeapFlags} uses of `process`. */
export interface ExecProcess {
  argv: readonly string[];
  execArgv: readonly string[];
  execPath: string;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  execve?: ((file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never) | undefined;
}

/**
 * Replaces this process with the same command run with the heap flags it lacks; returns (and the command
 * runs as it is) when it lacks none, on Windows (where `process.execve` exists but only warns and throws),
 * when there is no `process.execve`, or when `execve(2)` fails.
 */
export function runWithHeapFlags(proc: ExecProcess): void {
  if (proc.platform === 'win32' || proc.execve === undefined) return;
  const flags = heapFlagsToAdd(proc.argv.slice(2), proc.execArgv, proc.env);
  if (flags.length === 0) return;
  try {
    proc.execve(proc.execPath, [proc.execPath, ...flags, ...proc.execArgv, ...proc.argv.slice(1)], {
      ...proc.env,
      [HEAP_FLAGS_ENV]: 'applied',
    });
  } catch {
    // execve(2) failed (a permission model, a vanished binary): this process is unchanged and runs on.
  }
}
