import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TwilioDestination } from '../src/destination.js';
import { ConfigError } from '../src/errors.js';
import { MAX_BODY_LENGTH, MAX_VALUE_LENGTH } from '../src/message.js';
import type { Row } from '../src/types.js';
import { instantDispatcher } from './helpers/instant-dispatcher.js';
import { longestRegexInputAsync } from './helpers/regex-input.js';
import { baseConfig, messageJson } from './helpers/twilio.js';

const RUNS = 1000;
/**
 * The time a 1,000-case property may take: about 3 s alone, measured at 13 s under --coverage on a 2-core
 * machine with both cores busy. A fixed case count and a generous budget, so it never fails for being slow.
 */
const BUDGET = { timeout: 300_000 };
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

/** A row or value that throws on every touch, as a revoked Proxy does. */
function revoked(): Record<string, unknown> {
  const { proxy, revoke } = Proxy.revocable({ to: '+14155550100' }, {});
  revoke();
  return proxy;
}

/** An object whose `key` throws when read (by default every template and destination field). */
function throwingGetter(key?: string): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const name of key === undefined ? ['to', 'first_name', 'a', 'b', 'media_url'] : [key]) {
    Object.defineProperty(value, name, {
      enumerable: true,
      get() {
        throw new Error(`no ${name} for you`);
      },
    });
  }
  return value;
}

/**
 * Stand-ins for values that throw on touch: fast-check itself touches the values it generates (to clone
 * and print them), so the property swaps these in only when it hands the rows over.
 */
const REVOKED = Symbol('a revoked Proxy');
const THROWING = Symbol('an object whose fields throw');
const THROWING_TO = Symbol('a row whose "to" throws');

function materialise(value: unknown): unknown {
  if (value === REVOKED) return revoked();
  if (value === THROWING) return throwingGetter();
  if (value === THROWING_TO) return throwingGetter('to');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  // A copy (the generated value is fast-check's to replay), with own keys kept own (`__proto__` included).
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    Object.defineProperty(copy, key, {
      value: typeof inner === 'symbol' ? materialise(inner) : inner,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return copy;
}

/** Shared, so the property does not build them anew for every case. */
const HUGE_ARRAY: unknown[] = new Array(2 ** 28);
const HUGE_STRING = 'x'.repeat(10_000_000);
const LONG_DIGITS = `${'1'.repeat(40_000)}a`;

/** Whether a first row is an object without a `to` column; a row that throws when looked at is not. */
function lacksRecipientColumn(first: unknown): boolean {
  try {
    return (
      first !== null && typeof first === 'object' && !Array.isArray(first) && !Object.hasOwn(first, 'to')
    );
  } catch {
    return false;
  }
}

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
  // Values that cost time or throw on touch: each must fail its row alone, at bounded cost.
  fc.constant(REVOKED),
  fc.constant(THROWING),
  fc.constant(HUGE_ARRAY),
  fc.constant(HUGE_STRING),
  fc.constant(LONG_DIGITS),
  fc.letrec((tie) => ({
    deep: fc.oneof({ depthSize: 'small' }, fc.string(), fc.record({ next: tie('deep') })),
  })).deep,
);

const row = fc.oneof(
  fc.constant(REVOKED),
  fc.constant(THROWING_TO),
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
  it(
    'gives every random row exactly one result, in order, and the same in preview, without throwing or polluting prototypes',
    BUDGET,
    async () => {
      const before = pollutionSnapshot();
      const dispatcher = instantDispatcher(() => ({ status: 201, body: created }));
      const destination = new TwilioDestination(
        baseConfig({ settings: { messageTemplate: 'Hi {{first_name}}{{#a}} {{a.b}}{{/a}}' } }),
        {
          dispatcher,
        },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 5 }), async (generated) => {
          const rows = generated.map(materialise);
          const sentBefore = dispatcher.requests.length;
          let results: Awaited<ReturnType<typeof destination.write>> = [];
          // The time bound, as an operation count: no regular expression ever reads more than a message's
          // worth of a value (a 40,000-digit `to`, a 10 MB string are cut or refused by length first).
          const longest = await longestRegexInputAsync(async () => {
            results = await destination.write(rows as Row[]);
          });
          expect(longest).toBeLessThanOrEqual(MAX_BODY_LENGTH * 2);
          expect(results.map((result) => result.index)).toEqual(rows.map((_, index) => index));
          const sent = results.filter((result) => result.status === 'sent').length;
          expect(dispatcher.requests.length - sentBefore).toBe(sent);
          // A first row (an object) without the recipient column makes every row config_error, with no request.
          const noRecipientColumn = lacksRecipientColumn(rows[0]);
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
    },
  );

  it(
    'either sends random templates row by row or refuses them with one ConfigError and no request',
    BUDGET,
    async () => {
      await fc.assert(
        fc.asyncProperty(template, fc.array(row, { maxLength: 3 }), async (messageTemplate, generated) => {
          const rows = generated.map(materialise);
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
    },
  );

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

describe('hostile rows', () => {
  const destination = () =>
    new TwilioDestination(baseConfig({ settings: { messageTemplate: 'Hi {{first_name}}' } }), {
      dispatcher: instantDispatcher(() => ({ status: 201, body: created })),
    });
  const good = { to: '+14155550100', first_name: 'Ada' };

  it('fails a row that throws on access alone, invalid_row, in write and preview alike', async () => {
    const thrownRevoked = revoked();
    const rows = [
      good,
      revoked(),
      throwingGetter('to'),
      Object.defineProperty({ to: '+14155550100' }, 'first_name', {
        enumerable: true,
        get: () => {
          throw new Error('no first_name for you');
        },
      }),
      {
        to: '+14155550100',
        get first_name(): string {
          throw thrownRevoked;
        },
      },
      new Proxy(
        {},
        {
          getOwnPropertyDescriptor: () => {
            throw new Error('no descriptor');
          },
        },
      ),
      {
        get to(): string {
          throw 'a plain string';
        },
      },
      {
        get to(): string {
          throw new Error('y'.repeat(5000));
        },
      },
      good,
    ];
    const expected = [
      'sent',
      "invalid_row: Row 1: the row could not be read (Cannot perform 'IsArray' on a proxy that has been revoked)",
      'invalid_row: Row 2: the row could not be read (no to for you)',
      'invalid_row: Row 3: the row could not be read (no first_name for you)',
      'invalid_row: Row 4: the row could not be read (it threw a value that cannot be printed)',
      'invalid_row: Row 5: the row could not be read (no descriptor)',
      'invalid_row: Row 6: the row could not be read (a plain string)',
      `invalid_row: Row 7: the row could not be read (${'y'.repeat(199)}…)`,
      'sent',
    ];
    const d = destination();
    const results = await d.write(rows as Row[]);
    expect(
      results.map((r) => (r.status === 'sent' ? 'sent' : `${r.error.code}: ${r.error.message}`)),
    ).toEqual(expected);
    const preview = await d.preview(rows as Row[]);
    expect(
      preview.rows.map((r) => (r.status === 'ready' ? 'sent' : `${r.error.code}: ${r.error.message}`)),
    ).toEqual(expected);
  });

  it('fails a revoked first row alone too, rather than the batch for a missing column', async () => {
    const d = destination();
    const rows = [revoked(), good];
    const results = await d.write(rows as Row[]);
    expect(results.map((r) => (r.status === 'sent' ? 'sent' : r.error.code))).toEqual([
      'invalid_row',
      'sent',
    ]);
    const preview = await d.preview(rows as Row[]);
    expect(preview.rows.map((r) => (r.status === 'ready' ? 'sent' : r.error.code))).toEqual([
      'invalid_row',
      'sent',
    ]);
  });

  it('reads at most a message’s worth of a huge array in a template field, counted element by element', async () => {
    let reads = 0;
    const counted = new Proxy(new Array(2 ** 20).fill('a'), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const d = new TwilioDestination(
      baseConfig({ settings: { messageTemplate: 'Hi{{#items}}!{{/items}}' } }),
      {
        dispatcher: instantDispatcher(() => ({ status: 201, body: created })),
      },
    );
    const [result] = await d.write([{ to: '+14155550100', items: counted }]);
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: 'template_error',
        message: `Row 0: the rendered message is longer than ${MAX_BODY_LENGTH} characters, the most Twilio accepts (error 21617): "items" holds ${2 ** 20} elements. Shorten this row's values or the template`,
      },
    });
    // Each kept element is read once to copy it, then rendered from the copy.
    expect(reads).toBe(MAX_VALUE_LENGTH);
  });

  it.each([
    [
      'new Array(2 ** 28)',
      HUGE_ARRAY,
      `"first_name" holds ${2 ** 28} elements`,
      'Hi{{#first_name}}x{{/first_name}}',
    ],
    [
      'a 10 MB string',
      HUGE_STRING,
      `"first_name" alone holds ${HUGE_STRING.length} characters`,
      'Hi {{first_name}}',
    ],
  ])(
    'refuses %s in a template field as too long, having read only its head',
    async (_name, value, what, messageTemplate) => {
      const d = new TwilioDestination(baseConfig({ settings: { messageTemplate } }), {
        dispatcher: instantDispatcher(() => ({ status: 201, body: created })),
      });
      const rows = [{ to: '+14155550100', first_name: value }, good];
      const message = `Row 0: the rendered message is longer than ${MAX_BODY_LENGTH} characters, the most Twilio accepts (error 21617): ${what}. Shorten this row's values or the template`;
      const results = await d.write(rows);
      expect(results.map((r) => (r.status === 'sent' ? 'sent' : r.error.message))).toEqual([message, 'sent']);
      const preview = await d.preview(rows);
      expect(preview.rows.map((r) => (r.status === 'ready' ? 'sent' : r.error.message))).toEqual([
        message,
        'sent',
      ]);
    },
  );

  it('refuses a huge value in a Content variable before it is serialised, having read only its head', async () => {
    const dispatcher = instantDispatcher(() => ({ status: 201, body: created }));
    const { credentials, settings } = baseConfig();
    const d = new TwilioDestination(
      {
        credentials,
        settings: {
          from: settings.from,
          contentSid: `HX${'0'.repeat(32)}`,
          contentVariables: { '1': '{{first_name}}' },
        },
      },
      { dispatcher },
    );
    const results = await d.write([{ to: '+14155550100', first_name: HUGE_STRING }]);
    expect(results).toEqual([
      {
        status: 'failed',
        index: 0,
        attempts: 0,
        error: {
          code: 'template_error',
          message: `Row 0: Content variable 1 (settings.contentVariables) renders over ${MAX_BODY_LENGTH} characters for this row, more than a whole message holds; shorten this row's value`,
          retryable: false,
        },
      },
    ]);
    expect(dispatcher.requests).toEqual([]);
  });

  it('ignores a huge value in a column no template reads', async () => {
    const [result] = await destination().write([{ ...good, notes: HUGE_STRING, list: HUGE_ARRAY }]);
    expect(result?.status).toBe('sent');
  });
});
