import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';

function parse(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const result = parseCommandLine(argv, { writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  return { result, out: out.join(''), err: err.join('') };
}

describe('parseCommandLine', () => {
  it('reads send with every flag', () => {
    const { result } = parse(
      'send',
      'rows.csv',
      '--from',
      '+15551234567',
      '--template',
      'Hi {{first_name}}',
      '--map',
      'to=phone',
      '--map',
      'media_url=image',
      '--default-country',
      'US',
      '--smart-encoded',
      '--validity-period',
      '600',
      '--shorten-urls',
      '--status-callback',
      'https://hooks.example.com/s',
      '--max-segments',
      '3',
      '--concurrency',
      '4',
      '--segments-per-second',
      '1.5',
      '--retries',
      '0',
      '--timeout',
      '5000',
      '--out',
      'results.jsonl',
      '--format',
      'csv',
      '--append',
      '--key',
      'id',
      '--limit',
      '50',
      '--to',
      '+14155550199',
      '--yes',
      '--price-per-segment',
      '0.04',
      '--api-base-url',
      'http://127.0.0.1:4010',
    );
    expect(result).toEqual({
      command: 'send',
      file: 'rows.csv',
      options: {
        from: '+15551234567',
        template: 'Hi {{first_name}}',
        map: { to: 'phone', media_url: 'image' },
        defaultCountry: 'US',
        smartEncoded: true,
        validityPeriod: 600,
        shortenUrls: true,
        statusCallback: 'https://hooks.example.com/s',
        maxSegments: 3,
        concurrency: 4,
        segmentsPerSecond: 1.5,
        retries: 0,
        timeout: 5000,
        out: 'results.jsonl',
        format: 'csv',
        append: true,
        key: 'id',
        limit: 50,
        to: '+14155550199',
        yes: true,
        pricePerSegment: 0.04,
        apiBaseUrl: 'http://127.0.0.1:4010',
      },
    });
  });

  it('upper-cases --default-country', () => {
    const { result } = parse('preview', 'rows.csv', '--default-country', ' gb ');
    expect(result).toMatchObject({ options: { defaultCountry: 'GB' } });
  });

  it('passes the simulator its own arguments', () => {
    expect(parse('simulator', '--port', '0', '--seed', '7').result).toEqual({
      command: 'simulator',
      file: undefined,
      options: {},
      rest: ['--port', '0', '--seed', '7'],
    });
  });

  it('reads preview with a Content template and stdin', () => {
    const { result } = parse(
      'preview',
      '-',
      '--format',
      'jsonl',
      '--simulate',
      '--content-sid',
      'HXabc',
      '--content-variable',
      '1={{first_name}}',
      '--warn-above-segments',
      '2',
    );
    expect(result).toEqual({
      command: 'preview',
      file: undefined,
      options: {
        format: 'jsonl',
        simulate: true,
        contentSid: 'HXabc',
        contentVariable: { '1': '{{first_name}}' },
        warnAboveSegments: 2,
      },
    });
  });

  it('reads validate, which takes no rows, and the hidden base URL flag', () => {
    const { result } = parse(
      'validate',
      '--template-file',
      'message.txt',
      '--api-base-url',
      'http://127.0.0.1:4010',
    );
    expect(result).toEqual({
      command: 'validate',
      file: undefined,
      options: {
        templateFile: 'message.txt',
        apiBaseUrl: 'http://127.0.0.1:4010',
      },
    });
  });

  it('prints help with the credentials rule and the exit codes, and exits 0', () => {
    const { result, out } = parse('--help');
    expect(result).toBe(0);
    expect(out).toContain('Usage: twilio-destination [options] [command]');
    expect(out).toContain(
      'TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET',
    );
    expect(out).toContain('Exit codes: 0 every row sent');
    expect(parse('send', '--help').out).toContain('--segments-per-second <n>');
    expect(parse('send', '--help').out).toContain('--api-base-url <url>');
    expect(parse('preview', '--help').out).toContain('--api-base-url <url>');
    expect(out).toContain('simulator');
    expect(parse('--version')).toMatchObject({ result: 0, out: '0.1.0\n' });
  });

  it.each([
    [['send', '--colour'], /error: unknown option '--colour'/],
    [
      ['send', '--concurrency', 'many'],
      /option '--concurrency <n>' argument 'many' is invalid\. Not a number\./,
    ],
    [['send', '--concurrency', ''], /Not a number/],
    [['send', '--limit', '0'], /option '--limit <n>' argument '0' is invalid\. Must be a whole number ≥ 1\./],
    [['preview', '--limit', '2.5'], /Must be a whole number ≥ 1/],
    [['send', '--force', '--append'], /option '--append' cannot be used with option '--force'/],
    [['send', '--map', 'phone'], /argument 'phone' is invalid\. expected field=column, got "phone"/],
    [['send', '--map', 'mobile=phone'], /unknown destination field "mobile"/],
    [
      ['send', '--template', 'x', '--template-file', 'y'],
      /option '--template-file <path>' cannot be used with option '--template <text>'/,
    ],
    [
      ['send', '--simulate', '--api-base-url', 'http://127.0.0.1:1'],
      /cannot be used with option '--simulate'/,
    ],
    [['send', '--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are csv, jsonl\./],
    [['send', 'a.csv', 'b.csv'], /too many arguments for 'send'/],
    [['validate', 'rows.csv'], /too many arguments for 'validate'/],
    [['deliver'], /unknown command 'deliver'/],
    [[], /Usage: twilio-destination/],
  ])('exits 2 on %j with a clear message', (argv, message) => {
    const { result, err } = parse(...argv);
    expect(result).toBe(2);
    expect(err).toMatch(message);
  });

  it.each([
    ['--auth-token', '0123456789abcdef0123456789abcdef'],
    ['--auth-token=0123456789abcdef0123456789abcdef'],
    ['--api-secret=s3cr3t-value'],
    ['--API_KEY', 's3cr3t-value'],
    ['--account-sid=AC0123'],
    ['--password=s3cr3t-value'],
  ])('refuses a credential given as a flag (%s) without echoing its value', (...flag) => {
    const { result, err } = parse('send', 'rows.csv', ...flag);
    expect(result).toBe(2);
    expect(err).toMatch(
      /credentials are not accepted as flags, which other users can see in the process list/,
    );
    expect(err).toContain('TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN');
    expect(err).not.toMatch(/0123456789abcdef|s3cr3t|AC0123/);
  });
});
