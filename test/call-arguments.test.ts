import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { rowsIssues, writeOptionsIssues } from '../src/call-arguments.js';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import type { ValidationIssue } from '../src/types.js';
import { API, baseConfig } from './helpers/twilio.js';

const ROWS_HINT =
  'pass an iterable or async iterable of objects (an array of rows, a generator, a stream in object mode)';
const SIGNAL_HINT = 'pass an AbortSignal (e.g. AbortSignal.timeout(60_000)), or leave it out';

describe('rowsIssues', () => {
  it.each([
    ['an array', [], []],
    ['a Set', new Set(), []],
    ['a generator', (function* () {})(), []],
    ['an async generator', (async function* () {})(), []],
    ['a number', 5, ['rows is of type number']],
    ['nothing', undefined, ['rows is missing']],
    ['null', null, ['rows is null']],
    ['a plain object', { to: '+1' }, ['rows is an object']],
    ['a string, which iterates characters', 'rows', ['rows is of type string']],
  ])('reads %s', (_name, rows, expected) => {
    expect(rowsIssues(rows)).toEqual(
      expected.map((what) => ({ field: 'rows', code: 'invalid_rows', message: `${what}: ${ROWS_HINT}` })),
    );
  });
});

describe('writeOptionsIssues', () => {
  it.each([
    ['no options', undefined, []],
    ['an empty object', {}, []],
    ['an AbortSignal', { signal: new AbortController().signal }, []],
    [
      'a string signal',
      { signal: 'x' },
      [
        {
          field: 'options.signal',
          code: 'invalid_signal',
          message: `options.signal is of type string: ${SIGNAL_HINT}`,
        },
      ],
    ],
    [
      'a controller passed as the signal',
      { signal: new AbortController() },
      [
        {
          field: 'options.signal',
          code: 'invalid_signal',
          message: `options.signal is an object: ${SIGNAL_HINT}`,
        },
      ],
    ],
    [
      'null options',
      null,
      [
        {
          field: 'options',
          code: 'invalid_options',
          message: 'options is null: pass an object, or leave it out',
        },
      ],
    ],
    [
      'a number',
      5,
      [
        {
          field: 'options',
          code: 'invalid_options',
          message: 'options is of type number: pass an object, or leave it out',
        },
      ],
    ],
  ] as [string, unknown, ValidationIssue[]][])('reads %s', (_name, options, expected) => {
    expect(writeOptionsIssues(options)).toEqual(expected);
  });
});

/** The issues of the ConfigError that `call` throws at the call (or rejects with, for a promise). */
async function thrown(call: () => unknown): Promise<{ at: 'call' | 'promise'; fields: string[] }> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { at: 'call', fields: (error as ConfigError).issues.map((i) => `${i.field} ${i.code}`) };
  }
  expect(result).toBeInstanceOf(Promise);
  const error = await (result as Promise<unknown>).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return { at: 'promise', fields: (error as ConfigError).issues.map((i) => `${i.field} ${i.code}`) };
}

describe('invalid call arguments', () => {
  const destination = () => new TwilioDestination(baseConfig());
  const rows = 'rows invalid_rows';
  const signal = 'options.signal invalid_signal';

  it.each([
    // The promise-returning methods reject, the stream-returning ones throw at the call, as for a bad mode.
    ['write(5)', (d: TwilioDestination) => d.write(5 as never), 'promise', [rows]],
    ['write()', (d: TwilioDestination) => (d.write as () => unknown)(), 'promise', [rows]],
    [
      'write([], null)',
      (d: TwilioDestination) => d.write([], null as never),
      'promise',
      ['options invalid_options'],
    ],
    [
      'write([], { signal })',
      (d: TwilioDestination) => d.write([], { signal: 'x' as never }),
      'promise',
      [signal],
    ],
    ['preview(5)', (d: TwilioDestination) => d.preview(5 as never), 'promise', [rows]],
    ['stream(5)', (d: TwilioDestination) => d.stream(5 as never), 'call', [rows]],
    [
      'stream([], { signal })',
      (d: TwilioDestination) => d.stream([], { signal: 'x' as never }),
      'call',
      [signal],
    ],
    [
      'stream(5, { signal, mode })',
      (d: TwilioDestination) => d.stream(5 as never, { signal: 'x' as never, mode: 'upsert' }),
      'call',
      [rows, signal],
    ],
    ['previewStream(5)', (d: TwilioDestination) => d.previewStream(5 as never), 'call', [rows]],
    [
      'previewStream(5, { signal })',
      (d: TwilioDestination) => d.previewStream(5 as never, { signal: 'x' as never }),
      'call',
      [rows, 'previewOptions.signal invalid_type'],
    ],
  ] as const)(
    '%s is a ConfigError naming the argument, before any request',
    async (_name, call, at, fields) => {
      // nock is armed with nothing: any request would fail the test with a network error, not a ConfigError.
      nock(API);
      expect(await thrown(() => call(destination()))).toEqual({ at, fields });
    },
  );
});
