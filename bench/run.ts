/**
 * `npm run bench`: every figure measured in the same run, against the simulator in its own process on
 * loopback, then written to BENCHMARKS.md (generated, never edited by hand) and the README's short table.
 * `npm run bench -- --quick` (or BENCH_QUICK=1) runs a small version to check the harness and prints the
 * report instead of writing it.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { type BareRun, bareEfficiency, efficiency } from './latency.js';
import { apiMemory, cliMemory, importFloor, type MemoryRun } from './memory.js';
import { benchPreview } from './preview.js';
import { benchSegments } from './segments.js';
import { alternate, type Summary } from './sequential.js';
import { ROOT, startSim } from './sim.js';

const QUICK = process.argv.includes('--quick') || process.env['BENCH_QUICK'] === '1';
/** The flags the README's "Large syncs" recommends for a sending process (see there for why). */
const HEAP_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=256'];
const SEMI_SPACE = HEAP_FLAGS.join(' ');
/** What the CLI's `send` runs with (src/cli/heap-flags.ts): memory first, for more CPU. */
const SIZE_FLAGS = ['--optimize-for-size', '--max-old-space-size=256'];

const log = (line: string) => process.stdout.write(`${line}\n`);
const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;
const pct = (share: number, digits = 0) => `${round(share * 100, digits)} %`;
const pass = (ok: boolean) => (ok ? 'met' : '**missed**');
const count = (n: number) => n.toLocaleString('en-US');
const MB = 1_000_000 / 2 ** 20; // MiB per MB: the targets are in MB, the figures in MiB

/** Runs the 100,000-body oracle in its own process, so that it can overlap the memory runs. */
function oracle(bodies: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('bench/segments-oracle.ts', ROOT).pathname, String(bodies)],
      { cwd: ROOT.pathname, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.once('error', reject);
    proc.once('exit', () => resolve(out.trim()));
  });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
  const loadBefore = os.loadavg()[0] as number;
  const speedBefore = referenceWorkload();

  log('1/5 segment counting and preview speed');
  const segments = await benchSegments({ messages: QUICK ? 2_000 : 20_000, log: (line) => log(`  ${line}`) });
  const preview = await benchPreview({ rows: QUICK ? 2_000 : 20_000, log: (line) => log(`  ${line}`) });

  log('2/5 CPU per message at concurrency 1, alternating runs');
  const fast = await startSim(0);
  const rounds = QUICK ? 3 : 5;
  const perRun = QUICK ? 300 : 3_000;
  const sequential = await alternate(fast, perRun, rounds, ['bare', 'package', 'official'] as const);
  for (const [name, s] of Object.entries(sequential)) {
    log(
      `  ${name}: ${round(s.cpuMicrosPerMessage.median)} µs/msg, ${round(s.messagesPerSecond.median)} msg/s`,
    );
  }

  log('3/5 efficiency at 20 ms latency');
  const slow = await startSim(20);
  const c1 = await efficiency(slow, QUICK ? 50 : 250, 1, 20);
  const c8runs = [];
  for (let run = 0; run < 3; run++) c8runs.push(await efficiency(slow, QUICK ? 200 : 2_000, 8, 20));
  c8runs.sort((a, b) => a.share - b.share);
  const c8 = c8runs[1] as (typeof c8runs)[number];
  // The ceiling: the HTTP stack alone, the same requests at the same concurrency (median of 3).
  const bareRuns = [];
  for (let run = 0; run < 3; run++) bareRuns.push(await bareEfficiency(slow, QUICK ? 200 : 2_000, 8, 20));
  bareRuns.sort((a, b) => a.share - b.share);
  const bare8 = bareRuns[1] as BareRun;
  await slow.stop();
  // The exchange alone, with no latency and no queueing: one request at a time.
  const noLatency = await efficiency(fast, QUICK ? 200 : 1_000, 1, 20);
  log(
    `  concurrency 1: ${pct(c1.share)}; concurrency 8: ${pct(c8.share)} (round trip ${round(c8.meanRoundTripMs, 2)} ms)`,
  );

  log('4/5 memory: stream at concurrency 8 (API and CLI), with the oracle run alongside');
  const oracleBodies = QUICK ? 2_000 : 100_000;
  const oracleRun = oracle(oracleBodies);
  const small = QUICK ? 10_000 : 100_000;
  const large = QUICK ? 50_000 : 1_000_000;
  const memory: Record<string, MemoryRun & { execArgv?: string[] }> = {};
  for (const [key, run] of [
    ['apiSmall', () => apiMemory(fast, small, HEAP_FLAGS)],
    ['apiLarge', () => apiMemory(fast, large, HEAP_FLAGS)],
    ['apiLargeDefault', () => apiMemory(fast, large, [])],
    ['apiLargeSize', () => apiMemory(fast, large, SIZE_FLAGS)],
    ['cliSmall', () => cliMemory(fast, small, 'send')],
    ['cliLarge', () => cliMemory(fast, large, 'send')],
    ['previewSmall', () => cliMemory(fast, small, 'preview')],
    ['previewLarge', () => cliMemory(fast, large, 'preview')],
  ] as const) {
    memory[key] = await run();
    log(
      `  ${key}: ${round((memory[key] as MemoryRun).maxRssMiB, 1)} MiB in ${round((memory[key] as MemoryRun).seconds, 1)} s`,
    );
  }
  await fast.stop();
  const floor = {
    api: await importFloor('dist/index.js', HEAP_FLAGS),
    cli: await importFloor('dist/cli/cli.js', HEAP_FLAGS),
    node: await importFloor(undefined, HEAP_FLAGS),
  };
  log('5/5 waiting for the oracle');
  const oracleLine = await oracleRun;
  log(`  ${oracleLine.split('\n')[0]}`);
  const loadAfter = os.loadavg()[0] as number;
  const speedAfter = referenceWorkload();
  const minutes = (Date.now() - startedAt.getTime()) / 60_000;

  const report = render({
    startedAt,
    machine,
    load: [loadBefore, loadAfter],
    reference: [speedBefore, speedAfter],
    minutes,
    segments,
    preview,
    sequential,
    rounds,
    perRun,
    c1,
    c8,
    c8runs,
    bare8,
    noLatency,
    memory: memory as ReportInput['memory'],
    small,
    large,
    oracle: { bodies: oracleBodies, line: oracleLine },
    floor,
  });
  if (QUICK) {
    log(report.page);
    return;
  }
  const pageUrl = new URL('BENCHMARKS.md', ROOT);
  await writeFile(pageUrl, report.page + (await sectionsOfOtherBenchmarks(pageUrl)));
  const readmeUrl = new URL('README.md', ROOT);
  const readme = await readFile(readmeUrl, 'utf8');
  const table = `<!-- bench:start (generated by npm run bench from BENCHMARKS.md) -->\n${report.summary.join('\n')}\n\nMeasured on ${machine}, Node ${process.version}, ${startedAt.toISOString().slice(0, 10)}. Details: [BENCHMARKS.md](BENCHMARKS.md).\n<!-- bench:end -->`;
  const memoryLines = `<!-- bench-memory:start (generated by npm run bench) -->\n${report.memoryTable.join('\n')}\n<!-- bench-memory:end -->`;
  await writeFile(
    readmeUrl,
    readme
      .replace(/<!-- bench:start[\s\S]*?<!-- bench:end -->/, table)
      .replace(/<!-- bench-memory:start[\s\S]*?<!-- bench-memory:end -->/, memoryLines),
  );
  log(`wrote BENCHMARKS.md and the README table (${round(minutes, 1)} minutes)`);
}

type MemoryKey = 'apiSmall' | 'apiLarge' | 'apiLargeDefault' | 'apiLargeSize' | CliKey;
type CliKey = 'cliSmall' | 'cliLarge' | 'previewSmall' | 'previewLarge';
type Efficiency = Awaited<ReturnType<typeof efficiency>>;
type Figures = Awaited<ReturnType<typeof benchSegments>>;

interface ReportInput {
  startedAt: Date;
  machine: string;
  load: [number, number];
  /** CPU ms of the fixed reference workload at the start and at the end. */
  reference: [number, number];
  minutes: number;
  segments: Figures;
  preview: Figures;
  sequential: Record<'bare' | 'package' | 'official', Summary>;
  rounds: number;
  perRun: number;
  c1: Efficiency;
  c8: Efficiency;
  c8runs: Efficiency[];
  bare8: BareRun;
  noLatency: Efficiency;
  memory: Record<MemoryKey, MemoryRun> & Record<CliKey, MemoryRun & { execArgv: string[] }>;
  small: number;
  large: number;
  oracle: { bodies: number; line: string };
  /** Peak RSS (MiB) of a process that only imports the main entry, the CLI, or nothing. */
  floor: { api: number; cli: number; node: number };
}

const figure = (figures: Figures, name: string): number =>
  (figures.find((f) => f.name === name) as { value: number }).value;

function render(input: ReportInput): { page: string; summary: string[]; memoryTable: string[] } {
  const { sequential: seq, memory: mem, c8 } = input;
  const cpu = (name: 'bare' | 'package' | 'official') => seq[name].cpuMicrosPerMessage.median;
  const oursVsBare = cpu('package') / cpu('bare');
  const officialVsOurs = cpu('official') / cpu('package');
  const rowsPerSecond = (microseconds: number) => 1_000_000 / microseconds;
  const gsmCount = rowsPerSecond(figure(input.segments, 'countSegments GSM-7'));
  const ucsCount = rowsPerSecond(figure(input.segments, 'countSegments UCS-2'));
  const gsmPreview = rowsPerSecond(figure(input.preview, 'preview, GSM-7 rows'));
  const ucsPreview = rowsPerSecond(figure(input.preview, 'preview, UCS-2 rows'));
  const flat = (s: MemoryRun, l: MemoryRun) => l.maxRssMiB / s.maxRssMiB;
  const memoryOk = (s: MemoryRun, l: MemoryRun) => l.maxRssMiB * MB < 150 && flat(s, l) <= 1.2;
  const oracleOk = / 0 disagreements/.test(input.oracle.line);
  const loaded = input.load[0] > 2.5 || input.load[1] > 2.5;

  const summary = [
    '| measure | figure | target | |',
    '|---|---|---|---|',
    `| \`stream\` (API), peak RSS at ${count(input.large)} rows, concurrency 8 | ${round(mem.apiLarge.maxRssMiB, 1)} MiB (${count(input.small)} rows: ${round(mem.apiSmall.maxRssMiB, 1)} MiB, ×${round(flat(mem.apiSmall, mem.apiLarge), 2)}) | < 150 MB, ≤ 1.2× | ${pass(memoryOk(mem.apiSmall, mem.apiLarge))} |`,
    `| CLI \`send\` of a ${count(input.large)}-row CSV, peak RSS | ${round(mem.cliLarge.maxRssMiB, 1)} MiB (${count(input.small)} rows: ${round(mem.cliSmall.maxRssMiB, 1)} MiB, ×${round(flat(mem.cliSmall, mem.cliLarge), 2)}) | < 150 MB, ≤ 1.2× | ${pass(memoryOk(mem.cliSmall, mem.cliLarge))} |`,
    `| CLI \`preview\` of a ${count(input.large)}-row CSV, peak RSS | ${round(mem.previewLarge.maxRssMiB, 1)} MiB (${count(input.small)} rows: ${round(mem.previewSmall.maxRssMiB, 1)} MiB, ×${round(flat(mem.previewSmall, mem.previewLarge), 2)}) | < 150 MB, ≤ 1.2× | ${pass(memoryOk(mem.previewSmall, mem.previewLarge))} |`,
    `| concurrency 8 at 20 ms latency vs ideal (${c8.ideal} msg/s) | ${pct(c8.share, 1)} (a bare undici loop: ${pct(input.bare8.share, 1)}; the sender: ${pct(c8.ofRoundTrips, 1)} of what its round trips allowed) | ≥ 95 % | ${pass(c8.share >= 0.95)} |`,
    `| CPU per message, \`write()\` vs bare undici \`Client.request\` loop | ${oursVsBare.toFixed(3)}× | ≤ 1.05× | ${pass(oursVsBare <= 1.05)} |`,
    `| CPU per message, official \`twilio\` library vs \`write()\` | ${officialVsOurs.toFixed(3)}× | ≥ 2× | ${pass(officialVsOurs >= 2)} |`,
    `| segment counting, GSM-7 / UCS-2 bodies | ${count(round(gsmCount, -3))} / ${count(round(ucsCount, -3))} rows/s | ≥ 200,000 each | ${pass(gsmCount >= 200_000 && ucsCount >= 200_000)} |`,
    `| answers identical to \`sms-segments-calculator\` | ${input.oracle.line.split(':').pop()?.trim()} in ${count(input.oracle.bodies)} random bodies | 0 | ${pass(oracleOk)} |`,
  ];

  const seqRow = (label: string, s: Summary) =>
    `| ${label} | ${round(s.cpuMicrosPerMessage.median)} (${round(s.cpuMicrosPerMessage.low)}–${round(s.cpuMicrosPerMessage.high)}) | ${round(s.messagesPerSecond.median)} (${round(s.messagesPerSecond.low)}–${round(s.messagesPerSecond.high)}) |`;
  const cliFlags = (run: { execArgv: string[] }) =>
    run.execArgv.length > 0 ? `\`${run.execArgv.join(' ')}\` (set by the CLI)` : 'none';
  const cpuPerRow = (run: MemoryRun) => (run.cpuSeconds * 1e6) / run.rows;
  const memRow = (label: string, run: MemoryRun, flags: string) =>
    `| ${label} | ${flags} | ${count(run.rows)} | ${Number.isNaN(run.sent) ? '?' : count(run.sent)} | ${round(run.seconds, 1)} | ${round(cpuPerRow(run))} | **${round(run.maxRssMiB, 1)} MiB** | ${run.peaksMiB['heapTotal']} / ${run.peaksMiB['heapUsed']} / ${run.peaksMiB['external']} MiB |`;
  const lossRow = (label: string, run: Efficiency) =>
    `| ${label} | ${count(run.messages)} | ${round(run.messagesPerSecond)} | ${run.ideal} | ${pct(run.share, 1)} | ${round(run.meanRoundTripMs, 2)} ms | ${pct(run.ofRoundTrips, 1)} | ${pct(run.lostToRoundTrip, 1)} | ${pct(run.lostToIdleSlots, 1)} | ${round(run.meanGapMs, 2)} ms | ${run.connections} |`;

  const page = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${input.startedAt.toISOString()} in ${round(input.minutes, 1)} minutes: do not edit by hand. Machine: ${input.machine}. Node ${process.version}.`,
    `Load average (1 min) ${round(input.load[0], 1)} at the start and ${round(input.load[1], 1)} at the end${loaded ? ': **this run happened on a shared, loaded machine** (other work was running on its 2 cores), so every speed figure below is lower, and noisier, than the same machine would give idle; CPU-time figures are less affected than wall-clock ones' : ''}.`,
    `A fixed reference workload (bench/run.ts, \`referenceWorkload\`: pure JavaScript, one core) took ${round(input.reference[0])} ms of CPU at the start and ${round(input.reference[1])} ms at the end: on a virtual machine whose host is busy, every figure slows by that factor without the load average showing it, so compare runs by this figure first.`,
    'Every figure comes from this one run, against the simulator running in its own process on loopback.',
    '',
    '## Summary',
    '',
    ...summary,
    '',
    '## 1. Memory: `stream` at concurrency 8, simulator in its own process',
    '',
    "Peak RSS of the sending process (VmHWM, bench/peak-rss.mjs: the process image's own peak; getrusage's maxRSS",
    "would include the benchmark's own, which Linux carries into a child it spawns); the last column is the peaks of",
    '`process.memoryUsage()` sampled every 100 ms. API: `destination.stream` over rows from an async generator, the built',
    'package run by plain Node (bench/memory-child.mjs), with the flags given. CLI: the built `twilio-destination',
    'send` or `preview` reading a CSV file, results to /dev/null, started with no Node flags: the flags column is',
    'what the process ran with, read inside it (the CLI re-runs itself with its own, README "Large syncs"). The',
    'oracle run of section 5 ran alongside (on the other core), so the seconds are not a speed figure; CPU µs/row',
    "is the process's user + system time, start-up included, over the rows.",
    '',
    '| process | Node flags | rows | sent (preview: ready) | seconds | CPU µs/row | peak RSS | heap total / used / external |',
    '|---|---|---|---|---|---|---|---|',
    memRow('API', mem.apiSmall, `\`${SEMI_SPACE}\``),
    memRow('API', mem.apiLarge, `\`${SEMI_SPACE}\``),
    memRow('API', mem.apiLargeSize, `\`${SIZE_FLAGS.join(' ')}\``),
    memRow('API', mem.apiLargeDefault, 'none'),
    memRow('CLI `send`', mem.cliSmall, cliFlags(mem.cliSmall)),
    memRow('CLI `send`', mem.cliLarge, cliFlags(mem.cliLarge)),
    memRow('CLI `preview`', mem.previewSmall, cliFlags(mem.previewSmall)),
    memRow('CLI `preview`', mem.previewLarge, cliFlags(mem.previewLarge)),
    '',
    `The floor under these figures, with the same flags: Node alone peaks at ${round(input.floor.node, 1)} MiB (most of it the \`node\` binary's own pages), a process that only imports the package at ${round(input.floor.api, 1)} MiB, and one that only imports the CLI at ${round(input.floor.cli, 1)} MiB (undici with its llhttp WebAssembly, zod, libphonenumber-js's metadata, commander, csv-parse). A run adds its young generation (up to 2 × 8 MiB with \`--max-semi-space-size=8\`), the old generation's garbage between collections and the pages V8 keeps for reuse after one, the JIT's code and the sockets' buffers; the growth from ${count(input.small)} to ${count(input.large)} rows is the last column of the summary.`,
    '',
    `With \`--optimize-for-size\`, V8 keeps a 1 MB young generation (it scavenges about eight times as often) and its full collections compact and give pages back. The API run with it took ${round(cpuPerRow(mem.apiLargeSize))} µs of CPU per row and ${round(mem.apiLargeSize.maxRssMiB, 1)} MiB, against ${round(cpuPerRow(mem.apiLarge))} µs/row and ${round(mem.apiLarge.maxRssMiB, 1)} MiB with \`${SEMI_SPACE}\`. The CLI's \`send\` runs with it (its pace is Twilio's, far below what its CPU allows): ${round(cpuPerRow(mem.cliLarge))} µs/row at ${count(input.large)} rows, the pass over the file included. \`preview\` makes no request and is bound by its CPU, so it keeps \`${SEMI_SPACE}\`.`,
    '',
    'Without the flags, V8 grows its young generation up to 2 × 64 MiB on a machine with this much memory at',
    'this allocation rate, and lets promoted garbage pile up in the old generation up to a limit sized from the',
    "machine's memory (heap total). Heap used is sampled, so it includes garbage not yet collected. See the",
    'README, "Large syncs".',
    '',
    '## 2. Efficiency at 20 ms latency',
    '',
    'The simulator answers every request after 20 ms. A timing dispatcher notes when each request is handed to',
    'undici and when its answer ends. The loss against the ideal splits into round trips longer than 20 ms',
    "(the server's timer firing late, HTTP on loopback, both processes sharing 2 cores) and slots standing idle",
    '(from an answer to the next request on that slot: parsing, the result, pulling and rendering the next row,',
    'an event-loop turn; plus the ramp-up and the tail). Concurrency 8 is the median of 3 runs by share.',
    '',
    '| concurrency | messages | messages/s | ideal | share of ideal | mean round trip | share of what the round trips allowed | lost to round trip | lost to idle slots | mean gap | connections |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    lossRow('1', input.c1),
    lossRow('8', c8),
    '',
    `Concurrency 8 runs by share: ${input.c8runs.map((run) => pct(run.share, 1)).join(', ')}.`,
    '',
    `The ceiling against this server: the HTTP stack alone (bench/latency.ts, \`bareEfficiency\`: 8 loops of undici's \`request\` posting the same create requests, no package code, median of 3) reached ${pct(input.bare8.share, 1)} of the ideal, ${round(input.bare8.messagesPerSecond)} messages/s with a mean round trip of ${round(input.bare8.meanRoundTripMs, 2)} ms; \`write()\` reached ${pct(c8.messagesPerSecond / input.bare8.messagesPerSecond, 1)} of that.`,
    '',
    `Where the ${pct(1 - c8.share, 1)} goes at concurrency 8: ${pct(c8.lostToRoundTrip, 1)} to round trips above 20 ms (mean ${round(c8.meanRoundTripMs, 2)} ms) and ${pct(c8.lostToIdleSlots, 1)} to idle slots. Of the round trip's ${round(c8.meanRoundTripMs - 20, 2)} ms excess, ${round(input.noLatency.meanRoundTripMs, 2)} ms is the exchange itself (the same request with no added latency, one at a time: undici writing it, HTTP on loopback, the simulator parsing, routing and answering it, undici reading the answer); the rest is the simulator's timer (Node's timers have 1 ms granularity and fire late, never early) and requests waiting for each other in the simulator process, whose 8 connections share one event loop and, with the sender, 2 cores. The suspects the issue named do not account for it: the pool is sized to the concurrency (${c8.connections} connections for 8 slots: no request waits for a connection); the sender's wake-up from an answer to the next request on that slot takes ${round(c8.meanGapMs, 2)} ms on average (pulling and rendering the next row, the result, an event-loop turn); no pacing is configured, so no wait is added. The sender itself reaches ${pct(c8.ofRoundTrips, 1)} of the messages/s its round trips allowed (concurrency ÷ mean round trip); 95 % of the ideal would need round trips of at most ${round(20 / 0.95, 2)} ms including the exchange, which a server in a process sharing these 2 cores does not give.`,
    '',
    '## 3. CPU per message at concurrency 1',
    '',
    `${input.rounds} rounds of ${count(input.perRun)} messages per client, run alternately (bare, package, official, bare, …) against one simulator process, each run in a fresh Node process after a warm-up of 300 messages; median (lowest–highest). CPU is that process's user + system time per message. On a 2-core machine, messages/s is bounded by the simulator process sharing the cores (each request waits for its answer), so CPU per message is the figure that compares clients; messages/s is given beside it.`,
    '',
    '| client | CPU µs/message | messages/s |',
    '|---|---|---|',
    seqRow('bare undici `Client.request` loop (the HTTP stack alone)', seq.bare),
    seqRow('twilio-destination `write()`', seq.package),
    seqRow('official `twilio` library, `messages.create` in a loop', seq.official),
    '',
    `\`write()\` uses ${oursVsBare.toFixed(3)}× the bare loop's CPU per message; the official library uses ${officialVsOurs.toFixed(3)}× \`write()\`'s.`,
    '',
    '## 4. Segment counting and preview speed',
    '',
    'Realistic bodies of 80–300 characters; UCS-2 bodies carry an accented word, curly quotes, an emoji, a flag or another script. CPU time of this process (user + system) after a warm-up, so that rows/s means rows per second of one core.',
    '',
    '| measure | value |',
    '|---|---|',
    ...input.segments.map((f) => `| ${f.name} | ${round(f.value, 2)} ${f.unit} |`),
    ...input.preview.map((f) => `| ${f.name} | ${round(f.value, 2)} ${f.unit} |`),
    `| countSegments, rows/s (GSM-7 / UCS-2) | ${count(round(gsmCount, -3))} / ${count(round(ucsCount, -3))} |`,
    `| preview (rendering, phone normalisation, counting), rows/s (GSM-7 / UCS-2) | ${count(round(gsmPreview, -3))} / ${count(round(ucsPreview, -3))} |`,
    '',
    '## 5. Segment counts against the calculator',
    '',
    `bench/segments-oracle.ts: ${input.oracle.line.split('\n')[0]}. Bodies mix GSM-7 basic and extension characters, accented Latin, emoji with ZWJ sequences and skin tones, flags, CJK, Hangul, combining and prepended marks, controls, lone surrogates and random code points, at lengths within ±3 code units of every segment boundary up to 10 segments, plain and smart-encoded alternately; each is compared on encoding, segment count and the non-GSM characters. The suite runs 300 of them (the calculator takes milliseconds per body, ten times that under coverage).`,
    '',
  ].join('\n');
  const flagsOf = (run: { execArgv: string[] }) => `\`${run.execArgv.join(' ')}\` (set by the CLI)`;
  const memoryTable = [
    '| process | Node flags | rows | CPU µs/row | peak RSS |',
    '|---|---|---|---|---|',
    `| API \`stream\` | \`${SEMI_SPACE}\` | ${count(input.small)} | ${round(cpuPerRow(mem.apiSmall))} | ${round(mem.apiSmall.maxRssMiB)} MiB |`,
    `| API \`stream\` | \`${SEMI_SPACE}\` | ${count(input.large)} | ${round(cpuPerRow(mem.apiLarge))} | ${round(mem.apiLarge.maxRssMiB)} MiB |`,
    `| API \`stream\` | \`${SIZE_FLAGS.join(' ')}\` | ${count(input.large)} | ${round(cpuPerRow(mem.apiLargeSize))} | ${round(mem.apiLargeSize.maxRssMiB)} MiB |`,
    `| API \`stream\` | none | ${count(input.large)} | ${round(cpuPerRow(mem.apiLargeDefault))} | ${round(mem.apiLargeDefault.maxRssMiB)} MiB |`,
    `| CLI \`send\` of a CSV | ${flagsOf(mem.cliSmall)} | ${count(input.small)} | ${round(cpuPerRow(mem.cliSmall))} | ${round(mem.cliSmall.maxRssMiB)} MiB |`,
    `| CLI \`send\` of a CSV | ${flagsOf(mem.cliLarge)} | ${count(input.large)} | ${round(cpuPerRow(mem.cliLarge))} | ${round(mem.cliLarge.maxRssMiB)} MiB |`,
    `| CLI \`preview\` of a CSV | ${flagsOf(mem.previewLarge)} | ${count(input.large)} | ${round(cpuPerRow(mem.previewLarge))} | ${round(mem.previewLarge.maxRssMiB)} MiB |`,
    '',
    `Measured on ${input.machine}, Node ${process.version}, ${input.startedAt.toISOString().slice(0, 10)}${loaded ? ', on a shared, loaded machine' : ''}.`,
  ];
  return { page, summary, memoryTable };
}

await main();

/**
 * CPU milliseconds this process spends on a fixed piece of pure JavaScript (string building, hashing into a
 * Map, number crunching): the same work in every run, so its time says how fast the machine was then.
 */
function referenceWorkload(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    const counts = new Map<string, number>();
    let x = 1;
    for (let i = 0; i < 400_000; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      const key = `k${x % 5_000}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/**
 * The sections that `bench:coordinator` and `bench:ledger` write between their own markers: kept as they
 * are, so that regenerating the main figures does not drop theirs.
 */
async function sectionsOfOtherBenchmarks(page: URL): Promise<string> {
  const previous = await readFile(page, 'utf8').catch(() => '');
  const kept = previous.match(/<!-- ([\w:-]+):start[^>]*-->[\s\S]*?<!-- \1:end -->/g) ?? [];
  return kept.map((section) => `\n${section}\n`).join('');
}
