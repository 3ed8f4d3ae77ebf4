import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MESSAGING_SERVICE_SID,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { call, messagesPath, send } from './client.js';
import { schemaErrors } from './oai-schema.js';

const HEX32 = /^[0-9a-f]{32}$/;
const RFC_2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

let sim: TwilioSimulator;

beforeAll(async () => {
  sim = await startTwilioSimulator({
    lifecycle: false,
    accounts: [
      {
        sid: 'AC00000000000000000000000000000001',
        authToken: '0123456789abcdef0123456789abcdef',
        numbers: ['+15551234567', 'ACME', '12345'],
        messagingServices: [
          { sid: DEFAULT_MESSAGING_SERVICE_SID },
          { sid: 'MG00000000000000000000000000000002', smartEncoding: true },
        ],
      },
      {
        sid: 'AC00000000000000000000000000000002',
        authToken: 'trial-token',
        type: 'Trial',
        verifiedNumbers: ['+15557654321'],
      },
    ],
  });
});

afterAll(() => sim.close());

describe('POST Messages.json: a created message', () => {
  it('answers 201 with a Message that has every field of Twilio’s schema', async () => {
    const reply = await send(sim, { To: '+15557654321', Body: 'Hello from the simulator' });
    expect(reply.status).toBe(201);
    expect(schemaErrors('api', 'api.v2010.account.message', reply.body)).toEqual([]);
    const message = reply.body;
    expect(message).toMatchObject({
      account_sid: sim.credentials.accountSid,
      api_version: '2010-04-01',
      body: 'Hello from the simulator',
      date_sent: null,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: '+15551234567',
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      status: 'queued',
      to: '+15557654321',
    });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.date_created).toMatch(RFC_2822);
    expect(message.date_updated).toBe(message.date_created);
    expect(message.uri).toBe(`${messagesPath(sim).replace('.json', '')}/${message.sid}.json`);
    expect(message.subresource_uris).toEqual({ media: message.uri.replace('.json', '/Media.json') });
    expect(sim.messages.at(-1)).toEqual(message);
  });

  it('sends Twilio’s request id and concurrency headers', async () => {
    const reply = await send(sim, { To: '+15557654321', Body: 'x' });
    expect(reply.headers['twilio-request-id']).toMatch(/^RQ[0-9a-f]{32}$/);
    expect(reply.headers['twilio-concurrent-requests']).toBe('1');
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it.each([
    ['one GSM-7 segment', 'a'.repeat(160), '1'],
    ['two GSM-7 segments past 160', 'a'.repeat(161), '2'],
    ['extension characters counting twice', '€'.repeat(81), '2'],
    ['UCS-2 for a lower-case ç', 'ça va', '1'],
    ['two UCS-2 segments past 70', 'ç'.repeat(71), '2'],
    ['an emoji in UCS-2', `${'a'.repeat(69)}😀`, '2'],
  ])('counts segments as Twilio does: %s', async (_, body, segments) => {
    const reply = await send(sim, { To: '+15557654321', Body: body });
    expect(reply.body.num_segments).toBe(segments);
  });

  it('counts after Smart Encoding when SmartEncoded=true', async () => {
    const body = `“${'a'.repeat(158)}”`;
    expect((await send(sim, { To: '+15557654321', Body: body })).body.num_segments).toBe('3');
    const smart = await send(sim, { To: '+15557654321', Body: body, SmartEncoded: 'true' });
    expect(smart.body.num_segments).toBe('1');
  });

  it('creates an MMS (MM…) from media alone, counted as one segment', async () => {
    const media = ['https://example.com/a.png', 'http://example.com/b.png'];
    const reply = await send(sim, { To: '+15557654321', MediaUrl: media });
    expect(reply.status).toBe(201);
    expect(reply.body.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(reply.body).toMatchObject({ body: '', num_media: '2', num_segments: '1' });
  });

  it('accepts ten media URLs and a body of exactly 1,600 characters', async () => {
    const media = Array.from({ length: 10 }, (_, i) => `https://example.com/${i}.png`);
    expect((await send(sim, { To: '+15557654321', MediaUrl: media })).status).toBe(201);
    expect((await send(sim, { To: '+15557654321', Body: 'a'.repeat(1600) })).status).toBe(201);
  });

  it('accepts a ContentSid instead of a body', async () => {
    const reply = await send(sim, { To: '+15557654321', ContentSid: `HX${'0'.repeat(32)}` });
    expect(reply.status).toBe(201);
  });

  it.each([
    ['an owned alphanumeric sender ID', 'ACME'],
    ['an owned short code', '12345'],
    ['Twilio’s test sender, owned by every account', '+15005550006'],
  ])('accepts %s as From', async (_, from) => {
    expect((await send(sim, { From: from, To: '+15557654321', Body: 'x' })).status).toBe(201);
  });

  it('accepts a WhatsApp address of an owned number', async () => {
    const reply = await send(sim, { From: 'whatsapp:+15551234567', To: 'whatsapp:+15557654321', Body: 'x' });
    expect(reply.status).toBe(201);
    expect(reply.body.from).toBe('whatsapp:+15551234567');
  });

  it('uses the first value of a repeated To', async () => {
    const reply = await send(sim, { To: ['+15557654321', '+15550000000'], Body: 'x' });
    expect(reply.body.to).toBe('+15557654321');
  });

  it('answers "accepted" with no sender and "0" segments via a Messaging Service', async () => {
    const reply = await send(sim, {
      MessagingServiceSid: DEFAULT_MESSAGING_SERVICE_SID,
      To: '+15557654321',
      Body: 'hi',
    });
    expect(reply.status).toBe(201);
    expect(schemaErrors('api', 'api.v2010.account.message', reply.body)).toEqual([]);
    expect(reply.body).toMatchObject({
      status: 'accepted',
      from: null,
      messaging_service_sid: DEFAULT_MESSAGING_SERVICE_SID,
      num_segments: '0',
    });
  });

  it('keeps From when both From and a Messaging Service are given', async () => {
    const form = {
      From: '+15551234567',
      MessagingServiceSid: DEFAULT_MESSAGING_SERVICE_SID,
      To: '+15557654321',
      Body: 'hi',
    };
    const reply = await send(sim, form);
    expect(reply.body).toMatchObject({ status: 'accepted', from: '+15551234567' });
  });

  it('lets a trial account text a verified number', async () => {
    const reply = await call(
      sim,
      'POST',
      '/2010-04-01/Accounts/AC00000000000000000000000000000002/Messages.json',
      {
        auth: `Basic ${Buffer.from('AC00000000000000000000000000000002:trial-token').toString('base64')}`,
        form: { From: '+15005550006', To: '+15557654321', Body: 'x' },
      },
    );
    expect(reply.status).toBe(201);
  });

  it('gives SIDs that are unique and hexadecimal', () => {
    const sids = sim.messages.map((message) => message.sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const sid of sids) expect(sid.slice(2)).toMatch(HEX32);
  });
});

describe('POST Messages.json: rejections', () => {
  const ok = { To: '+15557654321', Body: 'x' };
  it.each([
    ['no To', { Body: 'x' }, 21604],
    ['an empty To', { To: '', Body: 'x' }, 21604],
    ['a To that is not a phone number', { To: 'not a number', Body: 'x' }, 21211],
    ['a To without +', { To: '15557654321', Body: 'x' }, 21211],
    ['an unknown Messaging Service', { ...ok, MessagingServiceSid: `MG${'f'.repeat(32)}` }, 21701],
    ['a From that is not an address', { ...ok, From: '!!' }, 21212],
    ['a valid number the account does not own', { ...ok, From: '+15550001111' }, 21606],
    ['a short code the account does not own', { ...ok, From: '54321' }, 21606],
    ['an alphanumeric ID the account does not own', { ...ok, From: 'OTHER' }, 21606],
    ['neither Body, MediaUrl nor ContentSid', { To: '+15557654321' }, 21619],
    ['an empty Body', { To: '+15557654321', Body: '' }, 21602],
    ['a blank Body', { To: '+15557654321', Body: '   ' }, 21602],
    ['a Body over 1,600 characters', { To: '+15557654321', Body: 'a'.repeat(1601) }, 21617],
    [
      'more than 10 media',
      { ...ok, MediaUrl: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}`) },
      21623,
    ],
    ['a media URL that is not http(s)', { ...ok, MediaUrl: ['https://e.com/a', 'ftp://e.com/b'] }, 21620],
    ['a media URL that is not a URL', { ...ok, MediaUrl: 'image.png' }, 21620],
    ['a StatusCallback that is not a URL', { ...ok, StatusCallback: 'callback' }, 21609],
    ['a StatusCallback that is not http(s)', { ...ok, StatusCallback: 'ftp://example.com/cb' }, 21609],
    [
      'a StatusCallback host with an underscore',
      { ...ok, StatusCallback: 'https://my_host.example.com/cb' },
      21609,
    ],
  ])('answers 400 for %s', async (_, form, code) => {
    const before = sim.messages.length;
    const reply = await send(sim, form);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      code,
      message: expect.any(String),
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status: 400,
    });
    expect(reply.headers['twilio-request-id']).toMatch(/^RQ/);
    expect(sim.messages.length).toBe(before);
  });

  it('answers 21603 when neither From nor MessagingServiceSid is given', async () => {
    const reply = await call(sim, 'POST', messagesPath(sim), { form: { To: '+15557654321', Body: 'x' } });
    expect(reply.body.code).toBe(21603);
  });

  it('answers 21604 to a body that is not form-encoded, and records no form', async () => {
    const reply = await call(sim, 'POST', messagesPath(sim), {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ To: '+15557654321' }),
    });
    expect(reply.body.code).toBe(21604);
    expect(sim.requests.at(-1)?.form).toBeUndefined();
  });

  it('answers 21608 when a trial account texts an unverified number', async () => {
    const reply = await call(
      sim,
      'POST',
      '/2010-04-01/Accounts/AC00000000000000000000000000000002/Messages.json',
      {
        auth: `Basic ${Buffer.from('AC00000000000000000000000000000002:trial-token').toString('base64')}`,
        form: { From: '+15005550006', To: '+15550009999', Body: 'x' },
      },
    );
    expect(reply.body).toMatchObject({ code: 21608, status: 400 });
    expect(reply.body.message).toContain('+15550009999');
  });
});

describe('POST Messages.json: Twilio’s magic test numbers', () => {
  it.each([
    ['+15005550001', 21212],
    ['+15005550007', 21606],
    ['+15005550008', 21611],
  ])('From %s answers %i', async (from, code) => {
    const reply = await send(sim, { From: from, To: '+15557654321', Body: 'x' });
    expect(reply.body).toMatchObject({ code, status: 400 });
  });

  it.each([
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])('To %s answers %i', async (to, code) => {
    const reply = await send(sim, { From: '+15005550006', To: to, Body: 'x' });
    expect(reply.body).toMatchObject({ code, status: 400 });
  });

  it('answers the magic To numbers on a trial account too, before the verification check', async () => {
    const reply = await call(
      sim,
      'POST',
      '/2010-04-01/Accounts/AC00000000000000000000000000000002/Messages.json',
      {
        auth: `Basic ${Buffer.from('AC00000000000000000000000000000002:trial-token').toString('base64')}`,
        form: { From: '+15005550006', To: '+15005550004', Body: 'x' },
      },
    );
    expect(reply.body.code).toBe(21610);
  });

  it('validates other To numbers normally with the test sender', async () => {
    expect((await send(sim, { From: '+15005550006', To: '+15005550005', Body: 'x' })).status).toBe(201);
  });
});
