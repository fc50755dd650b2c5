import { getConnectionOrigin } from '../context.js';
import type { DoctorCheck } from '../types.js';
import { fail, pass, warn } from './outcome.js';

/** Skew above which tokens start to misbehave (Entra ID allows about 5 minutes; warn well before). */
export const CLOCK_SKEW_WARN_MS = 60_000;
export const CLOCK_SKEW_FAIL_MS = 5 * 60_000;

const CLOCK_REMEDY =
  'Synchronise the clock: Windows `w32tm /resync` (elevated), Linux `sudo timedatectl set-ntp true` (or chronyc makestep), ' +
  'macOS System Settings > General > Date & Time > Set time automatically. Tokens are rejected when the clock is off by more than about 5 minutes.';

function formatSkew(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const text = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  return ms > 0 ? `${text} ahead of the server` : `${text} behind the server`;
}

/** The local clock against the server's `Date` header. */
export const clockSkewCheck: DoctorCheck = {
  id: 'clock-skew',
  title: 'Clock skew',
  dependsOn: ['tls', 'proxy'],
  requires: ['http'],
  timeoutMs: 15_000,
  failureRemedy: 'The service did not answer an HTTPS request; see the tls and proxy checks.',
  async run(context) {
    const url = `${getConnectionOrigin(context)}/`;
    const sentAt = context.now().getTime();
    const response = await context.probes.http!.head(url);
    const receivedAt = context.now().getTime();
    const dateHeader = response.headers['date'];
    const serverTime = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
    if (Number.isNaN(serverTime)) {
      return warn(
        `${url} sent no usable Date header (HTTP ${response.status}); the clock could not be compared.`,
        `Compare the clock by hand with a time source; ${CLOCK_REMEDY}`,
      );
    }
    // The Date header has a 1 s resolution and was written somewhere between sending and receiving.
    const localMid = sentAt + (receivedAt - sentAt) / 2;
    const skew = localMid - serverTime;
    const detail = `local ${new Date(localMid).toISOString()}, server Date ${dateHeader} (HTTP ${response.status}), round trip ${receivedAt - sentAt} ms`;
    if (Math.abs(skew) > CLOCK_SKEW_FAIL_MS) return fail(`The clock is ${formatSkew(skew)}: tokens will fail validation.`, CLOCK_REMEDY, detail);
    if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) return warn(`The clock is ${formatSkew(skew)}.`, CLOCK_REMEDY, detail);
    return pass(`The clock is within ${Math.max(1, Math.round(Math.abs(skew) / 1000))} s of the server.`, detail);
  },
};
