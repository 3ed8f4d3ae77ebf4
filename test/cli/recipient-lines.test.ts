import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecipientLines } from '../../src/cli/recipient-lines.js';

describe('RecipientLines', () => {
  it('answers as a Map would, through growth, for numbers and other recipients', () => {
    const lines = new RecipientLines(4);
    const model = new Map<string, number>();
    const recipients = [
      '+14155550100',
      '+999999999999999', // 15 digits: the largest E.164 number, still exact in a double
      '+999999999999998',
      '+10', // the shortest
      'whatsapp:+14155550100',
      '+014155550100', // not E.164 (leading 0): kept as text
      '+1415555010012345', // 16 digits: kept as text
    ];
    for (let i = 0; i < 5000; i++) recipients.push(`+1415${String(5_000_000 + i * 7919).padStart(7, '0')}`);
    recipients.forEach((to, index) => {
      expect(lines.firstLine(to, index + 2, true)).toBeUndefined();
      model.set(to, index + 2);
    });
    expect(lines.size).toBe(model.size);
    // Asked again with another line, each gives its first one and keeps it.
    for (const [to, line] of model) expect(lines.firstLine(to, 1, true)).toBe(line);
    expect(lines.size).toBe(model.size);
  });

  it('notes nothing when told there is no room, and answers for what it holds', () => {
    const lines = new RecipientLines(2);
    expect(lines.firstLine('+14155550100', 2, true)).toBeUndefined();
    for (const to of ['+14155550101', 'whatsapp:+14155550101']) {
      expect(lines.firstLine(to, 3, false)).toBeUndefined();
      expect(lines.firstLine(to, 4, false)).toBeUndefined();
    }
    expect(lines.size).toBe(1);
    expect(lines.firstLine('+14155550100', 5, false)).toBe(2);
  });

  it('agrees with a Map on any sequence of numbers and lines', () => {
    const recipient = fc.oneof(
      fc.bigInt({ min: 10n, max: 999_999_999_999_999n }).map((n) => `+${n}`),
      fc.integer({ min: 0, max: 300 }).map((n) => `+1415555${String(n).padStart(4, '0')}`),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(recipient, fc.boolean()), { maxLength: 400 }), (steps) => {
        const lines = new RecipientLines(2);
        const model = new Map<string, number>();
        steps.forEach(([to, remember], index) => {
          expect(lines.firstLine(to, index, remember)).toBe(model.get(to));
          if (remember && !model.has(to)) model.set(to, index);
        });
        expect(lines.size).toBe(model.size);
      }),
    );
  });

  it('refuses a starting capacity that is not a power of 2', () => {
    for (const capacity of [0, 3, 1000, 2.5, -4]) {
      expect(() => new RecipientLines(capacity)).toThrow(
        `RecipientLines: capacity must be a power of 2, got ${capacity}`,
      );
    }
    expect(new RecipientLines(1).size).toBe(0);
  });
});
