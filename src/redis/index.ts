/**
 * `twilio-destination/redis`: the back-ends that keep shared state in the user's own Redis (`ioredis` or
 * node-redis). Importing the main entry never loads this module or either driver.
 */
export type { RedisClientLike } from './client-adapter.js';
export { RedisCoordinator, type RedisCoordinatorOptions } from './coordinator.js';
export { RedisLedger, type RedisLedgerOptions } from './ledger.js';
