/**
 * The errors RpsTransport raises for what the service refused, each with the cause in the message and the fix in the
 * remedy (reference §3.1, §3.2, §3.4, §3.8). Pure builders: the transport gathers the facts (texts, the listed
 * sessions) and these turn them into ExopsErrors.
 */
import { ExopsError, ExopsErrorCode, PSObject, isExopsError, redactText } from '@exops/contracts';
import type { PSErrorRecordInfo, RemoteSessionInfo } from '@exops/contracts';
import { DELEGATED_ORG_REMEDY, ExoCommandError } from '../rest/errors.js';
import { formatRemoteSessions } from '../remote-sessions.js';

/** Every text an error carries that may hold the service's refusal: message, server text, fault, causes. */
export function collectErrorTexts(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    if (current instanceof Error) parts.push(current.message);
    else if (typeof current === 'string') parts.push(current);
    if (isExopsError(current)) {
      const serverText = current.details?.['serverText'];
      if (typeof serverText === 'string') parts.push(serverText);
      const fault = (current as { fault?: { message?: unknown; reason?: unknown } }).fault;
      if (typeof fault?.message === 'string') parts.push(fault.message);
      if (typeof fault?.reason === 'string') parts.push(fault.reason);
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

/** The service's sentence without the AuthZ prefix and the budget snapshot that follow it. */
function serviceSentence(text: string, pattern: RegExp): string {
  const line = text.split(/\r?\n/).find((l) => pattern.test(l)) ?? text;
  return redactText(line.replace(/^.*?\]\s*(?=Fail to create)/, '').trim());
}

/** EXO_SESSION_CAP: the user's open sessions listed, how to remove them, and why there is a cap. */
export function buildSessionCapError(input: {
  readonly limit: number | undefined;
  readonly sessions: readonly RemoteSessionInfo[] | undefined;
  readonly listError?: ExopsError | undefined;
  readonly serviceText: string;
  readonly cause: unknown;
}): ExopsError {
  const limit = input.limit === undefined ? '' : ` (${input.limit})`;
  const listed =
    input.sessions === undefined
      ? `Your open sessions could not be listed${input.listError === undefined ? '' : `: ${input.listError.message}`}.`
      : `Your open sessions (${input.sessions.length}):\n${formatRemoteSessions(input.sessions)}`;
  return new ExopsError(
    ExopsErrorCode.EXO_SESSION_CAP,
    `Exchange Online refused a new remote PowerShell session: you already have the maximum number of open sessions${limit}.\n${listed}\nThe service said: ${serviceSentence(input.serviceText, /maximum number of connections|QuotaLimit|concurrent shells/i)}`,
    {
      cause: input.cause,
      remedy:
        'Remove sessions you no longer use: `exops sessions remove --all` (or `exops sessions remove <id>`), or in ' +
        'Windows PowerShell `Get-PSSession | Remove-PSSession`; sessions left open by a closed window expire after ' +
        'their idle timeout. Exchange Online caps open remote sessions per user to stop denial-of-service: the ' +
        'documentation says 3, some servers allowed 5.',
      details: {
        ...(input.limit === undefined ? {} : { limit: input.limit }),
        sessions: input.sessions?.map((s) => ({ id: s.id, name: s.name, ageSeconds: s.ageSeconds, state: s.state, createdByExops: s.createdByExops })),
      },
    },
  );
}

/** EXO_RUNSPACE_BUDGET: too many new sessions in the service's window. */
export function buildRunspaceBudgetError(waitSeconds: number, serviceText: string, cause: unknown): ExopsError {
  return new ExopsError(
    ExopsErrorCode.EXO_RUNSPACE_BUDGET,
    `Exchange Online refused a new remote PowerShell session: too many sessions were opened in a short time. The service said: ${serviceSentence(serviceText, /budget to create runspace/i)}`,
    {
      cause,
      remedy: `Wait ${waitSeconds} seconds and connect again. The service allows about 5 new sessions per user per minute; reuse one session (exops shell, or one ExoSession for many commands) instead of connecting per command.`,
      details: { waitSeconds },
    },
  );
}

/** EXO_REMOTE_POWERSHELL_DISABLED: this user may not use remote PowerShell (RemotePowerShellEnabled = $false). */
export function buildRemotePowerShellDisabledError(user: string | undefined, serviceText: string, cause: unknown): ExopsError {
  const who = user ?? '<upn>';
  const said = redactText(serviceText.split(/\r?\n/)[0] ?? '').trim();
  return new ExopsError(
    ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED,
    `Exchange Online denied remote PowerShell to ${user ?? 'this account'} although the sign-in succeeded: the account is not allowed to use remote PowerShell (RemotePowerShellEnabled is $false) or lacks an Exchange role.${said === '' ? '' : ` The service said: ${said.length > 300 ? `${said.slice(0, 300)}…` : said}`}`,
    {
      cause,
      remedy:
        `Another Exchange administrator must run \`Set-User -Identity ${who} -RemotePowerShellEnabled $true\` ` +
        `(check with \`Get-User ${who} | Format-List RemotePowerShellEnabled,EXOModuleEnabled\`; EXOModuleEnabled toggles with it), ` +
        'or assign the account an Exchange management role (e.g. Exchange Administrator).',
      details: { ...(user === undefined ? {} : { user }) },
    },
  );
}

/** EXO_DELEGATED_ORG: the service refused `DelegatedOrg=` (no partner relationship, or no admin role in the customer). */
export function buildDelegatedOrgError(organization: string | undefined, serviceText: string, cause: unknown): ExopsError {
  const line = serviceText.split(/\r?\n/).find((l) => l.includes('DelegatedAccessDeniedException')) ?? serviceText;
  const said = redactText(line.replace(/^.*?\[FailureCategory=[^\]]*\]\s*/, '')).trim();
  return new ExopsError(
    ExopsErrorCode.EXO_DELEGATED_ORG,
    `Exchange Online refused to open a session for the delegated organization${organization === undefined ? '' : ` '${organization}'`}.${said === '' ? '' : ` The service said: ${said}`}`,
    { cause, remedy: DELEGATED_ORG_REMEDY, ...(organization === undefined ? {} : { details: { organization } }) },
  );
}

/** EXO_RPS_DISABLED: Microsoft switched RPS off for the tenant (2023). */
export function buildRpsDisabledError(serviceText: string, cause: unknown): ExopsError {
  const said = redactText(serviceText.split(/\r?\n/)[0] ?? '').trim();
  return new ExopsError(
    ExopsErrorCode.EXO_RPS_DISABLED,
    `Remote PowerShell (RPS) is switched off for this tenant. Microsoft retired RPS in Exchange Online: new tenants from April 2023, all worldwide tenants on October 1, 2023, and the other clouds during October 2023; it cannot be re-enabled.${said === '' ? '' : ` The service said: ${said}`}`,
    {
      cause,
      remedy: 'Connect with the REST transport instead: `--transport rest` (the default for Exchange Online), which runs the same cmdlets. RPS remains for on-premises Exchange.',
    },
  );
}

/** EXO_SESSION_LOST: the shell is gone; ExoSession reopens once. */
export function buildSessionLostError(reason: string, cause: unknown): ExopsError {
  return new ExopsError(ExopsErrorCode.EXO_SESSION_LOST, `The remote PowerShell session was lost: ${reason}`, {
    cause,
    remedy: 'Connect again; ExoSession does so by itself once (sessions end with their token after about an hour, or after the idle timeout).',
  });
}

function recommendedAction(record: PSErrorRecordInfo): string | undefined {
  const raw = record.raw;
  if (!(raw instanceof PSObject)) return undefined;
  const value = raw.extended.get('ErrorDetails_RecommendedAction') ?? raw.adapted.get('ErrorDetails_RecommendedAction');
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The error of a pipeline that ended Failed, from the record the server gave with the state (or the last error
 * record). Codes match the REST transport's: a missing cmdlet and a bad parameter get their own codes.
 */
export function buildPipelineFailedError(cmdlet: string, record: PSErrorRecordInfo | undefined): ExoCommandError {
  const r: PSErrorRecordInfo = record ?? {
    message: `${cmdlet} failed on the server without an error record.`,
    fullyQualifiedErrorId: undefined,
    category: undefined,
    targetName: undefined,
    exceptionType: undefined,
  };
  const text = `${r.message} ${r.fullyQualifiedErrorId ?? ''} ${r.exceptionType ?? ''}`;
  const action = recommendedAction(r);
  if (/CommandNotFound|is not recognized as the name of a cmdlet/i.test(text)) {
    return new ExoCommandError(ExopsErrorCode.EXO_CMDLET_NOT_FOUND, r, {
      remedy: action ?? `Check the name, or whether your roles include ${cmdlet}: \`exops cmdlets\` lists what you may run.`,
    });
  }
  if (/ParameterBinding|ParameterArgumentValidation|NamedParameterNotFound|CannotConvertArgument|parameter cannot be found|Cannot bind parameter/i.test(text)) {
    return new ExoCommandError(ExopsErrorCode.EXO_PARAMETER, r, { remedy: action ?? `Check the parameters of ${cmdlet}: \`exops cmdlets ${cmdlet}\` lists them.` });
  }
  return new ExoCommandError(ExopsErrorCode.EXO_CMDLET_ERROR, r, {
    remedy: action ?? `${cmdlet} failed on the server; the message above is Exchange's own explanation of why.`,
  });
}
