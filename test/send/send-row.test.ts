import { describe, expect, it } from 'vitest';
import { NetworkError, TwilioApiError } from '../../src/errors.js';
import type { MessageRequest } from '../../src/message.js';
import { CoordinatorUnavailableError } from '../../src/seams/coordinator.js';
import { type RowContext, sendRow } from '../../src/send/send-row.js';
import { fakeClient, recordingCoordinator, sendContext } from '../helpers/send.js';
import { ACCOUNT_SID, FROM, messageJson, sentResult } from '../helpers/twilio.js';

const request: MessageRequest = { to: '+14155550100', from: FROM, body: 'Hi', mediaUrls: [] };

function apiError(httpStatus: number, code?: number, retryAfterMs?: number) {
  return new TwilioApiError({
    httpStatus,
    method: 'POST',
    path: '/x',
    body: code === undefined ? {} : { code },
    requestId: undefined,
    retryAfterMs,
  });
}

/** A row context around `client` and `coordinator`, recording the waits. */
function rowContext(
  client: ReturnType<typeof fakeClient>,
  coordinator: ReturnType<typeof recordingCoordinator>,
  options: Parameters<typeof sendContext>[1] = {},
) {
  const waits: number[] = [];
  const context = sendContext(client, {
    random: () => 1,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  const row: RowContext = {
    client,
    accountSid: ACCOUNT_SID,
    coordinator,
    options: context.options,
    created: new Set(),
    stopped: () => undefined,
    retrying: () => {},
    signal: new AbortController().signal,
  };
  return { row, waits };
}

describe('sendRow', () => {
  it('asks for a permit before the create, charging the segments, and releases it ok after a 201', async () => {
    const client = fakeClient({ create: () => messageJson({ sid: 'SM1' }) as never });
    const coordinator = recordingCoordinator();
    const { row } = rowContext(client, coordinator);
    const outcome = await sendRow({ request, index: 0, segments: 2 }, row);
    expect(outcome).toEqual({ result: sentResult(0, { messageSid: 'SM1' }) });
    expect(coordinator.events).toEqual([`acquire create ${FROM} 2`, 'release ok']);
  });

  it('charges a retry nothing and tells the coordinator about the 429', async () => {
    const client = fakeClient({
      create: (_form, n) => {
        if (n === 1) throw apiError(429, 20429);
        return messageJson({ sid: 'SM2' }) as never;
      },
    });
    const coordinator = recordingCoordinator();
    const { row, waits } = rowContext(client, coordinator);
    const outcome = await sendRow({ request, index: 0, segments: 1 }, row);
    expect(outcome.result).toMatchObject({ status: 'sent', attempts: 2, messageSid: 'SM2' });
    expect(coordinator.events).toEqual([
      `acquire create ${FROM} 1`,
      'release rate_limited',
      `acquire create ${FROM} 0`,
      'release ok',
    ]);
    expect(waits).toEqual([1000]);
  });

  it('frees the create’s permit before the duplicate check and takes one per look-up', async () => {
    const client = fakeClient({
      create: (_form, n) => {
        if (n === 1) throw apiError(500);
        return messageJson({ sid: 'SM3' }) as never;
      },
      get: () => ({ messages: [], next_page_uri: null }),
    });
    const coordinator = recordingCoordinator();
    const { row } = rowContext(client, coordinator);
    const outcome = await sendRow({ request, index: 4, segments: 1 }, row);
    expect(outcome.result).toMatchObject({ status: 'sent', attempts: 2, messageSid: 'SM3' });
    expect(client.gets).toHaveLength(2);
    expect(coordinator.events).toEqual([
      `acquire create ${FROM} 1`,
      'release other',
      `acquire lookup ${FROM} 0`,
      'release ok',
      `acquire lookup ${FROM} 0`,
      'release ok',
      `acquire create ${FROM} 0`,
      'release ok',
    ]);
  });

  it('pauses the sender for the row’s own wait after a 21611', async () => {
    const client = fakeClient({
      create: (_form, n) => {
        if (n === 1) throw apiError(400, 21611);
        return messageJson() as never;
      },
    });
    const coordinator = recordingCoordinator();
    const { row, waits } = rowContext(client, coordinator);
    await sendRow({ request, index: 0, segments: 1 }, row);
    expect(coordinator.events[1]).toBe('release queue_full 1000');
    expect(waits).toEqual([1000]);
  });

  it('fails the row with coordinator_error and ends the batch when no permit can be had, making no request', async () => {
    const client = fakeClient({ create: () => messageJson() as never });
    const coordinator = recordingCoordinator(undefined, {
      acquire: new CoordinatorUnavailableError('Redis coordinator (127.0.0.1:6379)', 'connection refused'),
    });
    const { row } = rowContext(client, coordinator);
    const outcome = await sendRow({ request, index: 2, segments: 1 }, row);
    expect(client.creates).toHaveLength(0);
    expect(outcome).toEqual({
      result: {
        status: 'failed',
        index: 2,
        attempts: 0,
        error: {
          code: 'coordinator_error',
          message:
            'Row 2: not sent because the Redis coordinator (127.0.0.1:6379) could not be reached (connection refused); send it again once it answers',
          retryable: true,
          possiblySent: false,
        },
      },
      stop: {
        code: 'coordinator_error',
        message:
          'Not sent: the batch stopped at row 2 because the Redis coordinator (127.0.0.1:6379) could not be reached (connection refused). Send the failed rows again once it answers',
        retryable: true,
        possiblySent: false,
      },
    });
  });

  it('asks for a Messaging Service’s permits under its SID', async () => {
    const client = fakeClient({ create: () => messageJson() as never });
    const coordinator = recordingCoordinator();
    const { row } = rowContext(client, coordinator);
    const { from: _from, ...rest } = request;
    await sendRow({ request: { ...rest, messagingServiceSid: 'MG1' }, index: 0, segments: 1 }, row);
    expect(coordinator.events).toEqual(['acquire create MG1 1', 'release ok']);
  });

  it.each([
    ['an Error', new TypeError('bug'), 'bug'],
    ['a string', 'down', 'down'],
  ])(
    'treats %s thrown by a coordinator as the coordinator being unavailable',
    async (_name, thrown, text) => {
      const client = fakeClient({ create: () => messageJson() as never });
      const coordinator = recordingCoordinator(undefined, { acquire: thrown as Error });
      const { row } = rowContext(client, coordinator);
      const outcome = await sendRow({ request, index: 0, segments: 1 }, row);
      expect(outcome.result).toMatchObject({
        status: 'failed',
        error: {
          code: 'coordinator_error',
          message: `Row 0: not sent because the coordinator could not be reached (${text}); send it again once it answers`,
          retryable: true,
          possiblySent: false,
        },
      });
      expect(outcome.stop?.code).toBe('coordinator_error');
    },
  );

  it('keeps a possibly sent row possibly sent when the coordinator fails during its duplicate check', async () => {
    const client = fakeClient({
      create: () => {
        throw new NetworkError('socket hang up', { written: true });
      },
    });
    const coordinator = recordingCoordinator(undefined, {
      acquireAt: 2,
      acquire: new CoordinatorUnavailableError('Redis coordinator', 'timeout'),
    });
    const { row } = rowContext(client, coordinator);
    const outcome = await sendRow({ request, index: 1, segments: 1 }, row);
    expect(client.gets).toHaveLength(0);
    expect(outcome.result).toEqual({
      status: 'failed',
      index: 1,
      attempts: 1,
      error: {
        code: 'network_error',
        message:
          'Row 1: socket hang up, and the Redis coordinator could not be reached to check whether Twilio had created the message (timeout); it may exist, so check before sending this row again',
        retryable: false,
        possiblySent: true,
      },
    });
    expect(outcome.stop).toMatchObject({ code: 'coordinator_error', retryable: true, possiblySent: false });
  });

  it('reports the batch’s end, with no request, when another row ended it', async () => {
    const client = fakeClient({ create: () => messageJson() as never });
    const coordinator = recordingCoordinator();
    const { row } = rowContext(client, coordinator);
    const stop = {
      code: 'auth_failed' as const,
      message: 'Not sent: the batch stopped at row 0',
      retryable: false,
    };
    const outcome = await sendRow({ request, index: 3, segments: 1 }, { ...row, stopped: () => stop });
    expect(outcome).toEqual({ result: { status: 'failed', index: 3, attempts: 0, error: stop }, stop });
    expect(coordinator.events).toEqual([]);
  });
});
