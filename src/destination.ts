/**
 * `TwilioDestination`, the public face of the package: it validates, composes the template, message
 * builder, client and sender, and does nothing else itself. Over 300 lines because it is the one public class:
 * its methods and their TSDoc read better together than spread over files.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Agent, type Dispatcher } from 'undici';
import { rowsIssues, writeOptionsIssues } from './call-arguments.js';
import type { CallbackReport } from './callbacks.js';
import { createClient, type TwilioClient } from './client.js';
import { columnIssues, firstRowColumns, recipientColumnIssue } from './columns.js';
import {
  type DestinationOptions,
  isApiKey,
  parseConfig,
  parseCredentials,
  parseOptions,
  parsePreviewOptions,
  parseSettings,
  type ResolvedConfig,
  type ResolvedOptions,
} from './config/index.js';
import {
  type FetchStatusesOptions,
  fetchStatuses,
  type StatusResult,
  type StatusSource,
} from './delivery/fetch-statuses.js';
import { ConfigError } from './errors.js';
import { type BuildResult, buildMessage, type MessagePlan } from './message.js';
import { preparePlan } from './plan.js';
import {
  emptySummary,
  type PreviewOptions,
  type PreviewResult,
  type PreviewRow,
  type PreviewStream,
  previewRows,
} from './preview.js';
import { classifySender } from './recipient.js';
import { createRedactor } from './redact.js';
import { InProcessCoordinator, sendRows } from './send/index.js';
import { RowKeys } from './send/row-key.js';
import { checkRunId, ledgerRun } from './send/row-ledger.js';
import { checkSyncMode } from './sync-modes.js';
import type {
  Credentials,
  CredentialsInfo,
  DestinationConfig,
  Row,
  RowError,
  RowResult,
  TargetSettingsInfo,
  ValidationIssue,
  ValidationResult,
  WriteOptions,
} from './types.js';
import { checkCredentials, checkMessageSettings, checkSender, Report } from './validate.js';

/**
 * A Twilio SMS/MMS destination: one message per row.
 *
 * @example
 * ```ts
 * const destination = new TwilioDestination({
 *   credentials: { accountSid: 'AC…', authToken: '…' },
 *   settings: { from: '+15551234567', messageTemplate: 'Hi {{first_name}}, your order {{order_id}} has shipped.' },
 *   mapping: { to: 'phone' },
 * });
 * const results = await destination.write(rows);
 * ```
 */
export class TwilioDestination {
  readonly #config: unknown;
  readonly #options: unknown;
  #dispatcher: Dispatcher | undefined;
  /** Whether a failure of the user's callbacks has been reported: once per destination, not per call. */
  readonly #callbackReport: CallbackReport = { reported: false };
  /** This worker's id in a ledger's claims: host, process and this destination. */
  readonly #owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  /** Keeps the configuration; does no I/O and never throws. Problems surface in validation and `write`. */
  constructor(config: DestinationConfig, options: DestinationOptions = {}) {
    this.#config = config;
    this.#options = options;
  }

  /** Checks the credentials' format, then asks Twilio whether they work. Never throws. */
  async validateCredentials(): Promise<ValidationResult<CredentialsInfo>> {
    const report = new Report();
    const credentials = parseCredentials(this.#part('credentials'));
    const options = parseOptions(this.#options, this.#callbackReport);
    if (!credentials.ok) report.errors.push(...credentials.issues);
    if (!options.ok) report.errors.push(...options.issues);
    if (!credentials.ok || !options.ok) return report.result();
    await checkCredentials(this.#client(credentials.value, options.value), credentials.value, report);
    return report.result();
  }

  /** Checks the sender, template and mapping, and the sender live when the credentials allow it. Never throws. */
  async validateTargetSettings(): Promise<ValidationResult<TargetSettingsInfo>> {
    const report = new Report();
    const parsed = parseSettings(this.#part('settings'), this.#part('mapping'));
    if (!parsed.ok) report.errors.push(...parsed.issues);
    const settings = this.#part('settings') as Record<string, unknown> | undefined;
    checkMessageSettings(settings, report);
    const from = settings?.['from'];
    const kind = typeof from === 'string' ? classifySender(from) : undefined;
    const credentials = parseCredentials(this.#part('credentials'));
    const options = parseOptions(this.#options, this.#callbackReport);
    if (!options.ok) report.errors.push(...options.issues);
    if (kind !== undefined && credentials.ok && options.ok) {
      await checkSender(
        this.#client(credentials.value, options.value),
        credentials.value.accountSid,
        from as string,
        kind,
        report,
      );
    }
    return report.result();
  }

  /**
   * Sends one message per row, in order, and returns exactly one result per row, in input order.
   * Throws (rejects with) `ConfigError` (before any request) when the configuration, options or call
   * arguments are invalid (`rows` not an iterable or async iterable, `options.signal` not an AbortSignal), or
   * when `options.mode` is not `insert` (Twilio messages are append-only); never throws because of a row.
   */
  async write<T extends object = Row>(
    rows: Iterable<T> | AsyncIterable<T>,
    options: WriteOptions = {},
  ): Promise<RowResult[]> {
    const results: RowResult[] = [];
    for await (const result of this.stream(rows, options)) results.push(result);
    return results;
  }

  /**
   * Like `write`, but yields each `RowResult` as soon as it and every row before it are done, and pulls the
   * next row only when it can be sent, so memory stays flat however many rows come. Throws `ConfigError`
   * at the call, before any request, when the configuration, options or call arguments are invalid.
   *
   * @example
   * ```ts
   * for await (const result of destination.stream(rowsFromWarehouse(), { signal })) save(result);
   * ```
   */
  stream<T extends object = Row>(
    rows: Iterable<T> | AsyncIterable<T>,
    options: WriteOptions = {},
  ): AsyncGenerator<RowResult> {
    const optionIssues = writeOptionsIssues(options);
    const { config, resolved, plan } = this.#prepare([
      ...rowsIssues(rows),
      ...optionIssues,
      ...(optionIssues.length === 0 ? checkSyncMode(options.mode) : []),
    ]);
    const runIssues = checkRunId(resolved.ledger, options.runId);
    if (runIssues.length > 0) throw new ConfigError(runIssues);
    const { ledger } = resolved;
    const context = {
      client: this.#client(config.credentials, resolved),
      accountSid: config.credentials.accountSid,
      // The default budget is this write's own, as if the write were alone on the account.
      coordinator: resolved.coordinator ?? new InProcessCoordinator(resolved),
      options: resolved,
      ledger:
        ledger &&
        ledgerRun(ledger, {
          accountSid: config.credentials.accountSid,
          runId: options.runId as string,
          owner: this.#owner,
          leaseMs: ledger.leaseMs ?? resolved.timeoutMs + 5000,
        }),
    };
    // A first row without the recipient's column means the mapping (or the file) is wrong for every row:
    // each row then fails `config_error` with that one message, and no request is made.
    let wrongColumns: RowError | undefined;
    const build = (row: unknown, index: number): BuildResult => {
      const columns = index === 0 ? firstRowColumns(row) : undefined;
      if (columns !== undefined) {
        const issue = recipientColumnIssue(columns, plan);
        if (issue !== undefined)
          wrongColumns = { code: 'config_error', message: issue.message, retryable: false };
      }
      return wrongColumns === undefined ? buildMessage(row, index, plan) : { ok: false, error: wrongColumns };
    };
    if (ledger === undefined) return sendRows(rows, build, context, options.signal);
    // With a ledger, every row carries its key (and a key seen earlier in this write is refused).
    const keys = new RowKeys(plan.mapping.key);
    return sendRows(rows, (row, index) => keys.key(row, build(row, index), index), context, options.signal);
  }

  /**
   * A dry run: does everything `write` does except the request, and makes none, so it needs no
   * credentials. Returns one entry per row, in input order (the exact message with its encoding, segments
   * and warnings, or the very `RowError` that `write` would report), and a summary. Throws (rejects with)
   * `ConfigError` when `write` would, when the preview options are invalid, or when the first row lacks
   * the recipient's column. Holds every row: for large batches use `previewStream`.
   *
   * @example
   * ```ts
   * const { rows, summary } = await destination.preview(rowsFromWarehouse());
   * console.log(`${summary.ready} ready, ${summary.segments} segments, ${summary.encodings['UCS-2']} UCS-2`);
   * ```
   */
  async preview<T extends object = Row>(
    rows: Iterable<T> | AsyncIterable<T>,
    options: PreviewOptions = {},
  ): Promise<PreviewResult> {
    const stream = this.previewStream(rows, options);
    const previewed: PreviewRow[] = [];
    for await (const row of stream) previewed.push(row);
    return { rows: previewed, summary: stream.summary };
  }

  /**
   * The streaming dry run: yields each preview row as it is built and counts it into `summary`, which is
   * the whole batch's once iteration has ended; memory holds one row however many come. Throws
   * `ConfigError` at the call when `write` would or the options are invalid, and from the iteration when
   * the first row lacks the recipient's column. Needs no credentials.
   *
   * @example
   * ```ts
   * const preview = destination.previewStream(rowsFromWarehouse());
   * for await (const row of preview) if (row.status === 'failed') console.log(row.error.message);
   * console.log(`${preview.summary.ready} ready, ${preview.summary.segments} segments`);
   * ```
   */
  previewStream<T extends object = Row>(
    rows: Iterable<T> | AsyncIterable<T>,
    options: PreviewOptions = {},
  ): PreviewStream {
    const parsed = parsePreviewOptions(options);
    if (!parsed.ok) throw new ConfigError([...rowsIssues(rows), ...parsed.issues]);
    const plan = this.#preparePreview([...rowsIssues(rows), ...checkSyncMode(options.mode)]);
    const summary = emptySummary();
    const iterator = previewRows(rows, plan, parsed.value, summary, this.#redactor());
    return { summary, [Symbol.asyncIterator]: () => iterator };
  }

  /**
   * What the configuration reads that `columns` (a file's header, say) lacks: the recipient's column, the
   * other mapped columns, and the template's placeholders. `[]` when every one is there. Throws
   * `ConfigError` when the configuration itself is invalid (as `preview` would). Needs no credentials.
   *
   * @example
   * ```ts
   * destination.checkColumns(['mobile', 'first_name']);
   * // [{ field: 'mapping.to', code: 'missing_column', message: 'The rows have no column "phone", … Their columns: "mobile", "first_name"' }]
   * ```
   */
  checkColumns(columns: readonly string[]): ValidationIssue[] {
    return columnIssues(columns, this.#preparePreview([]));
  }

  /**
   * Asks Twilio where each message stands now: one `GET …/Messages/{Sid}.json` per Message SID (or per
   * `sent` result of `write`; failed rows are skipped), retried like sending, at most `concurrency` at a
   * time (by default, and at most, the destination's `concurrency` option: its connection pool), halved
   * after a 429 and climbing back as sending does. Yields one {@link StatusResult} per message, in input order: its status and
   * delivery outcome, `not_found` for a SID Twilio does not know (never a throw), or `failed` when the
   * look-up itself failed. Throws `ConfigError` at the call when the credentials or options are invalid.
   *
   * @example
   * ```ts
   * for await (const s of destination.fetchStatuses(results)) if (s.kind === 'found') save(s.messageSid, s.outcome);
   * ```
   */
  fetchStatuses(
    messages: Iterable<StatusSource> | AsyncIterable<StatusSource>,
    options: FetchStatusesOptions = {},
  ): AsyncGenerator<StatusResult> {
    const credentials = parseCredentials(this.#part('credentials'));
    const parsed = parseOptions(this.#options, this.#callbackReport);
    const concurrency = options.concurrency;
    const issues = [...(credentials.ok ? [] : credentials.issues), ...(parsed.ok ? [] : parsed.issues)];
    if (
      concurrency !== undefined &&
      !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 100)
    ) {
      issues.push({
        field: 'fetchStatuses.concurrency',
        code: 'invalid_concurrency',
        message: 'must be a whole number from 1 to 100',
      });
    }
    if (!credentials.ok || !parsed.ok || issues.length > 0) throw new ConfigError(issues);
    const resolved = parsed.value;
    const deps = {
      client: this.#client(credentials.value, resolved),
      accountSid: credentials.value.accountSid,
      retry: resolved.retry,
      sleep: resolved.sleep,
      random: resolved.random,
      requestTimeoutMs: resolved.timeoutMs,
      // A shared coordinator (Redis) counts the look-ups against the account's budget too.
      coordinator: resolved.coordinator,
    };
    // Its own connection pool holds `concurrency` connections: more look-ups at once would only queue.
    const most = resolved.dispatcher === undefined ? resolved.concurrency : 100;
    return fetchStatuses(messages, deps, {
      signal: options.signal,
      concurrency: Math.min(concurrency ?? resolved.concurrency, most),
    });
  }

  /** Closes the keep-alive connections this destination opened (not an injected dispatcher). */
  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher !== undefined && dispatcher !== this.#injectedDispatcher()) await dispatcher.close();
  }

  /** `await using destination = new TwilioDestination(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #part(key: 'credentials' | 'settings' | 'mapping'): unknown {
    const config = this.#config;
    return config !== null && typeof config === 'object'
      ? (config as Record<string, unknown>)[key]
      : undefined;
  }

  #injectedDispatcher(): unknown {
    const options = this.#options as { dispatcher?: unknown } | null | undefined;
    return options?.dispatcher;
  }

  /**
   * Validates everything `write` needs, once per call; throws one `ConfigError` listing every problem,
   * `callIssues` (the call's own, such as its sync mode) included.
   */
  #prepare(callIssues: ValidationIssue[]): {
    config: ResolvedConfig;
    resolved: ResolvedOptions;
    plan: MessagePlan;
  } {
    const config = parseConfig(this.#config);
    const options = parseOptions(this.#options, this.#callbackReport);
    const issues = [
      ...(config.ok ? [] : config.issues),
      ...(options.ok ? [] : options.issues),
      ...callIssues,
    ];
    let plan: MessagePlan | undefined;
    if (config.ok) {
      const prepared = preparePlan(config.value.settings, config.value.mapping);
      plan = prepared.plan;
      issues.push(...prepared.issues);
    }
    if (!config.ok || !options.ok || plan === undefined || issues.length > 0) throw new ConfigError(issues);
    return { config: config.value, resolved: options.value, plan };
  }

  /** What `preview` needs: the settings, mapping and options, without credentials. */
  #preparePreview(callIssues: ValidationIssue[]): MessagePlan {
    const parsed = parseSettings(this.#part('settings'), this.#part('mapping'));
    const options = parseOptions(this.#options, this.#callbackReport);
    const issues = [
      ...(parsed.ok ? [] : parsed.issues),
      ...(options.ok ? [] : options.issues),
      ...callIssues,
    ];
    let plan: MessagePlan | undefined;
    if (parsed.ok) {
      const prepared = preparePlan(parsed.value.settings, parsed.value.mapping);
      plan = prepared.plan;
      issues.push(...prepared.issues);
    }
    if (plan === undefined || issues.length > 0) throw new ConfigError(issues);
    return plan;
  }

  /**
   * Redacts the configured credentials from text, for a preview (which needs none: without valid ones,
   * `undefined`, there is nothing to redact).
   */
  #redactor(): ((text: string) => string) | undefined {
    const credentials = parseCredentials(this.#part('credentials'));
    if (!credentials.ok) return undefined;
    const { value } = credentials;
    return isApiKey(value)
      ? createRedactor(value.apiKeySid, value.apiKeySecret)
      : createRedactor(value.accountSid, value.authToken);
  }

  #client(credentials: Credentials, options: ResolvedOptions): TwilioClient {
    // One keep-alive connection per request in flight. With more, a request dispatched just as the previous
    // answer ends can find its connection not yet free and open another. undici's own headers and body
    // timers are off: `timeoutMs` already bounds the whole request, and undici's sit in its timer list until
    // its next 500 ms tick, long enough to be promoted to V8's old generation at thousands of requests a second.
    this.#dispatcher ??=
      (options.dispatcher as Dispatcher | undefined) ??
      new Agent({
        keepAliveTimeout: 30_000,
        connections: options.concurrency,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    return createClient({
      apiBaseUrl: options.apiBaseUrl,
      messagingBaseUrl: options.messagingBaseUrl,
      username: isApiKey(credentials) ? credentials.apiKeySid : credentials.accountSid,
      password: isApiKey(credentials) ? credentials.apiKeySecret : credentials.authToken,
      timeoutMs: options.timeoutMs,
      dispatcher: this.#dispatcher,
      now: options.now,
      logger: options.logger,
    });
  }
}
