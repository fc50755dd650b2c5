import { ExopsErrorCode, isExopsError, redactText } from '@exops/contracts';
import type { CheckOutcome, DoctorCheck } from '../types.js';
import { fail, pass, skip, warn } from './outcome.js';

/** The service's words when remote PowerShell is off for the user, over RPS and REST. */
const REMOTE_POWERSHELL_REFUSED = /access is denied|(?:not|n't) allowed to use remote ?powershell|RemotePowerShellNotEnabled/i;

/** The remedy when remote PowerShell is off for the user (reference §3.2): only another admin can undo it. */
export function remotePowerShellRemedy(upn: string): string {
  return (
    `Another Exchange admin must run: Set-User -Identity ${upn} -RemotePowerShellEnabled $true ` +
    `(the same switch as -EXOModuleEnabled $true). The user cannot do it, because the switch blocks their own connection. ` +
    `Over RPS the service only says "Access is denied".`
  );
}

function roleRemedy(missing: readonly string[], who: string, app: boolean): string {
  const find = `find the roles that grant them with: ${missing.map((c) => `Get-ManagementRole -Cmdlet ${c}`).join('; ')}`;
  return app
    ? `Assign the app's service principal a role that allows ${missing.join(', ')}: in Entra ID, a directory role such as Exchange Administrator (or Exchange Recipient Administrator); or in Exchange RBAC, New-ManagementRoleAssignment -App <service principal object id> -Role "<role>"; ${find}.`
    : `An Exchange admin must give ${who} a role that allows ${missing.join(', ')}: add them to a role group that holds it (Add-RoleGroupMember -Identity "Organization Management" -Member ${who}, or "View-Only Organization Management" for Get-* cmdlets), or New-ManagementRoleAssignment -Role "<role>" -User ${who}; ${find}. With PIM, activate the role first.`;
}

/** The user may use remote PowerShell and holds a role that allows the cmdlets asked for. */
export const rbacCheck: DoctorCheck = {
  id: 'rbac',
  title: 'Permissions (RBAC)',
  dependsOn: ['sign-in'],
  requires: ['exchange'],
  timeoutMs: 60_000,
  failureRemedy: 'Exchange did not answer Get-User / the cmdlet list; see the transports check, and try again later if the service is busy.',
  async run(context) {
    const exchange = context.probes.exchange!;
    const app = context.upn === undefined;
    const who = context.upn ?? 'the app';
    const lines: string[] = [];
    let userOutcome: CheckOutcome | undefined;

    if (context.upn !== undefined) {
      let user;
      try {
        user = await exchange.getUser(context.upn);
      } catch (error) {
        // With --transport rps on a tenant whose RPS is switched off, the refusal ("Access is denied") is the tenant's,
        // not the user's: blaming RemotePowerShellEnabled would send the admin after the wrong switch.
        if (isExopsError(error) && error.code === ExopsErrorCode.EXO_RPS_DISABLED) {
          return skip(
            `Could not check ${context.upn}'s permissions over RPS: RPS is switched off for this tenant (see the transports check).`,
            redactText(error.message),
          );
        }
        // A user with remote PowerShell off cannot run Get-User either: the service refuses the whole session.
        // REST answers 403 with RemotePowerShellNotEnabledException ("User 'x' isn't allowed to use remote
        // PowerShell ..."), which exo-client reports as access denied; RPS says "not allowed" / "Access is denied".
        const exceptionType = isExopsError(error) ? error.details?.['exceptionType'] : undefined;
        const denied =
          (isExopsError(error) && error.code === ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED) ||
          (error instanceof Error && REMOTE_POWERSHELL_REFUSED.test(`${error.message} ${typeof exceptionType === 'string' ? exceptionType : ''}`));
        if (!denied) throw error;
        return fail(
          `Exchange refused ${context.upn}'s session ("Access is denied"): remote PowerShell is probably disabled for the user.`,
          remotePowerShellRemedy(context.upn),
          redactText(error instanceof Error ? error.message : String(error)),
        );
      }
      lines.push(`Get-User ${user.identity}: RemotePowerShellEnabled=${String(user.remotePowerShellEnabled ?? 'unknown')}, EXOModuleEnabled=${String(user.exoModuleEnabled ?? 'unknown')}`);
      if (user.remotePowerShellEnabled === false || user.exoModuleEnabled === false) {
        userOutcome = fail(`Remote PowerShell is disabled for ${context.upn} (RemotePowerShellEnabled / EXOModuleEnabled = False).`, remotePowerShellRemedy(context.upn));
      }
    }
    if (userOutcome !== undefined) return { ...userOutcome, detail: lines.join('\n') };

    const allowed = await exchange.listAllowedCmdlets();
    const allowedSet = new Set(allowed.map((c) => c.toLowerCase()));
    const missing = context.cmdlets.filter((c) => !allowedSet.has(c.toLowerCase()));
    lines.push(`${allowed.length} cmdlets allowed; asked for: ${context.cmdlets.join(', ')}`);
    if (allowed.length === 0) {
      return fail(`${app ? 'The app' : context.upn} is allowed no Exchange cmdlets: it holds no Exchange role.`, roleRemedy(context.cmdlets, who, app), lines.join('\n'));
    }
    if (missing.length === context.cmdlets.length) {
      return fail(`${app ? 'The app' : context.upn} may not run ${missing.join(', ')}.`, roleRemedy(missing, who, app), lines.join('\n'));
    }
    if (missing.length > 0) {
      return warn(`${app ? 'The app' : context.upn} may run ${context.cmdlets.filter((c) => !missing.includes(c)).join(', ')} but not ${missing.join(', ')}.`, roleRemedy(missing, who, app), lines.join('\n'));
    }
    return pass(`${app ? 'The app' : context.upn} may use remote PowerShell and run ${context.cmdlets.join(', ')}.`, lines.join('\n'));
  },
};
