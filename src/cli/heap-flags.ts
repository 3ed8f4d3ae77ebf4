/**
 * The V8 heap flags the CLI's streaming commands (`send`, `preview`) run with, so that a million-row file
 * stays under 150 MB of RSS without the user knowing about V8 (README, "Large syncs"). Node reads heap flags
 * only at start-up, so the CLI re-runs itself with them through `process.execve`: the same process (same
 * PID, same terminal foreground, one Ctrl-C), which a child process or a `#!/usr/bin/env -S` line cannot
 * give. Where `process.execve` is missing (Windows) or fails, the command runs as it is.
 */

/** The flags, as the README recommends them for any sending process. */
export const HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=256'];

/**
 * Set (to `applied`) in the re-run's environment so that it does not re-run again; set it to anything
 * yourself (say `off`) to keep the CLI from re-running.
 */
export const HEAP_FLAGS_ENV = 'TWILIO_DESTINATION_HEAP_FLAGS';

/** The commands that stream rows: the others hold little and run as they are. */
const STREAMING = new Set(['send', 'preview']);

/** `--max_old_space_size=64` → `--max-old-space-size`: V8 accepts both spellings. */
function flagName(arg: string): string {
  const name = arg.split('=', 1)[0] as string;
  return name.replaceAll('_', '-');
}

/**
 * The heap flags to add for the command in `argv` (the arguments after the program name): none for a
 * command that does not stream, none once re-run or turned off through {@link HEAP_FLAGS_ENV}, and never
 * one the user already gave in `execArgv` or `NODE_OPTIONS` (their value wins).
 *
 * @example
 * ```ts
 * heapFlagsToAdd(['send', 'rows.csv'], [], {}); // ['--max-semi-space-size=8', '--max-old-space-size=256']
 * heapFlagsToAdd(['send', 'rows.csv'], ['--max-old-space-size=1024'], {}); // ['--max-semi-space-size=8']
 * ```
 */
export function heapFlagsToAdd(
  argv: readonly string[],
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (env[HEAP_FLAGS_ENV] !== undefined) return [];
  const command = argv.find((arg) => !arg.startsWith('-'));
  if (command === undefined || !STREAMING.has(command)) return [];
  const given = new Set([...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)].map(flagName));
  return HEAP_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/** What {@link runWithHeapFlags} uses of `process`. */
export interface ExecProcess {
  argv: readonly string[];
  execArgv: readonly string[];
  execPath: string;
  env: Readonly<Record<string, string | undefined>>;
  execve?: ((file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never) | undefined;
}

/**
 * Replaces this process with the same command run with the heap flags it lacks; returns (and the command
 * runs as it is) when it lacks none, when the platform has no `process.execve`, or when `execve(2)` fails.
 */
export function runWithHeapFlags(proc: ExecProcess): void {
  const flags = heapFlagsToAdd(proc.argv.slice(2), proc.execArgv, proc.env);
  if (flags.length === 0 || proc.execve === undefined) return;
  try {
    proc.execve(proc.execPath, [proc.execPath, ...flags, ...proc.execArgv, ...proc.argv.slice(1)], {
      ...proc.env,
      [HEAP_FLAGS_ENV]: 'applied',
    });
  } catch {
    // execve(2) failed (a permission model, a vanished binary): this process is unchanged and runs on.
  }
}
