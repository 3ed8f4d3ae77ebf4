/**
 * `TwilioDestination`, the public face of the package: it validates, composes the template, message
 * builder, client and sender, and does nothing else itself.
 */
import { Agent, type Dispatcher } from 'undici';
import { createClient, type TwilioClient } from './client.js';
import {
  type DestinationOptions,
  isApiKey,
  parseConfig,
  parseCredentials,
  parseOptions,
  parseSettings,
  type ResolvedConfig,
  type ResolvedOptions,
} from './config.js';
import { ConfigError } from './errors.js';
import { buildMessage, MAX_BODY_LENGTH, type MessagePlan } from './message.js';
import { classifySender, type SenderKind } from './recipient.js';
import { sendRows } from './sender.js';
import { type CompiledTemplate, compileTemplate } from './template.js';
import type {
  Credentials,
  DestinationConfig,
  Row,
  RowResult,
  ValidationIssue,
  ValidationResult,
  WriteOptions,
} from './types.js';
import { checkCredentials, checkSender, Report } from './validate.js';

/** Compiles the template, or returns the issues that keep it from being used. */
function prepareTemplate(source: string): { template?: CompiledTemplate; issues: ValidationIssue[] } {
  const compiled = compileTemplate(source);
  if (!compiled.ok) {
    return {
      issues: [{ field: 'settings.messageTemplate', code: compiled.code, message: compiled.message }],
    };
  }
  const { template } = compiled;
  if (template.fixedTextLength > MAX_BODY_LENGTH) {
    return {
      template,
      issues: [
        {
          field: 'settings.messageTemplate',
          code: 'template_too_long',
          message: `The template's fixed text alone is ${template.fixedTextLength} characters; Twilio accepts at most ${MAX_BODY_LENGTH} per message (error 21617). Shorten it`,
        },
      ],
    };
  }
  return { template, issues: [] };
}

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

  /** Keeps the configuration; does no I/O and never throws. Problems surface in validation and `write`. */
  constructor(config: DestinationConfig, options: DestinationOptions = {}) {
    this.#config = config;
    this.#options = options;
  }

  /** Checks the credentials' format, then asks Twilio whether they work. Never throws. */
  async validateCredentials(): Promise<ValidationResult> {
    const report = new Report();
    const credentials = parseCredentials(this.#part('credentials'));
    const options = parseOptions(this.#options);
    if (!credentials.ok) report.errors.push(...credentials.issues);
    if (!options.ok) report.errors.push(...options.issues);
    if (!credentials.ok || !options.ok) return report.result();
    await checkCredentials(this.#client(credentials.value, options.value), credentials.value, report);
    return report.result();
  }

  /** Checks the sender, template and mapping, and the sender live when the credentials allow it. Never throws. */
  async validateTargetSettings(): Promise<ValidationResult> {
    const report = new Report();
    const parsed = parseSettings(this.#part('settings'), this.#part('mapping'));
    if (!parsed.ok) report.errors.push(...parsed.issues);
    const settings = this.#part('settings') as Record<string, unknown> | undefined;
    const source = settings?.['messageTemplate'];
    if (typeof source === 'string' && source.trim() !== '') {
      const { template, issues } = prepareTemplate(source);
      report.errors.push(...issues);
      if (template) {
        report.info['fields'] = [...template.fields];
        report.info['fixedTextLength'] = template.fixedTextLength;
      }
    }
    const from = settings?.['from'];
    const kind = typeof from === 'string' ? classifySender(from) : undefined;
    const credentials = parseCredentials(this.#part('credentials'));
    const options = parseOptions(this.#options);
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
   * Throws `ConfigError` (before any request) when the configuration or options are invalid; never
   * throws because of a row.
   */
  async write(rows: Iterable<Row> | AsyncIterable<Row>, options: WriteOptions = {}): Promise<RowResult[]> {
    const { config, resolved, plan } = this.#prepare();
    const client = this.#client(config.credentials, resolved);
    const results: RowResult[] = [];
    const deps = {
      client,
      accountSid: config.credentials.accountSid,
      retry: resolved.retry,
      sleep: resolved.sleep,
      random: resolved.random,
      now: resolved.now,
      logger: resolved.logger,
      duplicateCheck: resolved.duplicateCheck,
    };
    for await (const result of sendRows(
      rows,
      (row, index) => buildMessage(row, index, plan),
      deps,
      options.signal,
    )) {
      results.push(result);
    }
    return results;
  }

  /** Closes the keep-alive connections this destination opened (not an injected dispatcher). */
  async close(): Promise<void> {
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher !== undefined && dispatcher !== this.#injectedDispatcher()) await dispatcher.close();
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

  /** Validates everything `write` needs, once per call; throws one `ConfigError` listing every problem. */
  #prepare(): { config: ResolvedConfig; resolved: ResolvedOptions; plan: MessagePlan } {
    const config = parseConfig(this.#config);
    const options = parseOptions(this.#options);
    const issues = [...(config.ok ? [] : config.issues), ...(options.ok ? [] : options.issues)];
    let template: CompiledTemplate | undefined;
    if (config.ok) {
      const prepared = prepareTemplate(config.value.settings.messageTemplate);
      template = prepared.template;
      issues.push(...prepared.issues);
    }
    if (!config.ok || !options.ok || template === undefined || issues.length > 0)
      throw new ConfigError(issues);
    const { settings, mapping } = config.value;
    const plan: MessagePlan = {
      from: settings.from,
      senderKind: classifySender(settings.from) as SenderKind,
      template,
      mapping,
    };
    return { config: config.value, resolved: options.value, plan };
  }

  #client(credentials: Credentials, options: ResolvedOptions): TwilioClient {
    // Rows go one at a time, so one keep-alive connection per origin. With more, a request dispatched just as
    // the previous answer ends can find that connection not yet free and open a second one.
    this.#dispatcher ??= options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 1 });
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
