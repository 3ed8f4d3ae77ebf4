/**
 * Type-level checks, compiled by `npm run typecheck` (and run, trivially, by vitest): what an application
 * writes against the public types must compile without casts.
 */
import type { Agent, MockAgent } from 'undici';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  CredentialsInfo,
  DestinationOptions,
  PreviewStream,
  RowResult,
  SenderInfo,
  TargetSettingsInfo,
  TwilioDestination,
  ValidationResult,
} from '../src/index.js';

/** An application's own row type: an interface, which has no index signature. */
interface Customer {
  phone: string;
  first_name: string;
  order_id: number;
}

/** Never called: its body is checked by the compiler (a call would need a server). */
function rowsCompile(destination: TwilioDestination, customers: Customer[]): void {
  expectTypeOf(destination.write(customers)).toEqualTypeOf<Promise<RowResult[]>>();
  expectTypeOf(destination.stream(customers)).toEqualTypeOf<AsyncGenerator<RowResult>>();
  expectTypeOf(destination.previewStream(customers)).toEqualTypeOf<PreviewStream>();
  expectTypeOf(destination.write<Customer>)
    .parameter(0)
    .toEqualTypeOf<Iterable<Customer> | AsyncIterable<Customer>>();
  // Not a row: a string is no object.
  // @ts-expect-error rows must be objects
  void destination.write(['+14155550100']);
}

/** Never called, like `rowsCompile`. */
function validationCompiles(destination: TwilioDestination): void {
  expectTypeOf(destination.validateCredentials()).resolves.toEqualTypeOf<ValidationResult<CredentialsInfo>>();
  expectTypeOf(destination.validateTargetSettings()).resolves.toEqualTypeOf<
    ValidationResult<TargetSettingsInfo>
  >();
  expectTypeOf<CredentialsInfo['account']>().toEqualTypeOf<{ status: string; type: string } | undefined>();
  expectTypeOf<TargetSettingsInfo['fields']>().toEqualTypeOf<string[] | undefined>();
  expectTypeOf<TargetSettingsInfo['sender']>().toEqualTypeOf<SenderInfo | undefined>();
}

describe('public types', () => {
  it('accept rows of an interface type, and type each validation method info (checked at compile time)', () => {
    expectTypeOf(rowsCompile).toBeFunction();
    expectTypeOf(validationCompiles).toBeFunction();
  });

  it('accepts any dispatcher by its shape', () => {
    expectTypeOf<Agent>().toExtend<NonNullable<DestinationOptions['dispatcher']>>();
    expectTypeOf<MockAgent>().toExtend<NonNullable<DestinationOptions['dispatcher']>>();
    // Another copy of undici: a class of its own with the same two methods.
    class OtherUndiciAgent {
      dispatch(_options: { origin: string; path: string }, _handler: { onResponseStart?: () => void }) {
        return true;
      }
      async close(): Promise<void> {}
    }
    expectTypeOf<OtherUndiciAgent>().toExtend<NonNullable<DestinationOptions['dispatcher']>>();
  });

  it('is disposable with await using', () => {
    expectTypeOf<TwilioDestination>().toExtend<AsyncDisposable>();
  });
});
