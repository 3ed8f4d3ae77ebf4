import { describe, expect, it } from 'vitest';
import {
  type ExecProcess,
  HEAP_FLAGS_ENV,
  heapFlagsToAdd,
  runWithHeapFlags,
} from '../../src/cli/heap-flags.js';

const SEND = ['--optimize-for-size', '--max-old-space-size=256'];
const PREVIEW = ['--max-semi-space-size=8', '--max-old-space-size=256'];

describe('heapFlagsToAdd', () => {
  it('gives each streaming command its flags: send favours memory, preview keeps its speed', () => {
    expect(heapFlagsToAdd(['send', 'rows.csv', '--simulate'], [], {})).toEqual(SEND);
    expect(heapFlagsToAdd(['preview', 'rows.csv'], ['--enable-source-maps'], {})).toEqual(PREVIEW);
  });

  it('leaves the other commands, help and a bare call as they are', () => {
    for (const argv of [['validate'], ['status', 'r.jsonl'], ['simulator'], ['--help'], ['--version'], []]) {
      expect(heapFlagsToAdd(argv, [], {})).toEqual([]);
    }
  });

  it('never overrides a flag the user gave on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(heapFlagsToAdd(['preview'], ['--max-old-space-size=1024'], {})).toEqual([
      '--max-semi-space-size=8',
    ]);
    expect(heapFlagsToAdd(['preview'], ['--max_semi_space_size=16'], {})).toEqual([
      '--max-old-space-size=256',
    ]);
    expect(heapFlagsToAdd(['preview'], [], { NODE_OPTIONS: '--trace-gc  --max-semi-space-size=4' })).toEqual([
      '--max-old-space-size=256',
    ]);
    expect(heapFlagsToAdd(['send'], [], { NODE_OPTIONS: '--max-old-space-size=512' })).toEqual([
      '--optimize-for-size',
    ]);
    // A flag turned off is a flag given: `send` then runs at full speed, with more memory.
    expect(heapFlagsToAdd(['send'], ['--no-optimize-for-size'], {})).toEqual(['--max-old-space-size=256']);
    expect(heapFlagsToAdd(['send'], ['--no_optimize_for_size', '--max-old-space-size=64'], {})).toEqual([]);
    expect(heapFlagsToAdd(['send'], ['--optimize_for_size'], {})).toEqual(['--max-old-space-size=256']);
    expect(
      heapFlagsToAdd(['preview'], ['--max-semi-space-size=1'], { NODE_OPTIONS: '--max_old_space_size=64' }),
    ).toEqual([]);
  });

  it('adds nothing when the user gave --max-heap-size, which V8 refuses beside both sizes', () => {
    expect(heapFlagsToAdd(['send'], ['--max-heap-size=1024'], {})).toEqual([]);
    expect(heapFlagsToAdd(['preview'], [], { NODE_OPTIONS: '--max_heap_size=512' })).toEqual([]);
  });

  it('adds nothing once re-run, or when the variable turns the re-run off', () => {
    expect(heapFlagsToAdd(['send'], [], { [HEAP_FLAGS_ENV]: 'applied' })).toEqual([]);
    expect(heapFlagsToAdd(['send'], [], { [HEAP_FLAGS_ENV]: 'off' })).toEqual([]);
    expect(heapFlagsToAdd(['send'], [], { [HEAP_FLAGS_ENV]: '' })).toEqual([]);
  });
});

describe('runWithHeapFlags', () => {
  const calls: unknown[][] = [];
  const fake = (over: Partial<ExecProcess> = {}): ExecProcess => ({
    argv: ['/usr/bin/node', '/bin/twilio-destination', 'send', 'rows.csv', '--out', 'r.jsonl'],
    execArgv: ['--enable-source-maps'],
    execPath: '/usr/bin/node',
    env: { PATH: '/bin', TWILIO_ACCOUNT_SID: 'AC1' },
    platform: 'linux',
    execve: ((...args: unknown[]) => {
      calls.push(args);
      throw new Error('replaced');
    }) as ExecProcess['execve'],
    ...over,
  });

  it('re-runs the same command with the flags first, the own flags next, and the marker set', () => {
    calls.length = 0;
    runWithHeapFlags(fake());
    expect(calls).toEqual([
      [
        '/usr/bin/node',
        [
          '/usr/bin/node',
          ...SEND,
          '--enable-source-maps',
          '/bin/twilio-destination',
          'send',
          'rows.csv',
          '--out',
          'r.jsonl',
        ],
        { PATH: '/bin', TWILIO_ACCOUNT_SID: 'AC1', [HEAP_FLAGS_ENV]: 'applied' },
      ],
    ]);
  });

  it('runs on as it is when execve fails, when the platform has none, or when nothing is missing', () => {
    calls.length = 0;
    expect(() => runWithHeapFlags(fake())).not.toThrow();
    expect(calls).toHaveLength(1);
    expect(() => runWithHeapFlags(fake({ execve: undefined }))).not.toThrow();
    // Windows has a process.execve that warns (ExperimentalWarning) and throws: it is never called there.
    runWithHeapFlags(fake({ platform: 'win32' }));
    runWithHeapFlags(fake({ argv: ['/usr/bin/node', '/bin/twilio-destination', 'validate'] }));
    runWithHeapFlags(fake({ execArgv: SEND }));
    expect(calls).toHaveLength(1);
  });
});
