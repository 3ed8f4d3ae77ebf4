import { describe, expect, it } from 'vitest';
import { recordingLogger } from './helpers/logger.js';
import { api, destination, errorJson, MESSAGES_PATH, messageJson } from './helpers/twilio.js';

describe('logger', () => {
  it('receives one line per request and one per row outcome', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(429, errorJson(20429, 429), { 'Twilio-Request-Id': 'RQ815e25eebd217dd2eb208429e07cd9d0' })
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SMd36c0364e3842955b2c8f86da3bd8ad6' }), {
        'Twilio-Request-Id': 'RQc121c80e0c570f4ba80b19048210dd5f',
      });
    const logger = recordingLogger();
    const { dest } = destination({}, { logger });
    await dest.write([{ to: '+14155550100', first_name: 'A' }, { to: 'bad' }]);
    expect(logger.lines).toEqual([
      [
        'debug',
        expect.stringMatching(
          /^twilio-destination: POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json -> 429 in \d+ ms \(RQ815e25eebd217dd2eb208429e07cd9d0\)$/,
        ),
      ],
      [
        'debug',
        expect.stringMatching(
          /^twilio-destination: POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json -> 201 in \d+ ms \(RQc121c80e0c570f4ba80b19048210dd5f\)$/,
        ),
      ],
      ['info', 'twilio-destination: row 0 sent SMd36c0364e3842955b2c8f86da3bd8ad6 (2 attempt(s))'],
      ['warn', expect.stringMatching(/^twilio-destination: row 1 failed invalid_row: Row 1: /)],
    ]);
  });

  it('logs a failed request by the error name', async () => {
    const logger = recordingLogger();
    const { dest } = destination({}, { logger, apiBaseUrl: 'http://127.0.0.1:1', retry: { retries: 0 } });
    await dest.write([{ to: '+14155550100', first_name: 'A' }]);
    expect(logger.lines[0]).toEqual(['debug', expect.stringMatching(/ -> NetworkError in \d+ ms$/)]);
  });
});
