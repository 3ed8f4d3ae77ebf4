/**
 * What the sample data is meant to produce, row by row, and the check that a run produced exactly that:
 * the demo exits 0 only when it did, so a broken package cannot pass as a working demo.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  DELIVERY_OUTCOMES,
  type DeliveryOutcome,
  type Row,
  type RowErrorCode,
  type RowResult,
} from '../../src/index.js';
import type { RecordedRequest, TwilioMessage } from '../../src/simulator/index.js';

const ERROR_CODES = [
  'invalid_row',
  'template_error',
  'twilio_rejected',
  'auth_failed',
  'config_error',
  'rate_limited',
  'server_error',
  'network_error',
  'aborted',
] as const satisfies readonly RowErrorCode[];

const common = {
  /** The row's index in the CSV (0 = the first line after the header). */
  row: z.number().int().min(0),
  /** The row's `customer_id`, so that an edit which shifts the rows is caught. */
  customer_id: z.string(),
  /** What the row shows, for people reading the file. */
  case: z.string(),
  /** Create requests made for the row. */
  attempts: z.number().int().min(0),
};

const sentRow = z.strictObject({
  ...common,
  status: z.literal('sent'),
  /** `sms` for an `SM…` SID, `mms` for `MM…`. */
  kind: z.enum(['sms', 'mms']),
  segments: z.number().int().min(1),
  /** Media URLs Twilio received. @default 0 */
  media: z.number().int().min(1).max(10).optional(),
  /** The exact text the customer receives. */
  body: z.string(),
  /** The delivery outcome the message ends with, when the expectation says. */
  delivery: z.enum(DELIVERY_OUTCOMES as [DeliveryOutcome, ...DeliveryOutcome[]]).optional(),
});

const failedRow = z.strictObject({
  ...common,
  status: z.literal('failed'),
  code: z.enum(ERROR_CODES),
  /** Twilio's error code, when Twilio answered. */
  twilioCode: z.number().int().optional(),
});

const expectationSchema = z.strictObject({
  description: z.string(),
  rows: z.array(z.discriminatedUnion('status', [sentRow, failedRow])),
});

/** The parsed expectation file. */
export type Expectation = z.infer<typeof expectationSchema>;
/** What one row is meant to produce. */
export type ExpectedRow = Expectation['rows'][number];

/** Reads and checks an expectation file; throws with every problem when its shape is wrong. */
export async function loadExpectation(path: string): Promise<Expectation> {
  const parsed = expectationSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${path} is not a valid expectation file:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** What the run produced, as the demo saw it. */
export interface Outcome {
  rows: readonly Row[];
  results: readonly RowResult[];
  /** Every message the simulator created during the write, in creation order. */
  messages: readonly TwilioMessage[];
  /** Every create request (`POST …/Messages.json`) the simulator received during the write. */
  createRequests: readonly RecordedRequest[];
  /** Each sent message's delivery outcome, by Message SID, as `fetchStatuses` reported it. */
  deliveries?: ReadonlyMap<string, DeliveryOutcome>;
}

function describeExpected(expected: ExpectedRow): string {
  if (expected.status === 'sent') return `sent (${expected.kind}, ${expected.segments} segment(s))`;
  return `failed ${expected.code}${expected.twilioCode === undefined ? '' : ` ${expected.twilioCode}`}`;
}

function describeActual(result: RowResult, message: TwilioMessage | undefined): string {
  if (result.status === 'failed') {
    const { code, twilioCode } = result.error;
    return `failed ${code}${twilioCode === undefined ? '' : ` ${twilioCode}`}`;
  }
  const kind = result.messageSid.startsWith('MM') ? 'mms' : 'sms';
  return `sent (${kind}, ${result.segments ?? message?.num_segments ?? '?'} segment(s))`;
}

/** Every way row `expected.row` differs from what it should have produced; empty when it matches. */
function checkRow(
  expected: ExpectedRow,
  row: Row | undefined,
  result: RowResult | undefined,
  bySid: ReadonlyMap<string, TwilioMessage>,
  deliveries: ReadonlyMap<string, DeliveryOutcome> | undefined,
): string[] {
  const at = `row ${expected.row}`;
  if (row === undefined || result === undefined)
    return [`${at}: expected ${describeExpected(expected)}, but there is no such row`];
  const problems: string[] = [];
  if (row['customer_id'] !== expected.customer_id) {
    problems.push(
      `${at}: expected customer ${expected.customer_id}, but the CSV has ${String(row['customer_id'])}`,
    );
  }
  const message = result.status === 'sent' ? bySid.get(result.messageSid) : undefined;
  const mismatch = () =>
    `${at}: expected ${describeExpected(expected)}, got ${describeActual(result, message)}`;
  if (expected.status !== result.status) return [...problems, mismatch()];
  if (expected.status === 'failed' && result.status === 'failed') {
    if (expected.code !== result.error.code || expected.twilioCode !== result.error.twilioCode)
      problems.push(mismatch());
  }
  if (expected.status === 'sent' && result.status === 'sent') {
    const kind = result.messageSid.startsWith('MM') ? 'mms' : 'sms';
    if (kind !== expected.kind || result.segments !== expected.segments) problems.push(mismatch());
    if (message === undefined) {
      problems.push(`${at}: reported sent as ${result.messageSid}, but the simulator has no such message`);
    } else {
      if (message.body !== expected.body) {
        problems.push(
          `${at}: expected the text ${JSON.stringify(expected.body)}, Twilio got ${JSON.stringify(message.body)}`,
        );
      }
      if (Number(message.num_media) !== (expected.media ?? 0)) {
        problems.push(`${at}: expected ${expected.media ?? 0} media URL(s), Twilio got ${message.num_media}`);
      }
    }
    const delivery = deliveries?.get(result.messageSid);
    if (deliveries !== undefined && expected.delivery !== undefined && delivery !== expected.delivery) {
      problems.push(`${at}: expected delivery outcome ${expected.delivery}, got ${delivery ?? 'no answer'}`);
    }
  }
  if (result.attempts !== expected.attempts) {
    problems.push(`${at}: expected ${expected.attempts} attempt(s), got ${result.attempts}`);
  }
  return problems;
}

/**
 * Compares a run with the expectation, row by row, and checks what the simulator saw: one message per row
 * reported sent, SID for SID and in order (nothing lost, nothing doubled), and as many create requests as
 * the results count attempts. Returns every difference; empty when the run is exactly as meant.
 */
export function compareWithExpectation(expectation: Expectation, outcome: Outcome): string[] {
  const { rows, results, messages, createRequests } = outcome;
  const problems: string[] = [];
  if (expectation.rows.length !== rows.length) {
    problems.push(`the expectation describes ${expectation.rows.length} rows, the CSV has ${rows.length}`);
  }
  const bySid = new Map(messages.map((message) => [message.sid, message]));
  expectation.rows.forEach((expected, position) => {
    if (expected.row !== position)
      problems.push(`expectation entry ${position} is for row ${expected.row}: list the rows in order`);
    problems.push(
      ...checkRow(expected, rows[expected.row], results[expected.row], bySid, outcome.deliveries),
    );
  });
  const sentSids = results.flatMap((result) => (result.status === 'sent' ? [result.messageSid] : []));
  const createdSids = messages.map((message) => message.sid);
  if (sentSids.join() !== createdSids.join()) {
    problems.push(
      `the simulator created ${createdSids.length} message(s) but ${sentSids.length} row(s) were reported sent: they must match SID for SID`,
    );
  }
  const attempts = results.reduce((sum, result) => sum + result.attempts, 0);
  if (attempts !== createRequests.length) {
    problems.push(
      `the results count ${attempts} attempt(s), but the simulator received ${createRequests.length} create request(s)`,
    );
  }
  return problems;
}
