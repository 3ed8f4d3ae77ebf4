/**
 * Where the per-row results go: one JSON object per line, written as each arrives (waiting for the stream
 * to drain, so a slow disk or pipe holds the run back instead of filling memory), to an `--out` file or to
 * stdout.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Writes JSON Lines to a stream. */
export interface LineWriter {
  /** Lines written so far. */
  readonly lines: number;
  /** Writes `value` as one line; rejects once the stream has failed. */
  write(value: unknown): Promise<void>;
  /** Ends the file (not stdout) and waits until every line is written; rejects if the stream failed. */
  close(): Promise<void>;
}

/**
 * A JSON Lines writer on `stream`. With `owned`, `close()` ends the stream (a file); otherwise it only waits
 * for what was written (stdout stays open).
 */
export function lineWriter(stream: Writable, owned: boolean): LineWriter {
  let failure: Error | undefined;
  // Kept, not thrown: an 'error' event without a listener would crash the process.
  stream.on('error', (error) => {
    failure ??= error;
  });
  let lines = 0;
  return {
    get lines() {
      return lines;
    },
    async write(value) {
      if (failure) throw failure;
      lines++;
      if (!stream.write(`${JSON.stringify(value)}\n`)) await once(stream, 'drain');
    },
    async close() {
      if (owned) {
        stream.end();
        await finished(stream);
      } else if (stream.writableNeedDrain) {
        await once(stream, 'drain');
      }
      if (failure) throw failure;
    },
  };
}

/** Opens (creates or truncates) `path` for writing; rejects at once when it cannot be written. */
export async function openOutFile(path: string): Promise<Writable> {
  const handle = await open(path, 'w');
  return handle.createWriteStream();
}
