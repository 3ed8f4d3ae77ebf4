import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALLBACK_WARNING_CODE, containCallbacks } from '../src/callbacks.js';
import type { Progress } from '../src/config/index.js';
import { TwilioDestination } from '../src/destination.js';
import type { Logger } from '../src/logger.js';
import { startTwilioSimulator, type TwilioSimulator } from '../src/simulator/index.js';
import type { Row, RowResult } from '../src/types.js';
import { ManualClock } from './helpers/manual-clock.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** A logger whose `failing` method throws (or rejects, when `async`), and which records the rest. */
function brokenLogger(failing: Level, async = false) {
  const lines: [Level, string][] = [];
  const logger = Object.fromEntries(
    LEVELS.map((level) => [
      level,
      (message: string) => {
        if (level !== failing) {
          lines.push([level, message]);
          return;
        }
        const error = new Error(`${level} is broken`);
        if (async) return Promise.reject(error);
        throw error;
      },
    ]),
  ) as unknown as Logger;
  return { logger, lines };
}

/** Resolves once the event loop has turned: long enough for a rejected promise to be handled or not. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

let sim: TwilioSimulator;
let warnings: [string, unknown][];

beforeEach(async () => {
  sim = await startTwilioSimulator({ lifecycle: false });
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation(((warning: string, options: unknown) => {
    warnings.push([warning, options]);
  }) as typeof process.emitWarning);
});

afterEach(async () => {
  vi.useRealTimers();
  await sim.close();
});

function destinationFor(options: ConstructorParameters<typeof TwilioDestination>[1]) {
  return new TwilioDestination(
    {
      credentials: sim.credentials,
      settings: { from: sim.numbers[0] as string, messageTemplate: 'Hi {{name}}' },
      mapping: {},
    },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, ...options },
  );
}

const rows: Row[] = [
  { to: '+14155550100', name: 'a' },
  { to: 'not a number', name: 'b' },
  { to: '+14155550102', name: 'c' },
];

function outcomes(results: RowResult[]): string[] {
  return results.map((r) => (r.status === 'sent' ? `${r.index} sent` : `${r.index} ${r.error.code}`));
}

describe('a logger method that fails', () => {
  // A write calls debug, info and warn; error is for the package's own failures (see containCallbacks below).
  it.each(
    (['debug', 'info', 'warn'] as const).flatMap((level) => [
      [level, 'throws'] as const,
      [level, 'rejects'] as const,
    ]),
  )(
    'cannot break a write when %s %s: every row gets its result, the failure is reported once',
    async (level, how) => {
      const { logger, lines } = brokenLogger(level, how === 'rejects');
      const destination = destinationFor({ logger });
      const results = await destination.write(rows);
      await turn();
      expect(outcomes(results)).toEqual(['0 sent', '1 invalid_row', '2 sent']);
      expect(sim.messages).toHaveLength(2);
      // Through the logger's error method, which works here.
      expect(lines.filter(([line]) => line === 'error')).toEqual([
        [
          'error',
          `twilio-destination: logger.${level}() failed (Error: ${level} is broken); the destination went on without it. ` +
            "Further failures of this destination's callbacks are not reported.",
        ],
      ]);
      expect(warnings).toEqual([]);
      // The methods that work still get their lines.
      if (level !== 'info') expect(lines.filter(([line]) => line === 'info')).toHaveLength(2);
      if (level !== 'warn') expect(lines.filter(([line]) => line === 'warn')).toHaveLength(1);
      await destination.close();
    },
  );

  it.each(['throws', 'rejects'] as const)(
    'cannot keep validateCredentials from settling when debug %s',
    async (how) => {
      const { logger } = brokenLogger('debug', how === 'rejects');
      const destination = destinationFor({ logger });
      const result = await destination.validateCredentials();
      expect(result).toMatchObject({ ok: true });
      await destination.close();
    },
  );
});

describe('a logger that throws when its methods are read', () => {
  const report =
    "twilio-destination: logger.debug() failed (Error: no such method); the destination went on without it. Further failures of this destination's callbacks are not reported.";
  const throwing = () => {
    throw new Error('no such method');
  };

  it('as a getter cannot break the constructor, validation or a write, and is reported once through logger.error', async () => {
    const errors: string[] = [];
    const logger = {
      get debug(): (message: string) => void {
        return throwing();
      },
      info() {},
      warn() {},
      error(message: string) {
        errors.push(message);
      },
    };
    const destination = destinationFor({ logger });
    expect(await destination.validateCredentials()).toMatchObject({ ok: true });
    expect(outcomes(await destination.write(rows))).toEqual(['0 sent', '1 invalid_row', '2 sent']);
    await turn();
    expect(errors).toEqual([report]);
    expect(warnings).toEqual([]);
    await destination.close();
  });

  it('as a Proxy cannot break the constructor, validation or a write, and is reported once as a warning', async () => {
    const destination = destinationFor({ logger: new Proxy({}, { get: throwing }) as Logger });
    expect(await destination.validateCredentials()).toMatchObject({ ok: true });
    expect(outcomes(await destination.write(rows))).toEqual(['0 sent', '1 invalid_row', '2 sent']);
    await turn();
    expect(warnings).toEqual([[report, { code: CALLBACK_WARNING_CODE }]]);
    await destination.close();
  });

  it('reports a failing debug once per destination, across validateCredentials and write, through logger.error', async () => {
    const { logger, lines } = brokenLogger('debug');
    const destination = destinationFor({ logger });
    await destination.validateCredentials();
    await destination.write(rows);
    await turn();
    expect(lines.filter(([level]) => level === 'error')).toEqual([
      [
        'error',
        "twilio-destination: logger.debug() failed (Error: debug is broken); the destination went on without it. Further failures of this destination's callbacks are not reported.",
      ],
    ]);
    // Another destination with the same logger reports its own first failure.
    const other = destinationFor({ logger });
    await other.validateCredentials();
    expect(lines.filter(([level]) => level === 'error')).toHaveLength(2);
    await destination.close();
    await other.close();
  });
});

describe('an onProgress that throws', () => {
  it('cannot crash the process from its timer, nor break the write', async () => {
    const clock = new ManualClock();
    await sim.close();
    // The answer waits on the simulator's clock while the progress timer fires on vitest's.
    sim = await startTwilioSimulator({ lifecycle: false, clock, latency: { fixedMs: 1000 } });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { logger, lines } = brokenLogger('debug');
    let calls = 0;
    const onProgress = (_progress: Progress) => {
      calls++;
      throw new Error('progress bar gone');
    };
    const destination = destinationFor({ logger, onProgress });
    const writing = destination.write([rows[0] as Row]);
    await clock.whenPending(1);
    vi.advanceTimersByTime(1500);
    expect(calls).toBe(3);
    clock.advance(1000);
    const results = await writing;
    expect(outcomes(results)).toEqual(['0 sent']);
    // The final report runs too, and still only the first failure is reported.
    expect(calls).toBe(4);
    expect(lines.filter(([level]) => level === 'error')).toEqual([
      [
        'error',
        'twilio-destination: onProgress failed (Error: progress bar gone); the destination went on without it. ' +
          "Further failures of this destination's callbacks are not reported.",
      ],
    ]);
    await destination.close();
  });
});

describe('containCallbacks', () => {
  it('passes every call through, with the logger as `this`', () => {
    const seen: [string, unknown, string][] = [];
    const user = {
      name: 'pino-like',
      debug(message: string) {
        seen.push(['debug', this, message]);
      },
      info(message: string) {
        seen.push(['info', this, message]);
      },
      warn(message: string) {
        seen.push(['warn', this, message]);
      },
      error(message: string) {
        seen.push(['error', this, message]);
      },
    };
    const progress: number[] = [];
    const { logger, onProgress } = containCallbacks<number>({
      logger: user,
      onProgress: (p) => progress.push(p),
    });
    for (const level of LEVELS) logger?.[level](level);
    onProgress?.(7);
    expect(seen).toEqual(LEVELS.map((level) => [level, user, level]));
    expect(progress).toEqual([7]);
  });

  it('leaves absent callbacks absent', () => {
    expect(containCallbacks({ logger: undefined, onProgress: undefined })).toEqual({
      logger: undefined,
      onProgress: undefined,
    });
  });

  it.each([
    [
      'a value whose toString throws',
      {
        toString: () => {
          throw new Error('no');
        },
      },
      'a value that cannot be printed',
    ],
    ['a string', 'plain', 'plain'],
    ['a long message', new Error('x'.repeat(400)), `Error: ${'x'.repeat(293)}…`],
  ])('describes %s without throwing', async (_name, thrown, described) => {
    const { onProgress } = containCallbacks({
      logger: undefined,
      onProgress: () => {
        throw thrown;
      },
    });
    onProgress?.(undefined);
    expect(warnings).toEqual([
      [
        `twilio-destination: onProgress failed (${described}); the destination went on without it. Further failures of this destination's callbacks are not reported.`,
        { code: CALLBACK_WARNING_CODE },
      ],
    ]);
  });

  it.each(['throws', 'rejects'] as const)(
    'reports a logger.error that %s as a process warning',
    async (how) => {
      const { logger } = containCallbacks({
        logger: brokenLogger('error', how === 'rejects').logger,
        onProgress: undefined,
      });
      logger?.error('x');
      logger?.error('y');
      await turn();
      expect(warnings).toEqual([
        [
          "twilio-destination: logger.error() failed (Error: error is broken); the destination went on without it. Further failures of this destination's callbacks are not reported.",
          { code: CALLBACK_WARNING_CODE },
        ],
      ]);
    },
  );

  it('falls back to a process warning when logger.error fails while reporting, and survives a throwing emitWarning', async () => {
    const { logger: broken } = brokenLogger('error', true);
    const { logger } = containCallbacks({
      logger: { ...broken, warn: () => Promise.reject(new Error('warn down')) },
      onProgress: undefined,
    });
    logger?.warn('x');
    await turn();
    expect(warnings.map(([text]) => text)).toEqual([
      "twilio-destination: logger.warn() failed (Error: warn down); the destination went on without it. Further failures of this destination's callbacks are not reported.",
    ]);
    vi.mocked(process.emitWarning).mockImplementation(() => {
      throw new Error('no warnings here');
    });
    const { onProgress } = containCallbacks({
      logger: undefined,
      onProgress: () => {
        throw new Error('p');
      },
    });
    expect(() => onProgress?.(1)).not.toThrow();
  });
});
