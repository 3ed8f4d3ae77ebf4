import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseOptions } from '../../src/config/index.js';
import { toIssues } from '../../src/config/issues.js';

const schema = z.strictObject({
  count: z.number().int().min(1).max(5).optional(),
  ratio: z.number().positive().optional(),
  name: z.string().optional(),
  flag: z
    .union([z.boolean(), z.strictObject({ level: z.number().optional() })], {
      error: 'true, false or an object',
    })
    .optional(),
  nested: z.strictObject({ colour: z.string().optional(), size: z.number().optional() }).optional(),
  check: z
    .string()
    .superRefine((value, ctx) => {
      if (value !== 'ok') ctx.addIssue({ code: 'custom', message: 'must be ok', params: { code: 'not_ok' } });
    })
    .optional(),
});

function issues(input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return toIssues(result.error, input, 'thing', schema);
}

describe('toIssues', () => {
  it.each<[unknown, [field: string, code: string, message: string][]]>([
    [{ count: 0 }, [['thing.count', 'out_of_range', 'thing.count must be at least 1 (got 0)']]],
    [{ count: 6 }, [['thing.count', 'out_of_range', 'thing.count must be at most 5 (got 6)']]],
    [{ count: 1.5 }, [['thing.count', 'out_of_range', 'thing.count must be a whole number (got 1.5)']]],
    [{ ratio: 0 }, [['thing.ratio', 'out_of_range', 'thing.ratio must be greater than 0 (got 0)']]],
    [
      { ratio: Number.POSITIVE_INFINITY },
      [['thing.ratio', 'out_of_range', 'thing.ratio must be a finite number (got Infinity)']],
    ],
    [{ name: 5 }, [['thing.name', 'invalid_type', 'thing.name must be a string (got a number)']]],
    [{ name: null }, [['thing.name', 'invalid_type', 'thing.name must be a string (got null)']]],
    [{ nested: [] }, [['thing.nested', 'invalid_type', 'thing.nested must be an object (got an array)']]],
    [
      { flag: 'yes' },
      [['thing.flag', 'invalid_type', 'thing.flag must be true, false or an object (got a string)']],
    ],
    [
      { flag: { level: 'x' } },
      [['thing.flag.level', 'invalid_type', 'thing.flag.level must be a number (got a string)']],
    ],
    [
      { flag: { levl: 1 } },
      [
        [
          'thing.flag.levl',
          'unknown_key',
          'Unknown key "levl" in thing.flag; did you mean "level"? (known keys: level)',
        ],
      ],
    ],
    [{ check: 'no' }, [['thing.check', 'not_ok', 'thing.check must be ok']]],
    [
      { nested: { color: 'red' } },
      [
        [
          'thing.nested.color',
          'unknown_key',
          'Unknown key "color" in thing.nested; did you mean "colour"? (known keys: colour, size)',
        ],
      ],
    ],
    [
      { zebra: 1 },
      [
        [
          'thing.zebra',
          'unknown_key',
          'Unknown key "zebra" in thing (known keys: count, ratio, name, flag, nested, check)',
        ],
      ],
    ],
    [
      { count: 0, name: 1 },
      [
        ['thing.count', 'out_of_range', 'thing.count must be at least 1 (got 0)'],
        ['thing.name', 'invalid_type', 'thing.name must be a string (got a number)'],
      ],
    ],
  ])('words %j', (input, expected) => {
    expect(issues(input).map((issue) => [issue.field, issue.code, issue.message])).toEqual(expected);
  });

  it('names the whole value when it is not an object', () => {
    expect(issues('x')).toEqual([
      { field: 'thing', code: 'invalid_type', message: 'thing must be an object (got a string)' },
    ]);
  });
});

describe('the options, worded', () => {
  it.each([
    [{ concurrency: 0 }, 'options.concurrency must be at least 1 (got 0)'],
    [{ concurrency: 65 }, 'options.concurrency must be at most 64 (got 65)'],
    [{ segmentsPerSecond: 0 }, 'options.segmentsPerSecond must be greater than 0 (got 0)'],
    [{ concurrency: Number.NaN }, 'options.concurrency must be a finite number (got NaN)'],
    [{ timeoutMs: 1.5 }, 'options.timeoutMs must be a whole number (got 1.5)'],
    [{ duplicateCheck: 'yes' }, 'options.duplicateCheck must be true, false or an object (got a string)'],
    [{ duplicateCheck: { pages: 0 } }, 'options.duplicateCheck.pages must be at least 1 (got 0)'],
    [{ duplicateCheck: { pages: '2' } }, 'options.duplicateCheck.pages must be a number (got a string)'],
    [
      { duplicateCheck: { pagez: 2 } },
      'Unknown key "pagez" in options.duplicateCheck; did you mean "pages"? (known keys: clockSkewMs, pages, pageSize, pauseMs)',
    ],
  ])('words %j as %j', (options, message) => {
    const parsed = parseOptions(options);
    expect(parsed.ok ? [] : parsed.issues.map((issue) => issue.message)).toEqual([message]);
  });
});
