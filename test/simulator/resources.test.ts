import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY_SECRET,
  DEFAULT_API_KEY_SID,
  DEFAULT_AUTH_TOKEN,
  DEFAULT_MESSAGING_SERVICE_SID,
  DEFAULT_NUMBERS,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { basic, call, messagesPath, send } from './client.js';
import { schemaErrors } from './oai-schema.js';

const OTHER_SID = 'AC00000000000000000000000000000002';
const OTHER_MG = 'MG00000000000000000000000000000002';
const otherAuth = basic(OTHER_SID, 'other-token');
const base = `/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}`;

let sim: TwilioSimulator;

/** GETs `path` with the default credentials, expects a 200 true to `schema` of `spec`, and returns the body. */
async function getTrueToSchema(path: string, spec: 'api' | 'messaging', schema: string) {
  const reply = await call(sim, 'GET', path);
  expect(reply.status).toBe(200);
  expect(schemaErrors(spec, schema, reply.body)).toEqual([]);
  return reply.body;
}

beforeAll(async () => {
  sim = await startTwilioSimulator({
    lifecycle: false,
    accounts: [
      {
        sid: DEFAULT_ACCOUNT_SID,
        authToken: DEFAULT_AUTH_TOKEN,
        friendlyName: 'Demo',
        numbers: [...DEFAULT_NUMBERS, 'ACME'],
        messagingServices: [
          {
            sid: DEFAULT_MESSAGING_SERVICE_SID,
            friendlyName: 'Notifications',
            statusCallback: 'https://example.com/s',
          },
        ],
        apiKeys: [{ sid: DEFAULT_API_KEY_SID, secret: DEFAULT_API_KEY_SECRET }],
      },
      {
        sid: OTHER_SID,
        authToken: 'other-token',
        messagingServices: [{ sid: OTHER_MG }],
        type: 'Trial',
        status: 'suspended',
      },
    ],
  });
});

afterAll(() => sim.close());

describe('GET /2010-04-01/Accounts/{sid}.json', () => {
  it('answers the Account, true to Twilio’s schema', async () => {
    const body = await getTrueToSchema(`${base}.json`, 'api', 'api.v2010.account');
    expect(body).toMatchObject({
      sid: DEFAULT_ACCOUNT_SID,
      owner_account_sid: DEFAULT_ACCOUNT_SID,
      friendly_name: 'Demo',
      status: 'active',
      type: 'Full',
      uri: `${base}.json`,
    });
    expect(body.subresource_uris.messages).toBe(`${base}/Messages.json`);
  });

  it('reports a trial, suspended account as such', async () => {
    const reply = await call(sim, 'GET', `/2010-04-01/Accounts/${OTHER_SID}.json`, { auth: otherAuth });
    expect(reply.body).toMatchObject({
      status: 'suspended',
      type: 'Trial',
      friendly_name: 'Simulated account',
    });
  });
});

describe('GET …/Messages/{sid}.json', () => {
  it('answers the Message, true to Twilio’s schema', async () => {
    const created = await send(sim, { To: '+15557654321', Body: 'fetch me' });
    const body = await getTrueToSchema(
      `${base}/Messages/${created.body.sid}.json`,
      'api',
      'api.v2010.account.message',
    );
    expect(body).toEqual(created.body);
  });

  it('answers 404 / 20404 for an unknown SID', async () => {
    const path = `${base}/Messages/SM${'0'.repeat(32)}.json`;
    const reply = await call(sim, 'GET', path);
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({
      code: 20404,
      message: `The requested resource ${path} was not found`,
    });
  });

  it('does not show another account’s message', async () => {
    sim.configure({ accountUpdates: { [OTHER_SID]: { status: 'active' } } });
    const created = await send(sim, { To: '+15557654321', Body: 'mine' });
    const reply = await call(
      sim,
      'GET',
      `/2010-04-01/Accounts/${OTHER_SID}/Messages/${created.body.sid}.json`,
      {
        auth: otherAuth,
      },
    );
    expect(reply.status).toBe(404);
  });
});

describe('GET …/IncomingPhoneNumbers.json', () => {
  it('lists the owned phone numbers (not alphanumeric IDs), true to Twilio’s schema', async () => {
    const body = await getTrueToSchema(
      `${base}/IncomingPhoneNumbers.json`,
      'api',
      'ListIncomingPhoneNumberResponse',
    );
    const numbers = body.incoming_phone_numbers;
    expect(numbers.map((n: { phone_number: string }) => n.phone_number)).toEqual(DEFAULT_NUMBERS);
    expect(numbers[0].sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(numbers[0].capabilities).toEqual({ fax: false, mms: true, sms: true, voice: true });
    expect(numbers.map((n: { type: string }) => n.type)).toEqual(['local', 'local', 'toll-free']);
  });

  it.each([
    ['+15551234567', ['+15551234567']],
    ['+15559999999', []],
    ['1234', ['+15551234567']],
    ['1888*0100', ['+18885550100']],
  ])('filters by PhoneNumber=%s', async (filter, expected) => {
    const reply = await call(
      sim,
      'GET',
      `${base}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(filter)}`,
    );
    const numbers = reply.body.incoming_phone_numbers.map((n: { phone_number: string }) => n.phone_number);
    expect(numbers).toEqual(expected);
    expect(reply.body.uri).toContain(`PhoneNumber=${encodeURIComponent(filter).replace(/\*/g, '*')}`);
  });

  it('pages like the other lists', async () => {
    const reply = await call(sim, 'GET', `${base}/IncomingPhoneNumbers.json?PageSize=2`);
    expect(reply.body.incoming_phone_numbers).toHaveLength(2);
    expect(reply.body.next_page_uri).toContain('Page=1');
    expect((await call(sim, 'GET', `${base}/IncomingPhoneNumbers.json?PageSize=x`)).body.code).toBe(20001);
  });
});

describe('GET /v1/Services/{MG…}', () => {
  it('answers the Messaging Service, true to Twilio’s schema', async () => {
    const body = await getTrueToSchema(
      `/v1/Services/${DEFAULT_MESSAGING_SERVICE_SID}`,
      'messaging',
      'messaging.v1.service',
    );
    expect(body).toMatchObject({
      sid: DEFAULT_MESSAGING_SERVICE_SID,
      account_sid: DEFAULT_ACCOUNT_SID,
      friendly_name: 'Notifications',
      status_callback: 'https://example.com/s',
      url: `${sim.url}/v1/Services/${DEFAULT_MESSAGING_SERVICE_SID}`,
    });
    expect(body.links.messages).toBe(`${sim.url}/v1/Services/${DEFAULT_MESSAGING_SERVICE_SID}/Messages`);
  });

  it('accepts an API key', async () => {
    const auth = basic(DEFAULT_API_KEY_SID, DEFAULT_API_KEY_SECRET);
    expect((await call(sim, 'GET', `/v1/Services/${DEFAULT_MESSAGING_SERVICE_SID}`, { auth })).status).toBe(
      200,
    );
  });

  it('answers 404 for an unknown service or another account’s', async () => {
    expect((await call(sim, 'GET', `/v1/Services/MG${'f'.repeat(32)}`)).body.code).toBe(20404);
    expect((await call(sim, 'GET', `/v1/Services/${OTHER_MG}`)).status).toBe(404);
  });

  it('answers 401 without credentials', async () => {
    expect(
      (await call(sim, 'GET', `/v1/Services/${DEFAULT_MESSAGING_SERVICE_SID}`, { auth: null })).status,
    ).toBe(401);
  });
});

describe('routing', () => {
  it('answers 404 / 20404 to an unknown path, without asking for credentials', async () => {
    const reply = await call(sim, 'GET', '/2010-04-01/Accounts.json', { auth: null });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe(20404);
    expect(reply.headers['twilio-concurrent-requests']).toBe('0');
  });

  it.each([
    ['DELETE', () => messagesPath(sim)],
    ['POST', () => `${base}.json`],
    ['POST', () => `/v1/Services/${DEFAULT_MESSAGING_SERVICE_SID}`],
  ])('answers 405 / 20004 to %s on a known path', async (method, path) => {
    const reply = await call(sim, method, path());
    expect(reply.status).toBe(405);
    expect(reply.body.code).toBe(20004);
  });
});

describe('the schema checker used above', () => {
  it('finds wrong types, enum values, patterns, formats, missing and extra fields', async () => {
    const reply = await send(sim, { To: '+15557654321', Body: 'x' });
    const broken = {
      ...reply.body,
      num_segments: 1,
      status: 'lost',
      sid: 'XX1',
      date_created: 'yesterday',
      extra: 1,
    };
    delete broken.uri;
    const errors = schemaErrors('api', 'api.v2010.account.message', broken);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('num_segments: expected string'),
        expect.stringContaining('status: "lost" not in enum'),
        expect.stringContaining('sid: XX1 does not match'),
        expect.stringContaining('sid: too short'),
        expect.stringContaining('date_created: not RFC 2822'),
        expect.stringContaining('uri: missing'),
        expect.stringContaining('extra: not in the schema'),
      ]),
    );
  });

  it('finds a null where the schema has no nullable, and a bad ISO date', () => {
    expect(
      schemaErrors(
        'messaging',
        'messaging.v1.service',
        { validity_period: null, date_created: 'x' },
        { exact: false },
      ),
    ).toEqual([
      'messaging.v1.service.date_created: not ISO 8601',
      'messaging.v1.service.validity_period: null but not nullable',
    ]);
  });
});
