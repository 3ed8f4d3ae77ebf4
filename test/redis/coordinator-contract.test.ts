import { setImmediate } from 'node:timers/promises';
import { afterEach } from 'vitest';
import { RedisCoordinator } from '../../src/redis/index.js';
import { CONTRACT_ACCOUNT, coordinatorContract } from '../helpers/coordinator-contract.js';
import { connect, DRIVERS, deleteKeys, type TestClient } from '../helpers/redis-clients.js';
import { describeRedis, uniqueName } from '../helpers/services.js';

describeRedis.each(DRIVERS)('the Coordinator contract: RedisCoordinator with %s', (driver) => {
  const clients: TestClient[] = [];
  const coordinators: RedisCoordinator[] = [];
  const prefixes: string[] = [];

  afterEach(async () => {
    for (const coordinator of coordinators.splice(0)) await coordinator.close();
    const [first] = clients;
    for (const prefix of prefixes.splice(0)) if (first) await deleteKeys(first, prefix);
    for (const client of clients.splice(0)) await client.close();
  });

  coordinatorContract(() => {
    const prefix = uniqueName('contract');
    prefixes.push(prefix);
    const mine: TestClient[] = [];
    return {
      async coordinator({ accountConcurrency }) {
        const client = await connect(driver);
        clients.push(client);
        mine.push(client);
        const coordinator = new RedisCoordinator({
          redis: client.client,
          accountConcurrency,
          keyPrefix: prefix,
        });
        coordinators.push(coordinator);
        await coordinator.ready({ accountSid: CONTRACT_ACCOUNT, requestTimeoutMs: 1_000 });
        return coordinator;
      },
      async idle() {
        // Commands on one connection are answered in order: after a PING's answer, every script call sent
        // before it has been answered too, and its continuation has run by the next turn of the event loop.
        for (const client of mine) await client.command(['PING']);
        await setImmediate();
      },
      async clock() {
        const [seconds, micros] = (await (mine[0] as TestClient).command(['TIME'])) as [string, string];
        return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      },
    };
  });
});
