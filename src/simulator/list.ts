/**
 * List endpoints: `GET …/Messages.json` (filters `To`, `From`, `DateSent`, `DateSent>`, `DateSent<`; newest
 * first) and `GET …/IncomingPhoneNumbers.json` (`PhoneNumber`), in Twilio's paging envelope.
 */
import { type Answer, first, type Params, twilioError } from './http.js';
import { incomingNumberJson, type TwilioMessage } from './resources.js';
import type { AccountState, MessageRecord, SimulatorState } from './state.js';

const DAY_MS = 86_400_000;
const FILTERS = ['To', 'From', 'DateSent', 'DateSent>', 'DateSent<'] as const;

/** A parsed `DateSent` value: a whole UTC day (`YYYY-MM-DD`), or an instant (a full date). */
interface DateValue {
  day: boolean;
  time: number;
}

/**
 * Parses a `DateSent` filter value. Twilio documents `YYYY-MM-DD` and also accepts full dates
 * (`2019-06-11 22:05:25.000`, `Wed, 19 Jun 2019 22:04:00 -0000`, ISO 8601); a date without a zone is GMT.
 */
export function parseDateSent(value: string): DateValue | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value);
  const text = day ? `${value}T00:00:00Z` : zoneless ? `${value.replace(' ', 'T')}Z` : value;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : { day, time };
}

/** The `[from, to)` range of send times a filter accepts. */
function range(operator: string, value: DateValue): [number, number] {
  const dayStart = Math.floor(value.time / DAY_MS) * DAY_MS;
  if (operator === 'DateSent') return [dayStart, dayStart + DAY_MS];
  if (operator === 'DateSent>') return [value.day ? dayStart : value.time, Number.POSITIVE_INFINITY];
  // `DateSent<` is "on or before": the whole day for a date, the instant itself for a full date.
  return [Number.NEGATIVE_INFINITY, value.day ? dayStart + DAY_MS : value.time + 1];
}

type Paging = { page: number; pageSize: number; token: string | undefined };

function paging(query: Params): Paging | Answer {
  const pageSize = Number(first(query, 'PageSize') ?? '50');
  const page = Number(first(query, 'Page') ?? '0');
  if (!Number.isInteger(pageSize) || pageSize < 1) return twilioError(400, 20001, 'Invalid PageSize');
  if (!Number.isInteger(page) || page < 0) return twilioError(400, 20001, 'Invalid Page');
  // Twilio caps PageSize at 1000 rather than refusing a larger one.
  return { page, pageSize: Math.min(pageSize, 1000), token: first(query, 'PageToken') };
}

/** Twilio's paging envelope around one page of `items`, whose `sid`s make the page tokens. */
function envelope<T extends { sid: unknown }>(
  key: string,
  items: readonly T[],
  path: string,
  filters: URLSearchParams,
  { page, pageSize, token }: Paging,
): Record<string, unknown> {
  // `PageToken=PA<sid>` continues after that item, so a page does not shift when new messages arrive.
  const after = token?.startsWith('PA') ? items.findIndex((item) => item.sid === token.slice(2)) : -1;
  const start = after >= 0 ? after + 1 : page * pageSize;
  const slice = items.slice(start, start + pageSize);
  const uri = (index: number, pageToken?: string) => {
    const query = new URLSearchParams(filters);
    query.set('PageSize', String(pageSize));
    query.set('Page', String(index));
    if (pageToken !== undefined) query.set('PageToken', pageToken);
    return `${path}?${query}`;
  };
  const last = slice.at(-1);
  const hasNext = last !== undefined && start + slice.length < items.length;
  return {
    [key]: slice,
    end: slice.length === 0 ? start : start + slice.length - 1,
    first_page_uri: uri(0),
    next_page_uri: hasNext ? uri(page + 1, `PA${last.sid}`) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uri(page - 1, `PB${slice[0]?.sid ?? ''}`) : null,
    start,
    uri: uri(page, token),
  };
}

/** `GET /2010-04-01/Accounts/{sid}/Messages.json`. */
export function listMessages(
  state: SimulatorState,
  account: AccountState,
  path: string,
  query: Params,
): Answer {
  const pages = paging(query);
  if ('status' in pages) return pages;
  const filters = new URLSearchParams();
  const tests: Array<(record: MessageRecord) => boolean> = [(record) => record.account === account];
  for (const name of FILTERS) {
    const value = first(query, name);
    if (value === undefined) continue;
    filters.set(name, value);
    if (name === 'To' || name === 'From') {
      const field = name === 'To' ? 'to' : 'from';
      tests.push((record) => record.resource[field] === value);
      continue;
    }
    const parsed = parseDateSent(value);
    if (parsed === undefined) return twilioError(400, 20001, `Invalid ${name}: ${value}`);
    const [from, to] = range(name, parsed);
    // A message not yet sent has no date_sent, and Twilio's DateSent filters never match it.
    tests.push((record) => record.sentAt !== undefined && record.sentAt >= from && record.sentAt < to);
  }
  const messages: TwilioMessage[] = [];
  for (let i = state.records.length - 1; i >= 0; i--) {
    const record = state.records[i] as MessageRecord;
    if (tests.every((test) => test(record))) messages.push(record.resource);
  }
  return { status: 200, body: envelope('messages', messages, path, filters, pages) };
}

/** `GET …/IncomingPhoneNumbers.json`; the `PhoneNumber` filter may be partial, with `*` as a wildcard. */
export function listIncomingNumbers(account: AccountState, path: string, query: Params): Answer {
  const pages = paging(query);
  if ('status' in pages) return pages;
  const filters = new URLSearchParams();
  const wanted = first(query, 'PhoneNumber');
  let numbers = account.numbers.filter((number) => number.startsWith('+'));
  if (wanted !== undefined) {
    filters.set('PhoneNumber', wanted);
    const pattern = new RegExp(
      wanted
        .replace(/[^\d*]/g, '')
        .split('*')
        .join('\\d*'),
    );
    numbers = numbers.filter((number) => pattern.test(number.slice(1)));
  }
  const items = numbers.map((number) => incomingNumberJson(account, number) as { sid: string });
  return { status: 200, body: envelope('incoming_phone_numbers', items, path, filters, pages) };
}
