import { describe, expect, it } from 'vitest';
import { AssignmentError, addContentVariable, addMapping, parseAssignment } from '../../src/cli/mapping.js';

describe('parseAssignment', () => {
  it.each([
    ['to=phone_number', ['to', 'phone_number']],
    [' to =phone', ['to', 'phone']],
    ['1={{first_name}} = {{last_name}}', ['1', '{{first_name}} = {{last_name}}']],
  ])('splits %j at the first =', (value, expected) => {
    expect(parseAssignment(value, 'field=column')).toEqual(expected);
  });

  it.each(['phone', '=phone', 'to=', 'to=  ', ''])('refuses %j, saying what it expected', (value) => {
    expect(() => parseAssignment(value, 'field=column')).toThrow(
      new AssignmentError(`expected field=column, got ${JSON.stringify(value)}`),
    );
  });
});

describe('addMapping', () => {
  it('collects repeated --map values into one mapping', () => {
    const mapping = ['media_url=image', 'body=note', 'status_callback=hook'].reduce(
      (previous, value) => addMapping(value, previous),
      addMapping('to=phone'),
    );
    expect(mapping).toEqual({ to: 'phone', media_url: 'image', body: 'note', status_callback: 'hook' });
  });

  it('refuses a field the destination does not have, listing those it has', () => {
    expect(() => addMapping('phone=to', {})).toThrow(
      'unknown destination field "phone": map one of to, body, media_url, status_callback',
    );
  });

  it('refuses a field mapped twice', () => {
    expect(() => addMapping('to=mobile', { to: 'phone' })).toThrow('"to" is mapped twice');
  });
});

describe('addContentVariable', () => {
  it('collects numbered variables', () => {
    expect(addContentVariable('2={{order_id}}', { '1': '{{first_name}}' })).toEqual({
      '1': '{{first_name}}',
      '2': '{{order_id}}',
    });
  });

  it('refuses a variable given twice', () => {
    expect(() => addContentVariable('1=x', { '1': 'y' })).toThrow('variable "1" is given twice');
  });

  it('keeps a __proto__ name as a key, for the package to refuse, instead of setting a prototype', () => {
    const variables = addContentVariable('__proto__={{x}}');
    expect(Object.getPrototypeOf(variables)).toBe(Object.prototype);
    expect(Object.keys(variables)).toEqual(['__proto__']);
  });
});
