import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import {
  api,
  BASIC,
  createRequest,
  destination,
  errorJson,
  expectCreate,
  FROM,
  failedResult,
  KEY_BASIC,
  KEY_CREDENTIALS,
  MESSAGES_PATH,
  MG_SID,
  messageJson,
  sentResult,
  TO,
} from './helpers/twilio.js';

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
});

describe('write: the request', () => {
  it('posts the exact form body and headers, and reports the sent message', async () => {
    createRequest({ To: TO, From: FROM, Body: 'Hi Ann & <Bob> "x"' })
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .matchHeader('accept', 'application/json')
      .matchHeader('user-agent', `twilio-destination/${VERSION} node/${process.version}`)
      .reply(201, messageJson(), { 'Twilio-Request-Id': 'RQa95ce386add4961b6829247aa25750a0' });
    const { dest } = destination();
    const results = await dest.write([{ to: ` ${TO} `, first_name: 'Ann & <Bob> "x"' }]);
    expect(results).toEqual([sentResult(0, { requestId: 'RQa95ce386add4961b6829247aa25750a0' })]);
  });

  it('sends MessagingServiceSid without From for a Messaging Service and leaves out a "0" segment count', async () => {
    expectCreate(
      { To: 'whatsapp:+14155550100', MessagingServiceSid: MG_SID, Body: 'Hi Ann' },
      { status: 'accepted', num_segments: '0', from: null },
    );
    const { dest } = destination({ settings: { from: MG_SID } });
    const results = await dest.write([{ to: 'whatsapp:+14155550100', first_name: 'Ann' }]);
    expect(results).toEqual([
      { status: 'sent', index: 0, attempts: 1, messageSid: `SM${'0'.repeat(31)}1`, twilioStatus: 'accepted' },
    ]);
  });

  it('authenticates with an API key while keeping the Account SID in the path', async () => {
    createRequest({ To: TO, From: FROM, Body: 'Hi Ann' }, KEY_BASIC).reply(201, messageJson());
    const { dest } = destination({
      credentials: KEY_CREDENTIALS,
    });
    expect(await dest.write([{ to: TO, first_name: 'Ann' }])).toEqual([sentResult(0)]);
  });

  it('sends one MediaUrl per URL in order, a StatusCallback, and reads mapped columns', async () => {
    expectCreate(
      {
        To: TO,
        From: FROM,
        Body: 'Look: great news',
        MediaUrl: ['https://example.com/a.png', 'http://example.com/b.jpg'],
        StatusCallback: 'https://hooks.example.com/status',
      },
      { sid: 'MM771e3ffd69449715fab1722e2ac09f5f', num_media: '2' },
    );
    const { dest } = destination({
      settings: { messageTemplate: 'Look: {{body}}' },
      mapping: { to: 'phone', body: 'text', media_url: 'images', status_callback: 'hook' },
    });
    const results = await dest.write([
      {
        phone: TO,
        text: 'great news',
        body: 'ignored because body is mapped to text',
        images: ['https://example.com/a.png', 'http://example.com/b.jpg'],
        hook: 'https://hooks.example.com/status',
      },
    ]);
    expect(results).toEqual([sentResult(0, { messageSid: 'MM771e3ffd69449715fab1722e2ac09f5f' })]);
  });

  it('sends an MMS with media and no Body when the template renders empty', async () => {
    expectCreate({ To: TO, From: FROM, MediaUrl: 'https://example.com/a.png' });
    const { dest } = destination({ settings: { messageTemplate: '{{#note}}{{note}}{{/note}}' } });
    expect(await dest.write([{ to: TO, media_url: 'https://example.com/a.png' }])).toEqual([sentResult(0)]);
  });

  it('sends a body of exactly 1,600 characters and refuses 1,601 without a request', async () => {
    const exact = 'x'.repeat(1600);
    expectCreate({ To: TO, From: FROM, Body: exact });
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const results = await dest.write([
      { to: TO, text: exact },
      { to: TO, text: `${exact}y` },
    ]);
    expect(results).toEqual([
      sentResult(0),
      failedResult(
        1,
        {
          code: 'template_error',
          message:
            "Row 1: the rendered message is 1601 characters; Twilio accepts at most 1600 (error 21617). Shorten the template or this row's values",
          retryable: false,
        },
        0,
      ),
    ]);
  });

  it('counts the 1,600 limit in UTF-16 code units', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const [result] = await dest.write([{ to: TO, text: '😀'.repeat(801) }]);
    expect(result).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'template_error' } });
  });
});

describe('write: a first row without the recipient column', () => {
  it('fails every row with config_error and that one message, and makes no request', async () => {
    const { dest } = destination({ mapping: { to: 'mobile' } });
    const rows = [
      { phone: TO, first_name: 'Ann' },
      { phone: TO, first_name: 'Bob' },
      { mobile: TO, first_name: 'Cy' },
    ];
    const results = await dest.write(rows);
    const message =
      'The rows have no column "mobile", which mapping.to reads the recipient from. Their columns: "phone", "first_name"';
    expect(results).toEqual(
      [0, 1, 2].map((index) => ({
        status: 'failed',
        index,
        attempts: 0,
        error: { code: 'config_error', message, retryable: false },
      })),
    );
    // nock has no interceptor: a request would have failed the rows with network_error instead.
  });

  it('checks only the first row: a later row without it fails on its own', async () => {
    const scope = api().post(MESSAGES_PATH).reply(201, messageJson());
    const { dest } = destination();
    const results = await dest.write([{ to: TO, first_name: 'Ann' }, { first_name: 'Bob' }]);
    expect(results.map((r) => r.status === 'failed' && r.error.code)).toEqual([false, 'invalid_row']);
    expect(scope.isDone()).toBe(true);
  });
});

describe('write: rows that fail locally make no request', () => {
  it.each([
    [{ to: null, first_name: 'Ann' }, 'invalid_row'],
    [{ to: '0415 555 0100', first_name: 'Ann' }, 'invalid_row'],
    [{ to: 'whatsapp:+14155550100', first_name: 'Ann' }, 'invalid_row'],
    [{ to: TO, first_name: 'Ann', media_url: 'javascript:alert(1)' }, 'invalid_row'],
    [
      {
        to: TO,
        first_name: 'Ann',
        media_url: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}.png`),
      },
      'invalid_row',
    ],
    [{ to: TO, first_name: 'Ann', status_callback: 'https://bad_host.example.com/x' }, 'invalid_row'],
    [{ to: TO }, 'template_error'],
    [{ to: TO, first_name: '   ' }, 'template_error'],
    [{ to: TO, first_name: null }, 'template_error'],
    [{ to: TO, first_name: () => 'x' }, 'template_error'],
  ])('fails %j with %s', async (row, code) => {
    const { dest } = destination();
    const [result] = await dest.write([row]);
    expect(result).toMatchObject(failedResult(0, { code, retryable: false }, 0));
  });

  it('names the row, the field and the expected format', async () => {
    const { dest } = destination({ mapping: { to: 'phone' } });
    const results = await dest.write([{ phone: '0415 555' }, 'not a row' as never, { phone: TO }]);
    expect(results.map((r) => r.status === 'failed' && r.error.message)).toEqual([
      expect.stringMatching(
        /^Row 0: "to" must be a phone number in E\.164 format .* \(read from column "phone"\)$/,
      ),
      'Row 1: a row must be an object of column values (got a string)',
      expect.stringMatching(/^Row 2: Template field "first_name"/),
    ]);
  });

  it('reports an unreadable row instead of throwing', async () => {
    const row = Object.defineProperty({}, 'to', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const { dest } = destination();
    expect(await dest.write([row])).toEqual([
      failedResult(
        0,
        { code: 'invalid_row', message: 'Row 0: the row could not be read (boom)', retryable: false },
        0,
      ),
    ]);
  });
});

describe('write: Twilio answers', () => {
  it('fails only the row Twilio rejects and keeps going, with Twilio code, link and request id', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(400, errorJson(21211, 400, "The 'To' number +15005550001 is not a valid phone number."), {
        'Twilio-Request-Id': 'RQ8deb7d8e056f3d69cd1d177dc0ab95f0',
      })
      .post(MESSAGES_PATH)
      .reply(201, messageJson());
    const { dest } = destination();
    const results = await dest.write([
      { to: '+15005550001', first_name: 'A' },
      { to: TO, first_name: 'B' },
    ]);
    expect(results).toEqual([
      failedResult(0, {
        code: 'twilio_rejected',
        message:
          "Row 0: Twilio rejected the message (HTTP 400, Twilio error 21211: The 'To' number +15005550001 is not a valid phone number.). See https://www.twilio.com/docs/errors/21211",
        retryable: false,
        possiblySent: false,
        httpStatus: 400,
        twilioCode: 21211,
        moreInfo: 'https://www.twilio.com/docs/errors/21211',
        requestId: 'RQ8deb7d8e056f3d69cd1d177dc0ab95f0',
      }),
      sentResult(1),
    ]);
  });

  it('retries a full sender queue (21611) within the retry budget, then reports it retryable', async () => {
    api()
      .post(MESSAGES_PATH)
      .times(3)
      .reply(400, errorJson(21611, 400, 'queue full'));
    const { dest, waits } = destination({}, { retry: { retries: 2 } });
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    // Each wait appears twice: the row's own backoff, then the 21611 pause that holds every new attempt
    // (the recorded sleeps return at once, so the pause is still in force).
    expect(waits).toEqual([1000, expect.closeTo(1000, -2), 2000, expect.closeTo(2000, -2)]);
    expect(result).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'twilio_rejected', twilioCode: 21611, retryable: true, possiblySent: false },
    });
  });

  it('sends the row once the sender queue drains', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(400, errorJson(21611, 400, 'queue full'))
      .post(MESSAGES_PATH)
      .reply(201, messageJson());
    const { dest } = destination();
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(result).toEqual(sentResult(0, { attempts: 2 }));
  });

  it.each([
    [401, 20003, 'auth_failed'],
    [403, 20003, 'auth_failed'],
    [404, 20404, 'config_error'],
    [400, 21212, 'config_error'],
  ])(
    'ends the batch on HTTP %i (code %i) with %s for that row and every later one',
    async (status, code, expected) => {
      api()
        .post(MESSAGES_PATH)
        .reply(201, messageJson())
        .post(MESSAGES_PATH)
        .reply(status, errorJson(code, status, 'No'), {
          'Twilio-Request-Id': 'RQc121c80e0c570f4ba80b19048210dd5f',
        });
      const { dest } = destination();
      const results = await dest.write([
        { to: TO, first_name: 'A' },
        { to: TO, first_name: 'B' },
        { to: TO, first_name: 'C' },
        { to: 'invalid', first_name: 'D' },
      ]);
      expect(results[0]).toEqual(sentResult(0));
      expect(results[1]).toEqual(
        failedResult(1, {
          code: expected,
          message: expect.any(String),
          retryable: false,
          possiblySent: false,
          httpStatus: status,
          twilioCode: code,
          moreInfo: `https://www.twilio.com/docs/errors/${code}`,
          requestId: 'RQc121c80e0c570f4ba80b19048210dd5f',
        }),
      );
      for (const index of [2, 3]) {
        expect(results[index]).toEqual({
          status: 'failed',
          index,
          attempts: 0,
          error: {
            code: expected,
            message: expect.stringMatching(/^Not sent: the batch stopped at row 1 \(HTTP /),
            retryable: false,
          },
        });
      }
    },
  );

  it('never retries an unreadable 2xx answer: the message exists', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(201, '<html>oops</html>', { 'Twilio-Request-Id': 'RQ20714f9a45081d8d5e6414fffcc830ce' });
    const { dest } = destination();
    expect(await dest.write([{ to: TO, first_name: 'A' }])).toEqual([
      failedResult(0, {
        code: 'server_error',
        message: expect.stringMatching(
          /^Row 0: Twilio accepted the request \(HTTP 201\) but its answer could not be read/,
        ),
        retryable: false,
        possiblySent: true,
        httpStatus: 201,
        requestId: 'RQ20714f9a45081d8d5e6414fffcc830ce',
      }),
    ]);
  });

  it('treats a 2xx answer without a sid as unreadable', async () => {
    api().post(MESSAGES_PATH).reply(200, { status: 'queued' });
    const { dest } = destination();
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(result).toMatchObject({
      attempts: 1,
      error: { code: 'server_error', possiblySent: true, retryable: false },
    });
  });
});

describe('write: retries', () => {
  it('retries 5xx with exponential waits once the duplicate check found no message', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(500, errorJson(20500, 500))
      .post(MESSAGES_PATH)
      .reply(503, 'Service Unavailable')
      .post(MESSAGES_PATH)
      .reply(201, messageJson())
      .get(MESSAGES_PATH)
      .query(true)
      .times(4)
      .reply(200, { messages: [] });
    const { dest, waits } = destination({}, { duplicateCheck: { pauseMs: 7 } });
    expect(await dest.write([{ to: TO, first_name: 'A' }])).toEqual([sentResult(0, { attempts: 3 })]);
    // Each retry waits for the second look (7 ms), then for its backoff.
    expect(waits).toEqual([7, 1000, 7, 2000]);
  });

  it('applies jitter in [0.5, 1] to the backoff', async () => {
    api().post(MESSAGES_PATH).reply(429, {}).post(MESSAGES_PATH).reply(201, messageJson());
    const { dest, waits } = destination({}, { random: () => 0 });
    await dest.write([{ to: TO, first_name: 'A' }]);
    expect(waits).toEqual([500]);
  });

  it('waits for Retry-After before retrying a 429', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(429, errorJson(20429, 429), { 'Retry-After': '5' })
      .post(MESSAGES_PATH)
      .reply(429, errorJson(20429, 429))
      .post(MESSAGES_PATH)
      .reply(201, messageJson());
    const { dest, waits } = destination();
    expect(await dest.write([{ to: TO, first_name: 'A' }])).toEqual([sentResult(0, { attempts: 3 })]);
    expect(waits).toEqual([5000, 2000]);
  });

  it('reads Retry-After as an HTTP date against the injected clock', async () => {
    const now = Date.parse('Thu, 26 Nov 2026 10:00:00 GMT');
    api()
      .post(MESSAGES_PATH)
      .reply(429, errorJson(20429, 429), { 'Retry-After': 'Thu, 26 Nov 2026 10:00:08 GMT' })
      .post(MESSAGES_PATH)
      .reply(201, messageJson());
    const { dest, waits } = destination({}, { now: () => now });
    await dest.write([{ to: TO, first_name: 'A' }]);
    expect(waits).toEqual([8000]);
  });

  it.each([
    [500, undefined, 'server_error'],
    [503, undefined, 'server_error'],
    [400, 21611, 'twilio_rejected'],
  ])(
    'never waits a day: HTTP %i (code %s) with Retry-After 86400 ends the row and the batch at once as %s',
    async (status, code, expected) => {
      api()
        .post(MESSAGES_PATH)
        .reply(status, code === undefined ? {} : errorJson(code, status, 'Queue full'), {
          'Retry-After': '86400',
        });
      // The duplicate check settles the 5xx first: its look-ups find no message.
      if (status >= 500) {
        api()
          .get(/Messages\.json/)
          .times(2)
          .reply(200, { messages: [], next_page_uri: null });
      }
      const { dest, waits } = destination({}, { retry: { maxRetryAfterMs: 60_000 } });
      const results = await dest.write([
        { to: TO, first_name: 'A' },
        { to: TO, first_name: 'B' },
      ]);
      expect(nock.isDone()).toBe(true);
      // Only the duplicate check's pause, never a wait past the cap.
      expect(waits).toEqual(status >= 500 ? [1000] : []);
      const answer =
        code === undefined ? `HTTP ${status}` : `HTTP ${status}, Twilio error ${code}: Queue full`;
      expect(results).toEqual([
        {
          status: 'failed',
          index: 0,
          attempts: 1,
          error: {
            code: expected,
            message: `Row 0: not retried (${answer}). Twilio asked to wait 24 h before sending more (Retry-After); send the failed rows again after that`,
            retryable: true,
            possiblySent: false,
            httpStatus: status,
            ...(code === undefined
              ? {}
              : { twilioCode: code, moreInfo: `https://www.twilio.com/docs/errors/${code}` }),
          },
        },
        {
          status: 'failed',
          index: 1,
          attempts: 0,
          error: {
            code: expected,
            message: `Not sent: the batch stopped at row 0 (${answer}). Twilio asked to wait 24 h before sending more (Retry-After); send the failed rows again after that`,
            retryable: true,
            possiblySent: false,
          },
        },
      ]);
    },
  );

  it('says a 5xx asking to wait a day may have created the message when nothing could settle it', async () => {
    api().post(MESSAGES_PATH).reply(503, {}, { 'Retry-After': '86400' });
    const { dest, waits } = destination({}, { duplicateCheck: false });
    const results = await dest.write([
      { to: TO, first_name: 'A' },
      { to: TO, first_name: 'B' },
    ]);
    expect(waits).toEqual([]);
    expect(
      results.map((r) => r.status === 'failed' && [r.error.code, r.error.possiblySent, r.error.retryable]),
    ).toEqual([
      ['server_error', true, false],
      ['server_error', false, true],
    ]);
    expect(results[0]).toMatchObject({
      error: {
        message:
          'Row 0: not retried (HTTP 503). Twilio may have created the message, so check before sending this row again. Twilio asked to wait 24 h before sending more (Retry-After); send the failed rows again after that',
      },
    });
  });

  it('fails the row and the rest of the batch at once when Retry-After exceeds maxRetryAfterMs', async () => {
    api().post(MESSAGES_PATH).reply(429, errorJson(20429, 429), { 'Retry-After': '120' });
    const { dest, waits } = destination();
    const results = await dest.write([
      { to: TO, first_name: 'A' },
      { to: TO, first_name: 'B' },
    ]);
    expect(waits).toEqual([]);
    expect(results).toEqual([
      failedResult(0, {
        code: 'rate_limited',
        message:
          'Row 0: rate limited (HTTP 429, Twilio error 20429: Error). Twilio asked to wait 2 min before sending more (Retry-After); send the failed rows again after that',
        retryable: true,
        possiblySent: false,
        httpStatus: 429,
        twilioCode: 20429,
        moreInfo: 'https://www.twilio.com/docs/errors/20429',
      }),
      failedResult(
        1,
        {
          code: 'rate_limited',
          message:
            'Not sent: the batch stopped at row 0 because Twilio rate-limited the account. Twilio asked to wait 2 min before sending more (Retry-After); send the failed rows again after that',
          retryable: true,
          possiblySent: false,
        },
        0,
      ),
    ]);
  });

  it('reports rate_limited, retryable, when 429s outlast the retries', async () => {
    api().post(MESSAGES_PATH).times(3).reply(429, errorJson(20429, 429));
    const { dest, waits } = destination({}, { retry: { retries: 2, minDelayMs: 10, maxDelayMs: 15 } });
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(waits).toEqual([10, 15]);
    expect(result).toMatchObject({
      attempts: 3,
      error: { code: 'rate_limited', retryable: true, possiblySent: false, httpStatus: 429 },
    });
  });

  it('never resends a 5xx blindly: with the duplicate check off the row ends possibly sent', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(500, errorJson(20500, 500), { 'Twilio-Request-Id': 'RQ169a71380db54b309e01bb0ab7e2a1a6' });
    const { dest, waits } = destination({}, { duplicateCheck: false });
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(waits).toEqual([]);
    expect(result).toEqual(
      failedResult(0, {
        code: 'server_error',
        message:
          'Row 0: Twilio failed (HTTP 500, Twilio error 20500: Error) after the request was sent; the message may exist, so the row was not sent again (duplicateCheck is off): check before sending it again',
        retryable: false,
        possiblySent: true,
        httpStatus: 500,
        twilioCode: 20500,
        moreInfo: 'https://www.twilio.com/docs/errors/20500',
        requestId: 'RQ169a71380db54b309e01bb0ab7e2a1a6',
      }),
    );
  });

  it('reports server_error, not sent and retryable, when 5xx outlast the retries and no message exists', async () => {
    api()
      .post(MESSAGES_PATH)
      .times(3)
      .reply(503, errorJson(20503, 503))
      .get(MESSAGES_PATH)
      .query(true)
      .times(6)
      .reply(200, { messages: [] });
    const { dest } = destination({}, { retry: { retries: 2 } });
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(result).toMatchObject({
      attempts: 3,
      error: {
        code: 'server_error',
        retryable: true,
        possiblySent: false,
        message:
          'Row 0: Twilio failed after all retries (HTTP 503, Twilio error 20503: Error); no message was created, so it can be sent again',
      },
    });
  });

  it('reports a rejection after a settled 5xx as not sent', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(502, {})
      .get(MESSAGES_PATH)
      .query(true)
      .times(2)
      .reply(200, { messages: [] })
      .post(MESSAGES_PATH)
      .reply(400, errorJson(21610, 400, 'Unsubscribed'));
    const { dest } = destination();
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(result).toMatchObject({
      attempts: 2,
      error: { code: 'twilio_rejected', twilioCode: 21610, possiblySent: false, retryable: false },
    });
  });

  it('makes no retry with retries: 0', async () => {
    api().post(MESSAGES_PATH).reply(503, {});
    const { dest, waits } = destination({}, { duplicateCheck: false, retry: { retries: 0 } });
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(waits).toEqual([]);
    expect(result).toMatchObject({ attempts: 1, error: { code: 'server_error' } });
  });

  it('redacts credentials that an intermediary echoes in an error message', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(400, { code: 21000, message: `bad header authorization: ${BASIC}` });
    const { dest } = destination();
    const [result] = await dest.write([{ to: TO, first_name: 'A' }]);
    expect(JSON.stringify(result)).toContain('Basic [REDACTED]');
    expect(JSON.stringify(result)).not.toContain(BASIC);
  });
});

describe('write: inputs', () => {
  it('accepts an async iterable of rows and keeps input order', async () => {
    api().post(MESSAGES_PATH).times(2).reply(201, messageJson());
    const { dest } = destination();
    async function* rows() {
      yield { to: TO, first_name: 'A' };
      yield { to: 'bad', first_name: 'B' };
      yield { to: TO, first_name: 'C' };
    }
    const results = await dest.write(rows());
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, 'sent'],
      [1, 'failed'],
      [2, 'sent'],
    ]);
  });

  it('returns no results and makes no request for no rows', async () => {
    const { dest } = destination();
    expect(await dest.write([])).toEqual([]);
  });
});

describe('write: bodies', () => {
  it('refuses a body of only white space when there is no media', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{#x}}{{x}}{{/x}}  ' } });
    const [result] = await dest.write([{ to: TO }]);
    expect(result).toEqual(
      failedResult(
        0,
        {
          code: 'template_error',
          message:
            'Row 0: the rendered message is empty and the row has no media_url; Twilio needs a body or media (error 21602)',
          retryable: false,
        },
        0,
      ),
    );
  });
});
