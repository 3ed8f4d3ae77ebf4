/**
 * What a long stream keeps reachable: nothing of a row once its result is out. Checked with WeakRefs and full
 * collections (no timing, no memory figures): a row still referenced after two full GCs is held by the
 * package.
 */
import { setImmediate as turn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import nock from 'nock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TwilioDestination } from '../../src/destination.js';
import { startTwilioSimulator, type TwilioSimulator } from '../../src/simulator/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let sim: TwilioSimulator;
beforeAll(async () => {
  nock.restore();
  sim = await startTwilioSimulator({ lifecycle: false, record: false });
});
afterAll(async () => {
  await sim.close();
  nock.activate();
});

/** Rows that still exist after two full collections, with a turn of the event loop between them. */
async function survivors(refs: WeakRef<object>[]): Promise<number> {
  gc();
  await turn();
  gc();
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

it.each([
  ['an async generator', true],
  ['a synchronous generator', false],
])('a stream over %s keeps no finished row reachable', async (_, isAsync) => {
  const destination = new TwilioDestination(
    { credentials: sim.credentials, settings: { from: '+15005550006', messageTemplate: 'Hello {{n}}' } },
    { apiBaseUrl: sim.url, messagingBaseUrl: sim.url, concurrency: 4 },
  );
  const refs: WeakRef<object>[] = [];
  const make = (i: number) => {
    const row = { to: `+1415555${String(1000 + i).padStart(4, '0')}`, n: i };
    refs.push(new WeakRef(row));
    return row;
  };
  function* syncRows() {
    for (let i = 0; i < 300; i++) yield make(i);
  }
  async function* asyncRows() {
    for (let i = 0; i < 300; i++) yield make(i);
  }
  let seen = 0;
  let heldMidway = -1;
  for await (const result of destination.stream(isAsync ? asyncRows() : syncRows())) {
    expect(result.status).toBe('sent');
    // Midway, with the stream open: the first 200 rows have their results and must be gone.
    if (++seen === 250) heldMidway = await survivors(refs.slice(0, 200));
  }
  await destination.close();
  expect(seen).toBe(300);
  expect(heldMidway).toBe(0);
});
