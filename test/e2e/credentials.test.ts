/**
 * Credentials and senders end to end: `validateCredentials` and `validateTargetSettings` against Full,
 * Trial and suspended accounts, API keys, owned and foreign numbers and Messaging Services; and what
 * `write` does when the credentials stop working in the middle of a batch.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT,
  DEFAULT_API_KEY_SECRET,
  DEFAULT_API_KEY_SID,
  DEFAULT_MESSAGING_SERVICE_SID,
} from '../../src/simulator/index.js';
import type { Row, ValidationResult } from '../../src/types.js';
import { failed, outcome, row, rows, sent, useSimulator } from './harness.js';

const TRIAL = { sid: `AC${'0'.repeat(31)}2`, authToken: 'ab'.repeat(16) };
const SUSPENDED = { sid: `AC${'0'.repeat(31)}3`, authToken: 'cd'.repeat(16) };
const VERIFIED = '+14155550300';
const ROTATED = 'ef'.repeat(16);

const e2e = useSimulator({
  accounts: [
    DEFAULT_ACCOUNT,
    { ...TRIAL, type: 'Trial', verifiedNumbers: [VERIFIED] },
    { ...SUSPENDED, status: 'suspended' },
  ],
});

const codes = (issues: ValidationResult['errors']) => issues.map((issue) => `${issue.field}: ${issue.code}`);

describe('validateCredentials', () => {
  it('accepts an active Full account and reports its status and type', async () => {
    const result = await e2e.destination().validateCredentials();
    expect(result).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(result.info['account']).toEqual({ status: 'active', type: 'Full' });
  });

  it('accepts a Trial account with a warning that it texts verified numbers only', async () => {
    const credentials = { accountSid: TRIAL.sid, authToken: TRIAL.authToken };
    const result = await e2e.destination({ config: { credentials } }).validateCredentials();
    expect(result.ok).toBe(true);
    expect(codes(result.warnings)).toEqual(['credentials.accountSid: trial_account']);
    expect(result.info['account']).toEqual({ status: 'active', type: 'Trial' });
  });

  it('refuses a suspended account', async () => {
    const credentials = { accountSid: SUSPENDED.sid, authToken: SUSPENDED.authToken };
    const result = await e2e.destination({ config: { credentials } }).validateCredentials();
    expect(result.ok).toBe(false);
    expect(codes(result.errors)).toEqual(['credentials.accountSid: account_suspended']);
  });

  it('refuses a wrong Auth Token', async () => {
    const credentials = { accountSid: DEFAULT_ACCOUNT.sid, authToken: ROTATED };
    const result = await e2e.destination({ config: { credentials } }).validateCredentials();
    expect(result.ok).toBe(false);
    expect(codes(result.errors)).toEqual(['credentials.authToken: credentials_refused']);
  });

  it('accepts an API key, which may not read the account, by checking it on Messages', async () => {
    const credentials = {
      accountSid: DEFAULT_ACCOUNT.sid,
      apiKeySid: DEFAULT_API_KEY_SID,
      apiKeySecret: DEFAULT_API_KEY_SECRET,
    };
    const result = await e2e.destination({ config: { credentials } }).validateCredentials();
    expect(result.ok).toBe(true);
    expect(codes(result.warnings)).toEqual(['credentials.apiKeySid: account_status_unknown']);
    expect(e2e.trace()).toEqual(['GET 403', 'GET 200']);
  });
});

describe('validateTargetSettings', () => {
  const check = (from: string) =>
    e2e
      .destination({ config: { settings: { from, messageTemplate: 'Hi {{first_name}}' } } })
      .validateTargetSettings();

  it('accepts a number the account owns', async () => {
    const result = await check('+15551234567');
    expect(result).toMatchObject({ ok: true, errors: [] });
    expect(result.info['sender']).toMatchObject({ kind: 'phone', number: '+15551234567' });
    expect(result.info['fields']).toEqual(['first_name']);
  });

  it('refuses a number the account does not own (Twilio would answer 21606 for every row)', async () => {
    const result = await check('+15557654321');
    expect(result.ok).toBe(false);
    expect(codes(result.errors)).toEqual(['settings.from: sender_not_owned']);
  });

  it('accepts a Messaging Service of the account', async () => {
    const result = await check(DEFAULT_MESSAGING_SERVICE_SID);
    expect(result).toMatchObject({ ok: true, errors: [] });
    expect(result.info['sender']).toMatchObject({
      kind: 'messaging_service',
      sid: DEFAULT_MESSAGING_SERVICE_SID,
    });
  });

  it('refuses a Messaging Service the account does not have', async () => {
    const result = await check(`MG${'9'.repeat(32)}`);
    expect(result.ok).toBe(false);
    expect(codes(result.errors)).toEqual(['settings.from: sender_not_found']);
  });
});

describe('write with accounts that cannot text everyone', () => {
  it('sends to verified numbers from a Trial account and fails the others with 21608', async () => {
    const credentials = { accountSid: TRIAL.sid, authToken: TRIAL.authToken };
    const results = await e2e
      .destination({ config: { credentials } })
      .write([row('+14155550301'), row(VERIFIED)]);
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'twilio_rejected', httpStatus: 400, twilioCode: 21608 }),
      sent(1),
    ]);
  });

  it('stops the batch at the first row of a suspended account (403), with no further request', async () => {
    const credentials = { accountSid: SUSPENDED.sid, authToken: SUSPENDED.authToken };
    const results = await e2e.destination({ config: { credentials } }).write(rows(3));
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'auth_failed', httpStatus: 403, twilioCode: 10001 }),
      failed(1, 0, { code: 'auth_failed' }),
      failed(2, 0, { code: 'auth_failed' }),
    ]);
    expect(e2e.trace()).toEqual(['POST 403']);
  });

  it('stops the batch with config_error when the credentials belong to another account than the SID (404)', async () => {
    const credentials = {
      accountSid: TRIAL.sid,
      apiKeySid: DEFAULT_API_KEY_SID,
      apiKeySecret: DEFAULT_API_KEY_SECRET,
    };
    const results = await e2e.destination({ config: { credentials } }).write(rows(2));
    expect(results.map(outcome)).toEqual([
      failed(0, 1, { code: 'config_error', httpStatus: 404, twilioCode: 20404 }),
      failed(1, 0, { code: 'config_error' }),
    ]);
    expect(e2e.trace()).toEqual(['POST 404']);
  });
});

describe('a credential rotated in the middle of a batch', () => {
  const stopped = [
    sent(0),
    sent(1),
    failed(2, 1, { code: 'auth_failed', httpStatus: 401, twilioCode: 20003 }),
    failed(3, 0, { code: 'auth_failed' }),
    failed(4, 0, { code: 'auth_failed' }),
  ];

  it('fails the row that met the 401 and every later row, and makes no request after it', async () => {
    e2e.sim.configure({
      faults: (request) => {
        // The Auth Token changes as the third create request arrives, before it is authenticated.
        if (request.target === 'create' && request.count === 3) e2e.sim.configure({ authToken: ROTATED });
        return undefined;
      },
    });
    const destination = e2e.destination();
    const results = await destination.write(rows(5));
    expect(results.map(outcome)).toEqual(stopped);
    expect(e2e.trace()).toEqual(['POST 201', 'POST 201', 'POST 401']);
    const [, , atRotation, after] = results;
    expect(atRotation?.status === 'failed' && atRotation.error.message).toMatch(/Auth Token/);
    expect(after?.status === 'failed' && after.error.message).toMatch(/batch stopped at row 2/);

    const check = await destination.validateCredentials();
    expect(codes(check.errors)).toEqual(['credentials.authToken: credentials_refused']);
  });

  it('stops the same way when the token changes between two rows of a streamed batch', async () => {
    const sim = e2e.sim;
    async function* stream(): AsyncGenerator<Row> {
      const input = rows(5, 10);
      for (const [index, next] of input.entries()) {
        if (index === 2) sim.configure({ authToken: ROTATED });
        yield next;
      }
    }
    const results = await e2e.destination().write(stream());
    expect(results.map(outcome)).toEqual(stopped);
    expect(e2e.trace()).toEqual(['POST 201', 'POST 201', 'POST 401']);
  });
});
