import { redactText } from '@exops/contracts';
import { describeProxyUrl, getAuthorityHost, getConnectionHost, getConnectionPort, proxyForHost } from '../context.js';
import type { DoctorCheck } from '../types.js';
import { fail, pass, skip } from './outcome.js';

export const PROXY_CONNECT_TIMEOUT_MS = 8_000;

/** HTTPS_PROXY / NO_PROXY as exops reads them, and a CONNECT through the proxy to the connection host. */
export const proxyCheck: DoctorCheck = {
  id: 'proxy',
  title: 'Proxy',
  dependsOn: [],
  requires: [],
  timeoutMs: PROXY_CONNECT_TIMEOUT_MS + 2_000,
  failureRemedy: 'Check HTTPS_PROXY (scheme, host, port, credentials) with the network team, or unset it if this network is direct.',
  async run(context) {
    const { proxy } = context;
    const host = getConnectionHost(context.environment, context.transport);
    const port = getConnectionPort(context);
    const authorityHost = getAuthorityHost(context.environment);
    const noProxyLine = `NO_PROXY: ${proxy.noProxy === '' ? '(unset)' : proxy.noProxy}`;

    if (proxy.url === undefined) {
      const why = proxy.source === 'disabled' ? 'proxy disabled by option' : 'no HTTPS_PROXY / https_proxy set';
      return pass(`Direct connection (${why}).`, noProxyLine);
    }
    let parsed: URL;
    try {
      parsed = new URL(proxy.url);
    } catch {
      return fail(`${proxy.source} is not a URL.`, `Set ${proxy.source} to a URL such as http://proxy.example.com:8080 (credentials as http://user:password@host:port).`);
    }
    const shown = describeProxyUrl(proxy.url);
    const routes = [host, authorityHost].map((h) => `${h}: ${proxyForHost(proxy, h, h === host ? port : 443) === undefined ? 'direct (NO_PROXY)' : 'through the proxy'}`);
    const detail = [`${proxy.source}=${shown}`, noProxyLine, ...routes].join('\n');

    if (proxyForHost(proxy, host, port) === undefined) {
      return pass(`Proxy ${shown} is set, and NO_PROXY sends ${host} direct.`, detail);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return fail(
        `Proxy scheme ${parsed.protocol} is not supported.`,
        `Use an HTTP proxy URL (http://host:port); SOCKS proxies are not supported by exops.`,
        detail,
      );
    }
    const probe = context.probes.proxy;
    if (probe === undefined) return skip(`Proxy ${shown} is set; the CONNECT test is not available in this context.`, detail);

    const answer = await probe.connect(proxy.url, host, port, PROXY_CONNECT_TIMEOUT_MS);
    const answerLine = `CONNECT ${host}:${port} -> ${answer.status} ${redactText(answer.statusText)}`;
    if (answer.status === 200) return pass(`Proxy ${shown} opens tunnels to ${host}:${port}; exops honours it.`, `${detail}\n${answerLine}`);
    if (answer.status === 407) {
      return fail(
        `Proxy ${shown} requires authentication (407).`,
        'Put the proxy credentials in the URL: HTTPS_PROXY=http://user:password@proxy:port (URL-encode special characters). Proxies that accept only NTLM/Kerberos need a local relay (e.g. cntlm or px) that exops can use as its proxy.',
        `${detail}\n${answerLine}`,
      );
    }
    return fail(
      `Proxy ${shown} refused to open a tunnel to ${host}:${port} (${answer.status}).`,
      `Ask the proxy administrator to allow CONNECT to ${host}:${port} and ${authorityHost}:443, or add the hosts to NO_PROXY if they are reachable directly.`,
      `${detail}\n${answerLine}`,
    );
  },
};
