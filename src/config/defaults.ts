/**
 * The options' defaults, in one place: what `parseOptions` fills in and what the README
 * promises. The send path reads the resolved options, never these directly.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DuplicateCheckPolicy, RetryPolicy, Sleep } from './options.js';

/** The default `sleep`: a timer that the abort signal cancels. */
export const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/** The retry defaults, as the README's options table gives them. */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  minDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** The duplicate check's defaults: 2 pages of 50, 30 s of clock skew, a 1 s pause before the second look. */
export const DEFAULT_DUPLICATE_CHECK: DuplicateCheckPolicy = {
  clockSkewMs: 30_000,
  pages: 2,
  pageSize: 50,
  pauseMs: 1000,
};

/** The scalar options' defaults. */
export const DEFAULT_OPTIONS = {
  apiBaseUrl: 'https://api.twilio.com',
  messagingBaseUrl: 'https://messaging.twilio.com',
  timeoutMs: 30_000,
  concurrency: 1,
} as const;

/** `preview()`'s defaults. */
export const DEFAULT_PREVIEW_OPTIONS = {
  warnAboveSegments: 3,
  mostExpensive: 10,
} as const;
