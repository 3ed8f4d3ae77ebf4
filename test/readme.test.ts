import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nock from 'nock';
import { expect, it, vi } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, BASIC, MESSAGES_PATH, messageJson } from './helpers/twilio.js';

/** The first ```ts block after the quick-start marker in README.md. */
async function quickStart(): Promise<string> {
  const readme = await readFile(resolve(import.meta.dirname, '../README.md'), 'utf8');
  const match = /<!-- quick-start[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no quick-start block');
  return match[1];
}

it("runs the README's quick-start code", async () => {
  const code = await quickStart();
  const index = resolve(import.meta.dirname, '../src/index.ts');
  const dir = await mkdtemp(join(tmpdir(), 'quick-start-'));
  const file = join(dir, 'quick-start.ts');
  await writeFile(file, code.replace("from 'twilio-destination'", `from ${JSON.stringify(index)}`));

  vi.stubEnv('TWILIO_ACCOUNT_SID', ACCOUNT_SID);
  vi.stubEnv('TWILIO_AUTH_TOKEN', AUTH_TOKEN);
  const scope = nock('https://api.twilio.com', { reqheaders: { authorization: BASIC } })
    .get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`)
    .reply(200, { sid: ACCOUNT_SID, status: 'active', type: 'Full' })
    .post(
      MESSAGES_PATH,
      'To=%2B14155550100&From=%2B15551234567&Body=Hi+Ada%2C+your+order+A-1001+has+shipped.',
    )
    .reply(201, messageJson({ sid: 'SMc6a5a1cb7d705f41544b7f9ffdd5c04b' }))
    .post(
      MESSAGES_PATH,
      'To=%2B14155550101&From=%2B15551234567&Body=Hi+Grace%2C+your+order+A-1002+has+shipped.',
    )
    .reply(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 });
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  }
  expect(scope.isDone()).toBe(true);
  expect(log.mock.calls).toEqual([
    ['account active'],
    ['2 ready, 2 segments'],
    ['row 0: sent SMc6a5a1cb7d705f41544b7f9ffdd5c04b'],
    [
      'row 1: twilio_rejected: Row 1: the recipient has opted out (replied STOP), so Twilio will not send to this number from this sender (HTTP 400, Twilio error 21610: Attempt to send to unsubscribed recipient). Suppress this recipient; they can opt back in by replying START.',
    ],
  ]);
});
