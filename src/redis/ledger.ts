/**
 * `RedisLedger`: the sent ledger in Redis, one hash per row. Every step is one Lua script, so a claim is
 * atomic across workers; times come from the server's `TIME`. No key has a TTL: a `pending` row never
 * silently becomes "never sent" (a lease's end is data inside the record, not an expiring key).
 */
import {
  type Claim,
  claimLost,
  type LeaseOptions,
  type Ledger,
  type LedgerKey,
  LedgerUnavailableError,
} from '../seams/ledger.js';
import { adaptRedisClient, type RedisAdapter, type RedisClientLike } from './client-adapter.js';

/** Options of {@link RedisLedger}. */
export interface RedisLedgerOptions {
  /** The user's connected ioredis or node-redis (v4+) client; never quit by the ledger. */
  redis: RedisClientLike;
  /**
   * Prefix of every key (one hash per row: `<prefix><account>:<runId>:<rowKey>`).
   * @default 'twilio-destination:ledger:'
   */
  keyPrefix?: string;
  /**
   * How long a claim stays its worker's without a renewal.
   * @default `timeoutMs` + 5 s
   */
  leaseMs?: number;
}

/** Server time in ms, as a Lua local. */
const NOW =
  "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

// KEYS[1] row; ARGV owner, leaseMs. Returns {state, …}.
const CLAIM = `${NOW}
local r = redis.call('HMGET', KEYS[1], 'state', 'owner', 'lease', 'first', 'sid', 'sentAt')
if not r[1] then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[1], 'lease', now + tonumber(ARGV[2]), 'first', now)
  return {'claimed', now}
end
if r[1] == 'sent' then return {'sent', r[5], tonumber(r[6])} end
if tonumber(r[3]) <= now then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease', now + tonumber(ARGV[2]))
  return {'taken_over', tonumber(r[4])}
end
return {'held', r[2], tonumber(r[3])}`;

// KEYS[1] row; ARGV owner, leaseMs. 1 when renewed, 0 when the claim is not ours.
const RENEW = `${NOW}
local r = redis.call('HMGET', KEYS[1], 'state', 'owner')
if r[1] ~= 'pending' or r[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[2]))
return 1`;

// KEYS[1] row; ARGV owner, sid. A 2xx is a fact: recorded whoever holds the claim (or none does).
const MARK_SENT = `${NOW}
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'sent' then return 0 end
if not state then redis.call('HSET', KEYS[1], 'first', now, 'owner', ARGV[1]) end
redis.call('HSET', KEYS[1], 'state', 'sent', 'sid', ARGV[2], 'sentAt', now)
redis.call('HDEL', KEYS[1], 'lease')
return 1`;

// KEYS[1] row; ARGV owner.
const RELEASE = `local r = redis.call('HMGET', KEYS[1], 'state', 'owner')
if r[1] == 'pending' and r[2] == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/**
 * The sent ledger in Redis.
 * @example
 * ```ts
 * import { RedisLedger } from 'twilio-destination/redis';
 * const ledger = new RedisLedger({ redis }); // the user's ioredis or node-redis client
 * new TwilioDestination(config, { ledger });
 * ```
 */
export class RedisLedger implements Ledger {
  readonly description: string;
  readonly leaseMs: number | undefined;
  readonly #redis: RedisAdapter;
  readonly #prefix: string;

  constructor(options: RedisLedgerOptions) {
    this.#redis = adaptRedisClient(options.redis, 'RedisLedger');
    this.#prefix = options.keyPrefix ?? 'twilio-destination:ledger:';
    this.leaseMs = options.leaseMs;
    this.description = `Redis ledger (keys "${this.#prefix}…")`;
  }

  async open(): Promise<void> {
    await this.#run('open', 'return 1', [], []);
  }

  async claim(key: LedgerKey, lease: LeaseOptions): Promise<Claim> {
    const reply = (await this.#run('claim', CLAIM, [this.#key(key)], [lease.owner, lease.leaseMs])) as [
      string,
      string | number,
      number?,
    ];
    const [state, a, b] = reply;
    if (state === 'claimed' || state === 'taken_over') return { state, firstAttemptAt: Number(a) };
    if (state === 'sent') return { state, messageSid: String(a), sentAt: Number(b) };
    return { state: 'held', owner: String(a), leaseExpiresAt: Number(b) };
  }

  async renew(key: LedgerKey, lease: LeaseOptions): Promise<void> {
    const renewed = await this.#run('renew', RENEW, [this.#key(key)], [lease.owner, lease.leaseMs]);
    if (Number(renewed) !== 1) throw claimLost(this.description, key);
  }

  async markSent(key: LedgerKey, owner: string, messageSid: string): Promise<void> {
    await this.#run('mark sent', MARK_SENT, [this.#key(key)], [owner, messageSid]);
  }

  async release(key: LedgerKey, owner: string): Promise<void> {
    await this.#run('release', RELEASE, [this.#key(key)], [owner]);
  }

  /** The client is the caller's: nothing to close. */
  async close(): Promise<void> {}

  #key(key: LedgerKey): string {
    // The run id is length-prefixed, so that run `a:b` with row `c` and run `a` with row `b:c` never share a key.
    return `${this.#prefix}${key.accountSid}:${key.runId.length}:${key.runId}:${key.rowKey}`;
  }

  async #run(what: string, script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#redis.command(['EVAL', script, String(keys.length), ...keys, ...args.map(String)]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new LedgerUnavailableError(this.description, `${this.description} failed to ${what}: ${reason}`, {
        cause: error,
      });
    }
  }
}
