/**
 * The crash scenario every ledger store must survive: workers (child processes on the built package) send
 * one run of rows to the simulator (in this process) and are killed with SIGKILL at seeded points: before a
 * create is processed, just after, and while the simulator holds the answer to a message it created. The
 * write is re-run, sometimes split across 2–4 workers at once, with the simulator's faults on (5xx after the
 * create, resets after the request was written), until a run reports every row sent. Then the simulator must
 * hold exactly one message per row key, and the final results name exactly those messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type FaultKind, mulberry32 } from '../../src/simulator/faults.js';
import { startTwilioSimulator } from '../../src/simulator/index.js';
import type { RowResult } from '../../src/types.js';
import type { StoreConfig } from './stores.js';

const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));

/**
 * 2,000 rows and 21 SIGKILLs at seeded points per store (a third before a create is processed, a third just
 * after, a third while the simulator holds the created message's answer).
 */
export const CRASH_SCENARIO = { rows: 2000, killPoints: 21 };

/** What a scenario did, for the test's own checks. */
export interface CrashReport {
  kills: Record<'before' | 'after' | 'held', number>;
  rounds: number;
  splitRounds: number;
  faults: number;
  messages: number;
}

type Kill = { at: number; mode: keyof CrashReport['kills'] };
type Line = RowResult & { id: number };

/** Runs the scenario on `store` and checks the outcome; returns what happened. */
export async function crashScenario(
  store: StoreConfig,
  { rows, killPoints, seed }: { rows: number; killPoints: number; seed: number },
): Promise<CrashReport> {
  const random = mulberry32(seed);
  const sim = await startTwilioSimulator({ lifecycle: false, seed });
  const report: CrashReport = {
    kills: { before: 0, after: 0, held: 0 },
    rounds: 0,
    splitRounds: 0,
    faults: 0,
    messages: 0,
  };
  let running: ChildProcess[] = [];
  let kill: Kill | undefined;
  let creates = 0;
  const victim = () => running[Math.floor(random() * running.length)];
  sim.configure({
    faults: (request) => {
      if (request.target !== 'create') return undefined;
      creates++;
      if (kill !== undefined && creates === kill.at) {
        const child = victim();
        const { mode } = kill;
        kill = undefined;
        if (child === undefined) return undefined;
        report.kills[mode]++;
        // The other workers of a split run die with it, wherever they are (a machine or an engine going down),
        // so that each kill point leaves rows unsent for the next.
        for (const other of running) if (other !== child) other.kill('SIGKILL');
        if (mode === 'before') {
          child.kill('SIGKILL');
          return { kind: 'hang' };
        }
        // After the simulator has created the message (synchronously, once this returns).
        setImmediate(() => child.kill('SIGKILL'));
        return mode === 'held' ? { kind: 'created_then_hang' } : undefined;
      }
      const r = random();
      const kind: FaultKind | undefined =
        r < 0.02
          ? 'created_then_500'
          : r < 0.035
            ? 'reset_after_create'
            : r < 0.045
              ? '500'
              : r < 0.05
                ? 'reset_before_create'
                : undefined;
      if (kind !== undefined) report.faults++;
      return kind && { kind };
    },
  });
  const sent = new Map<number, string>();
  const mismatched = new Set<number>();
  const history: (Line & { round: number })[] = [];
  // The lease outlives any request (timeoutMs), as the default (timeoutMs + 5 s) does: a live worker's claim
  // cannot lapse while its request may still create the message.
  const job = (offset: number) => ({
    store,
    runId: `crash-${seed}`,
    count: rows,
    offset,
    leaseMs: 4000,
    timeoutMs: 3000,
    url: sim.url,
    credentials: sim.credentials,
  });
  /** A worker process, started ahead of its round: it loads the package, then waits for its job. */
  const startWorker = () => {
    const child = spawn(process.execPath, [CHILD, store.store], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    const done = new Promise<{ lines: Line[]; killed: boolean }>((resolve, reject) => {
      child.on('close', (code, signal) => {
        running = running.filter((c) => c !== child);
        // A killed worker's last line may be cut short.
        const lines = out.split('\n').flatMap((line) => {
          try {
            return [JSON.parse(line) as Line];
          } catch {
            return [];
          }
        });
        if (signal === 'SIGKILL') resolve({ lines, killed: true });
        else if (code === 0) resolve({ lines, killed: false });
        else reject(new Error(`worker exited ${code}: ${err}`));
      });
    });
    return { child, done };
  };
  const spares: ReturnType<typeof startWorker>[] = [];
  const runWorker = (offset: number) => {
    const worker = spares.shift() ?? startWorker();
    spares.push(startWorker());
    running.push(worker.child);
    worker.child.stdin.end(`${JSON.stringify(job(offset))}\n`);
    return worker.done;
  };

  try {
    let killed = 0;
    for (;;) {
      report.rounds++;
      if (report.rounds > killPoints * 4 + 200) throw new Error(`no progress after ${report.rounds} rounds`);
      const remaining = rows - sent.size;
      const killing = killed < killPoints && remaining > 4;
      if (killing) {
        const modes = ['before', 'after', 'held'] as const;
        const mode = modes[killed % 3] ?? 'held';
        kill = { at: creates + 1 + Math.floor(random() * Math.min(rows / killPoints, remaining / 2)), mode };
      }
      const workers = random() < 0.3 ? 2 + Math.floor(random() * 3) : 1;
      if (workers > 1) report.splitRounds++;
      const outcomes = await Promise.all(
        Array.from({ length: workers }, (_, w) => runWorker(Math.floor((w * rows) / workers))),
      );
      kill = undefined;
      if (outcomes.some((o) => o.killed)) killed++;
      const roundSent = new Set<number>();
      for (const { lines } of outcomes) {
        for (const line of lines) {
          if (line.status !== 'sent') continue;
          roundSent.add(line.id);
          history.push({ round: report.rounds, ...line });
          const known = sent.get(line.id);
          // Every report of a row names the same message.
          if (known !== undefined && known !== line.messageSid) mismatched.add(line.id);
          sent.set(line.id, line.messageSid);
        }
      }
      if (!killing && outcomes.every((o) => !o.killed) && roundSent.size === rows) break;
    }

    // Exactly one message per row key, and the results name exactly those messages.
    const byRecipient = new Map<string, string[]>();
    for (const message of sim.messages)
      byRecipient.set(message.to, [...(byRecipient.get(message.to) ?? []), message.sid]);
    const doubled = [...byRecipient].filter(([, sids]) => sids.length > 1);
    if (doubled.length > 0 || mismatched.size > 0) {
      console.log(
        JSON.stringify(
          {
            doubled,
            mismatched: [...mismatched],
            history: history.filter(
              (h) => mismatched.has(h.id) || doubled.some(([to]) => to.endsWith(String(5000000 + h.id))),
            ),
          },
          null,
          1,
        ),
      );
      console.log(
        JSON.stringify(
          sim.requests
            .filter((r) => doubled.some(([to]) => r.form?.['To'] === to || r.query['To'] === to))
            .map((r) => [r.method, r.status, r.fault, r.at]),
          null,
          1,
        ),
      );
    }
    expect(mismatched.size).toBe(0);
    expect(doubled).toEqual([]);
    expect(sim.messages).toHaveLength(rows);
    for (let id = 0; id < rows; id++) {
      const to = `+1415${String(5000000 + id).padStart(7, '0')}`;
      expect(sent.get(id)).toBe(byRecipient.get(to)?.[0]);
    }
    expect(Object.values(report.kills).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(killPoints);
    report.messages = sim.messages.length;
    return report;
  } finally {
    for (const child of [...running, ...spares.map((s) => s.child)]) child.kill('SIGKILL');
    await sim.close();
  }
}
