/**
 * `RedisCoordinator`: the budget every worker on one Twilio account shares, kept in Redis. Requests in
 * flight across all workers stay under one adaptive limit (leases that expire when a worker dies), a 429
 * seen by any worker lowers it for all, and each sender's segments per second and 21611 pause are one
 * budget. Each acquire is one script call in the common case; a worker that must wait sleeps for the time
 * the script says, or until a release wakes it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Coordinator,
  type CoordinatorContext,
  CoordinatorUnavailableError,
  type Permit,
  type PermitRequest,
  type RequestEnd,
} from '../seams/coordinator.js';
import { adaptRedisClient, type RedisAdapter, type RedisClientLike } from './client-adapter.js';
import { ACQUIRE, type LuaScript, RELEASE, WAIT_REASON } from './coordinator-scripts.js';
import { WakeUps } from './wake-ups.js';

/** The options of {@link RedisCoordinator}. */
export interface RedisCoordinatorOptions {
  /**
   * The user's own, connected Redis client: an `ioredis` `Redis` (or `Cluster`) or a node-redis client. It is
   * used as is and never closed; the coordinator opens one more connection (a `duplicate()`) for wake-ups.
   */
  redis: RedisClientLike;
  /**
   * Requests in flight at most across every worker on the account (Twilio's concurrent request limit, or
   * less). A 429 lowers the shared limit below it for a while.
   * @example 20
   */
  accountConcurrency: number;
  /**
   * How long a slot is held at most: a worker that dies (SIGKILL) gives its slots back after this long. It
   * must exceed the request timeout, so that a live worker's request never outlives its lease.
   * @default the destination's `timeoutMs` + 5000
   */
  leaseMs?: number;
  /** Prefix of every key and channel, to keep separate deployments apart. @default 'twilio-destination:' */
  keyPrefix?: string;
  /**
   * How long one Redis call may take before the coordinator counts Redis as unavailable (the row is then not
   * sent and the batch ends).
   * @default 2000
   */
  redisTimeoutMs?: number;
}

/** How long a waiting worker sleeps at most between tries when no wake-up comes (a lost message). */
const MAX_SLOT_WAIT_MS = 250;
/** How much longer it takes to climb back to the limit that last met a 429 (as in-process). */
const PROBE_FACTOR = 8;
/** How long shared state is kept after its last use: the learned limit is forgotten after 10 idle minutes. */
const STATE_TTL_MS = 600_000;
/** The margin a lease keeps over the request timeout. */
const LEASE_MARGIN_MS = 5_000;

/** What a request waiting for a slot leaves for a release that may hand its slot over. */
interface Handover {
  senderKey: string;
  /** Its acquire arguments. */
  args: string[];
}

/** The Redis keys of one account and sender. */
interface Keys {
  inFlight: string;
  limit: string;
  sender: string;
  waiting: string;
  channel: string;
}

/**
 * A {@link Coordinator} keeping the budget in Redis, shared by every worker that uses the same Redis and
 * key prefix.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisCoordinator } from 'twilio-destination/redis';
 * const coordinator = new RedisCoordinator({ redis: new Redis(process.env.REDIS_URL), accountConcurrency: 20 });
 * const destination = new TwilioDestination(config, { coordinator, concurrency: 8 });
 * // … and when the worker is done: await coordinator.close();
 * ```
 */
export class RedisCoordinator implements Coordinator {
  /** Names this coordinator in row errors, e.g. `Redis coordinator (127.0.0.1:6379)`. */
  readonly name: string;
  readonly #adapter: RedisAdapter;
  readonly #wakeUps: WakeUps<Handover>;
  readonly #accountConcurrency: number;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #leaseOption: number | undefined;
  #leaseMs: number;
  readonly #worker = randomUUID();
  #permits = 0;

  constructor(options: RedisCoordinatorOptions) {
    this.#adapter = adaptRedisClient(options.redis, 'RedisCoordinator');
    this.name = `Redis coordinator (${this.#adapter.address})`;
    this.#accountConcurrency = positiveInteger(options.accountConcurrency, 'accountConcurrency');
    this.#leaseOption =
      options.leaseMs === undefined ? undefined : positiveInteger(options.leaseMs, 'leaseMs');
    this.#timeoutMs = positiveInteger(options.redisTimeoutMs ?? 2000, 'redisTimeoutMs');
    this.#prefix = options.keyPrefix ?? 'twilio-destination:';
    this.#leaseMs = this.#leaseOption ?? 30_000 + LEASE_MARGIN_MS;
    this.#wakeUps = new WakeUps(this.#adapter, this.#timeoutMs);
  }

  /** Checks that Redis answers (loading the scripts) and subscribes to the account's wake-ups. */
  async ready(context: CoordinatorContext): Promise<void> {
    if (this.#leaseOption !== undefined && this.#leaseOption <= context.requestTimeoutMs) {
      throw new RangeError(
        `RedisCoordinator: leaseMs (${this.#leaseOption}) must be longer than the request timeout (timeoutMs ${context.requestTimeoutMs}), or a slow request would outlive its lease and its slot be counted twice`,
      );
    }
    this.#leaseMs = this.#leaseOption ?? context.requestTimeoutMs + LEASE_MARGIN_MS;
    for (const { source } of [ACQUIRE, RELEASE]) await this.#call(['SCRIPT', 'LOAD', source]);
    await this.#wakeUps.listen(this.#keys(context.accountSid, '').channel);
  }

  /** Waits for a slot under the shared limit and the sender's budget; see {@link Coordinator.acquire}. */
  async acquire(request: PermitRequest): Promise<Permit> {
    const { signal } = request;
    const keys = this.#keys(request.accountSid, request.sender);
    const id = `${this.#worker}:${++this.#permits}`;
    let segments = request.kind === 'create' ? request.segments : 0;
    // A reply a release of this worker obtained for this request when it handed its slot over.
    let handed: unknown;
    while (true) {
      const args = [id, String(this.#leaseMs), String(this.#accountConcurrency), request.kind];
      args.push(String(segments), String(request.segmentsPerSecond ?? 0), String(STATE_TTL_MS));
      if (handed === undefined) signal.throwIfAborted();
      const reply = handed ?? (await this.#script(ACQUIRE, this.#keyList(keys), args, id));
      handed = undefined;
      const [granted, second, third] = (reply as unknown[]).map(Number) as [number, number, number];
      if (granted === 1) {
        const permit = new RedisPermit(this, keys, id, second);
        if (signal.aborted) {
          await permit.release({ kind: 'other' });
          signal.throwIfAborted();
        }
        return permit;
      }
      if (third === WAIT_REASON.slots) {
        const handover: Handover = { senderKey: keys.sender, args };
        handed = await this.#wakeUps.wait(keys.channel, Math.min(second, MAX_SLOT_WAIT_MS), signal, handover);
      } else {
        // The sender's budget is reserved for this request: it is not charged again after the wait.
        if (third === WAIT_REASON.rate) segments = 0;
        await delay(second, undefined, { signal });
      }
    }
  }

  /** Closes the connection used for wake-ups. The user's client stays open: it is theirs. */
  async close(): Promise<void> {
    await this.#wakeUps.close();
  }

  /**
   * @internal Releases a permit (see {@link RedisPermit}); never rejects. When a request of this worker waits
   * for a slot, the same call hands the slot over to it: one round trip instead of three (a release, a
   * wake-up, an acquire).
   */
  async release(keys: Keys, id: string, generation: number, end: RequestEnd): Promise<void> {
    const pauseMs = end.kind === 'queue_full' ? Math.max(0, Math.ceil(end.pauseMs)) : 0;
    const args = [id, end.kind, String(generation), String(this.#accountConcurrency), String(pauseMs)];
    args.push(keys.channel, '0', String(STATE_TTL_MS), String(PROBE_FACTOR));
    const next = this.#wakeUps.take(keys.channel);
    const keyList = this.#keyList(keys);
    if (next) {
      keyList.push(next.handover.senderKey);
      args.push(...next.handover.args);
    }
    try {
      const reply = (await this.#script(RELEASE, keyList, args)) as unknown[];
      // Handed over: the waiter has its answer. Otherwise (none waiting, or another worker has waited too
      // long) the slot was published; also wake a local waiter directly, in case the message is lost.
      if (next && reply.length > 1) next.deliver(reply.slice(1));
      else {
        next?.deliver(undefined);
        this.#wakeUps.wake(keys.channel);
      }
    } catch {
      // Redis is unreachable: the lease runs out by itself; the waiter asks again, and reports the failure.
      next?.deliver(undefined);
    }
  }

  #keyList(keys: Keys): string[] {
    return [keys.inFlight, keys.limit, keys.sender, keys.waiting];
  }

  #keys(accountSid: string, sender: string): Keys {
    // One hash tag per account: the account's keys live in one Cluster slot, so one script may touch them.
    const base = `${this.#prefix}{${accountSid}}`;
    return {
      inFlight: `${base}:in-flight`,
      limit: `${base}:limit`,
      sender: `${base}:sender:${sender}`,
      waiting: `${base}:waiting`,
      channel: `${base}:released`,
    };
  }

  /**
   * Runs a script by its SHA, loading it on `NOSCRIPT` (a restarted or flushed Redis). When the acquire
   * times out, its lease may still be granted later: a release is queued behind it on the same connection.
   */
  async #script(script: LuaScript, keyList: string[], args: string[], id?: string): Promise<unknown> {
    const numKeys = String(keyList.length);
    try {
      try {
        return await this.#call(['EVALSHA', script.sha, numKeys, ...keyList, ...args]);
      } catch (error) {
        if (!(error instanceof CoordinatorUnavailableError && isNoScript(error.cause))) throw error;
      }
      return await this.#call(['EVAL', script.source, numKeys, ...keyList, ...args]);
    } catch (error) {
      if (id !== undefined) this.#forget(keyList, id);
      throw error;
    }
  }

  /** Removes a lease an acquire that failed on our side may still have taken. Best effort. */
  #forget(keyList: string[], id: string): void {
    void Promise.allSettled([this.#adapter.command(['ZREM', keyList[0] as string, id])]);
  }

  /** One Redis command, bounded by `redisTimeoutMs`; any failure is a {@link CoordinatorUnavailableError}. */
  async #call(args: string[]): Promise<unknown> {
    const controller = new AbortController();
    const timeout = delay(this.#timeoutMs, undefined, { signal: controller.signal }).then(
      () => {
        throw new Error(`no answer within ${this.#timeoutMs} ms`);
      },
      () => undefined,
    );
    try {
      return await Promise.race([this.#adapter.command(args), timeout]);
    } catch (error) {
      // The message names the coordinator on its own: fetchStatuses reports it as it is, and the send path
      // words the row's message around it.
      const reason = error instanceof Error ? error.message : String(error);
      throw new CoordinatorUnavailableError(this.name, `${this.name}: ${reason}`, { cause: error });
    } finally {
      controller.abort();
    }
  }
}

/** A held slot; releasing it twice is a no-op. */
class RedisPermit implements Permit {
  #released = false;

  constructor(
    private readonly coordinator: RedisCoordinator,
    private readonly keys: Keys,
    private readonly id: string,
    private readonly generation: number,
  ) {}

  async release(end: RequestEnd): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.coordinator.release(this.keys, this.id, this.generation, end);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`RedisCoordinator: ${name} must be a positive integer; got ${String(value)}`);
  }
  return value;
}
