import { describe, expect, it } from 'vitest';
import { checkKeyColumn, withOrigins } from '../../src/cli/source.js';

async function* sourceRows(count: number) {
  for (let i = 0; i < count; i++) yield { row: { id: `r${i}`, phone: '+14155550100' }, line: i + 2 };
}

describe('withOrigins', () => {
  it('hands back each row origin in input order, however many rows pass (the queue is trimmed as it goes)', async () => {
    const { rows, next } = withOrigins(sourceRows(3000), 'id');
    const seen: string[] = [];
    for await (const row of rows) {
      seen.push(row['id'] as string);
      // Results come in input order, at most a few behind the rows read.
      if (seen.length > 3) expect(next()).toEqual({ line: seen.length - 2, key: `r${seen.length - 4}` });
    }
    for (let i = 2997; i < 3000; i++) expect(next()).toEqual({ line: i + 2, key: `r${i}` });
    expect(seen).toHaveLength(3000);
  });

  it('leaves the key out without --key', async () => {
    const { rows, next } = withOrigins(sourceRows(1), undefined);
    for await (const _ of rows) expect(next()).toEqual({ line: 2 });
  });
});

describe('checkKeyColumn', () => {
  it.each([
    [undefined, []],
    ['id', ['id', 'phone']],
  ])('accepts --key %s among %j', (key, columns) => {
    expect(() => checkKeyColumn(key, columns)).not.toThrow();
  });

  it('refuses a column the rows lack, listing theirs', () => {
    expect(() => checkKeyColumn('id', ['phone', 'name'])).toThrow(
      '--key id: the rows have no column "id". Their columns: "phone", "name"',
    );
  });
});
