/**
 * A new user's first hour with the CLI, through the built bin in child processes (and in-process where a
 * terminal must be faked): preview without credentials, messages in CLI terms, a safe first send, the
 * simulator on its own, and the proxy from the environment.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TwilioSimulator } from '../../src/simulator/index.js';
import { runBin, startBin } from '../helpers/cli-process.js';
import { capture, envFor, jsonLines, messageFlags, runCli, simulator } from './helpers.js';

// Each test starts child processes; on a loaded machine that takes seconds, which is no failure.
vi.setConfig({ testTimeout: 60_000 });

let sim: TwilioSimulator;
let dir: string;
const CSV =
  'phone,first_name,order_id\n+14155550100,Ada,A-1\n(415) 555-0101,Grace,A-2\n+14155550100,Ada,A-3\n';
beforeEach(async () => {
  sim = await simulator();
  dir = await mkdtemp(join(tmpdir(), 'twilio-destination-first-run-'));
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const message = messageFlags('Hi {{first_name}}, order {{order_id}}');
const send = (...extra: string[]) => ['send', '--api-base-url', sim.url, ...message, ...extra];

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('preview', () => {
  it('needs no credentials, accepts --default-country in lower case, and warns about repeated recipients', async () => {
    const input = await file('rows.csv', CSV);
    const result = await runBin(
      ['preview', input, ...message, '--default-country', 'us', '--key', 'order_id'],
      {},
    );
    expect(result.code).toBe(0);
    expect(
      (jsonLines(result.stdout) as { line: number; key: string; to: string }[]).map((r) => [
        r.line,
        r.key,
        r.to,
      ]),
    ).toEqual([
      [2, 'A-1', '+14155550100'],
      [3, 'A-2', '+14155550101'],
      [4, 'A-3', '+14155550100'],
    ]);
    expect(result.stderr).toContain(
      'Duplicate recipients: 1 row sends to a number an earlier row already sends to, e.g. +14155550100 (lines 2 and 4).',
    );
    expect(result.stderr).not.toContain('TWILIO_');
  });

  it('draws a progress bar on a terminal once a preview runs long, and clears it', async () => {
    const input = await file('rows.csv', CSV);
    const stderr = Object.assign(capture(), { isTTY: true, columns: 120 });
    let now = 0;
    const run = await runCli(['preview', input, ...message, '--default-country', 'US'], {
      stderr,
      // Each reading of the clock moves it on a second: the bar is due from the first row.
      now: () => (now += 1000),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/ preview [█░]+ \d+% \| \d rows \| ETA/);
    expect(run.stderr).toContain('Preview of 3 rows: 3 ready.');
  });

  it('refuses a tag left open that swallows the next one, pointing at it, in preview and validate', async () => {
    const template = await file('message.txt', 'Hi {{first_name, your order {{order_id}}\n');
    const input = await file('rows.csv', CSV);
    const args = ['--from', '+15005550006', '--template-file', template];
    const previewed = await runBin(['preview', input, ...args, '--map', 'to=phone'], {});
    expect(previewed).toMatchObject({ code: 2, stdout: '' });
    expect(previewed.stderr).toBe(
      'Invalid configuration (1 problem):\n  --template-file [template_syntax]: Invalid field name "first_name, your order {{order_id" in the tag at line 1, column 4 (position 3): it contains "{{", so this tag is probably missing its closing "}}" and runs into the next tag; close each tag with "}}" right after its field name\n',
    );
    const validated = await runBin(['validate', '--api-base-url', sim.url, ...args], envFor(sim));
    expect(validated.code).toBe(2);
    expect(validated.stdout).toContain(
      '  error    --template-file [template_syntax]: Invalid field name "first_name, your order {{order_id"',
    );
  });

  it('names the flag the user used: --template-file, not --template', async () => {
    const template = await file('message.txt', 'Hi {{#vip}}friend\n');
    const input = await file('rows.csv', CSV);
    const result = await runBin(
      ['preview', input, '--from', '+15005550006', '--template-file', template, '--map', 'to=phone'],
      {},
    );
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^Invalid configuration \(1 problem\):\n {2}--template-file \[template_syntax\]: /,
    );
    expect(result.stderr).not.toMatch(/--template \[|settings\./);
  });
});

describe('a safe first send', () => {
  it('--to sends only the first row, to the test number, and --limit only the first rows', async () => {
    const input = await file('rows.csv', CSV);
    const test = await runBin(send(input, '--default-country', 'US', '--to', '+14155550199'), envFor(sim));
    expect({ code: test.code, stderr: test.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(sim.messages.map((m) => [m.to, m.body])).toEqual([['+14155550199', 'Hi Ada, order A-1']]);
    expect(jsonLines(test.stdout)).toEqual([expect.objectContaining({ line: 2, status: 'sent' })]);

    const limited = await runBin(send(input, '--default-country', 'US', '--limit', '2'), envFor(sim));
    // The whole result, so that a failure shows what the CLI said.
    expect({ code: limited.code, stderr: limited.stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/^Sent 2 of 2 rows\./),
    });
    expect(sim.messages.slice(1).map((m) => m.to)).toEqual(['+14155550100', '+14155550101']);
    expect(limited.stderr).toMatch(/^Sent 2 of 2 rows\./);
  });

  it('never asks without a terminal, even with stdin left open', async () => {
    const input = await file('rows.csv', CSV);
    const child = startBin(send(input, '--default-country', 'US'), envFor(sim));
    const result = await child.done;
    child.stdin.end();
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('Send?');
    // Nobody was asked, so the summary says what the question would have: the log of an unattended run has it.
    expect(result.stderr).toContain(
      'Sent 3 of 3 rows.\nDuplicate recipients: 1 row sends to a number an earlier row already sends to, e.g. +14155550100 (lines 2 and 4).\nSegments: 3.',
    );
    expect(sim.messages).toHaveLength(3);
  });

  it.each([
    ['n', 0, 1],
    ['y', 3, 0],
  ])(
    'asks on a terminal, with the count, segments and cost; answering %s sends %i',
    async (answer, sent, code) => {
      const input = await file('rows.csv', CSV);
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      const stderr = Object.assign(
        capture((text) => {
          if (text.includes('Send? [y/N]')) stdin.end(`${answer}\n`);
        }),
        { isTTY: true, columns: 120 },
      );
      const run = await runCli(send(input, '--default-country', 'US'), { env: envFor(sim), stdin, stderr });
      expect(run.code).toBe(code);
      expect(run.stderr).toContain(
        'About to send 3 messages (3 segments, about $0.02 at $0.0083 per segment).\nDuplicate recipients: 1 row sends to a number an earlier row already sends to, e.g. +14155550100 (lines 2 and 4).\nSend? [y/N] ',
      );
      expect(sim.messages).toHaveLength(sent);
      if (sent === 0) expect(run.stderr).toContain('Nothing was sent.');
    },
  );

  it('does not ask with --yes', async () => {
    const input = await file('rows.csv', CSV);
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stderr = Object.assign(capture(), { isTTY: true, columns: 120 });
    const run = await runCli(send(input, '--default-country', 'US', '--yes'), {
      env: envFor(sim),
      stdin,
      stderr,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('Send?');
    expect(sim.messages).toHaveLength(3);
  });
});

describe('twilio-destination simulator', () => {
  it('prints its URL and credentials, serves sends pointed at it with --api-base-url, and stops on SIGINT', async () => {
    const child = startBin(['simulator', '--port', '0', '--no-lifecycle']);
    while (!child.output().includes('Ctrl+C stops it.')) await once(child.stdout, 'data');
    const text = child.output();
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1] as string;
    const accountSid = /Account SID +(AC[0-9a-f]{32})/.exec(text)?.[1] as string;
    const authToken = /Auth Token +(\S+)/.exec(text)?.[1] as string;
    const input = await file('rows.csv', CSV);
    const sent = await runBin(['send', input, '--api-base-url', url, ...message, '--default-country', 'US'], {
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
    });
    expect(sent.code).toBe(0);
    expect(jsonLines(sent.stdout).map((r) => (r as { status: string }).status)).toEqual([
      'sent',
      'sent',
      'sent',
    ]);
    child.kill('SIGINT');
    expect((await child.done).code).toBe(0);
  });

  it('prints its own help', async () => {
    const result = await runBin(['simulator', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: twilio-destination simulator \[options\]/);
  });
});

describe('a proxy from the environment', () => {
  let proxy: Server;
  let seen: string[];
  beforeEach(async () => {
    seen = [];
    // A forward proxy: CONNECT tunnels and absolute-form requests alike, each one recorded.
    proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const target = new URL(req.url as string);
      const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode as number, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    proxy.on('connect', (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url as string).split(':');
      const upstream = connect(Number(port), host as string, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
  });
  afterEach(async () => {
    proxy.closeAllConnections();
    proxy.close();
  });

  it('sends through HTTP_PROXY, and directly for a host in NO_PROXY', async () => {
    const input = await file('rows.csv', CSV);
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const through = await runBin(send(input, '--default-country', 'US', '--limit', '1'), {
      ...envFor(sim),
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
    });
    expect(through.code).toBe(0);
    expect(through.stderr).toContain(`Using the proxy ${proxyUrl} (HTTPS_PROXY/HTTP_PROXY).`);
    const { port } = new URL(sim.url);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((line) => line.includes(`127.0.0.1:${port}`))).toBe(true);

    seen = [];
    const direct = await runBin(send(input, '--default-country', 'US', '--limit', '1'), {
      ...envFor(sim),
      HTTP_PROXY: proxyUrl,
      NO_PROXY: '127.0.0.1',
    });
    expect(direct.code).toBe(0);
    expect(seen).toEqual([]);
    expect(sim.messages).toHaveLength(2);
  });
});
