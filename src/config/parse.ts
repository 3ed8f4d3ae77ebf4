/**
 * Validation entry points: each parses one part of the input with its schema, turns any problem into
 * `ValidationIssue`s, and fills in the defaults, so that the rest of the package reads a resolved value.
 */

import type { z } from 'zod';
import { type CallbackReport, containCallbacks } from '../callbacks.js';
import type { PreviewOptions, ResolvedPreviewOptions } from '../preview.js';
import type { Credentials, FieldMapping, TargetSettings, ValidationIssue } from '../types.js';
import {
  DEFAULT_DUPLICATE_CHECK,
  DEFAULT_OPTIONS,
  DEFAULT_PREVIEW_OPTIONS,
  DEFAULT_RETRY,
  defaultSleep,
} from './defaults.js';
import { toIssues } from './issues.js';
import type { DuplicateCheckPolicy, ResolvedOptions, RetryPolicy } from './options.js';
import { optionsSchema, previewOptionsSchema } from './options-schema.js';
import { configSchema, credentialsSchema, mappingSchema, settingsSchema } from './schemas.js';

/** A validated configuration. */
export interface ResolvedConfig {
  credentials: Credentials;
  settings: TargetSettings;
  mapping: FieldMapping;
}

/** A parsed value, or every problem found in it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

function parse<T>(schema: z.ZodType, input: unknown, prefix: string): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data as T };
  return { ok: false, issues: toIssues(result.error, input, prefix, schema) };
}

/** Validates the whole first argument. */
export function parseConfig(input: unknown): Parsed<ResolvedConfig> {
  const parsed = parse<z.infer<ReturnType<typeof configSchema>>>(configSchema(input), input, '');
  if (!parsed.ok) return parsed;
  const { credentials, settings, mapping } = parsed.value;
  return {
    ok: true,
    value: {
      credentials: credentials as Credentials,
      settings: settings as TargetSettings,
      mapping: (mapping ?? {}) as FieldMapping,
    },
  };
}

/** Validates `credentials` alone (for `validateCredentials()`). */
export function parseCredentials(input: unknown): Parsed<Credentials> {
  return parse<Credentials>(credentialsSchema, input, 'credentials');
}

/** Validates `settings` and `mapping` (for `validateTargetSettings()`). */
export function parseSettings(
  settings: unknown,
  mapping: unknown,
): Parsed<{ settings: TargetSettings; mapping: FieldMapping }> {
  const a = parse<TargetSettings>(settingsSchema(settings), settings, 'settings');
  const b =
    mapping === undefined
      ? ({ ok: true, value: {} } as const)
      : parse<FieldMapping>(mappingSchema, mapping, 'mapping');
  if (a.ok && b.ok) return { ok: true, value: { settings: a.value, mapping: b.value } };
  return { ok: false, issues: [...(a.ok ? [] : a.issues), ...(b.ok ? [] : b.issues)] };
}

/** Validates `preview()`'s options and fills in the defaults. */
export function parsePreviewOptions(input: unknown): Parsed<ResolvedPreviewOptions> {
  const parsed = parse<PreviewOptions>(previewOptionsSchema, input ?? {}, 'previewOptions');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  return {
    ok: true,
    value: {
      warnAboveSegments: o.warnAboveSegments ?? DEFAULT_PREVIEW_OPTIONS.warnAboveSegments,
      mostExpensive: o.mostExpensive ?? DEFAULT_PREVIEW_OPTIONS.mostExpensive,
      signal: o.signal,
    },
  };
}

/**
 * Validates the options and fills in the defaults. `callbackReport` is the destination's, so that a failing
 * callback is reported once per destination, not once per call.
 */
export function parseOptions(
  input: unknown,
  callbackReport: CallbackReport = { reported: false },
): Parsed<ResolvedOptions> {
  const parsed = parse<z.infer<typeof optionsSchema>>(optionsSchema, input ?? {}, 'options');
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  // The user's code is wrapped once, here: nothing it throws or rejects can reach the send path.
  const callbacks = containCallbacks({ logger: o.logger, onProgress: o.onProgress }, callbackReport);
  return {
    ok: true,
    value: {
      apiBaseUrl: o.apiBaseUrl ?? DEFAULT_OPTIONS.apiBaseUrl,
      messagingBaseUrl: o.messagingBaseUrl ?? DEFAULT_OPTIONS.messagingBaseUrl,
      retry: { ...DEFAULT_RETRY, ...stripUndefined(o.retry ?? {}) } as RetryPolicy,
      timeoutMs: o.timeoutMs ?? DEFAULT_OPTIONS.timeoutMs,
      concurrency: o.concurrency ?? DEFAULT_OPTIONS.concurrency,
      segmentsPerSecond: o.segmentsPerSecond,
      onProgress: callbacks.onProgress,
      dispatcher: o.dispatcher,
      duplicateCheck:
        o.duplicateCheck === false
          ? undefined
          : ({
              ...DEFAULT_DUPLICATE_CHECK,
              ...(o.duplicateCheck === true ? {} : stripUndefined(o.duplicateCheck ?? {})),
            } as DuplicateCheckPolicy),
      ledger: o.ledger,
      logger: callbacks.logger,
      sleep: o.sleep ?? defaultSleep,
      coordinator: o.coordinator,
      now: o.now ?? Date.now,
      random: o.random ?? Math.random,
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `true` when the credentials are an API key rather than an Auth Token. */
export function isApiKey(
  credentials: Credentials,
): credentials is Extract<Credentials, { apiKeySid: string }> {
  return 'apiKeySid' in credentials && typeof credentials.apiKeySid === 'string';
}
