/**
 * The `--out` file, opened so that no run loses data: an output that is the input is refused (compared by
 * real path), an existing file is refused unless `--force` (replace) or `--append` (add to it), and a
 * replaced or new file is written under a temporary name in the same directory and renamed over the target
 * only when the run has ended, so a crash never leaves a half-written file that looks whole.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, realpath, rename, rm } from 'node:fs/promises';
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

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Checks `path` as an output without opening it, and returns its real path: rejects with an `OutFileError`
 * when it is the input or exists (without `--force`/`--append`). Run before anything starts (a simulator,
 * a request), so that a wrong `--out` costs nothing; `openOutFile` checks again.
 */
export async function checkOutFile(path: string, options: OutFileOptions): Promise<string> {
  const target = await realTarget(path);
  if (options.input !== undefined && (await realTarget(options.input)) === target) {
    const kind = options.inputKind ?? 'rows';
    throw new OutFileError(
      `--out ${path} is the ${kind} file itself: writing the results there would destroy the ${kind}. Choose another --out file`,
    );
  }
  const present = await exists(target);
  if (present && !options.force && !options.append) {
    throw new OutFileError(
      `--out ${path} already exists: add --force to replace it, or --append to add to it (its lines are kept)`,
    );
  }
  return target;
}

/**
 * Opens `path` for the results. Rejects with an `OutFileError` when it is the input or exists (without
 * `--force`/`--append`), and with the system's error when it cannot be written.
 */
export async function openOutFile(path: string, options: OutFileOptions): Promise<OutFile> {
  const target = await checkOutFile(path, options);
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
