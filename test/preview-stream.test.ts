/**
 * The streaming preview and what a new user meets first in the library: `previewStream` (one row at a
 * time, a summary counted as it goes), preview without credentials, the columns check, `await using`.
 */
import { describe, expect, it } from 'vitest';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import type { PreviewRow } from '../src/preview.js';
import { instantDispatcher } from './helpers/instant-dispatcher.js';
import { baseConfig, FROM, messageJson } from './helpers/twilio.js';

const TO = '+14155550100';
const settings = { from: FROM, messageTemplate: 'Hi {{first_name}}, order {{order_id}}' };

describe('previewStream', () => {
  it('yields each row as it is pulled and counts it into the summary before yielding it', async () => {
    const dest = new TwilioDestination(baseConfig({ settings }));
    let pulled = 0;
    function* rows() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield { to: i === 1 ? 'nope' : TO, first_name: 'Ann', order_id: `A-${i}` };
      }
    }
    const preview = dest.previewStream(rows());
    const seen: [PreviewRow['status'], number, number][] = [];
    for await (const row of preview) seen.push([row.status, pulled, preview.summary.rows]);
    expect(seen).toEqual([
      ['ready', 1, 1],
      ['failed', 2, 2],
      ['ready', 3, 3],
    ]);
    expect(preview.summary).toMatchObject({
      rows: 3,
      ready: 2,
      failed: 1,
      segments: 2,
      failedByCode: { invalid_row: 1 },
    });
  });

  it('gives preview() the same rows and summary', async () => {
    const dest = new TwilioDestination(baseConfig({ settings }));
    const rows = [
      { to: TO, first_name: 'Ann', order_id: 'A-1' },
      { to: TO, first_name: '', order_id: 'A-2' },
    ];
    const streamed = dest.previewStream(rows);
    const collected: PreviewRow[] = [];
    for await (const row of streamed) collected.push(row);
    expect(await dest.preview(rows)).toEqual({ rows: collected, summary: streamed.summary });
  });

  it('leaves a first row that is not an object to fail on its own', async () => {
    const dest = new TwilioDestination(baseConfig({ settings }));
    const { rows } = await dest.preview([null as never, { to: TO, first_name: 'Ann', order_id: 'A-1' }]);
    expect(rows.map((row) => row.status === 'failed' && row.error.code)).toEqual(['invalid_row', false]);
  });

  it('leaves a first row whose keys cannot be read to fail on its own, in preview and write alike', async () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
      },
    );
    const dispatcher = instantDispatcher(() => ({ status: 201, body: JSON.stringify(messageJson()) }));
    const dest = new TwilioDestination(baseConfig({ settings }), { dispatcher });
    const previewed = await dest.preview([hostile]);
    const written = await dest.write([hostile]);
    expect(previewed.rows.map((row) => row.status === 'failed' && row.error.code)).toEqual(['invalid_row']);
    expect(written.map((row) => row.status === 'failed' && row.error)).toEqual(
      previewed.rows.map((row) => row.status === 'failed' && row.error),
    );
    expect(dispatcher.requests).toHaveLength(0);
  });

  it('throws ConfigError at the call for invalid options, without credentials', () => {
    const dest = new TwilioDestination({ settings } as never, { concurrency: 0 });
    expect(() => dest.previewStream([])).toThrow(ConfigError);
  });

  it('throws ConfigError at the call when the configuration is invalid', () => {
    const dest = new TwilioDestination(baseConfig({ settings: { from: 'not a sender!' } }));
    expect(() => dest.previewStream([])).toThrow(ConfigError);
  });

  it('refuses a first row without the recipient column with one ConfigError naming the columns', async () => {
    const dest = new TwilioDestination(baseConfig({ settings, mapping: { to: 'phone ' } }));
    const error = await dest
      .preview([{ phone: TO, first_name: 'Ann', order_id: 'A-1' }])
      .catch((e: ConfigError) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        field: 'mapping.to',
        code: 'missing_column',
        message:
          'The rows have no column "phone ", which mapping.to reads the recipient from. Their columns: "phone", "first_name", "order_id". Column "phone" differs from "phone " only by white space or letter case: rename it in the file, or map it exactly',
      },
    ]);
  });
});

describe('preview needs no credentials', () => {
  it.each([
    ['no credentials at all', undefined],
    ['malformed credentials', { accountSid: 'nope', authToken: '' }],
  ])('previews with %s, and makes no request', async (_name, credentials) => {
    const dispatcher = instantDispatcher(() => ({ status: 201, body: JSON.stringify(messageJson()) }));
    const dest = new TwilioDestination({ credentials, settings } as never, { dispatcher });
    const { rows, summary } = await dest.preview([
      { to: TO, first_name: 'Ann', order_id: 'A-1' },
      // A failed row's text is kept as built: with no valid credentials there is nothing to redact.
      { to: 'nope', first_name: 'Bo', order_id: 'B-1' },
    ]);
    expect(summary).toMatchObject({ rows: 2, ready: 1, failed: 1 });
    expect(rows[1]).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_row', message: /^Row 1: .*"nope"/ },
    });
    expect(dispatcher.requests).toHaveLength(0);
    // write still demands them.
    expect(() => dest.stream([])).toThrow(ConfigError);
  });
});

describe('checkColumns', () => {
  const dest = new TwilioDestination(
    baseConfig({ settings, mapping: { to: 'phone', media_url: 'picture' } }),
  );
  it.each<[string, string[], [string, RegExp][]]>([
    ['every column present', ['phone', 'first_name', 'order_id', 'picture'], []],
    [
      'a semicolon-separated header',
      ['phone;first_name;order_id;picture'],
      [
        ['mapping.to', /no column "phone".*separated by ";", not commas/],
        ['mapping.media_url', /no column "picture", which mapping\.media_url reads/],
        ['settings.messageTemplate', /reads "first_name", "order_id", but the rows have no such column/],
      ],
    ],
    [
      'a tab-separated header',
      ['phone\tfirst_name'],
      [
        ['mapping.to', /separated by tabs/],
        ['mapping.media_url', /picture/],
        ['settings.messageTemplate', /separated by tabs/],
      ],
    ],
    [
      'a missing template column',
      ['phone', 'first_name', 'picture'],
      [
        [
          'settings.messageTemplate',
          /^The template reads "order_id", but the rows have no such column\. Their columns: "phone", "first_name", "picture"$/,
        ],
      ],
    ],
  ])('%s', (_name, columns, expected) => {
    const issues = dest.checkColumns(columns);
    expect(issues.map((issue) => issue.field)).toEqual(expected.map(([field]) => field));
    issues.forEach((issue, i) => {
      expect(issue.code).toBe('missing_column');
      expect(issue.message).toMatch((expected[i] as [string, RegExp])[1]);
    });
  });

  it('checks the Content variables of a Content template', () => {
    const content = new TwilioDestination({
      credentials: baseConfig().credentials,
      settings: {
        from: FROM,
        contentSid: `HX${'d4'.repeat(16)}`,
        contentVariables: { '1': '{{first_name}}' },
      },
    });
    expect(content.checkColumns(['to', 'name'])).toEqual([
      {
        field: 'settings.contentVariables.1',
        code: 'missing_column',
        message:
          'The template reads "first_name", but the rows have no such column. Their columns: "to", "name"',
      },
    ]);
  });
});

describe('Symbol.asyncDispose', () => {
  it('closes the destination at the end of an await using scope', async () => {
    let closed = 0;
    {
      await using dest = new TwilioDestination(baseConfig({ settings }));
      dest.close = async () => {
        closed++;
      };
    }
    expect(closed).toBe(1);
  });
});
