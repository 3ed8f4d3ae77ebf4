/**
 * `npm run bench`: every figure measured in the same run, against the simulator in its own process on
 * loopback, then written to BENCHMARKS.md (generated, never edited by hand) and the README's short table.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createInterface } from 'node:readline';
import twilio from 'twilio';
import { Agent, request } from 'undici';
import { TwilioDestination } from '../src/index.js';

const ROOT = new URL('..', import.meta.url);
const FROM = '+15005550006';
const RUNS = 3;
/** BENCH_QUICK=1 runs a small version to check the harness; its figures are not for BENCHMARKS.md. */
const QUICK = process.env['BENCH_QUICK'] === '1';
const scale = (n: number) => (QUICK ? Math.ceil(n / 20) : n);

interface Sim {
  url: string;
  credentials: { accountSid: string; authToken: string };
  stop(): Promise<void>;
}

/** Starts a script of bench/ in its own Node process (TypeScript through tsx, JavaScript as it is). */
function child(script: string, args: string[]): ChildProcess {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...loader, new URL(script, import.meta.url).pathname, ...args], {
    cwd: ROOT.pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function firstLine(proc: ChildProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  for await (const line of lines) return line;
  throw new Error('the child process printed nothing');
}

async function startSim(latencyMs = 0): Promise<Sim> {
  const proc = child('sim-process.ts', [String(latencyMs)]);
  const { url, credentials } = JSON.parse(await firstLine(proc)) as Omit<Sim, 'stop'>;
  return {
    url,
    credentials,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

interface Figure {
  messagesPerSecond: number;
  cpuMicrosPerMessage: number;
}

/** Runs `fn` (which sends `n` messages) RUNS times after a warm-up; the median run by throughput. */
async function measure(n: number, fn: (n: number) => Promise<void>): Promise<Figure> {
  await fn(Math.min(200, n));
  const figures: Figure[] = [];
  for (let run = 0; run < RUNS; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await fn(n);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    figures.push({ messagesPerSecond: n / seconds, cpuMicrosPerMessage: (used.user + used.system) / n });
  }
  figures.sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  return figures[Math.floor(RUNS / 2)] as Figure;
}

const to = (i: number) => `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`;
function* rows(n: number) {
  for (let i = 0; i < n; i++) yield { to: to(i), name: `Customer ${i}`, order: `A-${i}` };
}
const body = (i: number) => `Hi Customer ${i}, order A-${i} shipped.`;

/** The limit of the HTTP stack: undici requests in a loop, one connection, nothing else. */
async function bareUndici(sim: Sim, n: number): Promise<void> {
  const agent = new Agent({ connections: 1 });
  const { accountSid, authToken } = sim.credentials;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const url = `${sim.url}/2010-04-01/Accounts/${accountSid}/Messages.json`;
  for (let i = 0; i < n; i++) {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ To: to(i), From: FROM, Body: body(i) }).toString(),
    });
    const message = (await response.body.json()) as { sid?: string };
    if (response.statusCode !== 201 || !message.sid)
      throw new Error(`bare loop: HTTP ${response.statusCode}`);
  }
  await agent.close();
}

function destination(sim: Sim, concurrency = 1): TwilioDestination {
  return new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: FROM, messageTemplate: 'Hi {{name}}, order {{order}} shipped.' },
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, concurrency },
  );
}

async function packageWrite(sim: Sim, n: number, concurrency = 1): Promise<void> {
  const dest = destination(sim, concurrency);
  const results = await dest.write(rows(n));
  await dest.close();
  const failed = results.find((result) => result.status === 'failed');
  if (failed) throw new Error(`package: ${JSON.stringify(failed)}`);
}

/** The official helper library, its own HTTP client pointed at the simulator instead of api.twilio.com. */
async function officialLibrary(sim: Sim, n: number): Promise<void> {
  class LocalRequestClient extends twilio.RequestClient {
    override request<T>(options: Parameters<twilio.RequestClient['request']>[0]) {
      return super.request<T>({
        ...options,
        uri: options.uri.replace('https://api.twilio.com', sim.url),
      } as never);
    }
  }
  const client = twilio(sim.credentials.accountSid, sim.credentials.authToken, {
    httpClient: new LocalRequestClient(),
  });
  for (let i = 0; i < n; i++) await client.messages.create({ to: to(i), from: FROM, body: body(i) });
}

async function memory(
  sim: Sim,
  count: number,
): Promise<{ sent: number; seconds: number; maxRssMiB: number }> {
  const proc = child('memory-child.mjs', [
    sim.url,
    sim.credentials.accountSid,
    sim.credentials.authToken,
    String(count),
    '8',
  ]);
  return JSON.parse(await firstLine(proc));
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;
const pass = (ok: boolean) => (ok ? 'met' : '**missed**');

async function main(): Promise<void> {
  const startedAt = new Date();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log('1/4 sequential, no added latency, 5,000 messages each');
  const fast = await startSim(0);
  const N = scale(5000);
  const bare = await measure(N, (n) => bareUndici(fast, n));
  log(`  bare undici: ${round(bare.messagesPerSecond)} msg/s`);
  const ours = await measure(N, (n) => packageWrite(fast, n));
  log(`  twilio-destination: ${round(ours.messagesPerSecond)} msg/s`);
  const official = await measure(N, (n) => officialLibrary(fast, n));
  log(`  twilio (official): ${round(official.messagesPerSecond)} msg/s`);

  log('2/4 20 ms added latency');
  const slow = await startSim(20);
  const c1 = await measure(scale(250), (n) => packageWrite(slow, n, 1));
  const c8 = await measure(scale(2000), (n) => packageWrite(slow, n, 8));
  await slow.stop();
  log(
    `  concurrency 1: ${round(c1.messagesPerSecond)} msg/s; concurrency 8: ${round(c8.messagesPerSecond)} msg/s`,
  );

  log('3/4 memory: streaming 50,000 and 200,000 rows');
  const small = await memory(fast, scale(50_000));
  const large = await memory(fast, scale(200_000));
  await fast.stop();
  log(`  peak RSS ${round(small.maxRssMiB, 1)} MiB and ${round(large.maxRssMiB, 1)} MiB`);

  log('4/4 preview throughput');
  const preview = await previewFigures();

  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
  const ideal1 = 1000 / 20;
  const ideal8 = (8 * 1000) / 20;
  const growth = large.maxRssMiB / small.maxRssMiB;
  const summary = [
    '| measure | figure | target | |',
    '|---|---|---|---|',
    `| sequential throughput vs bare undici loop | ${round(ours.messagesPerSecond / bare.messagesPerSecond, 2)}× | ≥ 0.9× | ${pass(ours.messagesPerSecond >= 0.9 * bare.messagesPerSecond)} |`,
    `| sequential throughput vs official \`twilio\` library | ${round(ours.messagesPerSecond / official.messagesPerSecond, 2)}× | ≥ 2× | ${pass(ours.messagesPerSecond >= 2 * official.messagesPerSecond)} |`,
    `| concurrency 8 at 20 ms latency vs ideal (${ideal8} msg/s) | ${round((100 * c8.messagesPerSecond) / ideal8)} % | ≥ 90 % | ${pass(c8.messagesPerSecond >= 0.9 * ideal8)} |`,
    `| peak RSS streaming 200,000 rows | ${round(large.maxRssMiB)} MiB (50,000 rows: ${round(small.maxRssMiB)} MiB) | < 150 MB, flat | ${pass(large.maxRssMiB * 1.048576 < 150 && growth < 1.25)} |`,
  ];
  const report = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${startedAt.toISOString()}: do not edit by hand. Machine: ${machine}. Node ${process.version}.`,
    'Every figure comes from this one run, against the simulator running in its own process on loopback.',
    `Throughput figures are the median of ${RUNS} runs after a warm-up; CPU is this process's user + system time.`,
    '',
    '## Summary',
    '',
    ...summary,
    '',
    '## 1. Sequential, no added latency, 5,000 messages',
    '',
    '| client | messages/s | CPU µs/message | throughput vs bare loop |',
    '|---|---|---|---|',
    ...[
      ['bare undici request loop (limit of the HTTP stack)', bare],
      ['twilio-destination `write` (concurrency 1)', ours],
      ['official `twilio` library, `messages.create` in a loop', official],
    ].map(
      ([name, f]) =>
        `| ${name as string} | ${round((f as Figure).messagesPerSecond)} | ${round((f as Figure).cpuMicrosPerMessage)} | ${round((f as Figure).messagesPerSecond / bare.messagesPerSecond, 2)}× |`,
    ),
    '',
    '## 2. 20 ms added latency',
    '',
    '| concurrency | messages | messages/s | ideal (concurrency ÷ latency) | share of ideal |',
    '|---|---|---|---|---|',
    `| 1 | 250 | ${round(c1.messagesPerSecond)} | ${ideal1} | ${round((100 * c1.messagesPerSecond) / ideal1)} % |`,
    `| 8 | 2,000 | ${round(c8.messagesPerSecond)} | ${ideal8} | ${round((100 * c8.messagesPerSecond) / ideal8)} % |`,
    '',
    '## 3. Memory: `stream` with concurrency 8, rows generated lazily, the built package run by plain Node',
    '',
    '| rows | sent | seconds | peak RSS of the sending process |',
    '|---|---|---|---|',
    `| 50,000 | ${small.sent} | ${round(small.seconds, 1)} | ${round(small.maxRssMiB, 1)} MiB |`,
    `| 200,000 | ${large.sent} | ${round(large.seconds, 1)} | ${round(large.maxRssMiB, 1)} MiB |`,
    '',
    '## 4. Preview throughput',
    '',
    ...preview,
    '',
  ].join('\n');
  if (QUICK) {
    log(report);
    return;
  }
  await writeFile(new URL('BENCHMARKS.md', ROOT), report);
  const readmeUrl = new URL('README.md', ROOT);
  const readme = await readFile(readmeUrl, 'utf8');
  const table = `<!-- bench:start (generated by npm run bench from BENCHMARKS.md) -->\n${summary.join('\n')}\n\nMeasured on ${machine}, Node ${process.version}, ${startedAt.toISOString().slice(0, 10)}. Details: [BENCHMARKS.md](BENCHMARKS.md).\n<!-- bench:end -->`;
  await writeFile(readmeUrl, readme.replace(/<!-- bench:start[\s\S]*?<!-- bench:end -->/, table));
  log('wrote BENCHMARKS.md and the README table');
}

/** Preview figures from bench/preview.ts, when the preview exists. */
async function previewFigures(): Promise<string[]> {
  const module = (await import('./preview.js').catch(() => undefined)) as
    | { benchPreview?: () => Promise<{ name: string; value: number; unit: string }[]> }
    | undefined;
  if (!module?.benchPreview) return ['Not measured: there is no preview yet.'];
  const figures = await module.benchPreview();
  return [
    '| measure | value |',
    '|---|---|',
    ...figures.map((f) => `| ${f.name} | ${round(f.value, 2)} ${f.unit} |`),
  ];
}

await main();
