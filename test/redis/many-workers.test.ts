import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  type SimulatorOptions,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { connect, deleteKeys, eventually } from '../helpers/redis-clients.js';
import { describeRedis, REDIS_URL, uniqueName } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import {
  creates,
  type Job,
  maxArrivalsInWindow,
  meanInFlight,
  peakInFlight,
  startWorker,
  type Worker,
  type WorkerConfig,
  type WorkerSummary,
} from '../helpers/workers.js';

// Real processes on a shared 2-core machine: generous limits, counts and ratios only.
const TEST_TIMEOUT_MS = 60_000;

describeRedis('many worker processes sharing one RedisCoordinator budget', () => {
  let sim: TwilioSimulator;
  let prefix: string;
  /** Four worker processes, started once for the file: each test runs a job on them. */
  let pool: Worker[];
  let extra: Worker[];
  let proxy: TcpProxy | undefined;

  const simulator = async (options: SimulatorOptions) => {
    sim = await startTwilioSimulator({ lifecycle: false, ...options });
    return sim;
  };
  /** Starts `count` workers, each with `rows` rows of its own, and waits until all are ready. */
  const start = async (
    count: number,
    config: Omit<Partial<WorkerConfig>, 'redis'> & {
      rows: number;
      /** A process of its own (the one to kill), instead of the pool's. */
      fresh?: boolean;
      redis?: Partial<NonNullable<WorkerConfig['redis']>>;
    },
  ) => {
    const workers = config.fresh ? [startWorker()] : pool.slice(0, count);
    if (config.fresh) extra.push(...workers);
    const started = workers.map((worker, i) => {
      const { redis, fresh: _, ...rest } = config;
      return worker.run({
        url: sim.url,
        accountSid: sim.credentials.accountSid,
        authToken: sim.credentials.authToken,
        from: sim.numbers[0] as string,
        firstRow: i * config.rows,
        concurrency: 4,
        timeoutMs: 5_000,
        ...rest,
        redis: {
          url: proxy ? `redis://127.0.0.1:${proxy.port}` : (REDIS_URL as string),
          driver: i % 2 === 0 ? 'ioredis' : 'node-redis',
          keyPrefix: prefix,
          accountConcurrency: 6,
          ...redis,
        },
      });
    });
    await Promise.all(started.map((job) => job.ready));
    return started;
  };
  const run = async (started: Job[]): Promise<WorkerSummary[]> => {
    for (const job of started) job.go();
    return Promise.all(started.map((job) => job.done));
  };
  /**
   * The middle half of the span from the first request's arrival to the last one's end: the start, while
   * workers first compete, and the tail, when fewer rows are left than slots, are not steady.
   */
  const steadyMiddle = () => {
    const requests = creates(sim.requests);
    const first = Math.min(...requests.map((request) => request.at.getTime()));
    const last = Math.max(...requests.map((request) => (request.endedAt as Date).getTime()));
    return [first + (last - first) * 0.25, last - (last - first) * 0.25] as const;
  };
  const statuses = () => creates(sim.requests).map((request) => request.status);

  beforeAll(() => {
    pool = Array.from({ length: 4 }, () => startWorker());
  });
  afterAll(async () => {
    for (const worker of pool) await worker.close();
  });
  beforeEach(() => {
    prefix = uniqueName('workers');
    extra = [];
    proxy = undefined;
  });
  afterEach(async () => {
    for (const worker of extra) worker.process.kill('SIGKILL');
    await sim?.close();
    await proxy?.close();
    const redis = await connect('ioredis');
    await deleteKeys(redis, prefix);
    await redis.close();
  });

  it(
    'keeps 4 workers under a budget below the account limit: no 429, never over it, and busy (mean ≥ 90 % of it)',
    async () => {
      // Requests long beside a slot's hand-over (a release and an acquire, or a release that hands it on,
      // plus the HTTP request: 50–300 ms each when 2 cores run the whole suite and more). Each worker may
      // hold the whole budget (concurrency 8 ≥ 6): with 4 each, the last rounds could leave a slot idle
      // because the worker with rows left had its own 4 in flight, which says nothing of the coordinator.
      await simulator({ concurrency: { limit: 10 }, latency: { fixedMs: 5_000 } });
      const summaries = await run(
        await start(4, { rows: 6, concurrency: 8, timeoutMs: 15_000, redis: { accountConcurrency: 6 } }),
      );
      expect(summaries.map((summary) => summary.codes)).toEqual(Array(4).fill({ sent: 6 }));
      expect(statuses().filter((status) => status === 429)).toEqual([]);
      expect(peakInFlight(creates(sim.requests))).toBeLessThanOrEqual(6);
      const [from, to] = steadyMiddle();
      expect(meanInFlight(creates(sim.requests), from, to)).toBeGreaterThanOrEqual(0.9 * 6);
    },
    2 * TEST_TIMEOUT_MS,
  );

  it(
    'settles 4 workers with a budget above the account limit under 1 % of 429s, every row sent',
    async () => {
      await simulator({ concurrency: { limit: 8 }, latency: { fixedMs: 20 } });
      const summaries = await run(await start(4, { rows: 250, redis: { accountConcurrency: 10 } }));
      expect(summaries.map((summary) => summary.codes)).toEqual(Array(4).fill({ sent: 250 }));
      const answered = statuses();
      const limited = answered.filter((status) => status === 429).length;
      expect(answered.length).toBe(1000 + limited);
      expect(limited / answered.length).toBeLessThan(0.01);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'paces one sender at 10 segments per second across 4 workers: no second over rate + burst, ≥ 90 % of the rate',
    async () => {
      await simulator({ latency: { fixedMs: 20 } });
      const summaries = await run(
        await start(4, { rows: 10, segmentsPerSecond: 10, redis: { accountConcurrency: 20 } }),
      );
      expect(summaries.map((summary) => summary.codes)).toEqual(Array(4).fill({ sent: 10 }));
      const arrivals = creates(sim.requests).map((request) => request.at.getTime());
      expect(arrivals).toHaveLength(40);
      // One second of burst (10 segments), then 10 per second: at most 20 in any second.
      expect(maxArrivalsInWindow(creates(sim.requests), 1_000)).toBeLessThanOrEqual(20);
      // After the burst: 29 more at 10 per second.
      const paced = arrivals.slice(10);
      const seconds = ((paced.at(-1) as number) - (paced[0] as number)) / 1000;
      expect((paced.length - 1) / seconds).toBeGreaterThanOrEqual(0.9 * 10);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'gives the slots of a worker killed with SIGKILL back when its leases end, never exceeding the limit',
    async () => {
      // The victim's requests never answer: it holds every slot until it is killed.
      await simulator({
        concurrency: { limit: 4 },
        latency: { fixedMs: 20 },
        faults: (request) =>
          String(request.form?.['To']).startsWith('+14155559') ? { kind: 'hang' } : undefined,
      });
      const redisOptions = { accountConcurrency: 4, leaseMs: 2_500 };
      const [victim] = await start(1, {
        fresh: true,
        rows: 4,
        firstRow: 9000,
        timeoutMs: 2_000,
        redis: redisOptions,
      });
      const survivors = await start(3, { rows: 10, timeoutMs: 2_000, redis: redisOptions });
      victim?.go();
      await eventually(async () => creates(sim.requests).length === 4);
      const redis = await connect('ioredis');
      const leases = await redis.command([
        'ZRANGE',
        `${prefix}{${sim.credentials.accountSid}}:in-flight`,
        '0',
        '-1',
      ]);
      const expiries = [];
      for (const id of leases as string[]) {
        expiries.push(
          Number(await redis.command(['ZSCORE', `${prefix}{${sim.credentials.accountSid}}:in-flight`, id])),
        );
      }
      await redis.close();
      extra[0]?.process.kill('SIGKILL');
      const summaries = await run(survivors);
      expect(summaries.map((summary) => summary.codes)).toEqual(Array(3).fill({ sent: 10 }));
      expect(expiries).toHaveLength(4);
      // No survivor request started while a dead worker's lease still counted (Redis and the simulator share
      // this machine's clock).
      const survivorRequests = creates(sim.requests).slice(4);
      const firstSurvivor = Math.min(...survivorRequests.map((request) => request.at.getTime()));
      expect(firstSurvivor).toBeGreaterThanOrEqual(Math.min(...expiries) - 5);
      expect(peakInFlight(creates(sim.requests))).toBeLessThanOrEqual(4);
      expect(statuses().filter((status) => status === 429)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  // A Redis that stops answering (as under DEBUG SLEEP, without stalling the Redis other suites share); a
  // refused connection is covered for both drivers in coordinator.test.ts.
  it(
    'fails the rows of every worker with coordinator_error when Redis stops answering mid-run, and nothing hangs',
    async () => {
      proxy = await startTcpProxy(new URL(REDIS_URL as string).host);
      await simulator({ latency: { fixedMs: 30 } });
      const started = await start(4, { rows: 100, redis: { accountConcurrency: 4, redisTimeoutMs: 500 } });
      const finished = run(started);
      await eventually(async () => creates(sim.requests).length >= 20);
      proxy.blackhole();
      const summaries = await finished;
      const sent = summaries.reduce((sum, summary) => sum + (summary.codes['sent'] ?? 0), 0);
      for (const summary of summaries) {
        expect(summary.results).toBe(100);
        expect(Object.keys(summary.codes).filter((code) => code !== 'sent')).toEqual(['coordinator_error']);
        expect(summary.firstError).toMatchObject({
          code: 'coordinator_error',
          retryable: true,
          possiblySent: false,
        });
        expect(summary.firstError?.message).toContain(`Redis coordinator (127.0.0.1:${proxy.port})`);
      }
      // No row was sent without a permit, and none sent was lost: the simulator created exactly those.
      expect(sim.messages).toHaveLength(sent);
    },
    TEST_TIMEOUT_MS,
  );
});
