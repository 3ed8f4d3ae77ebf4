import { setImmediate } from 'node:timers/promises';
import { describe } from 'vitest';
import { InProcessCoordinator } from '../../src/send/in-process-coordinator.js';
import { coordinatorContract } from '../helpers/coordinator-contract.js';

describe('the Coordinator contract: InProcessCoordinator', () => {
  coordinatorContract(() => {
    // An injected clock: a sleep moves it on at once, so paced and paused waits take no real time.
    let now = 1_000_000;
    const sleep = async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      now += ms;
    };
    let shared: InProcessCoordinator | undefined;
    return {
      // One process: every "worker" of a test shares the one in-process budget.
      async coordinator({ accountConcurrency }) {
        shared ??= new InProcessCoordinator({ concurrency: accountConcurrency, now: () => now, sleep });
        return shared;
      },
      idle: () => setImmediate(),
      clock: async () => now,
    };
  });
});
