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
  /** CPU time (user + system) of the whole process, start-up included. */
  cpuSeconds: number;
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
 * Runs the built CLI on a CSV of `rows` rows, results to /dev/null, with `nodeFlags` (none: the CLI re-runs
 * itself with its own heap flags, as a user's run does): `send` at concurrency 8 against the simulator
 * process, or `preview`, which makes no request. Its peak RSS comes from bench/rss-report.mjs, and the
 * flags it ran with are reported as measured.
 */
export async function cliMemory(
  sim: Sim,
  rows: number,
  command: 'send' | 'preview',
  nodeFlags: string[] = [],
): Promise<MemoryRun & { execArgv: string[] }> {
  const file = await csvFile(rows);
  const report = path.join(os.tmpdir(), `twilio-destination-bench-rss-${process.pid}.json`);
  const sending = command === 'send' ? ['--api-base-url', sim.url, '--concurrency', '8'] : [];
  const args = [
    ...nodeFlags,
    '--import',
    new URL('bench/rss-report.mjs', ROOT).pathname,
    new URL('dist/cli/main.js', ROOT).pathname,
    command,
    file,
    '--from',
    '+15005550006',
    '--template',
    'Hi {{first_name}}, order {{order_id}} shipped.',
    '--map',
    'to=phone',
    ...sending,
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
  const measured = JSON.parse(await readFile(report, 'utf8')) as Omit<
    MemoryRun,
    'rows' | 'sent' | 'seconds'
  > & {
    execArgv: string[];
  };
  await rm(report);
  // `send` says how many it sent; `preview` how many are ready.
  const summary = /Sent ([\d,]+) of|: ([\d,]+) ready/.exec(stderr);
  const done = summary?.[1] ?? summary?.[2];
  return {
    rows,
    sent: done === undefined ? Number.NaN : Number(done.replaceAll(',', '')),
    seconds,
    maxRssMiB: measured.maxRssMiB,
    peaksMiB: measured.peaksMiB,
    execArgv: measured.execArgv.filter((arg) => /^--(max|optimize)/.test(arg)),
    cpuSeconds: measured.cpuSeconds,
  };
}

/**
 * The floor under every figure above: the peak RSS of a process that only imports `entry` (a path from the
 * repository root; none: Node alone) with `nodeFlags` and sends nothing: Node itself and the loaded modules.
 * The median of 3 processes.
 */
export async function importFloor(entry: string | undefined, nodeFlags: string[]): Promise<number> {
  const load = entry === undefined ? '' : `await import(${JSON.stringify(new URL(entry, ROOT).href)}); `;
  const peak = JSON.stringify(new URL('bench/peak-rss.mjs', ROOT).href);
  const script = `${load}const { peakRssMiB } = await import(${peak}); setTimeout(() => process.stdout.write(String(peakRssMiB())), 500);`;
  const peaks: number[] = [];
  for (let run = 0; run < 3; run++) {
    const proc = spawn(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
      cwd: ROOT.pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    peaks.push(Number(await firstLine(proc)));
  }
  return peaks.sort((a, b) => a - b)[1] as number;
}
