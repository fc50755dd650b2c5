/**
 * The texts the RPS endpoint answers with. [win] marks Windows/WinRM's own wording, [exo] Exchange Online's as
 * quoted in reference §3, [inf] wording this emulator had to choose because no primary source was found.
 */

/** [win] What the WinRM client shows for HTTP 401 and for WSManFault Code 5 (reference §3.2, §3.4). */
export const ACCESS_DENIED_TEXT = 'Access is denied. ';

/**
 * [exo] reference §3.4: the service's text for a ShellId it no longer has (expired token, idle timeout, killed,
 * lost). Exchange's front end wraps the WinRM InvalidSelectors fault with this message.
 */
export function shellNotFoundText(shellId: string): string {
  return `[FailureCategory=WSMan-InvalidShellID] The request for the Windows Remote Shell with ShellId ${shellId} failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation. `;
}

/** [win] The fault text for a configuration the server does not have (seen from EXO with a wrong ResourceURI). */
export function unknownConfigurationText(resourceUri: string, host: string): string {
  const prefix = 'http://schemas.microsoft.com/powershell/';
  const name = resourceUri.startsWith(prefix) ? resourceUri.slice(prefix.length) : resourceUri;
  return `The WS-Management service cannot process the request. Cannot find the ${name} session configuration in the WSMan: drive on the ${host} computer. `;
}

/**
 * The refusal texts the RPS client recognises. These strings are the exported constants of
 * `packages/exo-client/src/rps/service-texts.ts` (`RPS_DISABLED_TEXT`, `REMOTE_POWERSHELL_NOT_ENABLED_TEXT`), copied
 * until `@exops/exo-client` exports them; `texts.test.ts` fails when the two drift apart.
 *
 * [inf] reference §3.8: the exact text a tenant saw after Microsoft switched RPS off was never published.
 */
export const RPS_DISABLED_TEXT =
  'Access is denied. Remote PowerShell (RPS) is disabled for this tenant: it was retired in Exchange Online on October 1, 2023. Use the REST-based Exchange Online PowerShell cmdlets instead.';

/** [exo] reference §3.2: the log line of Exchange's AuthZ plug-in for RemotePowerShellEnabled = $false. */
export function remotePowerShellNotEnabledText(user: string): string {
  return `user ${user} is not allowed to use remote Powershell, access denied`;
}

/** [inf] DelegatedOrg names an organization the signed-in tenant has no partner relationship with (same facts as REST). */
export function delegatedOrgRefusedText(user: string, organization: string, homeTenantId: string): string {
  return `[FailureCategory=AuthZ-DelegatedAccessDeniedException] User '${user}' can't access the organization '${organization}': the tenant ${homeTenantId} has no partner relationship with it. `;
}

/** [inf] DelegatedOrg names no organization the service knows. */
export function delegatedOrgUnknownText(organization: string): string {
  return `[FailureCategory=AuthZ-DelegatedAccessDeniedException] The organization '${organization}' in DelegatedOrg couldn't be found. Use the customer's tenant id or one of its accepted domains. `;
}

/** [inf] A partner admin with no administrative role for delegated access. */
export function delegatedNoRoleText(user: string, organization: string): string {
  return `[FailureCategory=AuthZ-DelegatedAccessDeniedException] User '${user}' has no administrative role for delegated access to the organization '${organization}'. `;
}

/** [inf] A statement this emulator does not run (scripts, pipes). */
export function unsupportedStatementText(detail: string): string {
  return `The Exchange Online emulator runs one cmdlet per statement with named or positional parameters; ${detail}`;
}
