import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../../src/cli/args.js';
import {
  credentialsFromEnv,
  destinationConfig,
  destinationOptions,
  readTemplate,
} from '../../src/cli/session.js';

const SID = `AC${'0'.repeat(31)}1`;
const options = (extra: CliOptions = {}): CliOptions => ({ ...extra });

describe('credentialsFromEnv', () => {
  it.each([
    [
      'an Auth Token',
      { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't' },
      { accountSid: SID, authToken: 't' },
      [],
    ],
    [
      'an API key',
      { TWILIO_ACCOUNT_SID: SID, TWILIO_API_KEY: 'SK1', TWILIO_API_SECRET: 's' },
      { accountSid: SID, apiKeySid: 'SK1', apiKeySecret: 's' },
      [],
    ],
    [
      'both, where the API key wins as in Twilio CLI',
      { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_API_KEY: 'SK1', TWILIO_API_SECRET: 's' },
      { accountSid: SID, apiKeySid: 'SK1', apiKeySecret: 's' },
      ['Using the API key (TWILIO_API_KEY); TWILIO_AUTH_TOKEN is ignored.'],
    ],
    [
      'a token and half an API key',
      { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_API_KEY: 'SK1' },
      { accountSid: SID, authToken: 't' },
      ['TWILIO_API_KEY and TWILIO_API_SECRET are not both set: using TWILIO_AUTH_TOKEN.'],
    ],
    ['half an API key', { TWILIO_API_SECRET: 's' }, { apiKeySecret: 's' }, []],
    ['nothing (empty counts as unset)', { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' }, {}, []],
  ])('reads %s', (_name, env, credentials, notes) => {
    expect(credentialsFromEnv(env)).toEqual({ credentials, notes });
  });
});

describe('readTemplate', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes --template as it is', async () => {
    expect(await readTemplate(options({ template: 'Hi\n' }))).toBe('Hi\n');
    expect(await readTemplate(options())).toBeUndefined();
  });

  it.each([
    ['Hi {{name}}\n', 'Hi {{name}}'],
    ['Hi {{name}}\r\n', 'Hi {{name}}'],
    ['Line 1\nLine 2\n\n', 'Line 1\nLine 2\n'],
    ['Hi', 'Hi'],
  ])('reads --template-file %j without its final newline', async (content, template) => {
    dir = await mkdtemp(join(tmpdir(), 'twilio-destination-template-'));
    const path = join(dir, 'message.txt');
    await writeFile(path, content);
    expect(await readTemplate(options({ templateFile: path }))).toBe(template);
  });

  it('says which file it cannot read', async () => {
    await expect(readTemplate(options({ templateFile: '/nonexistent/message.txt' }))).rejects.toThrow(
      /^cannot read --template-file \/nonexistent\/message\.txt: ENOENT/,
    );
  });
});

describe('destinationConfig and destinationOptions', () => {
  it('sets only what the flags give', () => {
    expect(destinationConfig(options({ from: '+15551234567', map: { to: 'phone' } }), 'Hi', {})).toEqual({
      credentials: {},
      settings: { from: '+15551234567', messageTemplate: 'Hi' },
      mapping: { to: 'phone' },
    });
    expect(destinationConfig(options(), undefined, {})).toEqual({ credentials: {}, settings: {} });
    const onProgress = () => {};
    expect(destinationOptions(options(), undefined, onProgress)).toEqual({ onProgress });
  });

  it('passes every setting and send option on', () => {
    // Every setting has the flag of its name, but for --content-variable (one per variable).
    const settings = {
      from: 'MG1',
      contentSid: 'HX1',
      contentVariables: { '1': '{{a}}' },
      defaultCountry: 'US',
      smartEncoded: true,
      validityPeriod: 60,
      shortenUrls: true,
      statusCallback: 'https://h.example.com',
      maxSegments: 2,
    };
    const { contentVariables, ...sameName } = settings;
    const flags = options({
      ...sameName,
      contentVariable: contentVariables,
      concurrency: 4,
      segmentsPerSecond: 3,
      retries: 0,
      timeout: 1000,
    });
    expect(destinationConfig(flags, undefined, { accountSid: SID }).settings).toEqual(settings);
    const onProgress = () => {};
    expect(destinationOptions(flags, 'http://127.0.0.1:1', onProgress)).toEqual({
      apiBaseUrl: 'http://127.0.0.1:1',
      messagingBaseUrl: 'http://127.0.0.1:1',
      concurrency: 4,
      segmentsPerSecond: 3,
      retry: { retries: 0 },
      timeoutMs: 1000,
      onProgress,
    });
  });
});
