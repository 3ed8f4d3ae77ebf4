/**
 * The schemas of the options (`new TwilioDestination(config, options)`) and of `preview()`'s options:
 * ranges, the https rule for base URLs, and the cross-field check of the retry delays.
 */
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Coordinator } from '../seams/coordinator.js';
import type { Ledger } from '../seams/ledger.js';
import { DEFAULT_RETRY } from './defaults.js';
import type { Progress } from './options.js';
import { fn, nonNegativeInt, text } from './zod-helpers.js';

/** Loopback hosts, where plain `http` cannot leak credentials off the machine. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const baseUrl = text(
  [
    (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
    'invalid_url',
    'must be an absolute http(s) URL such as https://api.twilio.com',
  ],
  [
    (v) => {
      const url = new URL(v);
      return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    },
    'invalid_url',
    'must not contain credentials, a query or a fragment',
  ],
);

/** The options, with every key optional. */
export const optionsSchema = z
  .strictObject({
    apiBaseUrl: baseUrl.optional(),
    messagingBaseUrl: baseUrl.optional(),
    allowInsecureHttp: z.boolean().optional(),
    retry: z
      .strictObject({
        retries: nonNegativeInt(20).optional(),
        minDelayMs: nonNegativeInt(3_600_000).optional(),
        maxDelayMs: nonNegativeInt(3_600_000).optional(),
        maxRetryAfterMs: nonNegativeInt(86_400_000).optional(),
      })
      .optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    segmentsPerSecond: z.number().positive().max(10_000).optional(),
    onProgress: fn<(progress: Progress) => void>().optional(),
    dispatcher: z
      .custom<Dispatcher>((v) => typeof (v as { dispatch?: unknown } | null)?.dispatch === 'function', {
        params: { code: 'invalid_type' },
        message: 'must be an undici Dispatcher (an Agent, Pool or Client)',
      })
      .optional(),
    duplicateCheck: z
      .union(
        [
          z.boolean(),
          z.strictObject({
            clockSkewMs: nonNegativeInt(3_600_000).optional(),
            pages: z.number().int().min(1).max(20).optional(),
            pageSize: z.number().int().min(1).max(1000).optional(),
            pauseMs: nonNegativeInt(60_000).optional(),
          }),
        ],
        { error: 'true, false or an object' },
      )
      .optional(),
    ledger: z
      .custom<Ledger>(
        (v) =>
          v !== null &&
          typeof v === 'object' &&
          ['open', 'claim', 'renew', 'markSent', 'release', 'close'].every(
            (method) => typeof (v as Record<string, unknown>)[method] === 'function',
          ),
        {
          params: { code: 'invalid_type' },
          message:
            'must be a Ledger (open, claim, renew, markSent, release and close), such as a SqliteLedger from twilio-destination/sqlite',
        },
      )
      .optional(),
    logger: z
      .custom<Logger>(
        (v) =>
          v !== null &&
          typeof v === 'object' &&
          ['debug', 'info', 'warn', 'error'].every(
            (level) => typeof (v as Record<string, unknown>)[level] === 'function',
          ),
        {
          params: { code: 'invalid_type' },
          message: 'must have debug, info, warn and error functions (console and pino do)',
        },
      )
      .optional(),
    sleep: fn<(ms: number, signal?: AbortSignal) => Promise<void>>().optional(),
    coordinator: z
      .custom<Coordinator>(
        (v) =>
          v !== null &&
          typeof v === 'object' &&
          typeof (v as Record<string, unknown>)['ready'] === 'function' &&
          typeof (v as Record<string, unknown>)['acquire'] === 'function',
        {
          params: { code: 'invalid_type' },
          message: 'must be a Coordinator (with ready and acquire functions), such as RedisCoordinator',
        },
      )
      .optional(),
    now: fn<() => number>().optional(),
    random: fn<() => number>().optional(),
  })
  .superRefine((value, ctx) => {
    for (const key of ['apiBaseUrl', 'messagingBaseUrl'] as const) {
      const url = value[key];
      if (url === undefined || value.allowInsecureHttp === true || !URL.canParse(url)) continue;
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            'must use https: plain http would send the credentials unencrypted (http is allowed only for loopback addresses, or with allowInsecureHttp: true for a staging server you trust)',
          params: { code: 'insecure_url' },
        });
      }
    }
    const min = value.retry?.minDelayMs ?? DEFAULT_RETRY.minDelayMs;
    const max = value.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
    if (max < min) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'maxDelayMs'],
        message: `must be at least retry.minDelayMs (${min})`,
        params: { code: 'out_of_range' },
      });
    }
    // No wait of the package is longer than retry.maxRetryAfterMs, pacing included: a rate whose every
    // segment waits longer would hang each row past the cap, so it is refused here, not capped (capping
    // would send faster than the sender's rate and fill its queue until Twilio answers 21611).
    const cap = value.retry?.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs;
    const rate = value.segmentsPerSecond;
    if (rate !== undefined && rate > 0 && 1000 / rate > cap) {
      ctx.addIssue({
        code: 'custom',
        path: ['segmentsPerSecond'],
        message: `must pace one segment at least every retry.maxRetryAfterMs (${cap} ms), the longest wait the package makes, but paces one every ${Math.ceil(1000 / rate)} ms: raise segmentsPerSecond to at least ${Math.ceil((1000 / Math.max(cap, 1)) * 1000) / 1000} or retry.maxRetryAfterMs to at least ${Math.ceil(1000 / rate)}`,
        params: { code: 'out_of_range' },
      });
    }
  });

/** `preview()`'s options. */
export const previewOptionsSchema = z.strictObject({
  warnAboveSegments: z.number().int().min(1).max(1600).optional(),
  mostExpensive: z.number().int().min(0).max(10_000).optional(),
  signal: z
    .custom<AbortSignal>((v) => v instanceof AbortSignal, {
      params: { code: 'invalid_type' },
      message: 'must be an AbortSignal',
    })
    .optional(),
  // Checked with the configuration (checkSyncMode), as `write` checks it.
  mode: z.unknown().optional(),
});
