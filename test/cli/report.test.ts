import { describe, expect, it } from 'vitest';
import {
  configErrorLines,
  countResult,
  describeIssue,
  formatDuration,
  inCliTerms,
  newTally,
  previewSummary,
  sendSummary,
  sourceOf,
  validationLines,
} from '../../src/cli/report.js';
import type { Scan } from '../../src/cli/scan.js';
import type { RowResult } from '../../src/index.js';

describe('sourceOf', () => {
  it.each([
    ['credentials.accountSid', 'TWILIO_ACCOUNT_SID'],
    ['credentials.authToken', 'TWILIO_AUTH_TOKEN'],
    ['credentials.apiKeySid', 'TWILIO_API_KEY'],
    ['credentials.apiKeySecret', 'TWILIO_API_SECRET'],
    ['settings.from', '--from'],
    ['settings.messageTemplate', '--template'],
    ['settings.contentVariables', '--content-variable'],
    ['settings.contentVariables.first', '--content-variable first=…'],
    ['mapping.to', '--map to=…'],
    ['options.concurrency', '--concurrency'],
    ['options.retry.retries', '--retries'],
    ['options.timeoutMs', '--timeout'],
    ['options.messagingBaseUrl', '--api-base-url'],
    ['previewOptions.warnAboveSegments', '--warn-above-segments'],
    ['mode', 'mode'],
  ])('names %s as %s', (field, source) => {
    expect(sourceOf(field)).toBe(source);
  });
});

describe('describeIssue and configErrorLines', () => {
  it.each([
    ['credentials.accountSid', 'TWILIO_ACCOUNT_SID [required]: TWILIO_ACCOUNT_SID is not set'],
    [
      'credentials.authToken',
      'TWILIO_AUTH_TOKEN [required]: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY with TWILIO_API_SECRET',
    ],
    [
      'credentials.apiKeySid',
      'TWILIO_API_KEY [required]: TWILIO_API_KEY is not set, but TWILIO_API_SECRET is',
    ],
    [
      'credentials.apiKeySecret',
      'TWILIO_API_SECRET [required]: TWILIO_API_SECRET is not set, but TWILIO_API_KEY is',
    ],
    [
      'settings.from',
      '--from [required]: give the sender with --from (a number, MG…, a short code or sender ID), or use --simulate',
    ],
    [
      'settings.messageTemplate',
      '--template [required]: give the message with --template <text> or --template-file <path> (or --content-sid <HX…> for a Content template)',
    ],
    ['mapping.to', '--map to=… [required]: name the column holding the recipient with --map to=<column>'],
  ])('says in CLI terms what is missing at %s', (field, line) => {
    expect(describeIssue({ field, code: 'required', message: `${field} is required` })).toBe(line);
  });

  it('speaks in CLI terms: the flag used, the flags the message names, plain words for ranges', () => {
    const flags = { 'settings.messageTemplate': '--template-file' };
    expect(
      describeIssue(
        {
          field: 'settings.messageTemplate',
          code: 'template_syntax',
          message: 'settings.messageTemplate has an unclosed tag',
        },
        flags,
      ),
    ).toBe('--template-file [template_syntax]: has an unclosed tag');
    expect(
      describeIssue({
        field: 'options.concurrency',
        code: 'out_of_range',
        message: 'options.concurrency: Too small: expected number to be >=1',
      }),
    ).toBe('--concurrency [out_of_range]: must be at least 1');
    expect(
      inCliTerms(
        '"to" must be E.164; set settings.defaultCountry, or check mapping.to and options.retry.retries',
      ),
    ).toBe('"to" must be E.164; set --default-country, or check --map to=… and --retries');
    expect(
      inCliTerms('Too big: expected number to be <=64; Invalid input: expected int, received number'),
    ).toBe('must be at most 64; must be a whole number');
    expect(inCliTerms('settings.unknownThing stays')).toBe('settings.unknownThing stays');
  });

  it("keeps the package's message for anything else", () => {
    expect(describeIssue({ field: 'settings.from', code: 'invalid_sender', message: 'from must be …' })).toBe(
      '--from [invalid_sender]: from must be …',
    );
  });

  it('lists every problem, and where credentials come from when one is about them', () => {
    expect(
      configErrorLines([
        { field: 'settings.from', code: 'invalid_sender', message: 'from must be …' },
        { field: 'credentials.accountSid', code: 'required', message: 'x' },
      ]),
    ).toEqual([
      'Invalid configuration (2 problems):',
      '  --from [invalid_sender]: from must be …',
      '  TWILIO_ACCOUNT_SID [required]: TWILIO_ACCOUNT_SID is not set',
      'Credentials are read only from the environment: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET.',
    ]);
    expect(configErrorLines([{ field: 'mode', code: 'unsupported_sync_mode', message: 'no' }])).toEqual([
      'Invalid configuration (1 problem):',
      '  mode [unsupported_sync_mode]: no',
    ]);
  });
});

describe('validationLines', () => {
  it('says ok with the facts found', () => {
    expect(
      validationLines('Credentials', {
        ok: true,
        errors: [],
        warnings: [],
        info: { account: { status: 'active', type: 'Full' } },
      }),
    ).toEqual(['Credentials: ok', '  account: {"status":"active","type":"Full"}']);
  });

  it('lists errors and warnings', () => {
    const issue = { field: 'credentials.authToken', code: 'auth_failed', message: 'refused' };
    expect(
      validationLines('Credentials', { ok: false, errors: [issue], warnings: [issue], info: {} }),
    ).toEqual([
      'Credentials: 1 error, 1 warning',
      '  error    TWILIO_AUTH_TOKEN [auth_failed]: refused',
      '  warning  TWILIO_AUTH_TOKEN [auth_failed]: refused',
      'Credentials are read only from the environment: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET.',
    ]);
    const warning = { field: 'settings.messageTemplate', code: 'template_ucs2', message: 'UCS-2' };
    expect(
      validationLines('Target settings', { ok: true, errors: [], warnings: [warning, warning], info: {} }),
    ).toEqual([
      'Target settings: ok, 2 warnings',
      '  warning  --template [template_ucs2]: UCS-2',
      '  warning  --template [template_ucs2]: UCS-2',
    ]);
  });
});

const sent = (index: number, segments?: number): RowResult => ({
  status: 'sent',
  index,
  attempts: 1,
  messageSid: `SM${index}`,
  twilioStatus: 'queued',
  ...(segments === undefined ? {} : { segments }),
});
const failed = (index: number, code: 'invalid_row' | 'aborted', extra = {}): RowResult => ({
  status: 'failed',
  index,
  attempts: 0,
  error: { code, message: `Row ${index}: ${code}`, retryable: false, ...extra },
});

describe('sendSummary', () => {
  it('sums up a clean run', () => {
    const tally = newTally();
    for (const result of [sent(0, 2), sent(1, 1)]) countResult(tally, result, result.index + 2);
    expect(sendSummary(tally, { elapsedMs: 500, interruptedBy: undefined, resultsTo: 'out.jsonl' })).toEqual([
      'Sent 2 of 2 rows.',
      'Segments: 3. Results: out.jsonl, one line per row.',
      'Time: 0.5s (4.0 rows/s).',
    ]);
  });

  it('counts failures by code, shows the first five, and says which may exist or can be sent again', () => {
    const tally = newTally();
    const results = [
      sent(0),
      ...[1, 2, 3, 4, 5, 6].map((i) => failed(i, 'invalid_row')),
      failed(7, 'aborted', { retryable: true }),
      failed(8, 'aborted', { possiblySent: true }),
    ];
    for (const result of results) countResult(tally, result, result.index + 2);
    expect(sendSummary(tally, { elapsedMs: 2000, interruptedBy: 'SIGINT', resultsTo: 'stdout' })).toEqual([
      'Interrupted (SIGINT): requests in flight were cancelled, and rows not started are reported "aborted".',
      'Sent 1 of 9 rows; 8 failed (invalid_row 6, aborted 2).',
      '  [invalid_row] line 3: invalid_row',
      '  [invalid_row] line 4: invalid_row',
      '  [invalid_row] line 5: invalid_row',
      '  [invalid_row] line 6: invalid_row',
      '  [invalid_row] line 7: invalid_row',
      '1 failed row may have been sent all the same (possiblySent): check before sending again.',
      '1 failed row can be sent again unchanged (retryable).',
      'Segments: 0. Results: stdout, one line per row.',
      // The rate counts the 7 rows that finished, not the 2 aborted ones.
      'Time: 2.0s (3.5 rows/s).',
    ]);
  });

  it("names the file line, with or without the package's Row n: start, in CLI terms", () => {
    const tally = newTally();
    countResult(
      tally,
      {
        status: 'failed',
        index: 3,
        attempts: 1,
        error: { code: 'server_error', message: 'down', retryable: true },
      },
      5,
    );
    countResult(tally, failed(4, 'invalid_row', { message: 'Row 4: set settings.defaultCountry' }), 7);
    expect(tally.firstFailures).toEqual([
      '  [server_error] line 5: down',
      '  [invalid_row] line 7: set --default-country',
    ]);
    expect(sendSummary(newTally(), { elapsedMs: 0, interruptedBy: undefined, resultsTo: 'stdout' })[0]).toBe(
      'Sent 0 of 0 rows.',
    );
  });
});

describe('previewSummary', () => {
  it('sums up the rows, segments, warnings, duplicates and the costliest', () => {
    const scan: Scan = {
      failures: ['  [invalid_row] line 3: bad to'],
      duplicates: {
        rows: 2,
        examples: ['+14155550100 (lines 2 and 4)', '+14155550101 (lines 5 and 9)'],
        tracked: 200_000,
      },
      costlyLines: new Map([
        [2, 4],
        [0, 2],
      ]),
      summary: {
        rows: 3,
        ready: 2,
        failed: 1,
        failedByCode: { invalid_row: 1 },
        segments: 4,
        encodings: { 'GSM-7': 1, 'UCS-2': 1 },
        channels: { sms: 1, mms: 1 },
        warnings: { many_segments: 1 },
        mostExpensive: [
          { index: 2, segments: 3, encoding: 'UCS-2' },
          { index: 0, segments: 1, encoding: 'GSM-7' },
        ],
      },
    };
    expect(previewSummary(scan, 'preview.jsonl')).toEqual([
      'Preview of 3 rows: 2 ready, 1 would fail (invalid_row 1). No request was made.',
      '  [invalid_row] line 3: bad to',
      'Segments: 4 (GSM-7 1 row, UCS-2 1 row; SMS 1, MMS 1).',
      'Warnings: many_segments 1.',
      'Duplicate recipients: 2 rows send to a number an earlier row already sends to, e.g. +14155550100 (lines 2 and 4), +14155550101 (lines 5 and 9).',
      'Repeated recipients were looked for among the first 200000 distinct recipients only (a bound on memory).',
      'Most segments: line 4 (3, UCS-2), line 2 (1, GSM-7).',
      'Rows: preview.jsonl, one line per row.',
    ]);
  });

  it('leaves out what there is none of', () => {
    const empty: Scan = {
      failures: [],
      duplicates: { rows: 0, examples: [] },
      costlyLines: new Map(),
      summary: {
        rows: 0,
        ready: 0,
        failed: 0,
        failedByCode: {},
        segments: 0,
        encodings: { 'GSM-7': 0, 'UCS-2': 0 },
        channels: { sms: 0, mms: 0 },
        warnings: {},
        mostExpensive: [],
      },
    };
    expect(previewSummary(empty, 'stdout')).toEqual([
      'Preview of 0 rows: 0 ready. No request was made.',
      'Segments: 0 (GSM-7 0 rows, UCS-2 0 rows; SMS 0, MMS 0).',
      'Rows: stdout, one line per row.',
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0s'],
    [420, '0.4s'],
    [12_340, '12.3s'],
    [60_000, '1m 00s'],
    [185_000, '3m 05s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h 00m'],
    [7_260_000, '2h 01m'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
