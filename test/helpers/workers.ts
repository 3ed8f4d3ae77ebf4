/**
 * Worker processes for the multi-process tests and the coordinator benchmark: each is a real child process
 * running `coordinated-worker.mjs` (the built package, its own Redis client per job). For each job a worker
 * reports ready, waits for `go`, writes its rows and reports a summary; and the requests the simulator
 * recorded give the counts over time (requests in flight, arrivals per window).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RecordedRequest } from '../../src/simulator/index.js';
import type { RowError } from '../../src/types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./coordinated-worker.mjs', import.meta.url));

/** What one worker is told (see coordinated-worker.mjs). */
export interface WorkerConfig {
  url: string;
  accountSid: string;
  authToken: string;
  from: string;
  body?: string;
  firstRow: number;
  rows: number;
  concurrency: number;
  timeoutMs: number;
  segmentsPerSecond?: number;
  redis?: {
    url: string;
    driver: 'ioredis' | 'node-redis';
    keyPrefix: string;
    accountConcurrency: number;
    leaseMs?: number;
    redisTimeoutMs?: number;
  };
}

/** What a worker reports when its write is done. */
export interface WorkerSummary {
  ms: number;
  results: number;
  codes: Record<string, number>;
  attempts: number;
  firstError?: RowError;
}

/** One write a worker runs. */
export interface Job {
  /** Resolves when its destination (and coordinator) is ready. */
  ready: Promise<void>;
  /** Lets it start writing. */
  go(): void;
  /** Resolves with its summary, or rejects when the process exits first. */
  done: Promise<WorkerSummary>;
}

/** A running worker process; it runs one job at a time. */
export interface Worker {
  process: ChildProcess;
  run(config: WorkerConfig): Job;
  /** Ends its stdin and waits for it to exit. */
  close(): Promise<void>;
}

/** Starts a worker process (started once, it runs many jobs: a process start is slow on a busy machine). */
export function startWorker(): Worker {
  const child = spawn(process.execPath, [script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => resolve(`worker exited (${code ?? signal}): ${stderr.slice(-2000)}`));
  });
  let onMessage: (message: { event: string } & WorkerSummary) => void = () => {};
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    onMessage(JSON.parse(line) as { event: string } & WorkerSummary);
  });
  const send = (message: unknown) => child.stdin?.write(`${JSON.stringify(message)}\n`);
  return {
    process: child,
    run(config) {
      let markReady: () => void = () => {};
      const ready = new Promise<void>((resolve) => {
        markReady = resolve;
      });
      const done = new Promise<WorkerSummary>((resolve, reject) => {
        onMessage = (message) => {
          if (message.event === 'ready') markReady();
          if (message.event === 'done') resolve(message);
        };
        void exited.then((reason) => reject(new Error(reason)));
      });
      done.catch(() => {});
      send({ job: config });
      return { ready: Promise.race([ready, done.then(() => {})]), go: () => send({ go: true }), done };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      await exited;
    },
  };
}

/** The create requests the simulator recorded, in arrival order. */
export function creates(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => request.method === 'POST' && request.path.endsWith('/Messages.json'));
}

/** The most requests in progress at once (a request ending in the same ms as another starts is not both). */
export function peakInFlight(requests: readonly RecordedRequest[]): number {
  const events: [number, number][] = [];
  for (const request of requests) {
    events.push([request.at.getTime(), 1]);
    events.push([(request.endedAt ?? new Date(8.64e15)).getTime(), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) {
    current += delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

/** The mean number of requests in progress between `from` and `to` (epoch ms). */
export function meanInFlight(requests: readonly RecordedRequest[], from: number, to: number): number {
  let total = 0;
  for (const request of requests) {
    const start = Math.max(request.at.getTime(), from);
    const end = Math.min((request.endedAt ?? new Date(to)).getTime(), to);
    if (end > start) total += end - start;
  }
  return total / (to - from);
}

/** The most arrivals in any window of `windowMs` starting at an arrival. */
export function maxArrivalsInWindow(requests: readonly RecordedRequest[], windowMs: number): number {
  const times = requests.map((request) => request.at.getTime()).sort((a, b) => a - b);
  let most = 0;
  let last = 0;
  for (let first = 0; first < times.length; first++) {
    while (last < times.length && (times[last] as number) < (times[first] as number) + windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
}
