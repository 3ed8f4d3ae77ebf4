/**
 * Validated settings → the `MessagePlan` every row of one write or preview is built with: the templates
 * compiled once, the sender classified, the send options resolved. The checks here need the compiled
 * templates, so they come after the configuration schema and before any row.
 */
import { MAX_BODY_LENGTH, type MessageContent, type MessagePlan } from './message.js';
import type { CountryCode } from './phone.js';
import { classifySender, type SenderKind } from './recipient.js';
import { type CompiledTemplate, compileTemplate } from './template/index.js';
import type { FieldMapping, TargetSettings, ValidationIssue } from './types.js';

/**
 * Compiles a template, or returns the issues that keep it from being used (syntax, partials, fixed text
 * over Twilio's 1,600 characters). `field` names the setting in the issues.
 *
 * @example
 * ```ts
 * const { template, issues } = prepareTemplate('Hi {{first_name}}');
 * ```
 */
export function prepareTemplate(
  source: string,
  field = 'settings.messageTemplate',
): { template?: CompiledTemplate; issues: ValidationIssue[] } {
  const compiled = compileTemplate(source);
  if (!compiled.ok) return { issues: [{ field, code: compiled.code, message: compiled.message }] };
  const { template } = compiled;
  if (template.fixedTextLength > MAX_BODY_LENGTH) {
    return {
      template,
      issues: [
        {
          field,
          code: 'template_too_long',
          message: `The template's fixed text alone is ${template.fixedTextLength} characters; Twilio accepts at most ${MAX_BODY_LENGTH} per message (error 21617). Shorten it`,
        },
      ],
    };
  }
  return { template, issues: [] };
}

/**
 * Compiles the Content variables' templates in Twilio's numeric order.
 *
 * @example
 * ```ts
 * const { variables } = prepareContentVariables({ '2': '{{order_id}}', '1': '{{first_name}}' });
 * variables.map(([number]) => number); // ['1', '2']
 * ```
 */
export function prepareContentVariables(variables: Readonly<Record<string, string>>): {
  variables: [string, CompiledTemplate][];
  issues: ValidationIssue[];
} {
  const compiled: [string, CompiledTemplate][] = [];
  const issues: ValidationIssue[] = [];
  const numbers = Object.keys(variables).sort((a, b) => Number(a) - Number(b));
  for (const number of numbers) {
    const prepared = prepareTemplate(variables[number] as string, `settings.contentVariables.${number}`);
    issues.push(...prepared.issues);
    if (prepared.template !== undefined) compiled.push([number, prepared.template]);
  }
  return { variables: compiled, issues };
}

/**
 * The plan for settings that passed the schema: compiles the template (or the Content variables) and
 * returns the issues that keep it from being used, as `write` reports them in its `ConfigError`.
 *
 * @example
 * ```ts
 * const { plan, issues } = preparePlan({ from: '+15551234567', messageTemplate: 'Hi {{name}}' }, {});
 * ```
 */
export function preparePlan(
  settings: TargetSettings,
  mapping: FieldMapping,
): { plan?: MessagePlan; issues: ValidationIssue[] } {
  let content: MessageContent | undefined;
  const issues: ValidationIssue[] = [];
  if (settings.contentSid !== undefined) {
    const prepared = prepareContentVariables(settings.contentVariables ?? {});
    issues.push(...prepared.issues);
    content = { kind: 'content', sid: settings.contentSid, variables: prepared.variables };
  } else {
    // The schema makes messageTemplate required when there is no contentSid.
    const prepared = prepareTemplate(settings.messageTemplate as string);
    issues.push(...prepared.issues);
    if (prepared.template !== undefined) content = { kind: 'template', template: prepared.template };
  }
  if (content === undefined || issues.length > 0) return { issues };
  const plan: MessagePlan = {
    from: settings.from,
    senderKind: classifySender(settings.from) as SenderKind,
    content,
    mapping,
    smartEncoded: settings.smartEncoded === true,
    shortenUrls: settings.shortenUrls === true,
  };
  if (settings.defaultCountry !== undefined) plan.defaultCountry = settings.defaultCountry as CountryCode;
  // The schema accepted it, so it is an http(s) URL; trimmed like a row's status_callback.
  if (settings.statusCallback !== undefined) plan.statusCallback = settings.statusCallback.trim();
  if (settings.validityPeriod !== undefined) plan.validityPeriod = settings.validityPeriod;
  if (settings.maxSegments !== undefined) plan.maxSegments = settings.maxSegments;
  return { plan, issues: [] };
}
