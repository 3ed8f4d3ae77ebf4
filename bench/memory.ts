/**
 * Peak RSS of a process streaming rows to the simulator (in its own process) at concurrency 8: the package's
 * API (`destination.stream`, bench/memory-child.mjs on the built package) and the CLI's `send` on a CSV file.
 * Each run is a fresh Node process, so its peak is its own.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { child, firstLine, ROOT, type Sim } from './sim.js';

/** What one memory run measured. */
export interface MemoryRun {
  rows: number;
  sent: number;
  seconds: number;
  maxRssMiB: number;
  peaksMiB: Record<string, number>;
}

/** Streams `rows` generated rows through the built package's `stream()` in a child run with `nodeFlags`. */
export async function apiMemory(sim: Sim, rows: number, nodeFlags: string[]): Promise<MemoryRun> {
  const proc = child(
    'bench/memory-child.mjs',
    [sim.url, sim.credentials.accountSid, sim.credentials.authToken, String(rows), '8'],
    nodeFlags,
  );
  return { rows, ...JSON.parse(await firstLine(proc)) };
}

/** A CSV of `rows` customers (phone, first_name, order_id) in the temporary directory, written once. */
async function csvFile(rows: number): Promise<string> {
  const file = path.join(os.tmpdir(), `twilio-destination-bench-${rows}.csv`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  out.write('phone,first_name,order_id\n');
  for (let i = 0; i < rows; i++) {
    const line = `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')},Customer ${i},A-${i}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  await rename(partial, file);
  return file;
}

/**
 * Runs the built CLI, `twilio-destination send` on a CSV of `rows` rows at concurrency 8 against the
 * simulator process, results to /dev/null, with `nodeFlags`; its peak RSS comes from bench/rss-report.mjs.
 */
export async function cliMemory(sim: Sim, rows: number, nodeFlags: string[]): Promise<MemoryRun> {
  const file = await csvFile(rows);
  const report = path.join(os.tmpdir(), `twilio-destination-bench-rss-${process.pid}.json`);
  const args = [
    ...nodeFlags,
    '--import',
    new URL('bench/rss-report.mjs', ROOT).pathname,
    new URL('dist/cli/main.js', ROOT).pathname,
    'send',
    file,
    '--from',
    '+15005550006',
    '--template',
    'Hi {{first_name}}, order {{order_id}} shipped.',
    '--map',
    'to=phone',
    '--api-base-url',
    sim.url,
    '--concurrency',
    '8',
    '--out',
    '/dev/null',
  ];
  const started = performance.now();
  const proc = spawn(process.execPath, args, {
    cwd: ROOT.pathname,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      TWILIO_ACCOUNT_SID: sim.credentials.accountSid,
      TWILIO_AUTH_TOKEN: sim.credentials.authToken,
      BENCH_RSS_OUT: report,
    },
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    // Keep the end only: the progress lines of a long run are many.
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`the CLI exited with ${code}:\n${stderr}`);
  const measured = JSON.parse(await readFile(report, 'utf8')) as Omit<MemoryRun, 'rows' | 'sent' | 'seconds'>;
  await rm(report);
  const summary = /Sent ([\d,]+) of/.exec(stderr);
  return {
    rows,
    sent: summary ? Number((summary[1] as string).replaceAll(',', '')) : Number.NaN,
    seconds,
    maxRssMiB: measured.maxRssMiB,
    peaksMiB: measured.peaksMiB,
  };
}
