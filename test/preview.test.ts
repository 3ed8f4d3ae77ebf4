import fc from 'fast-check';
import nock from 'nock';
import calculator from 'sms-segments-calculator';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePreviewOptions } from '../src/config/index.js';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import type { PreviewReadyRow, PreviewRow } from '../src/preview.js';
import { startTwilioSimulator } from '../src/simulator/index.js';
import type { Row } from '../src/types.js';
import { instantDispatcher } from './helpers/instant-dispatcher.js';
import { baseConfig, destination, FROM, MG_SID, messageJson } from './helpers/twilio.js';

const { SegmentedMessage } = calculator;
const TO = '+14155550100';
const CONTENT_SID = `HX${'d4'.repeat(16)}`;

afterEach(() => {
  // The suite disables the network: any request a preview made would be an error, or a pending mock.
  expect(nock.pendingMocks()).toEqual([]);
});

function ready(row: PreviewRow | undefined): PreviewReadyRow {
  if (row?.status !== 'ready') throw new Error(`expected a ready row, got ${JSON.stringify(row)}`);
  return row;
}

async function* asyncRows(rows: Row[]): AsyncGenerator<Row> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

describe('preview: ready rows', () => {
  it('shows the exact message, the original and normalised number, and what it costs', async () => {
    const { dest } = destination({
      settings: { defaultCountry: 'US', statusCallback: 'https://hooks.example.com/status' },
    });
    const { rows } = await dest.preview([{ to: ' (415) 555-0100', first_name: 'Ann' }]);
    expect(rows).toEqual([
      {
        status: 'ready',
        index: 0,
        channel: 'sms',
        to: TO,
        originalTo: ' (415) 555-0100',
        from: FROM,
        body: 'Hi Ann',
        mediaUrls: [],
        statusCallback: 'https://hooks.example.com/status',
        encoding: 'GSM-7',
        segments: 1,
        nonGsmCharacters: [],
        warnings: [],
      },
    ]);
  });

  it('counts UCS-2 exactly as Twilio does and names the characters that forced it', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const text = `Ça va? ${'x'.repeat(60)} 👍🏽`;
    const row = ready((await dest.preview([{ to: TO, text }])).rows[0]);
    const reference = new SegmentedMessage(text);
    expect(row).toMatchObject({
      encoding: 'UCS-2',
      segments: reference.segmentsCount,
      nonGsmCharacters: ['👍🏽'],
    });
    expect(reference.segmentsCount).toBe(2);
  });

  it('reports an MMS as channel mms, one segment whatever its text, with no segment warnings', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const row = ready(
      (await dest.preview([{ to: TO, text: '😀'.repeat(200), media_url: ['https://example.com/a.png'] }]))
        .rows[0],
    );
    expect(row).toMatchObject({
      channel: 'mms',
      mediaUrls: ['https://example.com/a.png'],
      encoding: 'UCS-2',
      segments: 1,
      warnings: [],
    });
  });

  it("prefers the row's status_callback to settings.statusCallback", async () => {
    const { dest } = destination({ settings: { statusCallback: 'https://hooks.example.com/default' } });
    const row = ready(
      (await dest.preview([{ to: TO, first_name: 'Ann', status_callback: 'https://hooks.example.com/row' }]))
        .rows[0],
    );
    expect(row.statusCallback).toBe('https://hooks.example.com/row');
  });

  it('shows a Content template row with its variables, no body, as one message', async () => {
    const dest = new TwilioDestination({
      ...baseConfig(),
      settings: {
        from: 'whatsapp:+15005550006',
        contentSid: CONTENT_SID,
        contentVariables: { '1': '{{first_name}}' },
      },
    });
    const { rows } = await dest.preview([{ to: TO, first_name: 'Ann' }]);
    expect(rows).toEqual([
      {
        status: 'ready',
        index: 0,
        channel: 'sms',
        to: 'whatsapp:+14155550100',
        originalTo: TO,
        from: 'whatsapp:+15005550006',
        body: '',
        mediaUrls: [],
        contentSid: CONTENT_SID,
        contentVariables: { '1': 'Ann' },
        encoding: 'GSM-7',
        segments: 1,
        nonGsmCharacters: [],
        warnings: [],
      },
    ]);
  });

  it('counts segments after Smart Encoding when smartEncoded is set', async () => {
    const { dest } = destination({ settings: { smartEncoded: true, messageTemplate: '{{text}}' } });
    const text = `“${'x'.repeat(150)}” – ok`;
    const row = ready((await dest.preview([{ to: TO, text }])).rows[0]);
    expect(row).toMatchObject({ encoding: 'GSM-7', segments: 1, nonGsmCharacters: [], warnings: [] });
    expect(new SegmentedMessage(text, 'auto', true).segmentsCount).toBe(1);
  });
});

describe('preview: warnings', () => {
  it('suggests smartEncoded when only replaceable characters made the message UCS-2', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const row = ready((await dest.preview([{ to: TO, text: `It’s “done” ${'x'.repeat(70)}` }])).rows[0]);
    expect(row.warnings).toEqual([
      {
        code: 'smart_encodable',
        message:
          'Row 0: UCS-2 only because of "’", "“", "”"; with settings.smartEncoded, Twilio would replace them and send GSM-7 in 1 segment instead of 2 segments',
      },
    ]);
  });

  it('does not suggest smartEncoded when another character would keep the message UCS-2', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const row = ready((await dest.preview([{ to: TO, text: 'It’s done 🎉' }])).rows[0]);
    expect(row.warnings).toEqual([]);
  });

  it('warns about more than 3 segments by default, and at a threshold of choice', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const rows = [
      { to: TO, text: 'x'.repeat(459) }, // 3 segments
      { to: TO, text: 'x'.repeat(460) }, // 4 segments
      { to: TO, text: `${'x'.repeat(130)}ç` }, // 2 UCS-2 segments
    ];
    const byDefault = await dest.preview(rows);
    expect(byDefault.rows.map((row) => ready(row).warnings)).toEqual([
      [],
      [
        {
          code: 'many_segments',
          message:
            'Row 1: the message takes 4 segments (GSM-7), more than 3; each segment is billed as a message',
        },
      ],
      [],
    ]);
    const strict = await dest.preview(rows, { warnAboveSegments: 1 });
    expect(strict.rows.map((row) => ready(row).warnings.map((warning) => warning.message))).toEqual([
      ['Row 0: the message takes 3 segments (GSM-7), more than 1; each segment is billed as a message'],
      ['Row 1: the message takes 4 segments (GSM-7), more than 1; each segment is billed as a message'],
      [
        'Row 2: the message takes 2 segments (UCS-2 because of "ç"), more than 1; each segment is billed as a message',
      ],
    ]);
  });

  it('says segment counts are estimates when Twilio will shorten the links', async () => {
    const { dest } = destination({
      settings: { from: MG_SID, shortenUrls: true, messageTemplate: '{{text}}' },
    });
    const { rows } = await dest.preview([
      { to: TO, text: 'Track it at https://example.com/t/123' },
      { to: TO, text: 'No link here' },
    ]);
    expect(rows.map((row) => ready(row).warnings)).toEqual([
      [
        {
          code: 'segments_estimated',
          message:
            'Row 0: Twilio will replace the links in this message with short links (settings.shortenUrls), so its 1 segment are an estimate',
        },
      ],
      [],
    ]);
  });
});

describe('preview: failed rows are exactly what write would report', () => {
  it('reports the very RowError write reports, and makes no request', async () => {
    const rows: Row[] = [
      { to: '0415 555', first_name: 'Ann' },
      { to: TO },
      { to: TO, first_name: 'x'.repeat(400) },
      null as unknown as Row,
    ];
    const dispatcher = instantDispatcher(() => ({ status: 201, body: JSON.stringify(messageJson()) }));
    const dest = new TwilioDestination(baseConfig({ settings: { maxSegments: 2 } }), { dispatcher });
    const preview = await dest.preview(rows);
    expect(dispatcher.requests).toEqual([]);
    const written = await dest.write(rows);
    expect(dispatcher.requests).toEqual([]);
    expect(preview.rows).toEqual(
      written.map((result) => ({
        status: 'failed',
        index: result.index,
        error: (result as { error: unknown }).error,
      })),
    );
    expect(preview.rows.map((row) => (row.status === 'failed' ? row.error.code : row.status))).toEqual([
      'invalid_row',
      'template_error',
      'template_error',
      'invalid_row',
    ]);
  });

  it('agrees with write on random rows: the same failures, and one request per ready row', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom(
        TO,
        '(415) 555-0100',
        '555-0100',
        '0412 345 678',
        'whatsapp:+14155550100',
        '“quoted”',
        '😀',
      ),
      fc.constant(null),
      fc.integer(),
      fc.array(fc.constantFrom('https://example.com/a.png', 'javascript:x'), { maxLength: 2 }),
      fc.string({ minLength: 150, maxLength: 400 }),
    );
    const row = fc.record(
      { to: value, first_name: value, media_url: value, status_callback: value },
      { requiredKeys: [] },
    );
    const dispatcher = instantDispatcher(() => ({ status: 201, body: JSON.stringify(messageJson()) }));
    const dest = new TwilioDestination(
      baseConfig({ settings: { defaultCountry: 'US', maxSegments: 2, smartEncoded: true } }),
      { dispatcher },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 6 }), async (rows) => {
        const before = dispatcher.requests.length;
        if (rows[0] !== undefined && !Object.hasOwn(rows[0], 'to')) {
          // No recipient column in the first row: preview refuses the batch, write fails every row with it.
          const refused = await dest.preview(rows).catch((error: ConfigError) => error);
          expect(refused).toBeInstanceOf(ConfigError);
          const written = await dest.write(rows);
          expect(written.map((result) => result.status === 'failed' && result.error)).toEqual(
            rows.map(() => ({
              code: 'config_error',
              message: (refused as ConfigError).issues[0]?.message,
              retryable: false,
            })),
          );
          expect(dispatcher.requests.length).toBe(before);
          return;
        }
        const preview = await dest.preview(rows);
        const written = await dest.write(rows);
        const readyRows = preview.rows.filter((entry) => entry.status === 'ready');
        expect(dispatcher.requests.length - before).toBe(readyRows.length);
        expect(preview.rows.map((entry) => (entry.status === 'failed' ? entry.error : 'ready'))).toEqual(
          written.map((result) => (result.status === 'failed' ? result.error : 'ready')),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('preview: inputs and summary', () => {
  const rows: Row[] = [
    { to: TO, text: 'Hello' }, // 1 GSM-7
    { to: TO, text: 'x'.repeat(400) }, // 3 GSM-7
    { to: TO }, // template_error
    { to: TO, text: `${'ç'.repeat(100)}` }, // 2 UCS-2
    { to: 'nope', text: 'x' }, // invalid_row
    { to: TO, text: 'x'.repeat(400) }, // 3 GSM-7
    { to: TO, text: 'x'.repeat(400), media_url: 'https://example.com/a.png' }, // MMS, 1
  ];

  it('sums up ready rows, failures by code, segments, encodings, channels, warnings and the costliest rows', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const { summary } = await dest.preview(rows, { warnAboveSegments: 2, mostExpensive: 3 });
    expect(summary).toEqual({
      rows: 7,
      ready: 5,
      failed: 2,
      failedByCode: { template_error: 1, invalid_row: 1 },
      segments: 10,
      encodings: { 'GSM-7': 4, 'UCS-2': 1 },
      channels: { sms: 4, mms: 1 },
      warnings: { many_segments: 2 },
      mostExpensive: [
        { index: 1, segments: 3, encoding: 'GSM-7' },
        { index: 5, segments: 3, encoding: 'GSM-7' },
        { index: 3, segments: 2, encoding: 'UCS-2' },
      ],
    });
  });

  it('lists the 10 costliest rows by default, and none when asked for 0', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    // Row i takes max(1, i) segments.
    const many = Array.from({ length: 12 }, (_, i) => ({ to: TO, text: 'x'.repeat(1 + 140 * i) }));
    const byDefault = await dest.preview(many);
    expect(byDefault.summary.mostExpensive.map((row) => row.index)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    expect((await dest.preview(many, { mostExpensive: 0 })).summary.mostExpensive).toEqual([]);
  });

  it('accepts an array, an iterable and an async iterable, with the same result', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const fromArray = await dest.preview(rows);
    const fromIterable = await dest.preview(new Set(rows));
    const fromAsync = await dest.preview(asyncRows(rows));
    expect(fromIterable).toEqual(fromArray);
    expect(fromAsync).toEqual(fromArray);
    expect(fromArray.rows.map((row) => row.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('lets timers run during a long preview, so that it can be aborted', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    let turned = false;
    const seen: boolean[] = [];
    setImmediate(() => {
      turned = true;
    });
    function* generated(): Generator<Row> {
      for (let i = 0; i < 2500; i++) {
        if (i % 1000 === 999) seen.push(turned);
        yield { to: TO, text: 'x' };
      }
    }
    await dest.preview(generated());
    expect(seen).toEqual([false, true]);
  });

  it('rejects with the reason when the signal aborts, before or during the rows', async () => {
    const { dest } = destination({ settings: { messageTemplate: '{{text}}' } });
    const before = new AbortController();
    before.abort(new Error('stopped early'));
    await expect(dest.preview(rows, { signal: before.signal })).rejects.toThrow('stopped early');

    const during = new AbortController();
    let read = 0;
    async function* slow(): AsyncGenerator<Row> {
      for (const row of rows) {
        read++;
        if (read === 2) during.abort(new Error('stopped'));
        yield row;
      }
    }
    await expect(dest.preview(slow(), { signal: during.signal })).rejects.toThrow('stopped');
    expect(read).toBe(2);
  });

  it('fills the documented option defaults', () => {
    expect(parsePreviewOptions(undefined)).toEqual({
      ok: true,
      value: { warnAboveSegments: 3, mostExpensive: 10, signal: undefined },
    });
  });

  it('throws the ConfigError write would throw, and refuses bad preview options', async () => {
    const broken = new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hi {{#x}}' } }));
    const error = (await broken.preview([]).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((issue) => issue.code)).toEqual(['template_syntax']);

    const { dest } = destination();
    const options = (await dest
      .preview([], { warnAboveSegments: 0, mostExpensive: -1, signal: 'x' } as never)
      .catch((e: unknown) => e)) as ConfigError;
    expect(options.issues.map((issue) => [issue.field, issue.code])).toEqual([
      ['previewOptions.warnAboveSegments', 'out_of_range'],
      ['previewOptions.mostExpensive', 'out_of_range'],
      ['previewOptions.signal', 'invalid_type'],
    ]);
  });
});

describe('preview against the simulator', () => {
  it('makes no request, and write then sends exactly the previewed messages and segments', async () => {
    const sim = await startTwilioSimulator();
    try {
      const dest = new TwilioDestination(
        {
          credentials: sim.credentials,
          settings: {
            from: sim.numbers[1] as string,
            messageTemplate: '{{text}}',
            defaultCountry: 'US',
            smartEncoded: true,
          },
        },
        { apiBaseUrl: sim.url, messagingBaseUrl: sim.url },
      );
      const rows: Row[] = [
        { to: '(415) 555-0100', text: 'Your code is 123456' },
        { to: '415.555.0101', text: `“Smart” quotes – ${'x'.repeat(150)}` },
        { to: '+1 415 555 0102', text: `Merci ${'ç'.repeat(80)} 🎉` },
        { to: '555-0100', text: 'never sent' },
      ];
      const preview = await dest.preview(rows);
      expect(sim.requests).toEqual([]);
      const results = await dest.write(rows);
      await dest.close();
      const previewed = preview.rows.filter((row): row is PreviewReadyRow => row.status === 'ready');
      expect(results.map((result) => result.status)).toEqual(
        preview.rows.map((row) => (row.status === 'ready' ? 'sent' : 'failed')),
      );
      expect(
        sim.messages.map((message) => ({
          to: message.to,
          body: message.body,
          segments: Number(message.num_segments),
        })),
      ).toEqual(previewed.map((row) => ({ to: row.to, body: row.body, segments: row.segments })));
      expect(previewed.map((row) => [row.encoding, row.segments])).toEqual([
        ['GSM-7', 1],
        ['GSM-7', 2],
        ['UCS-2', 2],
      ]);
    } finally {
      await sim.close();
    }
  });
});
