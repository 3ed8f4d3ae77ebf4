import { describe, expect, it } from 'vitest';
import { ConfigError, isConfigError, TimeoutError } from '../src/errors.js';

describe('ConfigError', () => {
  it.each([
    [
      'names a field once when the message starts with it',
      [
        {
          field: 'options.concurrency',
          code: 'out_of_range',
          message: 'options.concurrency must be at least 1 (got 0)',
        },
      ],
      'Invalid configuration (1 problem):\n- options.concurrency must be at least 1 (got 0)',
    ],
    [
      'puts the field in front of a message that does not name it',
      [
        {
          field: 'credentials.accountSid',
          code: 'invalid_account_sid',
          message: 'Account SID must start with AC',
        },
      ],
      'Invalid configuration (1 problem):\n- credentials.accountSid: Account SID must start with AC',
    ],
    [
      'lists every problem',
      [
        { field: 'settings.from', code: 'required', message: 'settings.from is required' },
        { field: 'mapping.to', code: 'empty', message: 'mapping.to must not be empty' },
      ],
      'Invalid configuration (2 problems):\n- settings.from is required\n- mapping.to must not be empty',
    ],
  ])('%s', (_name, issues, message) => {
    const error = new ConfigError(issues);
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message, error.issues]).toEqual([
      'ConfigError',
      'config_error',
      message,
      issues,
    ]);
  });
});

describe('isConfigError', () => {
  it.each([
    [new ConfigError([]), true],
    [new TimeoutError(1, false), false],
    [new Error('Invalid configuration'), false],
    ['config_error', false],
  ])('recognises %o: %s', (value, expected) => {
    expect(isConfigError(value)).toBe(expected);
  });
});
