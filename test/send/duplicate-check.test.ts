import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { isSameMessage } from '../../src/send/duplicate-check.js';
import { startServer } from '../helpers/server.js';
import {
  ACCOUNT_SID,
  api,
  destination,
  errorJson,
  FROM,
  failedResult,
  MESSAGES_PATH,
  MG_SID,
  messageJson,
} from '../helpers/twilio.js';

const TO = '+14155550100';
const NOW = Date.parse('Thu, 26 Nov 2026 10:00:00 GMT');
const at = (seconds: number) => new Date(NOW + seconds * 1000).toUTCString().replace('GMT', '+0000');
const request = { to: TO, from: FROM, body: 'Hi Ann', mediaUrls: [] };
const listQuery = { To: TO, From: FROM, PageSize: '50' };
const ANN = { to: TO, first_name: 'Ann' };

/** A create answered `status` with `body`, then the look-up's GET (its `.reply` still to give). */
const failedThenLookUp = (status: number, body: object, query: object = listQuery, headers = {}) =>
  api().post(MESSAGES_PATH).reply(status, body, headers).get(MESSAGES_PATH).query(query);

/** A message the look-up lists: to TO with the row's body, created `seconds` after the attempt began. */
const listed = (sid: string, seconds: number, fields: Record<string, unknown> = {}) =>
  messageJson({ sid, to: TO, body: 'Hi Ann', date_created: at(seconds), ...fields });

const cleanups: (() => Promise<void>)[] = [];
const after = (cleanup: () => Promise<void>) => cleanups.push(cleanup);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  expect(nock.pendingMocks()).toEqual([]);
});

describe('isSameMessage', () => {
  const message = (overrides: Record<string, unknown>) =>
    messageJson({ to: TO, from: FROM, body: 'Hi Ann', date_created: at(1), ...overrides }) as never;

  it.each([
    ['the same message created after the attempt began', {}, request, true],
    ['a message created in the same second', { date_created: at(0) }, request, true],
    ['a trial-account body', { body: 'Sent from your Twilio trial account - Hi Ann' }, request, true],
    ['another body', { body: 'Hi Bob' }, request, false],
    ['another recipient', { to: '+14155550199' }, request, false],
    ['another sender', { from: '+15005550009' }, request, false],
    ['an older message', { date_created: at(-5) }, request, false],
    ['an unreadable date', { date_created: 'yesterday' }, request, false],
    [
      'a Messaging Service message',
      { from: null, messaging_service_sid: MG_SID },
      { to: TO, messagingServiceSid: MG_SID, body: 'Hi Ann', mediaUrls: [] },
      true,
    ],
    [
      'another Messaging Service',
      { messaging_service_sid: 'MG2' },
      { to: TO, messagingServiceSid: MG_SID, body: 'Hi Ann', mediaUrls: [] },
      false,
    ],
    [
      'a media-only message with as many media',
      { body: '', num_media: '2' },
      { ...request, body: '', mediaUrls: ['a', 'b'] },
      true,
    ],
    [
      'a media-only message with other media',
      { body: null, num_media: '1' },
      { ...request, body: '', mediaUrls: ['a', 'b'] },
      false,
    ],
    [
      'a smart-encoded message whose stored body Twilio rewrote',
      { body: 'Hi "Ann"' },
      { ...request, body: 'Hi “Ann”', smartEncoded: true },
      true,
    ],
    [
      'a message with shortened links',
      { body: 'See https://twil.io/x' },
      { ...request, body: 'See https://example.com/long', shortenUrls: true },
      true,
    ],
    [
      'a Content template message',
      { body: 'Your order shipped' },
      { ...request, body: '', contentSid: 'HX1' },
      true,
    ],
    ['a rewritten message with other media', { num_media: '1' }, { ...request, smartEncoded: true }, false],
  ])('matches %s: %s', (_name, overrides, req, expected) => {
    expect(isSameMessage(message(overrides), req, NOW)).toBe(expected);
  });
});

describe('duplicate-safe retries', () => {
  const options = { now: () => NOW };

  it('finds the message a 500 created and reports it sent, recovered, without posting again', async () => {
    failedThenLookUp(500, errorJson(20500, 500)).reply(200, {
      messages: [listed('SM7bd79be6e6c66deb981a79432ee3fde5', 0, { num_segments: '1' })],
      next_page_uri: null,
    });
    const { dest, waits } = destination({}, options);
    expect(await dest.write([ANN])).toEqual([
      {
        status: 'sent',
        index: 0,
        attempts: 1,
        messageSid: 'SM7bd79be6e6c66deb981a79432ee3fde5',
        twilioStatus: 'queued',
        segments: 1,
        recovered: true,
      },
    ]);
    expect(waits).toEqual([]);
  });

  it('looks twice, after a pause, before retrying a message that was not created', async () => {
    failedThenLookUp(503, errorJson(20503, 503))
      .times(2)
      .reply(200, { messages: [], next_page_uri: null })
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SM83bbabe38a1906ee306276e14dcd24c6' }));
    const { dest, waits } = destination({}, { ...options, duplicateCheck: { pauseMs: 250 } });
    const [result] = await dest.write([ANN]);
    expect(result).toEqual({
      status: 'sent',
      index: 0,
      attempts: 2,
      messageSid: 'SM83bbabe38a1906ee306276e14dcd24c6',
      twilioStatus: 'queued',
      segments: 1,
    });
    expect(waits).toEqual([250, 1000]);
  });

  it('finds a message that appears only on the second look', async () => {
    failedThenLookUp(502, {})
      .reply(200, { messages: [] })
      .get(MESSAGES_PATH)
      .query(listQuery)
      .reply(200, {
        messages: [listed('SM6dfd3fd63dcb05d1e220b049bf00ea3b', 1)],
      });
    const { dest } = destination({}, options);
    const [result] = await dest.write([ANN]);
    expect(result).toMatchObject({
      status: 'sent',
      messageSid: 'SM6dfd3fd63dcb05d1e220b049bf00ea3b',
      recovered: true,
      attempts: 1,
    });
  });

  it('filters on the recipient only for a Messaging Service, whose From is null at first', async () => {
    failedThenLookUp(500, {}, { To: TO, PageSize: '50' }).reply(200, {
      messages: [
        listed('SMf7c6e9e9c20d35aa9e188783aa376fad', 0, {
          from: null,
          messaging_service_sid: MG_SID,
          num_segments: '0',
          status: 'accepted',
        }),
      ],
    });
    const { dest } = destination({ settings: { from: MG_SID } }, options);
    const [result] = await dest.write([ANN]);
    expect(result).toEqual({
      status: 'sent',
      index: 0,
      attempts: 1,
      messageSid: 'SMf7c6e9e9c20d35aa9e188783aa376fad',
      twilioStatus: 'accepted',
      recovered: true,
    });
  });

  it('follows next_page_uri for a bounded number of pages', async () => {
    const next = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?To=%2B14155550100&From=%2B15005550006&PageSize=50&Page=1&PageToken=PA1`;
    failedThenLookUp(500, {})
      .reply(200, {
        messages: [listed('SMa7ed153cd5298e07981104e727f0e8e5', 2, { body: 'Other' })],
        next_page_uri: next,
      })
      .get(MESSAGES_PATH)
      .query({ ...listQuery, Page: '1', PageToken: 'PA1' })
      .reply(200, {
        messages: [listed('SMff650a2c37a3e7377e88eb6f068380a7', 0)],
        next_page_uri: null,
      });
    const { dest } = destination({}, options);
    const [result] = await dest.write([ANN]);
    expect(result).toMatchObject({
      status: 'sent',
      messageSid: 'SMff650a2c37a3e7377e88eb6f068380a7',
      recovered: true,
    });
  });

  it('stops reading pages once they reach messages older than the attempt', async () => {
    failedThenLookUp(500, {})
      .times(2)
      .reply(200, {
        messages: [listed('SM1693cdf336c3d0b25e6b2cf63c7d8f33', -3600)],
        next_page_uri: '/never-read',
      })
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SM83bbabe38a1906ee306276e14dcd24c6' }));
    const { dest } = destination({}, options);
    const [result] = await dest.write([ANN]);
    expect(result).toMatchObject({
      status: 'sent',
      messageSid: 'SM83bbabe38a1906ee306276e14dcd24c6',
      attempts: 2,
    });
  });

  it('never claims a message that an earlier row of the same write created', async () => {
    const earlier = listed('SMf09cb03446b9c50df5d243a23502c4e4', 0);
    api()
      .post(MESSAGES_PATH)
      .reply(201, earlier)
      .post(MESSAGES_PATH)
      .reply(500, {})
      .get(MESSAGES_PATH)
      .query(listQuery)
      .times(2)
      .reply(200, { messages: [earlier] })
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SM7cf25242f7a559a85d7fc420eaa326f1' }));
    const { dest } = destination({}, options);
    const results = await dest.write([ANN, ANN]);
    expect(results.map((r) => r.status === 'sent' && r.messageSid)).toEqual([
      'SMf09cb03446b9c50df5d243a23502c4e4',
      'SM7cf25242f7a559a85d7fc420eaa326f1',
    ]);
  });

  it('runs the look-up after the last attempt too, and then reports the row not sent and retryable', async () => {
    failedThenLookUp(500, errorJson(20500, 500)).times(2).reply(200, { messages: [] });
    const { dest } = destination({}, { ...options, retry: { retries: 0 } });
    const [result] = await dest.write([ANN]);
    expect(result).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'server_error', possiblySent: false, retryable: true },
    });
  });

  it('does not resend when the look-up itself fails: possibly sent, not retryable', async () => {
    failedThenLookUp(500, errorJson(20500, 500), listQuery, {
      'Twilio-Request-Id': 'RQbf465438c773d7fe86f10d75e614ab1d',
    })
      .times(3)
      .reply(503, errorJson(20503, 503, 'Unavailable'));
    const { dest, waits } = destination({}, options);
    const [result] = await dest.write([ANN]);
    // The look-up is a GET, safe to repeat: two more tries, then no resend.
    expect(waits).toEqual([1000, 2000]);
    expect(result).toEqual(
      failedResult(0, {
        code: 'server_error',
        message: `Row 0: Twilio answered HTTP 500, Twilio error 20500: Error, and checking whether Twilio had created the message failed too (Twilio answered HTTP 503, code 20503 to GET /2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?To=%2B14155550100&From=%2B15005550006&PageSize=50: Unavailable); it may exist, so check before sending this row again`,
        retryable: false,
        possiblySent: true,
        httpStatus: 500,
        twilioCode: 20500,
        moreInfo: 'https://www.twilio.com/docs/errors/20500',
        requestId: 'RQbf465438c773d7fe86f10d75e614ab1d',
      }),
    );
  });

  it('retries a failed look-up page before concluding', async () => {
    failedThenLookUp(500, {})
      .reply(429, errorJson(20429, 429))
      .get(MESSAGES_PATH)
      .query(listQuery)
      .reply(200, {
        messages: [listed('SM7bd79be6e6c66deb981a79432ee3fde5', 0)],
      });
    const { dest, waits } = destination({}, options);
    const [result] = await dest.write([ANN]);
    expect(result).toMatchObject({
      status: 'sent',
      messageSid: 'SM7bd79be6e6c66deb981a79432ee3fde5',
      recovered: true,
      attempts: 1,
    });
    expect(waits).toEqual([1000]);
  });

  it('caps every pause of the look-up, and the retry after it, at retry.maxRetryAfterMs', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(500, {})
      .get(MESSAGES_PATH)
      .query(listQuery)
      .times(2)
      .reply(429, errorJson(20429, 429))
      .get(MESSAGES_PATH)
      .query(listQuery)
      .times(2)
      .reply(200, { messages: [], next_page_uri: null })
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SM11111111111111111111111111111111' }));
    const { dest, waits } = destination(
      {},
      { ...options, retry: { maxRetryAfterMs: 300 }, duplicateCheck: { pauseMs: 500 } },
    );
    const [result] = await dest.write([{ to: TO, first_name: 'Ann' }]);
    expect(result).toMatchObject({
      status: 'sent',
      messageSid: 'SM11111111111111111111111111111111',
      attempts: 2,
    });
    // Page retries (500, 1000), the second look's pause (500) and the backoff (1000), each capped at 300.
    expect(waits).toEqual([300, 300, 300, 300]);
  });

  it('waits a look-up page’s Retry-After, and gives the look-up up on one over the cap', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(500, {})
      .get(MESSAGES_PATH)
      .query(listQuery)
      .reply(429, errorJson(20429, 429), { 'Retry-After': '2' })
      .get(MESSAGES_PATH)
      .query(listQuery)
      .reply(200, {
        messages: [
          messageJson({
            sid: 'SM22222222222222222222222222222222',
            to: TO,
            body: 'Hi Ann',
            date_created: at(0),
          }),
        ],
      })
      .post(MESSAGES_PATH)
      .reply(500, {})
      .get(MESSAGES_PATH)
      .query(listQuery)
      .reply(429, errorJson(20429, 429), { 'Retry-After': '120' });
    const { dest, waits } = destination({}, { ...options, concurrency: 1, duplicateCheck: { pauseMs: 250 } });
    const [first, second] = await dest.write([
      { to: TO, first_name: 'Ann' },
      { to: TO, first_name: 'Ann' },
    ]);
    expect(first).toMatchObject({
      status: 'sent',
      messageSid: 'SM22222222222222222222222222222222',
      recovered: true,
    });
    expect(second).toMatchObject({
      status: 'failed',
      index: 1,
      attempts: 1,
      error: { code: 'server_error', possiblySent: true, retryable: false, httpStatus: 500 },
    });
    // 2 s asked and waited; 120 s is over the 60 s cap, so nothing waits for it.
    expect(waits).toEqual([2000]);
  });

  it('ends the batch when the look-up is refused (401), leaving the row possibly sent', async () => {
    failedThenLookUp(503, {}).reply(401, errorJson(20003, 401, 'Authenticate'));
    const { dest } = destination({}, options);
    const results = await dest.write([ANN, { to: TO, first_name: 'Bob' }]);
    expect(results).toEqual([
      failedResult(0, {
        code: 'auth_failed',
        message: expect.stringMatching(
          /^Twilio refused the credentials .*\(this answered the check for a message an earlier attempt may have created, so it may exist: check before sending this row again\)$/,
        ),
        retryable: false,
        possiblySent: true,
        httpStatus: 401,
        twilioCode: 20003,
        moreInfo: 'https://www.twilio.com/docs/errors/20003',
      }),
      failedResult(
        1,
        {
          code: 'auth_failed',
          message: expect.stringMatching(/^Not sent: the batch stopped at row 0/),
          retryable: false,
        },
        0,
      ),
    ]);
  });

  it('reports a network failure whose look-up fails as network_error, possibly sent', async () => {
    // Resets every POST after it was written, and fails the look-up.
    const server = await startServer((req, res) => {
      if (req.method === 'POST') {
        req.socket.destroy();
        return;
      }
      res.writeHead(500);
      res.end();
    });
    const { dest } = destination({}, { ...options, apiBaseUrl: server.url });
    after(server.close);
    const [result] = await dest.write([ANN]);
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: 'network_error',
        possiblySent: true,
        retryable: false,
        message: expect.stringMatching(
          /^Row 0: Could not complete POST .*: UND_ERR_SOCKET \(other side closed\), and checking whether/,
        ),
      },
    });
  });

  it('reports an abort during the look-up as aborted and possibly sent', async () => {
    const controller = new AbortController();
    failedThenLookUp(500, {}).reply(200, () => {
      controller.abort();
      return { messages: [] };
    });
    const { dest } = destination({}, options);
    const results = await dest.write([ANN, { to: TO, first_name: 'Bob' }], { signal: controller.signal });
    expect(
      results.map((r) => r.status === 'failed' && [r.error.code, r.error.possiblySent, r.error.retryable]),
    ).toEqual([
      ['aborted', true, false],
      ['aborted', false, true],
    ]);
    expect(results[0]?.status === 'failed' && results[0].error.message).toBe(
      'Row 0: the write was aborted while checking whether an earlier attempt had created the message; it may exist, so check before sending this row again',
    );
  });
});

describe('a look-up the credentials may not make', () => {
  it('leaves only that row possibly sent on 403 and goes on with the batch', async () => {
    failedThenLookUp(500, errorJson(20500, 500))
      .reply(403, errorJson(20403, 403, 'Forbidden'))
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SM1e73f3e8a83e57ddcd3371aad839df3d' }));
    const { dest } = destination({}, { now: () => NOW });
    const results = await dest.write([ANN, { to: TO, first_name: 'Bob' }]);
    expect(
      results.map((r) => (r.status === 'sent' ? r.messageSid : [r.error.code, r.error.possiblySent])),
    ).toEqual([['server_error', true], 'SM1e73f3e8a83e57ddcd3371aad839df3d']);
  });
});
