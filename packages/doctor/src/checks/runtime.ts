import type { DoctorCheck } from '../types.js';
import { fail, pass } from './outcome.js';

/** The oldest Node exops supports (`engines` of every package). */
export const MINIMUM_NODE_VERSION = '20.19.0';

/** Compares dotted versions numerically; a leading `v` is ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// Connect-ExchangeOnline help: ExchangeOnlineManagement 3.x runs on PowerShell 7, or Windows PowerShell 5.1 with
// .NET Framework 4.7.2+; RPS mode (V1, V2 -UseRPSSession) also needs WinRM Basic auth on the client (reference §3.3).
const MICROSOFT_MODULE_NOTE =
  'Windows: the Microsoft module (ExchangeOnlineManagement) needs PowerShell 7, or Windows PowerShell 5.1 with ' +
  '.NET Framework 4.7.2 or later; its RPS mode (V1 Connect-EXOPSSession, V2 -UseRPSSession) also needs WinRM Basic ' +
  'authentication enabled on the client (see winrm-basic-auth). exops needs neither.';

/** Node version and platform. */
export const runtimeCheck: DoctorCheck = {
  id: 'runtime',
  title: 'Runtime',
  dependsOn: [],
  requires: [],
  timeoutMs: 1_000,
  failureRemedy: `Install Node.js ${MINIMUM_NODE_VERSION} or later (22 or 24 LTS recommended).`,
  run(context) {
    const where = `Node ${context.nodeVersion} on ${context.platform}`;
    const note = context.platform === 'win32' ? MICROSOFT_MODULE_NOTE : undefined;
    if (compareVersions(context.nodeVersion, MINIMUM_NODE_VERSION) < 0) {
      return Promise.resolve(
        fail(
          `${where}: exops needs Node ${MINIMUM_NODE_VERSION} or later.`,
          `Install Node.js ${MINIMUM_NODE_VERSION} or later (22 or 24 LTS recommended), then run exo-doctor again.`,
          note,
        ),
      );
    }
    return Promise.resolve(pass(`${where}.`, note));
  },
};
