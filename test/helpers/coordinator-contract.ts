/**
 * The behaviour every `Coordinator` promises, as one suite that runs against each implementation (in-process
 * and Redis). Time is the coordinator's own clock (an injected one in-process, Redis's `TIME` for Redis), and
 * "an acquire is still waiting" is observed after `idle()`, the point at which the implementation has done
 * everything it would do at once.
 */
import { expect, it } from 'vitest';
import type { Coordinator, Permit, PermitRequest } from '../../src/seams/coordinator.js';

/** One coordinator under test, fresh for each test. */
export interface ContractSubject {
  /** A coordinator over fresh shared state; several from one subject share it (many workers). */
  coordinator(options: { accountConcurrency: number }): Promise<Coordinator>;
  /** Resolves once every acquire started so far has been granted or is waiting. */
  idle(): Promise<void>;
  /** The coordinator's clock, in ms. */
  clock(): Promise<number>;
}

export const CONTRACT_ACCOUNT = 'AC00000000000000000000000000000002';

/** A permit request (a create from `+15550001111` without pacing unless overridden). */
export function permitRequest(overrides: Partial<PermitRequest> = {}): PermitRequest {
  return {
    accountSid: CONTRACT_ACCOUNT,
    kind: 'create',
    sender: '+15550001111',
    segments: 1,
    segmentsPerSecond: undefined,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Tracks whether an acquire has been granted yet. */
function track(acquiring: Promise<Permit>) {
  const state: { permit?: Permit; promise: Promise<Permit> } = { promise: acquiring };
  acquiring.then(
    (permit) => {
      state.permit = permit;
    },
    () => {},
  );
  return state;
}

/** Registers the contract's tests; `subject` is called once per test. */
export function coordinatorContract(subject: () => ContractSubject): void {
  it('grants slots up to the limit and the next one when a slot is released', async () => {
    const s = subject();
    const coordinator = await s.coordinator({ accountConcurrency: 2 });
    const first = await coordinator.acquire(permitRequest());
    await coordinator.acquire(permitRequest());
    const third = track(coordinator.acquire(permitRequest()));
    await s.idle();
    expect(third.permit).toBeUndefined();
    await first.release({ kind: 'ok' });
    await third.promise;
  });

  it('frees a slot once however often its permit is released', async () => {
    const s = subject();
    const coordinator = await s.coordinator({ accountConcurrency: 1 });
    const first = await coordinator.acquire(permitRequest());
    await first.release({ kind: 'other' });
    await first.release({ kind: 'other' });
    const second = await coordinator.acquire(permitRequest());
    const third = track(coordinator.acquire(permitRequest()));
    await s.idle();
    expect(third.permit).toBeUndefined();
    await second.release({ kind: 'other' });
    await third.promise;
  });

  it('halves the limit once for 429s of one generation, for every worker, and climbs back with successes', async () => {
    const s = subject();
    const a = await s.coordinator({ accountConcurrency: 4 });
    const b = await s.coordinator({ accountConcurrency: 4 });
    const held = [
      await a.acquire(permitRequest()),
      await a.acquire(permitRequest()),
      await b.acquire(permitRequest()),
      await b.acquire(permitRequest()),
    ] as [Permit, Permit, Permit, Permit];
    await held[0].release({ kind: 'rate_limited' });
    await held[1].release({ kind: 'rate_limited' });
    // The limit is 2 (not 1): with two held, the next waits until one is released, then goes.
    const next = track(b.acquire(permitRequest()));
    await s.idle();
    expect(next.permit).toBeUndefined();
    await held[2].release({ kind: 'ok' });
    const granted = await next.promise;
    // Two successes at a limit of 2 climb back to 3: three fit, the fourth waits.
    await held[3].release({ kind: 'ok' });
    const more = [await a.acquire(permitRequest()), await b.acquire(permitRequest())];
    const fourth = track(a.acquire(permitRequest()));
    await s.idle();
    expect(fourth.permit).toBeUndefined();
    for (const permit of [granted, ...more]) await permit.release({ kind: 'other' });
    await (await fourth.promise).release({ kind: 'other' });
  });

  it('stops waiting on abort with the signal’s reason and holds nothing', async () => {
    const s = subject();
    const coordinator = await s.coordinator({ accountConcurrency: 1 });
    const held = await coordinator.acquire(permitRequest());
    const controller = new AbortController();
    const waiting = coordinator.acquire(permitRequest({ signal: controller.signal }));
    await s.idle();
    controller.abort(new Error('stopped by the test'));
    await expect(waiting).rejects.toThrow('stopped by the test');
    await held.release({ kind: 'other' });
    // The aborted acquire took nothing: the one slot is free.
    await (await coordinator.acquire(permitRequest())).release({ kind: 'other' });
  });

  it('pauses a sender’s creates after a 21611 for the pause, and no other sender', async () => {
    const s = subject();
    const coordinator = await s.coordinator({ accountConcurrency: 4 });
    const permit = await coordinator.acquire(permitRequest());
    const pausedAt = await s.clock();
    await permit.release({ kind: 'queue_full', pauseMs: 300 });
    const other = await coordinator.acquire(permitRequest({ sender: '+15550002222' }));
    await other.release({ kind: 'ok' });
    const same = await coordinator.acquire(permitRequest());
    expect((await s.clock()) - pausedAt).toBeGreaterThanOrEqual(300 - 1);
    await same.release({ kind: 'ok' });
  });

  it('spends one second of a sender’s segment budget at once, then paces it', async () => {
    const s = subject();
    const coordinator = await s.coordinator({ accountConcurrency: 20 });
    const paced = permitRequest({ segmentsPerSecond: 10 });
    const start = await s.clock();
    const permits = [];
    for (let i = 0; i < 10; i++) permits.push(await coordinator.acquire(paced));
    permits.push(await coordinator.acquire(paced));
    // The 11th segment is a tenth of a second after the burst's start, on the coordinator's clock.
    expect((await s.clock()) - start).toBeGreaterThanOrEqual(100 - 1);
    for (const permit of permits) await permit.release({ kind: 'ok' });
  });
}
