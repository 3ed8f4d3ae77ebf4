/** Twilio's status order, for receivers that see callbacks repeated and out of order. */
import { describe, expect, it } from 'vitest';
import { isFinalStatus, statusSupersedes } from '../../src/delivery/status-order.js';

describe('statusSupersedes', () => {
  it.each<[string, string | undefined, boolean]>([
    ['queued', undefined, true],
    ['queued', 'accepted', true],
    ['sending', 'queued', true],
    ['sent', 'sending', true],
    ['delivered', 'sent', true],
    ['undelivered', 'sent', true],
    ['read', 'delivered', true],
    ['sent', 'delivered', false],
    ['queued', 'sent', false],
    ['delivered', 'delivered', false],
    ['undelivered', 'delivered', false],
    ['delivered', 'failed', false],
    ['someday_status', 'queued', false],
    ['queued', 'someday_status', true],
  ])('%s over %s: %s', (next, current, expected) => {
    expect(statusSupersedes(next, current)).toBe(expected);
  });
});

describe('isFinalStatus', () => {
  it.each([
    ['delivered', true],
    ['undelivered', true],
    ['failed', true],
    ['canceled', true],
    ['read', true],
    ['sent', false],
    ['queued', false],
    ['unknown', false],
  ])('%s: %s', (status, expected) => {
    expect(isFinalStatus(status)).toBe(expected);
  });
});
