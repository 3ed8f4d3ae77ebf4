/**
 * Progress of a send, on stderr: a bar with rate and ETA (cli-progress) on a terminal, else a plain line
 * every few seconds, which a CI log or a file can hold.
 */
import type { Writable } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';
import type { Progress } from '../index.js';
import { formatDuration } from './report.js';

/** Shows the progress of one send. */
export interface ProgressReporter {
  /** A new snapshot from the destination's `onProgress`. */
  update(progress: Progress): void;
  /** Ends the display (the bar's last state stays on screen). */
  stop(): void;
}

/** What a progress display needs. */
export interface ProgressOptions {
  /** Where it goes: stderr. */
  stream: Writable & { isTTY?: boolean };
  /** Rows in the input, when known (a file is counted first; stdin is not). */
  total: number | undefined;
  /** The clock, in epoch milliseconds. */
  now: () => number;
  /** The least time between two plain lines. */
  intervalMs: number;
}

/** A bar on a terminal, plain lines elsewhere. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  return options.stream.isTTY === true ? progressBar(options) : progressLines(options);
}

function progressBar({ stream, total }: ProgressOptions): ProgressReporter {
  const counts = '{sent} sent, {failed} failed | {rate} rows/s';
  const bar = new SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format:
        total === undefined
          ? ` {value} rows | ${counts}`
          : ` {bar} {percentage}% | {value}/{total} rows | ${counts} | ETA {eta_formatted}`,
      etaBuffer: 50,
      fps: 5,
    },
    Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, { sent: 0, failed: 0, rate: 0 });
  return {
    update(progress) {
      bar.update(progress.done, {
        sent: progress.sent,
        failed: progress.failed,
        rate: progress.ratePerSecond,
      });
    },
    stop() {
      bar.stop();
    },
  };
}

function progressLines({ stream, total, now, intervalMs }: ProgressOptions): ProgressReporter {
  const started = now();
  let last = started;
  return {
    update({ done, sent, failed }) {
      const at = now();
      if (at - last < intervalMs) return;
      last = at;
      // The average since the start: steadier than the last interval's rate, and what an ETA needs.
      const rate = done / Math.max((at - started) / 1000, 0.001);
      const of = total === undefined ? `${done} rows` : `${done} of ${total} rows (${percent(done, total)})`;
      const eta =
        total === undefined || rate === 0 ? '' : `, ETA ${formatDuration(((total - done) / rate) * 1000)}`;
      stream.write(`progress: ${of}, ${sent} sent, ${failed} failed, ${rate.toFixed(1)} rows/s${eta}\n`);
    },
    stop() {},
  };
}

function percent(done: number, total: number): string {
  return `${total === 0 ? 100 : Math.floor((done / total) * 100)}%`;
}

/** Shows how far a preview has read its file. */
export interface ReadProgress {
  /** Called after each row, with the rows previewed so far. */
  update(rows: number): void;
  /** Ends the display and clears the bar. */
  stop(): void;
}

/** What a preview's progress needs. */
export interface ReadProgressOptions {
  /** Where it goes: stderr. */
  stream: Writable & { isTTY?: boolean };
  /** The file's size in bytes (`undefined` for stdin: no bar). */
  size: number | undefined;
  /** How far the file has been read. */
  bytes: { bytesRead: number };
  /** The clock, in epoch milliseconds. */
  now: () => number;
  /** The least time between two updates of the bar. */
  intervalMs: number;
}

/**
 * A bar by bytes read, on a terminal, for a file; nothing otherwise (a preview's lines are its output).
 * It appears only once a preview has run for `intervalMs`, so that a short file shows none.
 */
export function createReadProgress(options: ReadProgressOptions): ReadProgress {
  const { stream, size, bytes, now, intervalMs } = options;
  if (stream.isTTY !== true || size === undefined || size === 0) return { update() {}, stop() {} };
  const started = now();
  let bar: SingleBar | undefined;
  return {
    update(rows) {
      if (bar === undefined) {
        if (now() - started < intervalMs) return;
        bar = new SingleBar(
          {
            stream: stream as NodeJS.WritableStream,
            format: ' preview {bar} {percentage}% | {rows} rows | ETA {eta_formatted}',
            etaBuffer: 50,
            fps: 5,
            clearOnComplete: true,
          },
          Presets.shades_classic,
        );
        bar.start(size, 0, { rows: 0 });
      }
      bar.update(Math.min(bytes.bytesRead, size), { rows });
    },
    stop() {
      bar?.stop();
    },
  };
}
