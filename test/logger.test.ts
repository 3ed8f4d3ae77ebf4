import { describe, expect, it } from 'vitest';
import { recordingLogger } from './helpers/logger.js';
import { api, destination, errorJson, MESSAGES_PATH, messageJson } from './helpers/twilio.js';

describe('logger', () => {
  it('receives one line per request and one per row outcome', async () => {
    api()
      .post(MESSAGES_PATH)
      .reply(429, errorJson(20429, 429), { 'Twilio-Request-Id': 'RQ1' })
      .post(MESSAGES_PATH)
      .reply(201, messageJson({ sid: 'SM1' }), { 'Twilio-Request-Id': 'RQ2' });
    const logger = recordingLogger();
    const { dest } = destination({}, { logger });
    await dest.write([{ to: '+14155550100', first_name: 'A' }, { to: 'bad' }]);
    expect(logger.lines).toEqual([
      [
        'debug',
        expect.stringMatching(
          /^twilio-destination: POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json -> 429 in \d+ ms \(RQ1\)$/,
        ),
      ],
      [
        'debug',
        expect.stringMatching(
          /^twilio-destination: POST \/2010-04-01\/Accounts\/AC\w+\/Messages\.json -> 201 in \d+ ms \(RQ2\)$/,
        ),
      ],
      ['info', 'twilio-destination: row 0 sent SM1 (2 attempt(s))'],
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
