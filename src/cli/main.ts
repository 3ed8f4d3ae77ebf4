#!/usr/bin/env node
/**
 * `twilio-destination`: the command-line interface (`validate`, `preview`, `send`, `status`). `main` takes its
 * arguments, environment, streams, signals and exit function as parameters, so tests run it in-process;
 * run as a program, it gets the real ones.
 *
 * Exit codes: 0 every row sent (preview: ready; validate: valid), 1 some rows failed, 2 usage or
 * configuration error, 130 interrupted with Ctrl-C (143 with SIGTERM).
 */
import { realpathSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseCommandLine } from './args.js';
import { type CommandIo, describeFailure, preview, type SignalSource, send, validate } from './commands.js';
import { openSession, type Session } from './session.js';
import { status } from './status.js';

/** Everything the CLI touches outside itself. */
export interface CliContext {
  /** The arguments after the program name. */
  argv: readonly string[];
  /** The environment: the only source of credentials. */
  env: Readonly<Record<string, string | undefined>>;
  /** Rows when no file is given. */
  stdin: Readable;
  /** Results (without `--out`), validation reports, help. */
  stdout: Writable;
  /** Progress (a bar when it is a terminal), notices, summaries and errors. */
  stderr: Writable & { isTTY?: boolean };
  /** Called once, with the exit code, when the command is done. */
  exit: (code: number) => void;
  /** Where Ctrl-C (SIGINT) and SIGTERM come from. @default none */
  signals?: SignalSource;
  /** The clock, in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** The least time between two plain progress lines (when stderr is not a terminal). @default 5000 */
  progressIntervalMs?: number;
}

const NO_SIGNALS: SignalSource = { on: () => undefined, off: () => undefined };

/** Runs one command line to its end, calls `context.exit` with the exit code, and returns it. */
export async function main(context: CliContext): Promise<number> {
  const code = await run(context);
  context.exit(code);
  return code;
}

async function run(context: CliContext): Promise<number> {
  const { stdout, stderr } = context;
  const line = parseCommandLine(context.argv, {
    writeOut: (text) => stdout.write(text),
    writeErr: (text) => stderr.write(text),
  });
  if (typeof line === 'number') return line;
  const io: CommandIo = {
    stdin: context.stdin,
    stdout,
    stderr,
    signals: context.signals ?? NO_SIGNALS,
    now: context.now ?? Date.now,
    progressIntervalMs: context.progressIntervalMs ?? 5000,
  };
  let session: Session | undefined;
  try {
    session = await openSession(line, context.env);
    for (const notice of session.notices) stderr.write(`${notice}\n`);
    if (line.command === 'validate') return await validate(session, io);
    if (line.command === 'preview') return await preview(line, session, io);
    if (line.command === 'status') return await status(line, session, io);
    return await send(line, session, io);
  } catch (error) {
    const failure = describeFailure(error);
    stderr.write(`${failure.lines.join('\n')}\n`);
    return failure.exitCode;
  } finally {
    await session?.close();
  }
}

/** The real process as a `CliContext`. The exit code is set, not forced, so that stdout is flushed first. */
export function processContext(): CliContext {
  // A reader that goes away (`| head`) must not end the process with a stack trace. The results' writer
  // listens for that error itself and stops sending; help and reports simply end there.
  const quiet = () => undefined;
  process.stdout.on('error', quiet);
  process.stderr.on('error', quiet);
  return {
    argv: process.argv.slice(2),
    env: process.env,
    // A getter: touching process.stdin opens it, which a command without stdin rows has no need for.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
    exit: (code) => {
      process.exitCode = code;
    },
  };
}

/** Whether `script` (argv[1], maybe an npm bin symlink) is the module at `moduleUrl`. */
export function isEntryPoint(script: string | undefined, moduleUrl: string): boolean {
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

// Only when run as a program; the built bin's tests cover this line.
/* v8 ignore next 3 */
if (isEntryPoint(process.argv[1], import.meta.url)) {
  await main(processContext());
}
