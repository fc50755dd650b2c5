import { getAuthorityHost, getConnectionHost, proxyForHost } from '../context.js';
import type { DnsLookupResult, DoctorCheck } from '../types.js';
import { fail, pass, warn } from './outcome.js';

function describeFailure(host: string, result: Extract<DnsLookupResult, { ok: false }>): string {
  return `${host}: ${result.code} (${result.message})`;
}

function isNoSuchName(code: string): boolean {
  return code === 'ENOTFOUND' || code === 'ENODATA' || code === 'NXDOMAIN';
}

/** Name resolution of the connection host and the authority host. */
export const dnsCheck: DoctorCheck = {
  id: 'dns',
  title: 'DNS resolution',
  dependsOn: [],
  requires: ['dns'],
  timeoutMs: 10_000,
  failureRemedy: 'Check the DNS servers this machine uses (nslookup outlook.office365.com), or set HTTPS_PROXY if the network only allows a proxy.',
  async run(context) {
    const dns = context.probes.dns!;
    const hosts = [...new Set([getConnectionHost(context.environment, context.transport), getAuthorityHost(context.environment)])];
    const results = await Promise.all(hosts.map(async (host) => ({ host, result: await dns.lookup(host) })));
    const resolved = results.flatMap(({ host, result }) => (result.ok ? [`${host} -> ${result.addresses.join(', ')}`] : []));
    const failed = results.flatMap(({ host, result }) => (result.ok ? [] : [{ host, result }]));
    if (failed.length === 0) return pass(`Resolved ${hosts.join(' and ')}.`, resolved.join('\n'));

    const detail = [...resolved, ...failed.map(({ host, result }) => describeFailure(host, result))].join('\n');
    // Behind a proxy the proxy resolves names: a local failure only matters for hosts that bypass it.
    const direct = failed.filter(({ host }) => proxyForHost(context.proxy, host) === undefined);
    if (direct.length === 0) {
      return warn(
        `${failed.map((f) => f.host).join(' and ')} do not resolve locally; the proxy resolves them.`,
        'Nothing to do while every connection goes through the proxy. If the proxy is removed or NO_PROXY lists these hosts, this machine needs a DNS server that resolves public names.',
        detail,
      );
    }
    const names = direct.map((f) => f.host).join(' and ');
    const noSuchName = direct.every(({ result }) => isNoSuchName(result.code));
    if (noSuchName) {
      return fail(
        `${names} does not exist for this machine's DNS.`,
        `Check the spelling of --connection-uri / --authority and that --environment (${context.environment.name}) is your tenant's cloud; ` +
          'if the names are right, the DNS server blocks or cannot resolve public names: ask for them to be allowed, or use a proxy (HTTPS_PROXY).',
        detail,
      );
    }
    return fail(
      `${names} could not be resolved: the DNS server did not answer.`,
      'Check the network connection and the DNS servers (nslookup <host>); on a VPN, check its DNS settings; or set HTTPS_PROXY if the network only allows a proxy.',
      detail,
    );
  },
};
