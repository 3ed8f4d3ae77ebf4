/**
 * The Redis coordinator's two Lua scripts, each one atomic round trip on the Redis server's clock (`TIME`),
 * so that workers' clocks never matter:
 * - acquire: drop expired leases, check the account's slots against the shared adaptive limit, the sender's
 *   21611 pause and its segment budget (GCRA), then take a leased slot;
 * - release: free the slot and learn from how the request ended (429: halve once per generation; a success:
 *   one step towards climbing back; 21611: pause the sender), then hand the slot to a request of the same
 *   worker that waits for one (the acquire step, in the same call), or wake the waiting workers.
 *
 * The limit is the in-process AIMD with one difference: a 429 when the limit is back at the value that met
 * the last one (a probe) steps back by one and makes the next probe wait twice as long, instead of halving.
 * Many workers share one limit, so there is no fairness between flows to restore by halving, and each
 * probe costs a 429; this keeps a steady account's 429s well under 1 % of requests.
 *
 * Keys of one account share a hash tag (`{AC…}`), so the scripts also run on a Redis Cluster.
 */
import { createHash } from 'node:crypto';

/** A script and its SHA-1, for `EVALSHA`. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** How a request that was not granted must wait (the acquire script's second reply field). */
export const WAIT_REASON = {
  /** Every slot under the shared limit is held: wait for a release (pub/sub) or the earliest lease expiry. */
  slots: 1,
  /** The sender is paused after a 21611: wait the given time. */
  paused: 2,
  /** The sender's segment budget was reserved for this request: wait the given time, then take a slot. */
  rate: 3,
} as const;

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/**
 * How long a worker may wait for a slot before the other workers stop handing their freed slots to their
 * own waiting requests and let it take one (see RELEASE).
 */
export const HAND_OVER_PATIENCE_MS = 1_000;

/**
 * The acquire step as a Lua function, shared by both scripts. Arguments: in-flight leases key (sorted set:
 * permit id → expiry), limit state key (hash), sender state key (hash), waiting workers key (sorted set:
 * worker → when it first found every slot held), then the acquire ARGV from `first` on: permit id
 * (`<worker>:<n>`), lease ms, accountConcurrency, kind (`create`|`lookup`), segments (0: already charged),
 * segments per second (0: unpaced), state TTL ms.
 * Returns `{1, generation, limit}` granted; `{0, waitMs, reason}` not granted (see {@link WAIT_REASON}).
 */
const ACQUIRE_FUNCTION = `
local function acquire(inFlight, limitKey, senderKey, waitingKey, first)
  ${NOW}
  local id = ARGV[first]
  local worker = string.match(id, '^(.*):')
  local lease = tonumber(ARGV[first + 1])
  local max = tonumber(ARGV[first + 2])
  redis.call('ZREMRANGEBYSCORE', inFlight, '-inf', now)
  local state = redis.call('HMGET', limitKey, 'value', 'generation')
  local limit = math.min(tonumber(state[1]) or max, max)
  local generation = tonumber(state[2]) or 0
  if redis.call('ZCARD', inFlight) >= limit then
    redis.call('ZADD', waitingKey, 'NX', now, worker)
    redis.call('PEXPIRE', waitingKey, lease)
    local earliest = redis.call('ZRANGE', inFlight, 0, 0, 'WITHSCORES')
    return {0, math.max(1, tonumber(earliest[2]) - now), 1}
  end
  if ARGV[first + 3] == 'create' then
    local sender = redis.call('HMGET', senderKey, 'paused', 'tat')
    local paused = tonumber(sender[1]) or 0
    if paused > now then return {0, paused - now, 2} end
    local segments = tonumber(ARGV[first + 4])
    local rate = tonumber(ARGV[first + 5])
    if segments > 0 and rate > 0 then
      -- GCRA: one second of burst (at least one segment). A message larger than the burst goes once the
      -- budget is full and pushes the next ones back by its whole cost.
      local interval = 1000 / rate
      local burst = math.max(interval, 1000)
      local tat = math.max(tonumber(sender[2]) or 0, now)
      local cost = segments * interval
      local wait = math.ceil(tat + math.min(cost, burst) - burst - now)
      redis.call('HSET', senderKey, 'tat', tat + cost)
      redis.call('PEXPIRE', senderKey, math.ceil(math.max(tat + cost, paused) - now) + tonumber(ARGV[first + 6]))
      if wait > 0 then return {0, wait, 3} end
    end
  end
  redis.call('ZADD', inFlight, now + lease, id)
  redis.call('PEXPIRE', inFlight, lease + 1000)
  redis.call('ZREM', waitingKey, worker)
  return {1, generation, limit}
end
`;

/**
 * KEYS: in-flight leases, limit state, sender state, waiting workers. ARGV: see `ACQUIRE_FUNCTION`, from 1.
 * Reply: `{1, generation, limit}` granted; `{0, waitMs, reason}` not granted (see {@link WAIT_REASON}).
 */
export const ACQUIRE = script(`${ACQUIRE_FUNCTION}
return acquire(KEYS[1], KEYS[2], KEYS[3], KEYS[4], 1)
`);

/**
 * KEYS: in-flight leases, limit state, sender state, waiting workers, and with a hand-over the next request's
 * sender state.
 * ARGV: permit id, end (`ok`|`rate_limited`|`queue_full`|`other`), the generation the permit was granted in,
 * accountConcurrency, pause ms (queue_full), wake-up channel, successes per step (0: the current limit),
 * state TTL ms, probe factor; then, to hand the slot to a request of the same worker that waits for one, that
 * request's acquire ARGV (see `ACQUIRE_FUNCTION`) from 10.
 * Reply: `{removed}` (1 when the lease was still held, 0 when it had already expired), with a hand-over
 * `{removed, …the acquire reply}`. Wakes the waiting workers when a slot became free and was not handed over.
 * No hand-over while another worker has waited for a slot longer than {@link HAND_OVER_PATIENCE_MS}: a busy
 * worker does not keep the slots to itself while another starves.
 */
export const RELEASE = script(`${ACQUIRE_FUNCTION}
${NOW}
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local kind = ARGV[2]
local max = tonumber(ARGV[4])
local ttl = tonumber(ARGV[8])
if kind == 'rate_limited' then
  local state = redis.call('HMGET', KEYS[2], 'value', 'generation', 'ceiling', 'probes')
  local generation = tonumber(state[2]) or 0
  -- A 429 of a request granted before the last decrease was caused by the old limit: it does not count.
  if tonumber(ARGV[3]) == generation then
    local value = math.min(tonumber(state[1]) or max, max)
    if value > 1 and value == tonumber(state[3]) then
      -- A probe of the value that met the last 429 met one again: the limit is just below it. Step back
      -- one and probe half as often (at most 16 times less), instead of halving every workers' share.
      redis.call('HSET', KEYS[2], 'value', value - 1, 'generation', generation + 1, 'successes', 0,
        'probes', math.min((tonumber(state[4]) or 0) + 1, 4))
    else
      redis.call('HSET', KEYS[2], 'ceiling', value, 'value', math.max(1, math.floor(value / 2)),
        'generation', generation + 1, 'successes', 0, 'probes', 0)
    end
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
elseif kind == 'ok' then
  local state = redis.call('HMGET', KEYS[2], 'value', 'successes', 'ceiling', 'probes')
  local value = math.min(tonumber(state[1]) or max, max)
  if value < max then
    local successes = (tonumber(state[2]) or 0) + 1
    local step = tonumber(ARGV[7])
    if step <= 0 then step = value end
    local ceiling = tonumber(state[3])
    -- Climbing back to the value that last met a 429 takes longer, so a steady limit is probed rarely.
    if ceiling ~= nil and value + 1 >= ceiling then
      step = step * tonumber(ARGV[9]) * 2 ^ (tonumber(state[4]) or 0)
    end
    if successes >= step then
      value = value + 1
      successes = 0
    end
    redis.call('HSET', KEYS[2], 'value', value, 'successes', successes)
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
elseif kind == 'queue_full' then
  local pauseEnd = now + tonumber(ARGV[5])
  local paused = tonumber(redis.call('HGET', KEYS[3], 'paused')) or 0
  if pauseEnd > paused then
    redis.call('HSET', KEYS[3], 'paused', pauseEnd)
    local ms = redis.call('PTTL', KEYS[3])
    if ms < pauseEnd - now + ttl then redis.call('PEXPIRE', KEYS[3], pauseEnd - now + ttl) end
  end
end
local function starving(worker)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[11]))
  local longest = redis.call('ZRANGE', KEYS[4], 0, 1, 'WITHSCORES')
  for i = 1, #longest, 2 do
    if longest[i] ~= worker and tonumber(longest[i + 1]) <= now - ${HAND_OVER_PATIENCE_MS} then return true end
  end
  return false
end
if ARGV[10] ~= nil and not starving(string.match(ARGV[10], '^(.*):')) then
  local handed = acquire(KEYS[1], KEYS[2], KEYS[5], KEYS[4], 10)
  if removed == 1 and handed[1] ~= 1 then redis.call('PUBLISH', ARGV[6], '1') end
  return {removed, handed[1], handed[2], handed[3]}
end
if removed == 1 then redis.call('PUBLISH', ARGV[6], '1') end
return {removed}
`);
