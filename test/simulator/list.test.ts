import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MESSAGING_SERVICE_SID,
  startTwilioSimulator,
  type TwilioSimulator,
} from '../../src/simulator/index.js';
import { parseDateSent } from '../../src/simulator/list.js';
import { call, messagesPath, send, waitFor } from './client.js';
import { schemaErrors } from './oai-schema.js';

let sim: TwilioSimulator;
/** SIDs in creation order: five sent messages, then one left queued. */
const sids: string[] = [];
let sentDay: string;
let sentAt: number;

function list(query: string) {
  return call(sim, 'GET', `${messagesPath(sim)}${query}`);
}

function sidsOf(body: { messages: Array<{ sid: string }> }): string[] {
  return body.messages.map((message) => message.sid);
}

beforeAll(async () => {
  sim = await startTwilioSimulator({ lifecycle: { sentAfterMs: 0, deliveredAfterMs: 0 } });
  for (let i = 0; i < 5; i++) {
    const to = i % 2 === 0 ? '+15550000001' : '+15550000002';
    sids.push((await send(sim, { To: to, Body: `message ${i}` })).body.sid);
  }
  await waitFor(() => sim.messages.every((message) => message.status === 'delivered'));
  sim.configure({ lifecycle: false });
  sids.push((await send(sim, { To: '+15550000001', Body: 'not sent yet' })).body.sid);
  const dateSent = sim.messages[0]?.date_sent as string;
  sentAt = Date.parse(dateSent);
  sentDay = new Date(sentAt).toISOString().slice(0, 10);
});

afterAll(() => sim.close());

describe('GET Messages.json: paging', () => {
  it('lists newest first in Twilio’s envelope, true to Twilio’s schema', async () => {
    const reply = await list('');
    expect(reply.status).toBe(200);
    expect(schemaErrors('api', 'ListMessageResponse', reply.body)).toEqual([]);
    expect(sidsOf(reply.body)).toEqual([...sids].reverse());
    const path = messagesPath(sim);
    expect(reply.body).toMatchObject({
      page: 0,
      page_size: 50,
      start: 0,
      end: 5,
      first_page_uri: `${path}?PageSize=50&Page=0`,
      uri: `${path}?PageSize=50&Page=0`,
      next_page_uri: null,
      previous_page_uri: null,
    });
  });

  it('walks pages by following next_page_uri', async () => {
    const seen: string[] = [];
    let uri: string | null = `${messagesPath(sim)}?PageSize=2`;
    const pages: Array<{ start: number; end: number; page: number; previous_page_uri: string | null }> = [];
    while (uri !== null) {
      const reply = await call(sim, 'GET', uri);
      seen.push(...sidsOf(reply.body));
      pages.push(reply.body);
      uri = reply.body.next_page_uri;
    }
    expect(seen).toEqual([...sids].reverse());
    expect(pages.map(({ page, start, end }) => [page, start, end])).toEqual([
      [0, 0, 1],
      [1, 2, 3],
      [2, 4, 5],
    ]);
    expect(pages[1]?.previous_page_uri).toBe(`${messagesPath(sim)}?PageSize=2&Page=0&PageToken=PB${sids[3]}`);
  });

  it('continues after the PageToken’s message even when newer messages arrive', async () => {
    const first = await list('?PageSize=2');
    const extra = await send(sim, { To: '+15550000003', Body: 'newer' });
    const second = await call(sim, 'GET', first.body.next_page_uri);
    expect(sidsOf(second.body)).toEqual([sids[3], sids[2]]);
    const fresh = await list('?PageSize=1');
    expect(sidsOf(fresh.body)).toEqual([extra.body.sid]);
  });

  it('falls back to the page index for an unknown PageToken', async () => {
    const reply = await list('?PageSize=2&Page=1&PageToken=PAunknown');
    expect(reply.body.start).toBe(2);
    expect(reply.body.uri).toContain('PageToken=PAunknown');
  });

  it('answers an empty page past the end', async () => {
    const reply = await list('?PageSize=2&Page=9');
    expect(reply.body).toMatchObject({ messages: [], start: 18, end: 18, next_page_uri: null });
    expect(reply.body.previous_page_uri).toContain('Page=8&PageToken=PB');
  });

  it('caps PageSize at 1000', async () => {
    expect((await list('?PageSize=5000')).body.page_size).toBe(1000);
  });

  it.each(['PageSize=0', 'PageSize=abc', 'PageSize=1.5', 'Page=-1', 'Page=x'])(
    'answers 400 / 20001 to %s',
    async (query) => {
      const reply = await list(`?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe(20001);
    },
  );
});

describe('GET Messages.json: filters', () => {
  it('filters by To and From, keeping them in the page URIs', async () => {
    const reply = await list('?To=%2B15550000002&From=%2B15551234567');
    expect(sidsOf(reply.body)).toEqual([sids[3], sids[1]]);
    expect(reply.body.uri).toBe(
      `${messagesPath(sim)}?To=%2B15550000002&From=%2B15551234567&PageSize=50&Page=0`,
    );
    expect(sidsOf((await list('?From=%2B15005550006')).body)).toEqual([]);
  });

  it('never matches From for a pooled message that has no sender yet', async () => {
    sim.configure({ lifecycle: false });
    const pooled = await send(sim, {
      MessagingServiceSid: DEFAULT_MESSAGING_SERVICE_SID,
      To: '+15550000009',
      Body: 'x',
    });
    const byTo = await list('?To=%2B15550000009');
    expect(sidsOf(byTo.body)).toEqual([pooled.body.sid]);
    expect(byTo.body.messages[0].from).toBeNull();
    expect(sidsOf((await list('?To=%2B15550000009&From=%2B15551234567')).body)).toEqual([]);
  });

  it('matches DateSent on the day, and never a message not sent yet', async () => {
    const reply = await list(`?DateSent=${sentDay}`);
    expect(sidsOf(reply.body)).toEqual(sids.slice(0, 5).reverse());
    const dayBefore = new Date(sentAt - 86_400_000).toISOString().slice(0, 10);
    expect(sidsOf((await list(`?DateSent=${dayBefore}`)).body)).toEqual([]);
  });

  it('reads ?DateSent>=day and ?DateSent<=day as "on or after" and "on or before"', async () => {
    const dayBefore = new Date(sentAt - 86_400_000).toISOString().slice(0, 10);
    const dayAfter = new Date(sentAt + 86_400_000).toISOString().slice(0, 10);
    const path = messagesPath(sim);
    const after = await call(sim, 'GET', `${path}?DateSent>=${sentDay}`);
    expect(after.body.messages).toHaveLength(5);
    expect(after.body.uri).toContain(`DateSent%3E=${sentDay}`);
    expect((await call(sim, 'GET', `${path}?DateSent<=${sentDay}`)).body.messages).toHaveLength(5);
    expect((await call(sim, 'GET', `${path}?DateSent>=${dayAfter}`)).body.messages).toHaveLength(0);
    expect((await call(sim, 'GET', `${path}?DateSent<=${dayBefore}`)).body.messages).toHaveLength(0);
    const window = await call(
      sim,
      'GET',
      `${path}?DateSent>=${dayBefore}&DateSent<=${dayAfter}&To=%2B15550000001`,
    );
    expect(sidsOf(window.body)).toEqual([sids[4], sids[2], sids[0]]);
  });

  it('compares full dates to the second, inclusive', async () => {
    const latest = Math.max(
      ...sim.messages.flatMap((m) => (m.date_sent === null ? [] : [Date.parse(m.date_sent)])),
    );
    const earliest = sentAt;
    const path = messagesPath(sim);
    const rfc = (time: number) => encodeURIComponent(new Date(time).toUTCString().replace('GMT', '-0000'));
    expect((await call(sim, 'GET', `${path}?DateSent>=${rfc(latest)}`)).body.messages.length).toBeGreaterThan(
      0,
    );
    expect((await call(sim, 'GET', `${path}?DateSent>=${rfc(latest + 1000)}`)).body.messages).toHaveLength(0);
    expect(
      (await call(sim, 'GET', `${path}?DateSent<=${rfc(earliest)}`)).body.messages.length,
    ).toBeGreaterThan(0);
    expect((await call(sim, 'GET', `${path}?DateSent<=${rfc(earliest - 1000)}`)).body.messages).toHaveLength(
      0,
    );
    const iso = new Date(earliest).toISOString();
    expect((await call(sim, 'GET', `${path}?DateSent=${iso}`)).body.messages).toHaveLength(5);
  });

  it('answers 400 / 20001 to a DateSent that is not a date', async () => {
    const reply = await list('?DateSent=someday');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 20001, message: 'Invalid DateSent: someday' });
  });
});

describe('parseDateSent', () => {
  it.each([
    ['2019-06-11', { day: true, time: Date.UTC(2019, 5, 11) }],
    ['2019-06-11 22:05:25.000', { day: false, time: Date.UTC(2019, 5, 11, 22, 5, 25) }],
    ['2019-06-11T22:05', { day: false, time: Date.UTC(2019, 5, 11, 22, 5) }],
    ['2019-06-11T22:05:25Z', { day: false, time: Date.UTC(2019, 5, 11, 22, 5, 25) }],
    ['Wed, 19 Jun 2019 22:04:00 -0000', { day: false, time: Date.UTC(2019, 5, 19, 22, 4) }],
    ['06/11/2019 22:05:25 MST', { day: false, time: Date.UTC(2019, 5, 12, 5, 5, 25) }],
    ['2019-13-45', undefined],
    ['soon', undefined],
  ])('reads %s as GMT', (value, expected) => {
    expect(parseDateSent(value)).toEqual(expected);
  });
});
