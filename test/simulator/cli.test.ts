import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, parseCliOptions, run, USAGE } from '../../src/simulator/cli.js';
import { DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, type TwilioSimulator } from '../../src/simulator/index.js';
import { captureLines } from '../helpers/lines.js';
import { basic, call } from './client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let running: TwilioSimulator | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('parseCliOptions', () => {
  it('defaults to port 4010 on 127.0.0.1', () => {
    expect(parseCliOptions([])).toEqual({ port: 4010, host: '127.0.0.1' });
  });

  it('reads every option', () => {
    const argv = ['--port', '0', '--host', '0.0.0.0', '--seed', '9', '--latency', '20', '--jitter', '5'];
    expect(parseCliOptions([...argv, '--fault-rate', '0.1', '--no-lifecycle', '--quiet-requests'])).toEqual({
      port: 0,
      host: '0.0.0.0',
      seed: 9,
      latency: { fixedMs: 20, jitterMs: 5 },
      randomFaults: { rate: 0.1 },
      lifecycle: false,
      record: false,
    });
    expect(parseCliOptions(['--jitter', '5'])).toMatchObject({ latency: { fixedMs: 0, jitterMs: 5 } });
    expect(parseCliOptions(['-h'])).toBe('help');
  });

  it.each([
    [['--port', 'abc'], /--port must be a number, got "abc"/],
    [['--latency', ''], /--latency must be a number/],
    [['--port', '70000'], /--port must be 0–65535, got 70000/],
    [['--port', '1.5'], /--port must be 0–65535/],
    [['--colour'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliOptions(argv)).toThrow(message);
  });
});

describe('main', () => {
  it('prints the URL and the credentials it accepts', async () => {
    const { out, output } = captureLines();
    const result = await main(['--port', '0'], output);
    running = result.simulator;
    expect(result.exitCode).toBe(0);
    const url = running?.url as string;
    expect(out[0]).toBe(`Twilio simulator listening on ${url}`);
    const text = out.join('\n');
    for (const value of [
      DEFAULT_ACCOUNT_SID,
      DEFAULT_AUTH_TOKEN,
      '+15005550006',
      'MG',
      'SK',
      '+15555550100 (30003)',
    ]) {
      expect(text).toContain(value);
    }
    expect(
      (await call(running as TwilioSimulator, 'GET', `/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}.json`))
        .status,
    ).toBe(200);
  });

  it('prints the usage for --help and starts nothing', async () => {
    const { out, output } = captureLines();
    expect(await main(['--help'], output)).toEqual({ simulator: undefined, exitCode: 0 });
    expect(out).toEqual([USAGE]);
  });

  it('explains a bad argument and exits with 2', async () => {
    const { err, output } = captureLines();
    expect(await main(['--port', 'x'], output)).toEqual({ simulator: undefined, exitCode: 2 });
    expect(err[0]).toContain('--port must be a number');
    expect(err[0]).toContain('Usage:');
  });
});

describe('run', () => {
  it('sets the exit code and stops the simulator on SIGINT or SIGTERM', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const proc = Object.assign(new EventEmitter(), { exitCode: undefined as number | undefined });
      const sim = await run(['--port', '0'], proc);
      expect(proc.exitCode).toBe(0);
      expect(proc.listenerCount(signal)).toBe(1);
      proc.emit(signal);
      await sim?.close();
      await expect(call(sim as TwilioSimulator, 'GET', '/')).rejects.toThrow();
    }
  });

  it('starts nothing and sets exit code 2 on a bad argument', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const proc = Object.assign(new EventEmitter(), { exitCode: undefined as number | undefined });
    expect(await run(['--nope'], proc)).toBeUndefined();
    expect(proc.exitCode).toBe(2);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });
});

describe('npm run simulator', () => {
  it('runs as a program, prints its URL, serves it, and stops on SIGTERM', async () => {
    const child = spawn('npx', ['tsx', 'src/simulator/cli.ts', '--port', '0'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const url = /listening on (http:\/\/\S+)/.exec(first)?.[1] as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const reply = await fetch(`${url}/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}.json`, {
        headers: {
          authorization: basic(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN),
        },
      });
      expect(reply.status).toBe(200);
      const exited = once(child, 'exit');
      process.kill(-(child.pid as number), 'SIGTERM');
      const [code, signal] = (await exited) as [number | null, string | null];
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(-(child.pid as number), 'SIGKILL');
    }
  }, 20_000);
});
