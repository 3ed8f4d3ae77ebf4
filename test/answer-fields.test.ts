import { describe, expect, it } from 'vitest';
import { isMessageSid, isMessageStatus, oneOf, requestIdOf } from '../src/answer-fields.js';

const HEX = '0123456789abcdef'.repeat(2);

describe('answer fields', () => {
  it.each([
    [`RQ${HEX}`, `RQ${HEX}`],
    [`RQ${HEX.toUpperCase()}`, `RQ${HEX.toUpperCase()}`],
    [`RQ${HEX}0`, undefined],
    [`RQ${HEX.slice(1)}`, undefined],
    [`Basic ${Buffer.from('AC:x').toString('base64')}`, undefined],
    ['', undefined],
    [undefined, undefined],
  ])('keeps the request id %j as %j', (value, kept) => {
    expect(requestIdOf(value)).toBe(kept);
  });

  it.each([
    [`SM${HEX}`, true],
    [`MM${HEX}`, true],
    [`SM${HEX.slice(1)}g`, false],
    [`MG${HEX}`, false],
    ['SM1', false],
    [42, false],
    [null, false],
  ])('judges %j a Message SID: %s', (value, expected) => {
    expect(isMessageSid(value)).toBe(expected);
  });

  it.each([
    ['queued', true],
    ['accepted', true],
    ['partially_delivered', true],
    ['Queued', false],
    ['f0e1d2c3f0e1d2c3f0e1d2c3f0e1d2c3', false],
    [undefined, false],
  ])('judges %j a message status: %s', (value, expected) => {
    expect(isMessageStatus(value)).toBe(expected);
  });

  it.each([
    ['active', 'active'],
    ['Full', 'unknown'],
    [{ toString: (): string => 'active' }, 'unknown'],
  ])('keeps %j of a closed set as %j', (value, expected) => {
    expect(oneOf(value, ['active', 'suspended', 'closed'])).toBe(expected);
  });
});
