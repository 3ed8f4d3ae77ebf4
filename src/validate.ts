/**
 * The live checks behind `validateCredentials()` and `validateTargetSettings()`. Every outcome is data:
 * nothing here throws.
 */
import { oneOf } from './answer-fields.js';
import type { TwilioClient } from './client.js';
import { isApiKey } from './config/index.js';
import { TwilioApiError } from './errors.js';
import { describeCharacters } from './message.js';
import { prepareContentVariables, prepareTemplate } from './plan.js';
import type { SenderKind } from './recipient.js';
import { countSegments, smartEncodable } from './segments.js';
import { meaningOf, type RuleName } from './send/index.js';
import type {
  Credentials,
  CredentialsInfo,
  TargetSettingsInfo,
  ValidationIssue,
  ValidationResult,
} from './types.js';

/** Collects issues and facts while checking. */
export class Report<Info extends object = CredentialsInfo & TargetSettingsInfo> {
  readonly errors: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];
  readonly info: Info = {} as Info;

  error(field: string, code: string, message: string): void {
    this.errors.push({ field, code, message });
  }

  warn(field: string, code: string, message: string): void {
    this.warnings.push({ field, code, message });
  }

  result(): ValidationResult<Info> {
    return { ok: this.errors.length === 0, errors: this.errors, warnings: this.warnings, info: this.info };
  }
}

/** The failures that say Twilio could not be reached or read (answer.ts's rules), not what it answered. */
const UNREACHABLE: readonly RuleName[] = [
  'unreachable',
  'networkWritten',
  'aborted',
  'abortedWritten',
  'unreadable',
];

/** Why Twilio could not be reached or read, or `undefined` when it answered. */
function unreachable(error: unknown): string | undefined {
  return UNREACHABLE.includes(meaningOf(error).rule) ? errorText(error) : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const CONSOLE_HINT =
  'Copy the Account SID and Auth Token from the Twilio Console (console.twilio.com, Account info on the dashboard), or an API key SID and secret from Account > API keys & tokens';

/** Checks the credentials against Twilio (the format was checked before). */
export async function checkCredentials(
  client: TwilioClient,
  credentials: Credentials,
  report: Report,
): Promise<void> {
  const accountPath = `/2010-04-01/Accounts/${credentials.accountSid}`;
  const field = isApiKey(credentials) ? 'credentials.apiKeySid' : 'credentials.authToken';
  try {
    const { body } = await client.get<{ status?: unknown; type?: unknown }>('api', `${accountPath}.json`);
    // Copied into the report: kept only in Twilio's shapes.
    const status = oneOf(body.status, ['active', 'suspended', 'closed']);
    const type = oneOf(body.type, ['Full', 'Trial']);
    report.info.account = { status, type };
    if (status === 'suspended' || status === 'closed') {
      report.error(
        'credentials.accountSid',
        `account_${status}`,
        `The Twilio account ${credentials.accountSid} is ${status}: it cannot send messages. ${status === 'suspended' ? 'Resolve the suspension in the Twilio Console (billing or compliance) first' : 'Use an active account'}`,
      );
    } else if (type === 'Trial') {
      report.warn(
        'credentials.accountSid',
        'trial_account',
        'This is a Twilio trial account: it can only send to verified phone numbers (others fail with error 21608), and every message starts with a trial notice. Upgrade the account to reach everyone',
      );
    }
    return;
  } catch (error) {
    const why = unreachable(error);
    if (why !== undefined) {
      report.error(
        'credentials',
        'network_error',
        `Could not reach Twilio to check the credentials (${why}); check the network and try again`,
      );
      return;
    }
    const { rule } = meaningOf(error);
    if (isApiKey(credentials) && (rule === 'unauthorized' || rule === 'forbidden')) {
      // Standard and restricted API keys may not read /Accounts: check them on Messages instead.
      await checkApiKeyOnMessages(client, accountPath, report);
      return;
    }
    if (rule === 'unauthorized') {
      const code = error instanceof TwilioApiError ? error.twilioCode : undefined;
      report.error(
        field,
        'credentials_refused',
        `Twilio refused this Account SID and Auth Token pair (HTTP 401, error ${code ?? 20003}). ${CONSOLE_HINT}`,
      );
    } else if (rule === 'forbidden') {
      report.warn(
        field,
        'permission_limited',
        'The credentials authenticated, but may not read the account (HTTP 403), so its status and type could not be checked. Twilio test credentials answer 403 to every read: they cannot send real messages',
      );
    } else if (rule === 'notFound') {
      report.error(
        'credentials.accountSid',
        'account_not_found',
        `Twilio knows no account ${credentials.accountSid} for these credentials (HTTP 404). Check the Account SID`,
      );
    } else {
      report.error(
        'credentials',
        'twilio_error',
        `Twilio could not check the credentials (${errorText(error)}); try again later`,
      );
    }
  }
}

async function checkApiKeyOnMessages(
  client: TwilioClient,
  accountPath: string,
  report: Report,
): Promise<void> {
  try {
    await client.get('api', `${accountPath}/Messages.json?PageSize=1`);
    report.warn(
      'credentials.apiKeySid',
      'account_status_unknown',
      'The API key is valid, but it may not read the account, so the account status and type could not be checked',
    );
  } catch (error) {
    const why = unreachable(error);
    if (why !== undefined) {
      report.error(
        'credentials',
        'network_error',
        `Could not reach Twilio to check the API key (${why}); check the network and try again`,
      );
      return;
    }
    const { rule } = meaningOf(error);
    if (rule === 'forbidden') {
      report.warn(
        'credentials.apiKeySid',
        'permission_limited',
        'The API key authenticated but may not read messages (HTTP 403), so neither the account status nor its permission to send could be checked. A restricted key needs the Messages create permission',
      );
    } else if (rule === 'unauthorized') {
      report.error(
        'credentials.apiKeySid',
        'credentials_refused',
        `Twilio refused this API key SID and secret for account ${accountPath.split('/').pop()} (HTTP 401). ${CONSOLE_HINT}`,
      );
    } else {
      report.error(
        'credentials',
        'twilio_error',
        `Twilio could not check the API key (${errorText(error)}); try again later`,
      );
    }
  }
}

/** Checks with exactly one request that the sender belongs to the account. */
export async function checkSender(
  client: TwilioClient,
  accountSid: string,
  from: string,
  kind: SenderKind,
  report: Report,
): Promise<void> {
  if (kind !== 'messaging_service' && kind !== 'phone') {
    report.info.sender = { kind, from };
    report.warn(
      'settings.from',
      'sender_not_checked',
      `A ${kind.replace('_', ' ')} sender cannot be checked before sending; the first row will show whether Twilio accepts it`,
    );
    return;
  }
  try {
    if (kind === 'messaging_service') {
      const { body } = await client.get<{ friendly_name?: unknown }>('messaging', `/v1/Services/${from}`);
      const friendlyName = typeof body.friendly_name === 'string' ? client.redact(body.friendly_name) : null;
      report.info.sender = { kind, sid: from, friendlyName };
      return;
    }
    const { body } = await client.get<{ incoming_phone_numbers?: unknown }>(
      'api',
      `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(from)}`,
    );
    const numbers = Array.isArray(body.incoming_phone_numbers) ? body.incoming_phone_numbers : [];
    const owned = numbers.find((n: { phone_number?: unknown }) => n?.phone_number === from) as
      | { capabilities?: { sms?: boolean; mms?: boolean } }
      | undefined;
    if (owned === undefined) {
      report.error(
        'settings.from',
        'sender_not_owned',
        `${from} is not a phone number of account ${accountSid}: Twilio would answer error 21606 for every row. Use a number listed under Phone Numbers > Active numbers in the Twilio Console, or a Messaging Service SID`,
      );
      return;
    }
    report.info.sender = { kind, number: from, capabilities: owned.capabilities ?? null };
    if (owned.capabilities?.sms === false) {
      report.error(
        'settings.from',
        'sender_not_sms_capable',
        `${from} belongs to the account but cannot send SMS; choose an SMS-capable number`,
      );
    }
  } catch (error) {
    if (meaningOf(error).rule === 'notFound' && kind === 'messaging_service') {
      report.error(
        'settings.from',
        'sender_not_found',
        `Messaging Service ${from} does not exist in this account (HTTP 404): every row would fail. Check the SID under Messaging > Services in the Twilio Console`,
      );
      return;
    }
    const why = unreachable(error) ?? errorText(error);
    report.warn(
      'settings.from',
      'sender_unverified',
      `The sender could not be verified (${why}); sending may still work`,
    );
  }
}

/**
 * Checks the message text settings as far as they can be read, even when other settings are invalid: the
 * template (or the Content variables) compiles, and what every message will cost at least. Puts the
 * template's fields in `info.fields`; for a body template also `info.fixedTextLength`, and the encoding and
 * segments of the text outside sections, which every message contains (`info.fixedTextEncoding`,
 * `info.fixedTextSegments`). Never throws.
 */
export function checkMessageSettings(settings: Record<string, unknown> | undefined, report: Report): void {
  const source = settings?.['messageTemplate'];
  const variables = settings?.['contentVariables'];
  if (typeof source === 'string' && source.trim() !== '') {
    const { template, issues } = prepareTemplate(source);
    report.errors.push(...issues);
    if (template === undefined) return;
    report.info.fields = [...template.fields];
    report.info.fixedTextLength = template.fixedTextLength;
    const smartEncoded = settings?.['smartEncoded'] === true;
    const floor = countSegments(template.outerText, { smartEncoded });
    report.info.fixedTextEncoding = floor.encoding;
    report.info.fixedTextSegments = floor.segments;
    if (floor.encoding === 'UCS-2') {
      const replaceable = smartEncoded ? [] : smartEncodable(template.outerText);
      const advice =
        replaceable.length > 0
          ? `; set settings.smartEncoded to true to have Twilio replace ${describeCharacters(replaceable)} with GSM-7 look-alikes`
          : '';
      report.warn(
        'settings.messageTemplate',
        'template_ucs2',
        `The template's fixed text contains ${describeCharacters(floor.nonGsmCharacters)}, which GSM-7 cannot encode: every message will be sent as UCS-2, 70 characters per segment (67 once split) instead of 160 (153)${advice}`,
      );
    }
    const max = settings?.['maxSegments'];
    if (typeof max === 'number' && floor.segments > max) {
      report.warn(
        'settings.maxSegments',
        'template_exceeds_max_segments',
        `The template's text outside sections alone takes ${floor.segments} segments (${floor.encoding}), more than settings.maxSegments (${max}): every SMS row will fail with template_error (an MMS counts as one). Shorten the template or raise maxSegments`,
      );
    }
    return;
  }
  if (variables === null || typeof variables !== 'object' || settings?.['contentSid'] === undefined) return;
  // Values of the wrong type are the schema's to report; the others are compiled here.
  const texts = Object.fromEntries(
    Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const prepared = prepareContentVariables(texts);
  report.errors.push(...prepared.issues);
  const fields = prepared.variables.flatMap(([, template]) => template.fields);
  report.info.fields = [...new Set(fields)];
}
