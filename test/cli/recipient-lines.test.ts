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
      expect(lines.get(to)).toBeUndefined();
      lines.set(to, index + 2);
      model.set(to, index + 2);
    });
    expect(lines.size).toBe(model.size);
    for (const [to, line] of model) expect(lines.get(to)).toBe(line);
    for (const to of ['+14155550101', '+999999999999997', 'whatsapp:+14155550101', '+1', '']) {
      expect(lines.get(to)).toBeUndefined();
    }
  });

  it('agrees with a Map on any sequence of numbers and lines', () => {
    const recipient = fc.oneof(
      fc.bigInt({ min: 10n, max: 999_999_999_999_999n }).map((n) => `+${n}`),
      fc.integer({ min: 0, max: 300 }).map((n) => `+1415555${String(n).padStart(4, '0')}`),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(recipient, { maxLength: 400 }), (tos) => {
        const lines = new RecipientLines(2);
        const model = new Map<string, number>();
        tos.forEach((to, index) => {
          expect(lines.get(to)).toBe(model.get(to));
          if (!model.has(to)) {
            lines.set(to, index);
            model.set(to, index);
          }
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
