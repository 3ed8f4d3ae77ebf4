import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import type { Row } from '../src/types.js';
import { instantDispatcher } from './helpers/instant-dispatcher.js';
import { baseConfig, messageJson } from './helpers/twilio.js';

// A thousand runs of each property: seconds on a loaded machine, which is no failure.
vi.setConfig({ testTimeout: 60_000 });

const RUNS = 1000;
const created = JSON.stringify(messageJson());

/** Keys that attack prototypes or collide with destination fields. */
const key = fc.constantFrom(
  'to',
  'first_name',
  'media_url',
  'status_callback',
  'body',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'a',
  'b',
);

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: 'loop' };
  value['self'] = value;
  return value;
}

const nasty = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withBoxedValues: true,
    withSparseArray: true,
    withTypedArray: true,
    maxDepth: 4,
  }),
  fc.constant(() => 'called'),
  fc.constant(Symbol('s')),
  fc.constant('+14155550100'),
  fc.constant(['https://example.com/a.png', 'javascript:alert(1)']),
  fc.string({ minLength: 1500, maxLength: 1700 }),
  fc.constant(new Date(Number.NaN)),
  fc.constant(null).map(() => cyclic()),
  fc.letrec((tie) => ({
    deep: fc.oneof({ depthSize: 'small' }, fc.string(), fc.record({ next: tie('deep') })),
  })).deep,
);

const row = fc.oneof(
  fc.dictionary(key, nasty, { maxKeys: 6 }).map((entries) => {
    // Own __proto__ / constructor keys, as JSON.parse would produce them.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entries))
      Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
    return out;
  }),
  nasty,
);

const template = fc
  .array(
    fc.constantFrom(
      'Hi ',
      '{{',
      '}}',
      '{{#a}}',
      '{{/a}}',
      '{{^b}}',
      '{{/b}}',
      '{{> p}}',
      '{{{first_name}}}',
      '{{&to}}',
      '{{=<% %>=}}',
      '<%x%>',
      '{{!c}}',
      '{{a.b}}',
      '{{first_name}}',
      '{{.}}',
      '{{__proto__}}',
      '{{constructor.name}}',
      ' ',
      '😀',
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

function pollutionSnapshot(): string {
  return JSON.stringify([
    Object.getOwnPropertyNames(Object.prototype).sort(),
    Object.getOwnPropertyNames(Array.prototype).sort(),
  ]);
}

describe('hostile input', () => {
  it('gives every random row exactly one result, in order, and the same in preview, without throwing or polluting prototypes', async () => {
    const before = pollutionSnapshot();
    const dispatcher = instantDispatcher(() => ({ status: 201, body: created }));
    const destination = new TwilioDestination(
      baseConfig({ settings: { messageTemplate: 'Hi {{first_name}}{{#a}} {{a.b}}{{/a}}' } }),
      {
        dispatcher,
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 5 }), async (rows) => {
        const sentBefore = dispatcher.requests.length;
        const results = await destination.write(rows as Row[]);
        expect(results.map((result) => result.index)).toEqual(rows.map((_, index) => index));
        const sent = results.filter((result) => result.status === 'sent').length;
        expect(dispatcher.requests.length - sentBefore).toBe(sent);
        // A first row (an object) without the recipient column makes every row config_error, with no request.
        const first = rows[0];
        const noRecipientColumn =
          first !== null && typeof first === 'object' && !Array.isArray(first) && !Object.hasOwn(first, 'to');
        for (const result of results) {
          if (result.status === 'failed')
            expect(noRecipientColumn ? ['config_error'] : ['invalid_row', 'template_error']).toContain(
              result.error.code,
            );
        }
        const requestsBefore = dispatcher.requests.length;
        if (noRecipientColumn) {
          // The dry run refuses such a batch with one ConfigError.
          await expect(destination.preview(rows as Row[])).rejects.toBeInstanceOf(ConfigError);
          expect(dispatcher.requests.length).toBe(requestsBefore);
          return;
        }
        // The dry run reads the same hostile rows without throwing, and predicts every outcome.
        const preview = await destination.preview(rows as Row[]);
        expect(dispatcher.requests.length).toBe(requestsBefore);
        expect(preview.rows.map((entry) => (entry.status === 'failed' ? entry.error : 'ready'))).toEqual(
          results.map((result) => (result.status === 'failed' ? result.error : 'ready')),
        );
      }),
      { numRuns: RUNS },
    );
    expect(pollutionSnapshot()).toBe(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('either sends random templates row by row or refuses them with one ConfigError and no request', async () => {
    await fc.assert(
      fc.asyncProperty(template, fc.array(row, { maxLength: 3 }), async (messageTemplate, rows) => {
        const dispatcher = instantDispatcher(() => ({ status: 201, body: created }));
        const destination = new TwilioDestination(baseConfig({ settings: { messageTemplate } }), {
          dispatcher,
        });
        const outcome = await destination.write(rows as Row[]).catch((error: unknown) => error);
        if (outcome instanceof ConfigError) {
          expect(dispatcher.requests).toEqual([]);
          expect(outcome.issues.length).toBeGreaterThan(0);
          return;
        }
        expect(Array.isArray(outcome)).toBe(true);
        expect((outcome as { index: number }[]).map((result) => result.index)).toEqual(
          rows.map((_, index) => index),
        );
        const validation = await destination.validateTargetSettings();
        expect(validation.errors.filter((issue) => issue.field === 'settings.messageTemplate')).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('never calls a function found in a row', async () => {
    let called = 0;
    const spy = () => {
      called++;
      return 'x';
    };
    const destination = new TwilioDestination(
      baseConfig({ settings: { messageTemplate: '{{#first_name}}{{.}}{{/first_name}}{{first_name}}' } }),
      {
        dispatcher: instantDispatcher(() => ({ status: 201, body: created })),
      },
    );
    const [result] = await destination.write([{ to: '+14155550100', first_name: spy }]);
    expect(called).toBe(0);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'template_error' } });
  });
});
