import { describe, expect, it } from 'vitest';
import { prepareContentVariables, preparePlan, prepareTemplate } from '../src/plan.js';
import type { TargetSettings } from '../src/types.js';
import { FROM, MG_SID } from './helpers/twilio.js';

const CONTENT_SID = `HX${'d4'.repeat(16)}`;

describe('prepareTemplate', () => {
  it.each<[string, string, string, string[]]>([
    ['a template that does not compile', 'Hi {{#a}}', 'settings.messageTemplate', ['template_syntax']],
    ['a partial', '{{> footer}}', 'settings.messageTemplate', ['template_partial']],
    [
      'sections nested too deep',
      `${'{{#a}}'.repeat(33)}${'{{/a}}'.repeat(33)}`,
      'settings.messageTemplate',
      ['template_too_deep'],
    ],
    [
      'fixed text over 1,600 characters',
      `${'x'.repeat(1601)}{{a}}`,
      'settings.messageTemplate',
      ['template_too_long'],
    ],
    ['a template that is fine', 'Hi {{a}}', 'settings.messageTemplate', []],
  ])('reports %s', (_name, source, field, codes) => {
    const { issues } = prepareTemplate(source);
    expect(issues.map((issue) => [issue.field, issue.code])).toEqual(codes.map((code) => [field, code]));
  });

  it('names the setting it was given in the issues and says how long the fixed text is', () => {
    expect(prepareTemplate('x'.repeat(1700), 'settings.contentVariables.1').issues).toEqual([
      {
        field: 'settings.contentVariables.1',
        code: 'template_too_long',
        message:
          "The template's fixed text alone is 1700 characters; Twilio accepts at most 1600 per message (error 21617). Shorten it",
      },
    ]);
  });

  it('keeps a template of exactly 1,600 characters of fixed text', () => {
    const { template, issues } = prepareTemplate('x'.repeat(1600));
    expect([template?.fixedTextLength, issues]).toEqual([1600, []]);
  });
});

describe('prepareContentVariables', () => {
  it('compiles the variables in numeric order, not key order', () => {
    const { variables, issues } = prepareContentVariables({ '10': '{{c}}', '2': '{{b}}', '1': '{{a}}' });
    expect(issues).toEqual([]);
    expect(variables.map(([number, template]) => [number, template.fields])).toEqual([
      ['1', ['a']],
      ['2', ['b']],
      ['10', ['c']],
    ]);
  });

  it('reports every variable that does not compile, naming it, and keeps the others', () => {
    const { variables, issues } = prepareContentVariables({ '1': '{{a', '2': '{{b}}', '3': '{{> p}}' });
    expect(variables.map(([number]) => number)).toEqual(['2']);
    expect(issues.map((issue) => [issue.field, issue.code])).toEqual([
      ['settings.contentVariables.1', 'template_syntax'],
      ['settings.contentVariables.3', 'template_partial'],
    ]);
  });
});

describe('preparePlan', () => {
  it.each<[string, TargetSettings, Record<string, unknown>]>([
    [
      'a phone sender with the default options',
      { from: FROM, messageTemplate: 'Hi' },
      { from: FROM, senderKind: 'phone', smartEncoded: false, shortenUrls: false },
    ],
    [
      'a Messaging Service with every send option',
      {
        from: MG_SID,
        messageTemplate: 'Hi',
        defaultCountry: 'GB',
        statusCallback: '  https://hooks.example.com/s  ',
        validityPeriod: 60,
        maxSegments: 2,
        smartEncoded: true,
        shortenUrls: true,
      },
      {
        from: MG_SID,
        senderKind: 'messaging_service',
        defaultCountry: 'GB',
        statusCallback: 'https://hooks.example.com/s',
        validityPeriod: 60,
        maxSegments: 2,
        smartEncoded: true,
        shortenUrls: true,
      },
    ],
  ])('plans %s', (_name, settings, expected) => {
    const { plan, issues } = preparePlan(settings, { to: 'phone' });
    expect(issues).toEqual([]);
    const { content, ...rest } = plan ?? {};
    expect(rest).toEqual({ ...expected, mapping: { to: 'phone' } });
    expect(content).toMatchObject({ kind: 'template', template: { source: 'Hi' } });
  });

  it('plans a Content template with its variables compiled', () => {
    const { plan } = preparePlan(
      { from: FROM, contentSid: CONTENT_SID, contentVariables: { '1': '{{a}}' } },
      {},
    );
    expect(plan?.content).toMatchObject({
      kind: 'content',
      sid: CONTENT_SID,
      variables: [['1', { fields: ['a'] }]],
    });
  });

  it.each<[string, TargetSettings, string[]]>([
    ['a template that does not compile', { from: FROM, messageTemplate: '{{#a}}' }, ['template_syntax']],
    [
      'Content variables that do not compile',
      { from: FROM, contentSid: CONTENT_SID, contentVariables: { '1': '{{a', '2': '{{/b}}' } },
      ['template_syntax', 'template_syntax'],
    ],
  ])('returns no plan for %s, only the issues', (_name, settings, codes) => {
    const { plan, issues } = preparePlan(settings, {});
    expect(plan).toBeUndefined();
    expect(issues.map((issue) => issue.code)).toEqual(codes);
  });
});
