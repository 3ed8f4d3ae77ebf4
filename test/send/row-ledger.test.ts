import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageResource } from '../../src/client.js';
import { type Claim, type Ledger, LedgerUnavailableError } from '../../src/seams/ledger.js';
import { type LedgeredOutcome, sendLedgered } from '../../src/send/ledgered-send.js';
import { checkRunId, type LedgerRun, ledgerRun, RowClaim } from '../../src/send/row-ledger.js';

/** A ledger whose every answer the test sets, recording each call. */
function fakeLedger(claim: Claim | Error = { state: 'claimed', firstAttemptAt: 1000 }) {
  const calls: string[] = [];
  const ledger: Ledger = {
    description: 'Test ledger',
    leaseMs: undefined,
    open: vi.fn(async () => void calls.push('open')),
    claim: vi.fn(async (key, lease) => {
      calls.push(`claim ${key.rowKey} ${lease.owner} ${lease.leaseMs}`);
      if (claim instanceof Error) throw claim;
      return claim;
    }),
    renew: vi.fn(async (key, lease) => void calls.push(`renew ${key.rowKey} ${lease.leaseMs}`)),
    markSent: vi.fn(async (key, owner, sid) => void calls.push(`markSent ${key.rowKey} ${owner} ${sid}`)),
    release: vi.fn(async (key, owner) => void calls.push(`release ${key.rowKey} ${owner}`)),
    close: vi.fn(async () => {}),
  };
  return { ledger, calls };
}

const runOf = (ledger: Ledger, leaseMs = 60_000): LedgerRun =>
  ledgerRun(ledger, { accountSid: 'AC1', runId: 'run-1', owner: 'me', leaseMs });

const message = { sid: 'SM1', status: 'queued', num_segments: '1' } as MessageResource;
const sent: LedgeredOutcome = {
  result: { status: 'sent', index: 4, attempts: 1, messageSid: 'SM9', twilioStatus: 'queued' },
};
const failed = (possiblySent: boolean): LedgeredOutcome => ({
  result: {
    status: 'failed',
    index: 4,
    attempts: 1,
    error: { code: 'server_error', message: 'x', retryable: false, possiblySent },
  },
});

describe('sendLedgered', () => {
  it('opens the ledger once per write, claims, sends and marks the row sent', async () => {
    const { ledger, calls } = fakeLedger();
    const run = runOf(ledger);
    const send = vi.fn(async () => sent);
    expect(await sendLedgered({ index: 4, rowKey: 'k', send, lookUp: undefined }, run)).toEqual(sent);
    await sendLedgered({ index: 5, rowKey: 'k2', send, lookUp: undefined }, run);
    expect(calls).toEqual([
      'open',
      'claim k me 60000',
      'markSent k me SM9',
      'claim k2 me 60000',
      'markSent k2 me SM9',
    ]);
  });

  it.each([
    [false, 'release k me'],
    [true, 'renew k 0'],
  ])('after a failure with possiblySent %s, records %s', async (possiblySent, call) => {
    const { ledger, calls } = fakeLedger();
    await sendLedgered(
      { index: 4, rowKey: 'k', send: async () => failed(possiblySent), lookUp: undefined },
      runOf(ledger),
    );
    expect(calls.at(-1)).toBe(call);
  });

  it('leaves a possibly sent row pending when ending its lease fails', async () => {
    const { ledger } = fakeLedger();
    ledger.renew = async () => {
      throw new Error('gone');
    };
    const outcome = await sendLedgered(
      { index: 4, rowKey: 'k', send: async () => failed(true), lookUp: undefined },
      runOf(ledger),
    );
    expect(outcome).toEqual(failed(true));
  });

  it('renews the claim before each retry, and rejects every later retry once a renewal failed', async () => {
    const { ledger, calls } = fakeLedger();
    let renewals = 0;
    ledger.renew = async (key, lease) => {
      calls.push(`renew ${key.rowKey} ${lease.leaseMs}`);
      if (++renewals === 2) throw 'lost it';
    };
    const seen: unknown[] = [];
    const attempt = (beforeRetry: () => Promise<void>) =>
      beforeRetry().then(
        () => 'renewed',
        (error: unknown) => error,
      );
    await sendLedgered(
      {
        index: 4,
        rowKey: 'k',
        send: async (beforeRetry) => {
          seen.push(await attempt(beforeRetry), await attempt(beforeRetry), await attempt(beforeRetry));
          return failed(false);
        },
        lookUp: undefined,
      },
      runOf(ledger),
    );
    expect(seen[0]).toBe('renewed');
    expect(seen[1]).toBeInstanceOf(LedgerUnavailableError);
    expect(seen[1]).toMatchObject({ ledger: 'Test ledger', message: 'lost it' });
    // The third does not ask the ledger again: the claim is lost.
    expect(seen[2]).toBe(seen[1]);
    expect(calls.filter((c) => c.startsWith('renew'))).toEqual(['renew k 60000', 'renew k 60000']);
  });

  it('fails the row ledger_error and ends the batch when the claim fails, without sending', async () => {
    const { ledger } = fakeLedger(
      new LedgerUnavailableError('Test ledger', 'Test ledger failed to claim: down'),
    );
    const send = vi.fn(async () => sent);
    const outcome = await sendLedgered({ index: 2, rowKey: 'k', send, lookUp: undefined }, runOf(ledger));
    expect(send).not.toHaveBeenCalled();
    expect(outcome.result).toEqual({
      status: 'failed',
      index: 2,
      attempts: 0,
      error: {
        code: 'ledger_error',
        message:
          'Row 2: not sent because the Test ledger could not be read or written (Test ledger failed to claim: down); send it again once it answers',
        retryable: true,
        possiblySent: false,
      },
    });
    expect(outcome.stop?.message).toMatch(/^Not sent: the batch stopped at row 2 because the Test ledger/);
  });

  it('names the ledger when a ledger of the user’s own throws something else', async () => {
    const { ledger } = fakeLedger();
    ledger.open = async () => {
      throw new TypeError('boom');
    };
    const outcome = await sendLedgered(
      { index: 0, rowKey: 'k', send: async () => sent, lookUp: undefined },
      runOf(ledger),
    );
    expect(outcome.result.status === 'failed' && outcome.result.error.message).toBe(
      'Row 0: not sent because the Test ledger could not be read or written (boom); send it again once it answers',
    );
  });

  it('keeps a created row sent when the ledger cannot record it, and keeps an earlier stop', async () => {
    const { ledger } = fakeLedger();
    ledger.markSent = async () => {
      throw new Error('disk full');
    };
    const own = await sendLedgered(
      { index: 4, rowKey: 'k', send: async () => sent, lookUp: undefined },
      runOf(ledger),
    );
    expect(own.result).toEqual(sent.result);
    expect(own.stop?.message).toContain('could not be read or written (disk full)');
    const stop = { code: 'auth_failed' as const, message: 'earlier', retryable: false };
    const kept = await sendLedgered(
      { index: 4, rowKey: 'k', send: async () => ({ ...sent, stop }), lookUp: undefined },
      runOf(ledger),
    );
    expect(kept).toEqual({ ...sent, stop });
  });

  it('settles a taken-over row with the duplicate check from the first attempt time', async () => {
    const { ledger, calls } = fakeLedger({ state: 'taken_over', firstAttemptAt: 1234 });
    const lookUp = vi.fn(async () => message);
    const send = vi.fn(async () => sent);
    const outcome = await sendLedgered({ index: 4, rowKey: 'k', send, lookUp }, runOf(ledger));
    expect(lookUp).toHaveBeenCalledWith(1234);
    expect(send).not.toHaveBeenCalled();
    expect(outcome.result).toEqual({
      status: 'sent',
      index: 4,
      attempts: 0,
      messageSid: 'SM1',
      twilioStatus: 'queued',
      segments: 1,
      recovered: true,
    });
    expect(calls.at(-1)).toBe('markSent k me SM1');
  });

  it('sends a taken-over row the duplicate check proves absent', async () => {
    const { ledger } = fakeLedger({ state: 'taken_over', firstAttemptAt: 1234 });
    const outcome = await sendLedgered(
      { index: 4, rowKey: 'k', send: async () => sent, lookUp: async () => undefined },
      runOf(ledger),
    );
    expect(outcome).toEqual(sent);
  });

  it.each([
    [new Error('HTTP 503'), 'HTTP 503'],
    ['plain', 'plain'],
  ])('leaves a taken-over row pending, retryable, when the check fails (%s)', async (thrown, reason) => {
    const { ledger, calls } = fakeLedger({ state: 'taken_over', firstAttemptAt: 1234 });
    const outcome = await sendLedgered(
      { index: 4, rowKey: 'k', send: async () => sent, lookUp: async () => Promise.reject(thrown) },
      runOf(ledger),
    );
    expect(outcome.result).toEqual({
      status: 'failed',
      index: 4,
      attempts: 0,
      error: {
        code: 'in_progress',
        message: `Row 4: not sent because an earlier worker of run "run-1" stopped while sending it, and the check for its message failed (${reason}); send it again later: the check runs again before anything is sent`,
        retryable: true,
        possiblySent: true,
      },
    });
    expect(calls.at(-1)).toBe('renew k 0');
  });
});

describe('RowClaim.keepAlive', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews every third of the lease until the row ends, and remembers a failed renewal', async () => {
    vi.useFakeTimers();
    const { ledger, calls } = fakeLedger();
    let renewals = 0;
    ledger.renew = async (key, lease) => {
      calls.push(`renew ${key.rowKey} ${lease.leaseMs}`);
      if (++renewals >= 3) throw new Error('lease lost');
    };
    const claim = new RowClaim(runOf(ledger, 30), 'k');
    claim.keepAlive();
    await vi.advanceTimersByTimeAsync(9);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['renew k 30']);
    await vi.advanceTimersByTimeAsync(20);
    expect(calls).toEqual(['renew k 30', 'renew k 30', 'renew k 30']);
    expect(claim.lost?.message).toBe('lease lost');
    // A lost claim is not renewed before a retry: the row ends.
    await expect(claim.renewNow()).rejects.toThrow('lease lost');
    await claim.end({ kind: 'unsent' });
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual(['renew k 30', 'renew k 30', 'renew k 30', 'release k me']);
  });
});

describe('checkRunId', () => {
  const { ledger } = fakeLedger();
  it.each([
    [undefined, undefined, []],
    [ledger, 'run-1', []],
    [ledger, undefined, ['missing_run_id']],
    [undefined, 'run-1', ['run_id_without_ledger']],
    [ledger, '', ['invalid_run_id']],
    [ledger, 42, ['invalid_run_id']],
    [ledger, 'x'.repeat(501), ['invalid_run_id']],
  ])('with ledger %#, run id %j: %j', (l, runId, codes) => {
    expect(checkRunId(l as Ledger | undefined, runId).map((issue) => issue.code)).toEqual(codes);
  });
});
