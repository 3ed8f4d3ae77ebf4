import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvLines, lineWriter } from '../../src/cli/output.js';
import { createProgress } from '../../src/cli/progress.js';
import type { Progress } from '../../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-out-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A writable that keeps what it gets. `slow`: each write completes on a later turn and, with a
 * `highWaterMark` of 1, asks the writer to wait for 'drain', as a busy pipe would.
 */
function sink(options: { fail?: Error; tty?: boolean; slow?: boolean } = {}) {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark: options.slow ? 1 : 16_384,
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      if (options.slow) setImmediate(() => callback(options.fail ?? null));
      else callback(options.fail ?? null);
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  if (options.tty) Object.assign(stream, { isTTY: true, columns: 120 });
  return { stream, text: () => chunks.join('') };
}

describe('lineWriter', () => {
  it('writes one JSON line per value to a file, waiting for the disk, and ends it', async () => {
    const path = join(dir, 'out.jsonl');
    const writer = lineWriter(createWriteStream(path), true);
    for (let i = 0; i < 3; i++) await writer.write({ index: i, text: 'a\nb' });
    await writer.close();
    expect(writer.lines).toBe(3);
    expect(await readFile(path, 'utf8')).toBe(
      '{"index":0,"text":"a\\nb"}\n{"index":1,"text":"a\\nb"}\n{"index":2,"text":"a\\nb"}\n',
    );
  });

  it('leaves a stream it does not own open, once what was written has drained', async () => {
    const { stream, text } = sink({ slow: true });
    const writer = lineWriter(stream, false);
    await writer.write({ a: 1 });
    const pending = writer.write({ a: 2 });
    await writer.close();
    await pending;
    expect(text()).toBe('{"a":1}\n{"a":2}\n');
    expect(stream.writableEnded).toBe(false);
  });

  it('fails the writes after the stream failed, and the close', async () => {
    const { stream } = sink({ fail: new Error('ENOSPC: no space left on device'), slow: true });
    const writer = lineWriter(stream, false);
    await expect(writer.write({ a: 1 })).rejects.toThrow('ENOSPC');
    await expect(writer.write({ a: 2 })).rejects.toThrow('ENOSPC');
    await expect(writer.close()).rejects.toThrow('ENOSPC');
  });
});

describe('csvLines', () => {
  it('writes the header once, reads error_* from the error, joins arrays and quotes what must be', async () => {
    const { stream, text } = sink();
    const writer = lineWriter(
      stream,
      false,
      csvLines(['line', 'status', 'body', 'mediaUrls', 'warnings', 'error_code', 'error_message'], true),
    );
    await writer.write({
      line: 2,
      status: 'ready',
      body: 'Hi "Ann", see\nthis',
      mediaUrls: ['a', 'b'],
      warnings: [{ code: 'many_segments' }, { code: 'smart_encodable' }],
    });
    await writer.write({
      line: 3,
      status: 'failed',
      error: { code: 'invalid_row', message: 'Row 1: bad, very' },
    });
    await writer.close();
    expect(text()).toBe(
      'line,status,body,mediaUrls,warnings,error_code,error_message\n' +
        '2,ready,"Hi ""Ann"", see\nthis",a b,many_segments smart_encodable,,\n' +
        '3,failed,,,,invalid_row,"Row 1: bad, very"\n',
    );
    expect(writer.lines).toBe(2);
  });

  it('leaves the header out when appending to a file that has one', () => {
    expect(csvLines(['a', 'b'], false)({ a: 1, b: { c: 2 } })).toBe('1,"{""c"":2}"');
    expect(csvLines(['a'], false)({ a: [{ c: 2 }, 'x'] })).toBe('"{""c"":2} x"');
  });
});

const snapshot = (done: number, sent: number, failed: number): Progress => ({
  done,
  sent,
  failed,
  ratePerSecond: 2.5,
  retrying: 0,
  inFlight: 1,
});

describe('createProgress', () => {
  it('prints a plain line at most once per interval, with the rate and an ETA', () => {
    const { stream, text } = sink();
    let now = 1_000;
    const progress = createProgress({ stream, total: 100, now: () => now, intervalMs: 5000 });
    now = 3_000;
    progress.update(snapshot(5, 5, 0)); // too soon
    now = 11_000;
    progress.update(snapshot(20, 19, 1));
    now = 12_000;
    progress.update(snapshot(22, 21, 1)); // too soon
    now = 16_000;
    progress.update(snapshot(30, 29, 1));
    progress.stop();
    expect(text()).toBe(
      'progress: 20 of 100 rows (20%), 19 sent, 1 failed, 2.0 rows/s, ETA 40.0s\n' +
        'progress: 30 of 100 rows (30%), 29 sent, 1 failed, 2.0 rows/s, ETA 35.0s\n',
    );
  });

  it('prints plain lines without a total or an ETA when the rows are not counted', () => {
    const { stream, text } = sink();
    let now = 0;
    const progress = createProgress({ stream, total: undefined, now: () => now, intervalMs: 1000 });
    now = 1000;
    progress.update(snapshot(0, 0, 0));
    now = 2000;
    progress.update(snapshot(4, 4, 0));
    expect(text()).toBe(
      'progress: 0 rows, 0 sent, 0 failed, 0.0 rows/s\nprogress: 4 rows, 4 sent, 0 failed, 2.0 rows/s\n',
    );
    const empty = sink();
    const none = createProgress({ stream: empty.stream, total: 0, now: () => now, intervalMs: 0 });
    none.update(snapshot(0, 0, 0));
    expect(empty.text()).toBe('progress: 0 of 0 rows (100%), 0 sent, 0 failed, 0.0 rows/s\n');
  });

  it('draws a bar with counts, rate and ETA on a terminal', () => {
    const { stream, text } = sink({ tty: true });
    const progress = createProgress({ stream, total: 10, now: Date.now, intervalMs: 5000 });
    progress.update(snapshot(4, 3, 1));
    progress.stop();
    const screen = text();
    expect(screen).toMatch(/[█░]+ 40% \| 4\/10 rows \| 3 sent, 1 failed \| 2\.5 rows\/s \| ETA /);
  });

  it('draws a count without a bar when the total is unknown', () => {
    const { stream, text } = sink({ tty: true });
    const progress = createProgress({ stream, total: undefined, now: Date.now, intervalMs: 5000 });
    progress.update(snapshot(7, 7, 0));
    progress.stop();
    expect(text()).toContain(' 7 rows | 7 sent, 0 failed | 2.5 rows/s');
    expect(text()).not.toContain('ETA');
  });
});
