import { redactText } from '@exops/contracts';
import type { DoctorCheck, TransportProbeState } from '../types.js';
import { fail, pass, warn } from './outcome.js';

// Reference §3.8: RPS was blocked for new tenants from 2023-04-01 and for all worldwide tenants on 2023-10-01; the
// other clouds followed during October 2023.
const RPS_SWITCH_OFF =
  'Microsoft switched Remote PowerShell (RPS, WS-Man at /PowerShell-LiveID) off for Exchange Online: worldwide ' +
  'tenants on 1 October 2023, the other clouds during October 2023; it cannot be re-enabled.';

function line(name: string, s: TransportProbeState): string {
  return `${name}: ${s.state}${s.status === undefined ? '' : ` (HTTP ${s.status})`}${s.message === undefined ? '' : `: ${redactText(s.message)}`}`;
}

/** Which transports the tenant offers: RPS (switched off since 2023) and REST. */
export const transportsCheck: DoctorCheck = {
  id: 'transports',
  title: 'Transports (REST, RPS)',
  dependsOn: ['sign-in'],
  requires: ['exchange'],
  timeoutMs: 60_000,
  failureRemedy: 'Exchange did not answer; try again later, and see https://status.cloud.microsoft (service health).',
  async run(context) {
    const { rps, rest } = await context.probes.exchange!.probeTransports();
    const detail = `${line('REST', rest)}\n${line('RPS', rps)}`;
    const restOk = rest.state === 'available';
    const rpsOk = rps.state === 'available';

    if (context.transport === 'rps' && !rpsOk) {
      return fail(
        `RPS is ${rps.state} for this tenant${restOk ? '; REST is available' : ''}.`,
        `Use --transport rest (the InvokeCommand API the current Microsoft module uses). ${RPS_SWITCH_OFF}`,
        detail,
      );
    }
    if (!restOk && !rpsOk) {
      return fail(
        `Neither REST (${rest.state}) nor RPS (${rps.state}) is available.`,
        'Check the rbac and sign-in checks; if they pass, the service may be degraded: see service health in the Microsoft 365 admin center and try again later.',
        detail,
      );
    }
    if (!restOk) {
      return warn(
        `REST is ${rest.state}; only RPS answers.`,
        `Use --transport rps for now; RPS is being retired (${RPS_SWITCH_OFF}), so report the REST failure to Microsoft support.`,
        detail,
      );
    }
    const rpsNote = rpsOk ? 'RPS also answers' : `RPS is ${rps.state}, as expected since its 2023 switch-off`;
    return pass(`REST is available (${rpsNote}).`, rpsOk ? detail : `${detail}\n${RPS_SWITCH_OFF}`);
  },
};
