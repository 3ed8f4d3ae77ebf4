import { describe, expect, it } from 'vitest';
import type { TwilioClient } from '../src/client.js';
import { silentLogger } from '../src/logger.js';
import { sendRows } from '../src/sender.js';

const request = { to: '+14155550100', from: '+15005550006', body: 'Hi', mediaUrls: [] };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('sendRows', () => {
  it('reports an unexpected failure as possibly sent, never to be resent blindly', async () => {
    const client = {
      createMessage: async () => {
        throw new Error('bug in a dependency');
      },
    } as unknown as TwilioClient;
    const results = await collect(
      sendRows([{}], () => ({ ok: true, request }), {
        client,
        accountSid: 'AC1',
        retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
        sleep: async () => {},
        random: () => 1,
        now: () => 0,
        logger: silentLogger,
        duplicateCheck: undefined,
        concurrency: 1,
        segmentsPerSecond: undefined,
        onProgress: undefined,
        progressIntervalMs: 500,
      }),
    );
    expect(results).toEqual([
      {
        status: 'failed',
        index: 0,
        attempts: 1,
        error: {
          code: 'network_error',
          message: 'Row 0: unexpected failure (bug in a dependency)',
          retryable: false,
          possiblySent: true,
        },
      },
    ]);
  });
});
