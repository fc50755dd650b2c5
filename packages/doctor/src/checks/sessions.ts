import type { RemoteSessionInfo } from '@exops/contracts';
import type { DoctorCheck } from '../types.js';
import { fail, pass, warn } from './outcome.js';

/**
 * Session thresholds. Reference §3.1: servers have refused a new runspace at 3 open ones
 * ("exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency"); the cap of 5
 * is the product's stated limit. Warn where servers have started refusing, fail at the cap.
 */
export const SESSION_WARN_AT = 3;
export const SESSION_CAP = 5;

const REMOVE_REMEDY =
  'Remove the stale sessions: `exops sessions remove --all` (only this user\'s Exchange sessions), or in the PowerShell ' +
  'window that opened them `Get-PSSession | Remove-PSSession` (note: that closes every PowerShell session of that shell, ' +
  'not only Exchange ones). Sessions left by closed windows expire after their idle timeout (15 min).';

function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return 'age unknown';
  if (seconds < 120) return `${seconds} s old`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min old`;
  return `${Math.round(seconds / 3_600)} h old`;
}

function describeSession(s: RemoteSessionInfo): string {
  return `${s.name ?? s.id} (${s.state}, ${formatAge(s.ageSeconds)}${s.idleSeconds === undefined ? '' : `, idle ${s.idleSeconds} s`}${s.clientIp === undefined ? '' : `, from ${s.clientIp}`}${s.createdByExops ? ', exops' : ''})`;
}

/** Open remote sessions of this user against the service's cap. */
export const sessionsCheck: DoctorCheck = {
  id: 'sessions',
  title: 'Open sessions',
  dependsOn: ['sign-in'],
  requires: ['exchange'],
  timeoutMs: 60_000,
  failureRemedy: 'Exchange did not list the sessions; see the transports check.',
  async run(context) {
    const sessions = await context.probes.exchange!.listSessions();
    const open = sessions.filter((s) => !/^(closed|broken)$/i.test(s.state));
    const detail = sessions.length === 0 ? 'no sessions' : sessions.map(describeSession).join('\n');
    const count = `${open.length} open session${open.length === 1 ? '' : 's'}`;
    if (open.length >= SESSION_CAP) {
      return fail(
        `${count}: the cap of ${SESSION_CAP} is reached; new connections are refused.`,
        REMOVE_REMEDY,
        `${detail}\nThe service says: "Fail to create a runspace because you have exceeded the maximum number of connections allowed".`,
      );
    }
    if (open.length >= SESSION_WARN_AT) {
      return warn(
        `${count}: servers have refused new sessions at ${SESSION_WARN_AT} (MaxConcurrency), before the cap of ${SESSION_CAP}.`,
        REMOVE_REMEDY,
        detail,
      );
    }
    return pass(`${count} (warn at ${SESSION_WARN_AT}, cap ${SESSION_CAP}).`, detail);
  },
};
