import { redactText } from '@exops/contracts';
import type { DoctorCheck } from '../types.js';
import { fail, pass, skip, warn } from './outcome.js';

/** The policy key Group Policy writes (reference §3.3). */
export const WINRM_CLIENT_POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client';

/**
 * Where the WinRM client keeps its local configuration (`auth_basic` DWORD). Read only when `winrm get` fails,
 * e.g. because the WinRM service is stopped; not in the reference, so a missing value concludes nothing.
 */
export const WSMAN_CLIENT_CONFIG_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Client';

/** What Windows says when the Microsoft module's RPS connection meets a client with Basic off (reference §3.3). */
export const WINRM_BASIC_DISABLED_ERROR =
  'The WinRM client cannot process the request. Basic authentication is currently disabled in the client ' +
  'configuration. Change the client configuration and try the request again.';

const ENABLE_BASIC_REMEDY =
  'In an elevated Command Prompt run: winrm set winrm/config/client/auth @{Basic="true"} ' +
  "(or in elevated PowerShell: Set-Item WSMan:\\localhost\\Client\\Auth\\Basic -Value 'True'). " +
  'The WinRM service itself need not run.';

const POLICY_REMEDY =
  `Group Policy turns Basic off: set "Computer Configuration > Administrative Templates > Windows Components > ` +
  `Windows Remote Management (WinRM) > WinRM Client > Allow Basic authentication" to Enabled, i.e. ` +
  `${WINRM_CLIENT_POLICY_KEY} AllowBasic = 1 (REG_DWORD), then gpupdate /force. winrm set cannot override the policy.`;

/** Reads `Basic = true|false [Source="GPO"]` from `winrm get winrm/config/client/auth`. */
export function parseWinrmClientAuth(stdout: string): { basic: boolean; source: string | undefined } | undefined {
  const match = /^\s*Basic\s*=\s*(true|false)(?:\s*\[Source="([^"]+)"\])?/im.exec(stdout);
  if (match === null) return undefined;
  return { basic: match[1]?.toLowerCase() === 'true', source: match[2] };
}

/** Reads `AllowBasic    REG_DWORD    0x1` from `reg query ... /v AllowBasic`. */
export function parseRegDword(stdout: string, name: string): number | undefined {
  const match = new RegExp(`^\\s*${name}\\s+REG_DWORD\\s+0x([0-9a-f]+)`, 'im').exec(stdout);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16);
}

/**
 * WinRM Basic on the Windows client. exops speaks HTTPS itself and needs no WinRM, but the Microsoft module's RPS
 * mode does; admins who fall back to it meet this error first.
 */
export const winrmBasicAuthCheck: DoctorCheck = {
  id: 'winrm-basic-auth',
  title: 'WinRM Basic authentication (Windows)',
  dependsOn: [],
  requires: [],
  timeoutMs: 15_000,
  failureRemedy: `Run in an elevated Command Prompt: winrm get winrm/config/client/auth, and reg query ${WINRM_CLIENT_POLICY_KEY} /v AllowBasic; then: ${ENABLE_BASIC_REMEDY}`,
  async run(context) {
    if (context.platform !== 'win32') {
      return skip('N/A: not Windows. exops connects over HTTPS itself and needs no WinRM client.');
    }
    const os = context.probes.os;
    if (os === undefined) return skip('not available in this context (no OS command runner).');

    const policy = await os.run('reg', ['query', WINRM_CLIENT_POLICY_KEY, '/v', 'AllowBasic']);
    // reg exits 1 when the value is absent: no policy is set, the local configuration decides.
    const allowBasic = policy.exitCode === 0 ? parseRegDword(policy.stdout, 'AllowBasic') : undefined;
    const policyLine =
      allowBasic === undefined ? `Policy ${WINRM_CLIENT_POLICY_KEY} AllowBasic: not set.` : `Policy ${WINRM_CLIENT_POLICY_KEY} AllowBasic = ${allowBasic}.`;
    const quoted = `Windows reports: "${WINRM_BASIC_DISABLED_ERROR}" (exops itself does not use WinRM.)`;

    if (allowBasic === 0) {
      return fail('Group Policy disables WinRM Basic authentication (AllowBasic = 0): the Microsoft module cannot open RPS sessions.', POLICY_REMEDY, `${policyLine}\n${quoted}`);
    }

    // winrm is winrm.cmd, which only cmd.exe can start; the arguments are constants.
    const winrm = await os.run('cmd.exe', ['/d', '/c', 'winrm', 'get', 'winrm/config/client/auth']);
    let auth = winrm.exitCode === 0 ? parseWinrmClientAuth(winrm.stdout) : undefined;
    if (auth === undefined) {
      const local = await os.run('reg', ['query', WSMAN_CLIENT_CONFIG_KEY, '/v', 'auth_basic']);
      const value = local.exitCode === 0 ? parseRegDword(local.stdout, 'auth_basic') : undefined;
      if (value !== undefined) auth = { basic: value !== 0, source: undefined };
    }
    if (auth === undefined) {
      const said = redactText((winrm.stderr || winrm.stdout).trim()).slice(0, 500);
      return warn(
        'Could not read the WinRM client configuration.',
        `Run in an elevated Command Prompt: winrm get winrm/config/client/auth. If Basic = false: ${ENABLE_BASIC_REMEDY}`,
        `${policyLine}\nwinrm exited with ${winrm.exitCode}${said === '' ? '.' : `: ${said}`}`,
      );
    }
    if (!auth.basic) {
      const byPolicy = auth.source?.toUpperCase() === 'GPO';
      return fail(
        `WinRM Basic authentication is disabled${byPolicy ? ' by Group Policy' : ''}: the Microsoft module cannot open RPS sessions.`,
        byPolicy ? POLICY_REMEDY : ENABLE_BASIC_REMEDY,
        `winrm/config/client/auth: Basic = false${auth.source === undefined ? '' : ` [Source="${auth.source}"]`}.\n${policyLine}\n${quoted}`,
      );
    }
    return pass('WinRM client allows Basic authentication (needed only by the Microsoft module; exops needs no WinRM).', policyLine);
  },
};
