/**
 * The texts Exchange Online's RPS endpoint answered with when it refused a session, as the reference records them
 * (exchange-online-connection.md §3.1, §3.2, §3.8), and the recognisers RpsTransport maps them with. The emulator
 * builds its refusals from the same constants, so the client and the emulator cannot drift apart.
 *
 * The texts arrive inside a WS-Management fault (`f:Message`, or the SOAP Reason), inside the plain body of an HTTP
 * error, or as the reason of a RUNSPACEPOOL_STATE Broken message; the recognisers search whichever text they are given.
 */

/**
 * The cap on open runspaces (MaxConcurrency), verbatim from Microsoft365DSC #359 (§3.1). Exchange prefixed it with
 * `[AuthZRequestId=<guid>][FailureCategory=AuthZ-AuthorizationException] ` and followed it with a budget snapshot.
 */
export const SESSION_CAP_TEXT =
  'Fail to create a runspace because you have exceeded the maximum number of connections allowed : {limit} for the policy party : MaxConcurrency. Please close existing runspace and try again.';

/** The runspace-creation budget (new runspaces per window), verbatim from public retry snippets (§3.1). */
export const RUNSPACE_BUDGET_TEXT = 'Fail to create runspace because you have exceeded your budget to create runspace. Please wait for {seconds} seconds.';

/** The prefix Exchange's AuthZ layer put before both texts above. */
export const AUTHZ_FAILURE_PREFIX = '[AuthZRequestId={requestId}][FailureCategory=AuthZ-AuthorizationException] ';

/** What a client saw when the user may not use remote PowerShell (§3.2): WinRM's text for an HTTP 401 on Create. */
export const ACCESS_DENIED_TEXT = 'Access is denied.';

/**
 * The server-side log line of Exchange's AuthZ plug-in for a user with RemotePowerShellEnabled = $false (§3.2,
 * decompiled `EAP.GetInitialSessionStateCore`). Its localized client text was never found, so the emulator sends this.
 */
export const REMOTE_POWERSHELL_NOT_ENABLED_TEXT = 'user {user} is not allowed to use remote Powershell, access denied';

/**
 * The refusal after Microsoft switched RPS off (WW tenants 2023-10-01, §3.8). The exact text a blocked tenant saw is
 * not verified (the reference saw `Access is denied` and an empty message); this sentence, after Microsoft's
 * announcement ("all tenants ... have RPS disabled by default and cannot re-enable it"), is what the emulator sends,
 * and {@link RPS_DISABLED_PATTERN} accepts any wording that says RPS is disabled or blocked for the tenant.
 */
export const RPS_DISABLED_TEXT =
  'Access is denied. Remote PowerShell (RPS) is disabled for this tenant: it was retired in Exchange Online on October 1, 2023. Use the REST-based Exchange Online PowerShell cmdlets instead.';

/** Matches {@link SESSION_CAP_TEXT}; group 1 is the limit. */
export const SESSION_CAP_PATTERN = /exceeded the maximum number of connections allowed\s*:\s*(\d+)/i;

/** Matches {@link RUNSPACE_BUDGET_TEXT}; group 1 is the wait in seconds. */
export const RUNSPACE_BUDGET_PATTERN = /exceeded your budget to create runspace\.?\s*Please wait for (\d+) seconds?/i;

/** Matches {@link REMOTE_POWERSHELL_NOT_ENABLED_TEXT} and the exception's name (RemotePowerShellNotEnabledException). */
export const REMOTE_POWERSHELL_NOT_ENABLED_PATTERN = /not allowed to use remote ?Powershell|RemotePowerShellNotEnabled|ErrorRemotePowerShellNotEnabled/i;

/**
 * Remote PowerShell (or RPS) said to be disabled, blocked, retired or deprecated for a tenant or organization. Both
 * parts are required so that a per-user refusal ("not allowed to use remote Powershell") never matches.
 */
export const RPS_DISABLED_PATTERN =
  /\b(?:RPS|Remote ?PowerShell)\b[^.]{0,80}?\b(?:disabled|blocked|retired|deprecated|switched off|turned off|no longer (?:supported|available))\b[\s\S]{0,160}?\b(?:tenant|organi[sz]ation)\b|\b(?:tenant|organi[sz]ation)\b[^.]{0,80}?\b(?:RPS|Remote ?PowerShell)\b[^.]{0,40}?\b(?:disabled|blocked|retired|deprecated)\b/i;

/** Matches {@link ACCESS_DENIED_TEXT} (WinRM's ERROR_ACCESS_DENIED text). */
export const ACCESS_DENIED_PATTERN = /\bAccess is denied\b/i;

/** The session-cap text for a limit, with the AuthZ prefix when a request id is given (the emulator's refusal). */
export function buildSessionCapText(limit: number, requestId?: string): string {
  return prefixed(SESSION_CAP_TEXT.replace('{limit}', String(limit)), requestId);
}

/** The runspace-budget text for a wait, with the AuthZ prefix when a request id is given. */
export function buildRunspaceBudgetText(seconds: number, requestId?: string): string {
  return prefixed(RUNSPACE_BUDGET_TEXT.replace('{seconds}', String(seconds)), requestId);
}

/** The per-user refusal for a user. */
export function buildRemotePowerShellNotEnabledText(user: string): string {
  return REMOTE_POWERSHELL_NOT_ENABLED_TEXT.replace('{user}', user);
}

function prefixed(text: string, requestId: string | undefined): string {
  return requestId === undefined ? text : `${AUTHZ_FAILURE_PREFIX.replace('{requestId}', requestId)}${text}`;
}

/** What a refusal text means. */
export type ServiceRefusal =
  | { readonly kind: 'session-cap'; readonly limit: number }
  | { readonly kind: 'runspace-budget'; readonly waitSeconds: number }
  | { readonly kind: 'rps-disabled' }
  | { readonly kind: 'remote-powershell-disabled' }
  | { readonly kind: 'access-denied' };

/** Recognises a refusal in any text the service sent; undefined when the text is none of them. Pure. */
export function parseServiceRefusal(text: string): ServiceRefusal | undefined {
  const cap = SESSION_CAP_PATTERN.exec(text);
  if (cap?.[1] !== undefined) return { kind: 'session-cap', limit: Number(cap[1]) };
  const budget = RUNSPACE_BUDGET_PATTERN.exec(text);
  if (budget?.[1] !== undefined) return { kind: 'runspace-budget', waitSeconds: Number(budget[1]) };
  if (RPS_DISABLED_PATTERN.test(text)) return { kind: 'rps-disabled' };
  if (REMOTE_POWERSHELL_NOT_ENABLED_PATTERN.test(text)) return { kind: 'remote-powershell-disabled' };
  if (ACCESS_DENIED_PATTERN.test(text)) return { kind: 'access-denied' };
  return undefined;
}
