import { describe, expect, it } from 'vitest';
import { RecentSids } from '../../src/send/recent-sids.js';

type Step = ['add', string, number] | ['forgetBefore', number];

/** Runs `steps` on a buffer of `capacity`; returns which of `probe` it still has, and its size. */
function run(capacity: number, steps: Step[], probe: string[]): { kept: string[]; size: number } {
  const recent = new RecentSids(capacity);
  for (const step of steps) {
    if (step[0] === 'add') recent.add(step[1], step[2]);
    else recent.forgetBefore(step[1]);
  }
  return { kept: probe.filter((sid) => recent.has(sid)), size: recent.size };
}

describe('RecentSids', () => {
  it.each<[string, number, Step[], string[], { kept: string[]; size: number }]>([
    ['is empty at first', 3, [], ['SM1'], { kept: [], size: 0 }],
    [
      'remembers what it was given',
      3,
      [
        ['add', 'SM1', 1],
        ['add', 'SM2', 2],
      ],
      ['SM1', 'SM2', 'SM3'],
      { kept: ['SM1', 'SM2'], size: 2 },
    ],
    [
      'forgets the oldest once full',
      3,
      [
        ['add', 'SM1', 1],
        ['add', 'SM2', 2],
        ['add', 'SM3', 3],
        ['add', 'SM4', 4],
      ],
      ['SM1', 'SM2', 'SM3', 'SM4'],
      { kept: ['SM2', 'SM3', 'SM4'], size: 3 },
    ],
    [
      'keeps wrapping around, always the latest',
      2,
      [
        ['add', 'SM1', 1],
        ['add', 'SM2', 2],
        ['add', 'SM3', 3],
        ['add', 'SM4', 4],
        ['add', 'SM5', 5],
      ],
      ['SM1', 'SM2', 'SM3', 'SM4', 'SM5'],
      { kept: ['SM4', 'SM5'], size: 2 },
    ],
    [
      'forgets what was added before a horizon',
      5,
      [
        ['add', 'SM1', 10],
        ['add', 'SM2', 20],
        ['add', 'SM3', 30],
        ['forgetBefore', 21],
      ],
      ['SM1', 'SM2', 'SM3'],
      { kept: ['SM3'], size: 1 },
    ],
    [
      'keeps what was added at the horizon itself',
      5,
      [
        ['add', 'SM1', 10],
        ['add', 'SM2', 20],
        ['forgetBefore', 20],
      ],
      ['SM1', 'SM2'],
      { kept: ['SM2'], size: 1 },
    ],
    [
      'can forget everything, then take new SIDs',
      2,
      [
        ['add', 'SM1', 1],
        ['add', 'SM2', 2],
        ['forgetBefore', 99],
        ['add', 'SM3', 100],
        ['add', 'SM4', 101],
        ['add', 'SM5', 102],
      ],
      ['SM1', 'SM2', 'SM3', 'SM4', 'SM5'],
      { kept: ['SM4', 'SM5'], size: 2 },
    ],
    [
      'forgets across the wrap-around point',
      3,
      [
        ['add', 'SM1', 1],
        ['add', 'SM2', 2],
        ['add', 'SM3', 3],
        ['add', 'SM4', 4],
        ['add', 'SM5', 5],
        ['forgetBefore', 5],
      ],
      ['SM3', 'SM4', 'SM5'],
      { kept: ['SM5'], size: 1 },
    ],
    ['does nothing when forgetting on empty', 2, [['forgetBefore', 5]], ['SM1'], { kept: [], size: 0 }],
  ])('%s', (_name, capacity, steps, probe, expected) => {
    expect(run(capacity, steps, probe)).toEqual(expected);
  });

  it('does not confuse a forgotten slot with an empty SID', () => {
    const recent = new RecentSids(2);
    recent.add('SM1', 1);
    recent.forgetBefore(2);
    expect(recent.has('')).toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a capacity of %s', (capacity) => {
    expect(() => new RecentSids(capacity)).toThrow(
      `RecentSids capacity must be a positive integer, got ${capacity}`,
    );
  });
});
