import { describe, expect, it } from 'vitest';
import { CoordinatorUnavailableError } from '../../src/seams/coordinator.js';
import { LedgerUnavailableError } from '../../src/seams/ledger.js';

describe('seam errors', () => {
  it('names the coordinator that could not be reached and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new CoordinatorUnavailableError('Redis coordinator (127.0.0.1:6379)', 'no answer', {
      cause,
    });
    expect([error.name, error.coordinator, error.message, error.cause]).toEqual([
      'CoordinatorUnavailableError',
      'Redis coordinator (127.0.0.1:6379)',
      'no answer',
      cause,
    ]);
  });

  it('names the ledger that could not be written', () => {
    const error = new LedgerUnavailableError('SQLite ledger (/tmp/x.db)', 'disk full');
    expect([error.name, error.ledger, error.message, error.cause]).toEqual([
      'LedgerUnavailableError',
      'SQLite ledger (/tmp/x.db)',
      'disk full',
      undefined,
    ]);
  });
});
