/**
 * The outcome table: every status and every delivery error code it lists, and codes it does not know.
 */
import { describe, expect, it } from 'vitest';
import {
  DELIVERY_ERROR_CODES,
  DELIVERY_OUTCOMES,
  deliveryErrorInfo,
  deliveryOutcome,
  parseErrorCode,
} from '../../src/delivery/outcome.js';

// Written out by hand from Twilio's error dictionary, independently of the table in src/.
const EXPECTED: Record<number, string> = {
  30001: 'transient',
  30002: 'blocked',
  30003: 'transient',
  30004: 'blocked',
  30005: 'permanent',
  30006: 'permanent',
  30007: 'blocked',
  30008: 'transient',
  30009: 'transient',
  30010: 'blocked',
  30011: 'permanent',
  30012: 'transient',
  30017: 'transient',
  30018: 'blocked',
  30019: 'blocked',
  30022: 'transient',
  30023: 'transient',
  30024: 'blocked',
  30027: 'transient',
  30032: 'blocked',
  30033: 'blocked',
  30034: 'blocked',
  30035: 'transient',
  30036: 'transient',
  30037: 'blocked',
  30038: 'blocked',
  30410: 'transient',
  30450: 'blocked',
  21211: 'permanent',
  21408: 'blocked',
  21610: 'opted_out',
  21612: 'permanent',
  21614: 'permanent',
  21635: 'permanent',
  63003: 'permanent',
  63016: 'blocked',
  63018: 'transient',
  63024: 'permanent',
  63049: 'blocked',
};

describe('deliveryOutcome', () => {
  it.each(['queued', 'accepted', 'scheduled', 'sending', 'sent'])('%s is pending', (status) => {
    expect(deliveryOutcome(status, undefined)).toBe('pending');
    // A code on a status that is not final yet does not make it final.
    expect(deliveryOutcome(status, 30003)).toBe('pending');
  });

  it.each(['delivered', 'read'])('%s is delivered', (status) => {
    expect(deliveryOutcome(status)).toBe('delivered');
    expect(deliveryOutcome(status, null)).toBe('delivered');
  });

  it.each(Object.entries(EXPECTED))('undelivered or failed with %s is %s', (code, outcome) => {
    expect(deliveryOutcome('undelivered', Number(code))).toBe(outcome);
    expect(deliveryOutcome('failed', Number(code))).toBe(outcome);
  });

  it('lists exactly the codes checked here, each with a meaning', () => {
    expect(Object.keys(DELIVERY_ERROR_CODES).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const info of Object.values(DELIVERY_ERROR_CODES)) expect(info.meaning.length).toBeGreaterThan(5);
  });

  it.each([
    ['undelivered', undefined],
    ['failed', null],
    ['failed', 0],
    ['canceled', undefined],
    ['partially_delivered', undefined],
  ])('%s without a code (%s) is transient', (status, code) => {
    expect(deliveryOutcome(status, code)).toBe('transient');
  });

  it('treats a code the table does not know as transient, never a crash', () => {
    expect(deliveryOutcome('undelivered', 39999)).toBe('transient');
    expect(deliveryOutcome('failed', 1.5)).toBe('transient');
    expect(deliveryErrorInfo(39999)).toEqual({
      outcome: 'transient',
      meaning:
        "Error 39999 is not in this package's table; treated as transient (see https://www.twilio.com/docs/api/errors/39999)",
      known: false,
    });
    expect(deliveryErrorInfo(30006)).toEqual({ ...DELIVERY_ERROR_CODES[30006], known: true });
  });

  it('reads a status Twilio adds later as pending, unless it carries a code', () => {
    expect(deliveryOutcome('receiving')).toBe('pending');
    expect(deliveryOutcome('new_status', 30007)).toBe('blocked');
  });

  it('names every outcome once', () => {
    expect(DELIVERY_OUTCOMES).toEqual([
      'pending',
      'delivered',
      'transient',
      'permanent',
      'opted_out',
      'blocked',
    ]);
  });
});

describe('parseErrorCode', () => {
  it.each<[unknown, number | undefined]>([
    [30003, 30003],
    ['30003', 30003],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
    ['0', undefined],
    ['30003x', undefined],
    [-1, undefined],
    [1.5, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseErrorCode(value)).toBe(expected);
  });
});
