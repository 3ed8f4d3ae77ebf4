/**
 * `twilio-destination`: the command-line interface (`validate`, `preview`, `send`, `status`, `simulator`). `main` takes its
 * arguments, environment, streams, signals and exit function as parameters, so tests run it in-process;
 * run as a program (the `twilio-destination` bin), it gets the real ones.
 *
 * Exit codes: 0 every row sent (preview: ready; validate: valid), 1 some rows failed, 2 usage or
 * configuration error, 130 interrupted with Ctrl-C (143 with SIGTERM).
 */
import type { Readable, Writable } from 'node:stream';
import { main as runSimulator } from '../simulator/cli.js';
import { type CommandLine, parseCommandLine } from './args.js';
import { type CommandIo, describeFailure, type SignalSource, validate } from './commands.js';
import { checkOutFile } from './out-file.js';
import { preview } from './preview-command.js';
import type { FlagNames } from './report.js';
import { send } from './send-command.js';
import { openSession, type Session, UsageError } from './session.js';
import { status } from './status.js';

/** Everything the CLI touches outside itself. */
export interface CliContext {
  /** The arguments after the program name. */
  argv: readonly string[];
  /** The environment: the only source of credentials. */
  env: Readonly<Record<string, string | undefined>>;
  /** Rows when no file is given; the answer to `send`'s confirmation on a terminal. */
  stdin: Readable & { isTTY?: boolean };
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
  const signals = context.signals ?? NO_SIGNALS;
  if (line.command === 'simulator') return simulator(line.rest ?? [], context, signals);
  let session: Session | undefined;
  // The flags the user used, where they differ from the default names of the messages.
  const flags: FlagNames =
    line.options.templateFile === undefined ? {} : { 'settings.messageTemplate': '--template-file' };
  try {
    // A wrong --out is refused first: before the simulator starts, its banner prints, or a request goes.
    await checkOut(line);
    session = await openSession(line, context.env);
    const { notices } = session;
    const io: CommandIo = {
      stdin: context.stdin,
      stdout,
      stderr,
      signals,
      now: context.now ?? Date.now,
      progressIntervalMs: context.progressIntervalMs ?? 5000,
      // Taken from the list as they are printed: a second call prints nothing.
      announce() {
        for (const notice of notices.splice(0)) stderr.write(`${notice}\n`);
      },
    };
    if (line.command === 'validate') return await validate(session, io, flags);
    if (line.command === 'preview') return await preview(line, session, io);
    if (line.command === 'status') {
      io.announce();
      return await status(line, session, io);
    }
    return await send(line, session, io);
  } catch (error) {
    const failure = describeFailure(error, flags);
    stderr.write(`${failure.lines.join('\n')}\n`);
    return failure.exitCode;
  } finally {
    await session?.close();
  }
}

/** Refuses an `--out` that is the input, or exists without `--force`/`--append` (a `UsageError`). */
async function checkOut(line: CommandLine): Promise<void> {
  const { out, force = false, append = false } = line.options;
  if (out === undefined) return;
  const inputKind = line.command === 'status' ? 'results' : 'rows';
  // checkOutFile rejects only with an OutFileError.
  await checkOutFile(out, { input: line.file, inputKind, force, append }).catch((error: Error) => {
    throw new UsageError(error.message);
  });
}

/** `simulator`: runs it until SIGINT or SIGTERM, printing its URL and credentials. */
async function simulator(
  args: readonly string[],
  context: CliContext,
  signals: SignalSource,
): Promise<number> {
  const { simulator: running, exitCode } = await runSimulator(args, {
    log: (text) => context.stdout.write(`${text}\n`),
    error: (text) => context.stderr.write(`${text}\n`),
  });
  if (running === undefined) return exitCode;
  await new Promise<void>((resolve) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  await running.close();
  return 0;
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
