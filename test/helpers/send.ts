/**
 * Fakes and builders for the send path's own tests: a Twilio client answering from functions (no
 * sockets, no casts), and the context a write sends with, built from real parsed options.
 */
import type { ClientResponse, MessageResource, TwilioClient } from '../../src/client.js';
import { type DestinationOptions, parseOptions } from '../../src/config/index.js';
import { type Coordinator, InProcessCoordinator, type SendContext } from '../../src/send/index.js';
import { ACCOUNT_SID } from './twilio.js';

/** Answers one create: a message resource to return, or an error to throw. */
export type CreateAnswer = (form: URLSearchParams, n: number) => MessageResource | Promise<MessageResource>;
/** Answers one GET: the body to return, or an error to throw. */
export type GetAnswer = (path: string, n: number) => unknown;

/** A Twilio client whose answers come from functions; it records every request. */
export function fakeClient(answers: { create?: CreateAnswer; get?: GetAnswer }): TwilioClient & {
  creates: URLSearchParams[];
  gets: string[];
} {
  const creates: URLSearchParams[] = [];
  const gets: string[] = [];
  return {
    creates,
    gets,
    redact: (text: string) => text,
    async createMessage(_accountSid: string, form: string): Promise<ClientResponse<MessageResource>> {
      const params = new URLSearchParams(form);
      creates.push(params);
      if (answers.create === undefined) throw new Error('no create expected');
      return { status: 201, body: await answers.create(params, creates.length), requestId: undefined };
    },
    async get<T>(_base: 'api' | 'messaging', path: string): Promise<ClientResponse<T>> {
      gets.push(path);
      if (answers.get === undefined) throw new Error('no GET expected');
      return { status: 200, body: (await answers.get(path, gets.length)) as T, requestId: undefined };
    },
  };
}

/** The context of a write, from options as `parseOptions` resolves them (instant sleep by default). */
export function sendContext(
  client: TwilioClient,
  options: DestinationOptions = {},
  coordinator?: Coordinator,
): SendContext {
  const parsed = parseOptions({ sleep: async () => {}, ...options });
  if (!parsed.ok) throw new Error(parsed.issues.map((issue) => issue.message).join('; '));
  return {
    client,
    accountSid: ACCOUNT_SID,
    coordinator: coordinator ?? new InProcessCoordinator(parsed.value),
    options: parsed.value,
  };
}

/** A coordinator that records every acquire and release, delegating to `inner` (or failing as told). */
export function recordingCoordinator(
  inner: Coordinator = new InProcessCoordinator({ concurrency: 1, now: () => 0, sleep: async () => {} }),
  fail: { ready?: Error; acquireAt?: number; acquire?: Error } = {},
): Coordinator & { events: string[] } {
  const events: string[] = [];
  let acquires = 0;
  return {
    events,
    async ready(context) {
      events.push(`ready ${context.accountSid} ${context.requestTimeoutMs}`);
      if (fail.ready) throw fail.ready;
      await inner.ready(context);
    },
    async acquire(request) {
      acquires++;
      events.push(`acquire ${request.kind} ${request.sender} ${request.segments}`);
      if (fail.acquire && acquires >= (fail.acquireAt ?? 1)) throw fail.acquire;
      const permit = await inner.acquire(request);
      return {
        async release(end) {
          events.push(`release ${end.kind === 'queue_full' ? `queue_full ${end.pauseMs}` : end.kind}`);
          await permit.release(end);
        },
      };
    },
  };
}
