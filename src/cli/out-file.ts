/**
 * The `--out` file, opened so that no run loses data: an output that is the input is refused (compared by
 * real path), an existing file is refused unless `--force` (replace) or `--append` (add to it), and a
 * replaced or new file is written under a temporary name in the same directory and renamed over the target
 * only when the run has ended, so a crash never leaves a half-written file that looks whole. An output that
 * is not a file (`/dev/null`, `/dev/stdout`, a named pipe, a shell's `>(…)`) has no lines to lose and no name
 * to rename over: it is written in place, with no flag needed. A directory is refused.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';

/** How an existing `--out` file is treated. */
export interface OutFileOptions {
  /** The rows file, which the output must not be. */
  input: string | undefined;
  /** What the input holds, for the message: `status` reads a send's results. @default 'rows' */
  inputKind?: 'rows' | 'results';
  /** `--force`: replace an existing file. */
  force: boolean;
  /** `--append`: add to an existing file (written in place, since the earlier lines are kept anyway). */
  append: boolean;
}

/** An output file being written. */
export interface OutFile {
  /** Where the lines go. */
  stream: Writable;
  /** Whether the file had content before (with `--append`): a CSV header is then not written again. */
  appending: boolean;
  /** Where the lines are until `commit` (the `--out` path itself with `--append`). */
  writtenTo: string;
  /** Gives the file its real name (after the stream has ended). */
  commit(): Promise<void>;
  /** Removes what was written under the temporary name (nothing for `--append`). */
  discard(): Promise<void>;
}

/** The output cannot be used; the message says why and what to do. */
export class OutFileError extends Error {
  /** Always `'OutFileError'`. */
  override name = 'OutFileError';
}

/** The real path of `path`, or of its directory joined with its name when the file does not exist. */
async function realTarget(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    try {
      return join(await realpath(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/** What is at `path` now: nothing, a regular file, a directory, or something else (a device, a pipe). */
async function kindOf(path: string): Promise<'none' | 'file' | 'directory' | 'stream'> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined) return 'none';
  if (stats.isFile()) return 'file';
  return stats.isDirectory() ? 'directory' : 'stream';
}

/**
 * Checks `path` as an output without opening it, and returns its real path: rejects with an `OutFileError`
 * when it is the input, a directory, or a file that exists (without `--force`/`--append`). Run before
 * anything starts (a simulator, a request), so that a wrong `--out` costs nothing; `openOutFile` checks again.
 */
export async function checkOutFile(path: string, options: OutFileOptions): Promise<string> {
  return (await checkTarget(path, options)).target;
}

async function checkTarget(
  path: string,
  options: OutFileOptions,
): Promise<{ target: string; kind: 'none' | 'file' | 'stream' }> {
  const target = await realTarget(path);
  if (options.input !== undefined && (await realTarget(options.input)) === target) {
    const kind = options.inputKind ?? 'rows';
    throw new OutFileError(
      `--out ${path} is the ${kind} file itself: writing the results there would destroy the ${kind}. Choose another --out file`,
    );
  }
  const kind = await kindOf(target);
  if (kind === 'directory') {
    throw new OutFileError(
      `--out ${path} is a directory: name a file in it, such as ${join(path, 'results.jsonl')}`,
    );
  }
  if (kind === 'file' && !options.force && !options.append) {
    throw new OutFileError(
      `--out ${path} already exists: add --force to replace it, or --append to add to it (its lines are kept)`,
    );
  }
  return { target, kind };
}

/**
 * Opens `path` for the results. Rejects with an `OutFileError` when it is the input or exists (without
 * `--force`/`--append`), and with the system's error when it cannot be written.
 */
export async function openOutFile(path: string, options: OutFileOptions): Promise<OutFile> {
  const { target, kind } = await checkTarget(path, options);
  if (kind === 'stream') {
    // A device or a pipe: written as it is; there is nothing to keep, replace or rename.
    const handle = await open(target, 'a');
    return {
      stream: handle.createWriteStream(),
      appending: false,
      writtenTo: target,
      commit: async () => undefined,
      discard: async () => undefined,
    };
  }
  if (options.append) {
    const handle = await open(target, 'a');
    const { size } = await handle.stat();
    return {
      stream: handle.createWriteStream(),
      appending: size > 0,
      writtenTo: target,
      commit: async () => undefined,
      discard: async () => undefined,
    };
  }
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const handle = await open(temporary, 'wx');
  return {
    stream: handle.createWriteStream(),
    appending: false,
    writtenTo: temporary,
    commit: () => rename(temporary, target),
    discard: () => rm(temporary, { force: true }),
  };
}
