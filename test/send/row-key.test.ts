import { describe, expect, it } from 'vitest';
import type { BuildResult, MessageRequest } from '../../src/message.js';
import { messageKey, RowKeys } from '../../src/send/row-key.js';

const request = (fields: Partial<MessageRequest> = {}): MessageRequest => ({
  to: '+14155550100',
  from: '+15005550006',
  body: 'Hi Ada',
  mediaUrls: [],
  ...fields,
});
const built = (fields: Partial<MessageRequest> = {}): BuildResult => ({ ok: true, request: request(fields) });

describe('messageKey', () => {
  it('is the same for the same message, whatever is not sent or not part of the message', () => {
    expect(messageKey(request({ originalTo: '(415) 555-0100', statusCallback: 'https://a.test/cb' }))).toBe(
      messageKey(request()),
    );
    expect(messageKey(request())).toMatch(/^sha256:[\w-]{43}$/);
  });

  it.each([
    ['recipient', { to: '+14155550101' }],
    ['sender', { from: '+15005550007' }],
    ['Messaging Service', { from: undefined, messagingServiceSid: 'MG00000000000000000000000000000000' }],
    ['body', { body: 'Hi Bob' }],
    ['media URLs', { mediaUrls: ['https://a.test/1.png'] }],
    [
      'Content SID',
      { body: '', contentSid: 'HX00000000000000000000000000000000', contentVariables: { '1': 'Ada' } },
    ],
  ] as const)('changes with the %s', (_, fields) => {
    expect(messageKey(request(fields as Partial<MessageRequest>))).not.toBe(messageKey(request()));
  });

  it('depends on the Content variables, not their order', () => {
    const content = { body: '', contentSid: 'HX00000000000000000000000000000000' };
    const a = messageKey(request({ ...content, contentVariables: { '1': 'Ada', '2': 'X1' } }));
    expect(messageKey(request({ ...content, contentVariables: { '2': 'X1', '1': 'Ada' } }))).toBe(a);
    expect(messageKey(request({ ...content, contentVariables: { '1': 'Ada', '2': 'X2' } }))).not.toBe(a);
    expect(messageKey(request({ ...content }))).not.toBe(a);
  });
});

describe('RowKeys', () => {
  it('keys a row by its mapped column, as text', () => {
    const keys = new RowKeys('customer_id');
    expect(keys.key({ customer_id: 'c-1' }, built(), 0)).toEqual({ ...built(), rowKey: 'c-1' });
    expect(keys.key({ customer_id: 42 }, built(), 1)).toEqual({ ...built(), rowKey: '42' });
    expect(keys.key({ customer_id: 43n }, built(), 2)).toEqual({ ...built(), rowKey: '43' });
  });

  it('keys a row by its message hash when no key column is mapped', () => {
    expect(new RowKeys(undefined).key({}, built(), 0)).toEqual({ ...built(), rowKey: messageKey(request()) });
  });

  it('passes a row that failed to build through unchanged', () => {
    const failed: BuildResult = {
      ok: false,
      error: { code: 'invalid_row', message: 'Row 0: x', retryable: false },
    };
    expect(new RowKeys('id').key({}, failed, 0)).toBe(failed);
  });

  it.each([
    [{}, 'it is missing'],
    [{ id: '' }, 'got ""'],
    [{ id: '  ' }, 'got "  "'],
    [{ id: null }, 'got null'],
    [{ id: Number.NaN }, 'got null'],
    [{ id: { a: 1 } }, 'got {"a":1}'],
    [{ id: () => 1 }, 'got function'],
  ])('refuses a row whose key column holds %j', (row, got) => {
    expect(new RowKeys('id').key(row, built(), 3)).toEqual({
      ok: false,
      error: {
        code: 'invalid_row',
        message: `Row 3: "key" (the row's idempotency key, read from column "id") must be a non-empty string or a number; ${got}`,
        retryable: false,
      },
    });
  });

  it('refuses a second row with a key seen earlier in the write, naming the first row', () => {
    const keys = new RowKeys('id');
    keys.key({ id: 'a' }, built(), 0);
    keys.key({ id: 'b' }, built(), 1);
    expect(keys.key({ id: 'a' }, built({ to: '+14155550199' }), 2)).toEqual({
      ok: false,
      error: {
        code: 'invalid_row',
        message:
          'Row 2: not sent because row 0 of this write has the same key "a" (column "id"); the ledger sends each key once per run id, so give the rows distinct keys or send them in separate runs',
        retryable: false,
      },
    });
    const hashed = new RowKeys(undefined);
    hashed.key({}, built(), 5);
    expect(hashed.key({}, built(), 6)).toMatchObject({
      ok: false,
      error: {
        message: expect.stringMatching(
          /^Row 6: not sent because row 5 of this write has the same message \(recipient, sender and content\);/,
        ),
      },
    });
  });
});
