/** Reading a webhook body however the framework hands it over, and parsing form and JSON fields. */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseForm, parseJsonFields, readBody } from '../../src/delivery/request-body.js';

/** A request whose stream yields `chunks`, with framework properties set. */
function request(chunks: string[], extra: Record<string, unknown> = {}, ended = false): IncomingMessage {
  const stream = Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
  // A stream a body parser already consumed.
  if (ended) Object.defineProperty(stream, 'readableEnded', { value: true });
  return Object.assign(stream, { headers: {} }, extra) as unknown as IncomingMessage;
}

describe('readBody', () => {
  it.each<[string, IncomingMessage, unknown]>([
    ['the stream', request(['a=1&', 'b=2']), { kind: 'raw', bytes: Buffer.from('a=1&b=2') }],
    [
      'a Buffer body a framework read',
      request([], { body: Buffer.from('x=1') }),
      { kind: 'raw', bytes: Buffer.from('x=1') },
    ],
    ['a string rawBody', request([], { rawBody: 'y=2' }), { kind: 'raw', bytes: Buffer.from('y=2') }],
    ['a rawBody over the limit', request([], { rawBody: 'z'.repeat(11) }), { kind: 'too_large' }],
    ['a stream over the limit', request(['123456', '789012']), { kind: 'too_large' }],
    [
      'fields a body parser already read',
      request([], { body: { a: '1', b: ['2', '3'] } }, true),
      { kind: 'parsed', fields: { a: '1', b: ['2', '3'] } },
    ],
  ])('reads %s', async (_, req, expected) => {
    expect(await readBody(req, 10)).toEqual(expected);
  });

  it('reads an ended stream with nothing parsed as an empty body', async () => {
    expect(await readBody(request([], {}, true), 10)).toEqual({ kind: 'raw', bytes: Buffer.alloc(0) });
  });

  it('reads the stream when a parsed body is not form fields (a JSON parser ran)', async () => {
    const req = request([], { body: { count: 3, nested: { a: 1 } } }, true);
    expect(await readBody(req, 10)).toEqual({ kind: 'raw', bytes: Buffer.alloc(0) });
  });
});

describe('parseForm and parseJsonFields', () => {
  it('keeps every value of a repeated form field', () => {
    expect(parseForm('MediaUrl=a&To=%2B1&MediaUrl=b&MediaUrl=c')).toEqual({
      MediaUrl: ['a', 'b', 'c'],
      To: '+1',
    });
  });

  it.each<[string, unknown]>([
    [
      '{"MessageSid":"SM1","ErrorCode":30003,"Gone":null,"Tags":["a"]}',
      { MessageSid: 'SM1', ErrorCode: '30003', Tags: '["a"]' },
    ],
    ['not json', undefined],
    ['[1]', undefined],
    ['null', undefined],
    ['"text"', undefined],
  ])('reads %s as %j', (body, expected) => {
    expect(parseJsonFields(body)).toEqual(expected);
  });
});
