/** `twilio-destination/redis`: the Redis back-ends (drivers: ioredis or node-redis, optional peer dependencies). */

export { RedisLedger, type RedisLedgerOptions } from './ledger.js';
