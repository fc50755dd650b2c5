import { getConnectionHost, getConnectionPort, proxyForHost } from '../context.js';
import type { DoctorCheck, TcpConnectResult } from '../types.js';
import { fail, pass, warn } from './outcome.js';

/** How long one TCP connect may take before it counts as filtered. */
export const TCP_CONNECT_TIMEOUT_MS = 5_000;

function describe(host: string, port: number, result: TcpConnectResult): string {
  return result.ok
    ? `${host}:${port} connected (${result.remoteAddress}, ${result.elapsedMs} ms)`
    : `${host}:${port} ${result.code} (${result.message})`;
}

const FIREWALL_REMEDY =
  'A firewall or a required proxy blocks the connection: ask for outbound TCP 443 to the Exchange Online and ' +
  'Entra ID endpoints (Microsoft 365 URLs and IP ranges, "Exchange Online" and "Microsoft 365 Common" sets) to be ' +
  'allowed, or set HTTPS_PROXY=http://proxy:port if the network only allows a proxy.';

/** Reachability of the connection host on 443 (and 80), or of the proxy when one is used. */
export const tcpCheck: DoctorCheck = {
  id: 'tcp',
  title: 'TCP reachability',
  dependsOn: ['dns'],
  requires: ['tcp'],
  timeoutMs: 2 * TCP_CONNECT_TIMEOUT_MS + 2_000,
  failureRemedy: FIREWALL_REMEDY,
  async run(context) {
    const tcp = context.probes.tcp!;
    const host = getConnectionHost(context.environment, context.transport);
    const port = getConnectionPort(context);
    const proxyUrl = proxyForHost(context.proxy, host, port);

    if (proxyUrl !== undefined) {
      const proxy = new URL(proxyUrl);
      const proxyPort = proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port);
      const result = await tcp.connect(proxy.hostname, proxyPort, TCP_CONNECT_TIMEOUT_MS);
      if (result.ok) return pass(`The proxy ${proxy.hostname}:${proxyPort} accepts connections (${host} is reached through it).`, describe(proxy.hostname, proxyPort, result));
      return fail(
        `The proxy ${proxy.hostname}:${proxyPort} is unreachable (${result.code}).`,
        'Check HTTPS_PROXY (host and port) and that the proxy is running; a firewall between this machine and the proxy may block it.',
        describe(proxy.hostname, proxyPort, result),
      );
    }

    // Port 80 only matters to the real service (http -> https redirects, certificate revocation lists); a custom
    // endpoint on another port (the emulator) is checked on that port alone.
    const ports = port === 443 ? [443, 80] : [port];
    const results = await Promise.all(ports.map(async (p) => ({ port: p, result: await tcp.connect(host, p, TCP_CONNECT_TIMEOUT_MS) })));
    const detail = results.map(({ port: p, result }) => describe(host, p, result)).join('\n');
    const main = results[0]!.result;
    if (!main.ok) {
      const how = main.code === 'ETIMEDOUT' ? 'timed out (packets dropped: a firewall)' : main.code === 'ECONNREFUSED' ? 'was refused' : `failed (${main.code})`;
      return fail(`TCP ${port} to ${host} ${how}.`, FIREWALL_REMEDY, detail);
    }
    const port80 = results[1]?.result;
    if (port80 !== undefined && !port80.ok) {
      return warn(
        `TCP 443 to ${host} works; TCP 80 is blocked (${port80.code}).`,
        'Sign-in and cmdlets use 443 only; allow outbound TCP 80 to Microsoft endpoints too, for certificate revocation checks (CRL/OCSP) that some clients enforce.',
        detail,
      );
    }
    return pass(`${host} accepts TCP on ${ports.join(' and ')}.`, detail);
  },
};
