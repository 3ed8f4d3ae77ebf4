/**
 * A tiny adapter over the two Redis clients people use, ioredis and node-redis (v4+), so that the ledger
 * (and anything else on Redis) runs a Lua script the same way on either. The client is the user's; nothing
 * here connects or quits it.
 */

/** An ioredis client (or cluster): `eval(script, numKeys, ...keysAndArgs)`. */
export interface IoRedisLike {
  /** `EVAL script numkeys key… arg…`. */
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  /** Present on ioredis clients only: how the adapter tells them from node-redis. */
  defineCommand: unknown;
}

/** A node-redis client: `eval(script, { keys, arguments })`. */
export interface NodeRedisLike {
  /** `EVAL`, node-redis style: keys and arguments in an options object. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Either client. */
export type RedisClientLike = IoRedisLike | NodeRedisLike;

/** Runs `script` with `keys` and `args` on either client. */
export type EvalScript = (script: string, keys: string[], args: (string | number)[]) => Promise<unknown>;

function isIoRedis(client: RedisClientLike): client is IoRedisLike {
  return typeof (client as Partial<IoRedisLike>).defineCommand === 'function';
}

/** The adapter for `client`. */
export function evalFor(client: RedisClientLike): EvalScript {
  if (isIoRedis(client)) {
    return (script, keys, args) => client.eval(script, keys.length, ...keys, ...args);
  }
  return (script, keys, args) => client.eval(script, { keys, arguments: args.map(String) });
}
