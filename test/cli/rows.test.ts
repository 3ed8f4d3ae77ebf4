import { createReadStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  formatOf,
  guardRows,
  InputError,
  readCsv,
  readJsonLines,
  readRows,
  type SourceRow,
} from '../../src/cli/rows.js';
import type { Row } from '../../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/cli/${name}`, import.meta.url));

async function all(rows: AsyncIterable<SourceRow>): Promise<Row[]> {
  const out: Row[] = [];
  for await (const { row } of rows) out.push(row);
  return out;
}

async function lines(rows: AsyncIterable<SourceRow>): Promise<number[]> {
  const out: number[] = [];
  for await (const { line } of rows) out.push(line);
  return out;
}

/** A stream that delivers `text` in chunks of `size` characters, as a pipe would. */
function chunked(text: string, size = 7): Readable {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
}

describe('formatOf', () => {
  it.each([
    ['rows.csv', undefined, 'csv'],
    ['ROWS.CSV', undefined, 'csv'],
    ['rows.jsonl', undefined, 'jsonl'],
    ['rows.ndjson', undefined, 'jsonl'],
    ['rows.txt', undefined, undefined],
    ['rows', undefined, undefined],
    [undefined, undefined, undefined],
    [undefined, 'csv', 'csv'],
    ['rows.csv', 'jsonl', 'jsonl'],
  ] as const)('%s with --format %s is %s', (path, flag, expected) => {
    expect(formatOf(path, flag)).toBe(expected);
  });
});

describe('readCsv', () => {
  it('reads a file with a header row into one object per record, as text', async () => {
    const rows = await all(readRows(createReadStream(fixture('customers.csv')), 'csv', 'customers.csv'));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ phone: '+14155550100', first_name: 'Ada', order_id: 'A-1001' });
    expect(rows[4]).toEqual({ phone: '+14155550102', first_name: '', order_id: 'A-1005' });
  });

  it('handles a byte-order mark, CRLF, quoted commas and newlines, and blank lines across chunks', async () => {
    const text =
      '\uFEFFphone,note\r\n+14155550100,"one, two"\r\n\r\n+14155550101,"line 1\nline 2"\r\n+14155550102,x\r\n';
    expect(await all(readCsv(chunked(text), 'stdin'))).toEqual([
      { phone: '+14155550100', note: 'one, two' },
      { phone: '+14155550101', note: 'line 1\nline 2' },
      { phone: '+14155550102', note: 'x' },
    ]);
    // The line where each record starts: the header is line 1, line 3 is blank, line 4's value spans two.
    expect(await lines(readCsv(chunked(text), 'stdin'))).toEqual([2, 4, 6]);
  });

  it.each([
    ['phone,first_name,phone', 'phone'],
    ['a,b,c,b,a', 'b'],
  ])('refuses the header %j, naming the repeated column', async (header, column) => {
    const error = await all(readCsv(Readable.from([`${header}\n1,2,3,4,5\n`]), 'rows.csv')).catch(
      (e: unknown) => e,
    );
    expect(error).toEqual(
      new InputError(`rows.csv: the header names the column "${column}" twice; rename or remove one of them`),
    );
  });

  it('refuses a record with the wrong number of fields, naming the source and the line', async () => {
    const error = await all(readRows(createReadStream(fixture('ragged.csv')), 'csv', 'ragged.csv')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^ragged\.csv: Invalid Record Length: .* on line 3$/);
  });

  it('reports an input that fails to read', async () => {
    const input = new PassThrough();
    const reading = all(readCsv(input, 'stdin')).catch((e: unknown) => e);
    input.destroy(new Error('EIO: i/o error, read'));
    expect(await reading).toEqual(new InputError('stdin: EIO: i/o error, read'));
  });

  it('closes the file when the reader stops early', async () => {
    const input = createReadStream(fixture('customers.csv'));
    for await (const _ of readCsv(input, 'customers.csv')) break;
    expect(input.destroyed).toBe(true);
  });
});

describe('readJsonLines', () => {
  it('reads one object per line, skipping blank lines', async () => {
    const rows = await all(
      readRows(createReadStream(fixture('customers.jsonl')), 'jsonl', 'customers.jsonl'),
    );
    expect(rows.map((row) => row['first_name'])).toEqual(['Ada', 'Grace', 'Margaret']);
    expect(rows[1]?.['media_url']).toEqual(['https://example.com/a.jpg', 'https://example.com/b.jpg']);
  });

  it('handles a byte-order mark and CRLF, across chunks', async () => {
    const text = '\uFEFF{"to":"+14155550100"}\r\n  \r\n{"to":"+14155550101","n":2}\r\n';
    expect(await all(readJsonLines(chunked(text, 5), 'stdin'))).toEqual([
      { to: '+14155550100' },
      { to: '+14155550101', n: 2 },
    ]);
    expect(await lines(readJsonLines(chunked(text, 5), 'stdin'))).toEqual([1, 3]);
  });

  it.each([
    ['{"to": oops}', /^stdin line 2: not valid JSON \(.+\)$/],
    ['[1, 2]', /^stdin line 2: a row must be a JSON object \(got an array\)$/],
    ['null', /^stdin line 2: a row must be a JSON object \(got null\)$/],
    ['"+14155550100"', /^stdin line 2: a row must be a JSON object \(got a string\)$/],
    ['42', /^stdin line 2: a row must be a JSON object \(got a number\)$/],
  ])('refuses line %j, naming the line', async (bad, message) => {
    const input = Readable.from([`{"to":"+14155550100"}\n${bad}\n{"to":"+14155550101"}\n`]);
    const rows: Row[] = [];
    const error = await (async () => {
      for await (const { row } of readJsonLines(input, 'stdin')) rows.push(row);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect(rows).toEqual([{ to: '+14155550100' }]);
  });

  it('reports an input that fails to read', async () => {
    const input = new PassThrough();
    const reading = all(readJsonLines(input, 'rows.jsonl')).catch((e: unknown) => e);
    input.write('{"to":"+14155550100"}\n');
    setImmediate(() => input.destroy(new Error('EIO: i/o error, read')));
    expect(await reading).toEqual(new InputError('rows.jsonl: EIO: i/o error, read'));
  });
});

describe('guardRows', () => {
  it('passes rows on until stop() says so, then ends and closes the source', async () => {
    let stop = false;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield { i };
      } finally {
        closed = true;
      }
    }
    const seen: Row[] = [];
    for await (const row of guardRows(source(), {}, () => stop)) {
      seen.push(row);
      if (seen.length === 3) stop = true;
    }
    expect(seen).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(closed).toBe(true);
  });

  it('ends instead of throwing when the source fails, keeping the error', async () => {
    const state: { error?: Error } = {};
    const rows = await all(
      guardRows(readJsonLines(Readable.from(['{"a":1}\n{oops\n{"a":3}\n']), 'stdin'), state, () => false),
    );
    expect(rows).toEqual([{ a: 1 }]);
    expect(state.error).toBeInstanceOf(InputError);
    expect(state.error?.message).toMatch(/^stdin line 2: not valid JSON/);
  });
});
