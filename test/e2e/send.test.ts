/**
 * The whole destination against the simulator over real HTTP: the happy path on one keep-alive
 * connection, what Twilio receives, and Twilio's magic numbers mapped to the right results.
 */
import { describe, expect, it } from 'vitest';
import { failed, outcome, row, rows, sent, useSimulator } from './harness.js';

const e2e = useSimulator();

describe('sending over one keep-alive connection', () => {
  it('validates and sends 10 sequential rows over a single connection', async () => {
    const destination = e2e.destination();
    const before = e2e.sim.connections;
    expect((await destination.validateCredentials()).ok).toBe(true);
    expect((await destination.validateTargetSettings()).ok).toBe(true);
    const input = rows(10);
    const results = await destination.write(input);

    expect(results.map(outcome)).toEqual(input.map((_, index) => sent(index)));
    for (const result of results) {
      expect(result).toMatchObject({
        messageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
        twilioStatus: 'queued',
        requestId: expect.stringMatching(/^RQ[0-9a-f]{32}$/),
      });
    }
    expect(e2e.sim.connections - before).toBe(1);
    // 2 validation reads, then exactly one create per row.
    expect(e2e.trace()).toEqual(['GET 200', 'GET 200', ...input.map(() => 'POST 201')]);
  });

  it('sends exactly the rendered text, the sender and the recipient, in row order', async () => {
    const input = rows(3, 40);
    await e2e.destination().write(input);
    expect(e2e.creates().map((request) => request.form)).toEqual(
      input.map((r) => ({
        To: r['phone'],
        From: '+15005550006',
        Body: `Hi ${r['first_name']}, order ${r['order_id']} has shipped.`,
      })),
    );
    expect(e2e.sim.messages.slice(-3).map((message) => message.to)).toEqual(input.map((r) => r['phone']));
  });

  it('sends an MMS with each media URL and reports Twilio’s segment counts', async () => {
    const destination = e2e.destination({
      config: {
        settings: { from: '+15005550006', messageTemplate: '{{greeting}}' },
        mapping: { to: 'phone', media_url: 'images' },
      },
    });
    const images = ['https://example.com/a.jpg', 'https://example.com/b.png'];
    const results = await destination.write([
      { phone: '+14155550150', greeting: 'Your parcel', images },
      { phone: '+14155550151', greeting: 'Thanks! 🎉 '.repeat(8) },
      { phone: '+14155550152', greeting: 'x'.repeat(161) },
    ]);
    expect(results.map(outcome)).toEqual([sent(0), sent(1, 1, { segments: 2 }), sent(2, 1, { segments: 2 })]);
    expect(results[0]).toMatchObject({ messageSid: expect.stringMatching(/^MM/) });
    expect(e2e.creates()[0]?.form?.['MediaUrl']).toEqual(images);
    expect(e2e.sim.messages.at(-3)).toMatchObject({ num_media: '2', num_segments: '1' });
  });
});

describe("Twilio's magic numbers", () => {
  it.each([
    ['+15005550001', 21211, 'invalid number'],
    ['+15005550002', 21612, 'cannot be reached from this sender'],
    ['+15005550003', 21408, 'region not enabled'],
    ['+15005550004', 21610, 'opted out'],
    ['+15005550009', 21614, 'not a mobile number'],
  ])('fails the row to %s with twilio_rejected %i (%s) and sends the rest', async (to, code) => {
    const results = await e2e.destination().write([row(to), row('+14155550160')]);
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'twilio_rejected', httpStatus: 400, twilioCode: code }),
      sent(1),
    ]);
    const [first] = results;
    if (first?.status !== 'failed') throw new Error('row 0 should have failed');
    expect(first.error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
    expect(first.error.requestId).toMatch(/^RQ[0-9a-f]{32}$/);
    expect(first.error.message).toContain(`Twilio error ${code}`);
    expect(e2e.trace()).toEqual(['POST 400', 'POST 201']);
  });

  it('ends the batch with config_error at the first row when From is invalid (21212), with no further request', async () => {
    const destination = e2e.destination({
      config: { settings: { from: '+15005550001', messageTemplate: 'Hi {{first_name}}' } },
    });
    const results = await destination.write(rows(3, 60));
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'config_error', httpStatus: 400, twilioCode: 21212 }),
      failed(1, 0, { code: 'config_error' }),
      failed(2, 0, { code: 'config_error' }),
    ]);
    expect(e2e.trace()).toEqual(['POST 400']);
  });

  it('retries a full sender queue (21611), then reports the row retryable: it can succeed later', async () => {
    const destination = e2e.destination({
      config: { settings: { from: '+15005550008', messageTemplate: 'Hi {{first_name}}' } },
    });
    const results = await destination.write([row('+14155550170')]);
    // 21611 means nothing was queued: safe to try again, up to `retry.retries` (3) times.
    expect(results.map(outcome)).toEqual([
      failed(0, 4, { code: 'twilio_rejected', retryable: true, httpStatus: 400, twilioCode: 21611 }),
    ]);
    expect(e2e.trace()).toEqual(['POST 400', 'POST 400', 'POST 400', 'POST 400']);
  });

  it('fails rows locally, with no request, when the number is malformed or a placeholder is empty', async () => {
    const results = await e2e
      .destination()
      .write([row('415-555-01'), row('+14155550180', ''), row('+14155550181')]);
    expect(results.map(outcome)).toEqual([
      failed(0, 0, { code: 'invalid_row' }),
      failed(1, 0, { code: 'template_error' }),
      sent(2),
    ]);
    expect(e2e.trace()).toEqual(['POST 201']);
  });
});
