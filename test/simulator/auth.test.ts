import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY_SECRET,
  DEFAULT_API_KEY_SID,
  DEFAULT_AUTH_TOKEN,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { basic, call, messagesPath, send } from './client.js';

const OTHER_SID = 'AC00000000000000000000000000000002';
const accountPath = `/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}.json`;

let sim: TwilioSimulator;

beforeEach(async () => {
  sim = await startTwilioSimulator({
    lifecycle: false,
    accounts: [
      {
        sid: DEFAULT_ACCOUNT_SID,
        authToken: DEFAULT_AUTH_TOKEN,
        apiKeys: [{ sid: DEFAULT_API_KEY_SID, secret: DEFAULT_API_KEY_SECRET }],
      },
      { sid: OTHER_SID, authToken: 'other-token' },
    ],
  });
});

afterEach(() => sim.close());

const message = { To: '+15557654321', From: '+15005550006', Body: 'x' };

describe('authentication (401 / 20003)', () => {
  it.each([
    ['no Authorization header', null],
    ['another scheme', 'Bearer abc'],
    ['Basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`],
    ['a wrong Auth Token', basic(DEFAULT_ACCOUNT_SID, 'wrong')],
    ['an Auth Token of another account', basic(DEFAULT_ACCOUNT_SID, 'other-token')],
    ['an unknown account', basic(`AC${'9'.repeat(32)}`, DEFAULT_AUTH_TOKEN)],
    ['an API key with a wrong secret', basic(DEFAULT_API_KEY_SID, 'wrong')],
    ['an unknown API key', basic(`SK${'9'.repeat(32)}`, DEFAULT_API_KEY_SECRET)],
  ])('refuses %s', async (_, auth) => {
    const reply = await send(sim, message, { auth });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
    expect(reply.headers['www-authenticate']).toBe('Basic realm="Twilio API"');
    expect(sim.messages).toHaveLength(0);
  });

  it('accepts an API key, with the Account SID in the path', async () => {
    const reply = await send(sim, message, { auth: basic(DEFAULT_API_KEY_SID, DEFAULT_API_KEY_SECRET) });
    expect(reply.status).toBe(201);
    expect(sim.apiKey).toEqual({ sid: DEFAULT_API_KEY_SID, secret: DEFAULT_API_KEY_SECRET });
  });

  it('answers 404 / 20404 to credentials of another account than the path’s', async () => {
    const reply = await send(sim, message, { auth: basic(OTHER_SID, 'other-token') });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe(20404);
    expect(reply.body.message).toContain(messagesPath(sim));
  });

  it('gives every account a Messaging Service and an API key by default', async () => {
    const key = `SK${OTHER_SID.slice(2)}`;
    const auth = basic(key, [...'other-token'].reverse().join(''));
    const reply = await call(sim, 'GET', `/v1/Services/MG${OTHER_SID.slice(2)}`, { auth });
    expect(reply.status).toBe(200);
  });
});

describe('authorization', () => {
  it('lets the Auth Token read the Account, but not an API key (403 / 20003)', async () => {
    expect((await call(sim, 'GET', accountPath)).status).toBe(200);
    const reply = await call(sim, 'GET', accountPath, {
      auth: basic(DEFAULT_API_KEY_SID, DEFAULT_API_KEY_SECRET),
    });
    expect(reply.status).toBe(403);
    expect(reply.body.code).toBe(20003);
  });

  it.each(['suspended', 'closed'] as const)(
    'shows a %s account’s status but refuses its requests (10001)',
    async (status) => {
      sim.configure({ accountUpdates: { [DEFAULT_ACCOUNT_SID]: { status } } });
      const account = await call(sim, 'GET', accountPath);
      expect(account.body.status).toBe(status);
      const reply = await send(sim, message);
      expect(reply.status).toBe(403);
      expect(reply.body.code).toBe(10001);
    },
  );
});

describe('credential changes while running', () => {
  it('rotates the Auth Token mid-batch: the old one answers 401 from the next request on', async () => {
    const oldAuth = basic(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN);
    expect((await send(sim, message, { auth: oldAuth })).status).toBe(201);
    sim.configure({ authToken: 'rotated0000000000000000000000000' });
    expect((await send(sim, message, { auth: oldAuth })).status).toBe(401);
    expect(sim.credentials).toEqual({
      accountSid: DEFAULT_ACCOUNT_SID,
      authToken: 'rotated0000000000000000000000000',
    });
    expect((await send(sim, message)).status).toBe(201);
  });

  it('rotates another account’s token and revokes API keys', async () => {
    sim.configure({
      accountUpdates: { [OTHER_SID]: { authToken: 'new-other' }, [DEFAULT_ACCOUNT_SID]: { apiKeys: [] } },
    });
    const other = `/2010-04-01/Accounts/${OTHER_SID}.json`;
    expect((await call(sim, 'GET', other, { auth: basic(OTHER_SID, 'other-token') })).status).toBe(401);
    expect((await call(sim, 'GET', other, { auth: basic(OTHER_SID, 'new-other') })).status).toBe(200);
    const keyAuth = basic(DEFAULT_API_KEY_SID, DEFAULT_API_KEY_SECRET);
    expect((await send(sim, message, { auth: keyAuth })).status).toBe(401);
    expect(sim.apiKey).toEqual({ sid: '', secret: '' });
  });

  it('changes owned numbers, account type and verified numbers', async () => {
    sim.configure({
      accountUpdates: {
        [DEFAULT_ACCOUNT_SID]: {
          numbers: ['+15550001111'],
          type: 'Trial',
          verifiedNumbers: ['+15557654321'],
        },
      },
    });
    expect(sim.numbers).toEqual(['+15550001111']);
    expect((await send(sim, { ...message, From: '+15550001111' })).status).toBe(201);
    expect((await send(sim, { ...message, From: '+15550001111', To: '+15550002222' })).body.code).toBe(21608);
    expect((await call(sim, 'GET', accountPath)).body.type).toBe('Trial');
  });

  it('refuses an update of an account it does not simulate', () => {
    expect(() => sim.configure({ accountUpdates: { AC123: { status: 'closed' } } })).toThrow(
      /no simulated account AC123/,
    );
  });
});

describe('recorded requests', () => {
  it('keeps method, path, query, headers, form and time, with Authorization redacted', async () => {
    const before = Date.now();
    await send(sim, message);
    await call(sim, 'GET', `${messagesPath(sim)}?To=%2B15557654321&PageSize=1`);
    const [post, get] = sim.requests;
    expect(post).toMatchObject({
      method: 'POST',
      path: messagesPath(sim),
      query: {},
      form: message,
      status: 201,
    });
    expect(post?.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(get).toMatchObject({ method: 'GET', query: { To: '+15557654321', PageSize: '1' }, status: 200 });
    expect(post?.headers['authorization']).toBe('[redacted]');
    expect(JSON.stringify(sim.requests)).not.toContain(
      Buffer.from(`${DEFAULT_ACCOUNT_SID}:`).toString('base64'),
    );
    expect(JSON.stringify(sim.requests)).not.toContain(DEFAULT_AUTH_TOKEN);
  });
});
