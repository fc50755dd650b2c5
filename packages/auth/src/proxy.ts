import { ExopsError, ExopsErrorCode, redactText } from '@exops/contracts';
import type { NetworkOptions } from '@exops/contracts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True when `host` (with `port`) is listed in a NO_PROXY value (`*`, `example.com`, `.example.com`, `host:port`). */
export function isNoProxyHost(host: string, port: number, noProxy: string | undefined): boolean {
  if (noProxy === undefined || noProxy.trim() === '') return false;
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const [entryHost = '', entryPort] = entry.startsWith('[') ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]] : entry.split(':');
    if (entryPort !== undefined && Number(entryPort) !== port) continue;
    const bare = entryHost.replace(/^\*?\./, '');
    if (name === bare || name.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/**
 * The proxy for one https URL: `options.proxy` when given (`false` disables), else HTTPS_PROXY / https_proxy, in both
 * cases honouring NO_PROXY. With a proxy from the environment, loopback hosts (the emulator) are reached directly:
 * a shared proxy cannot reach this machine's loopback.
 */
export function resolveProxy(url: URL, proxy: NetworkOptions['proxy'], env: NodeJS.ProcessEnv = process.env): URL | undefined {
  if (proxy === false) return undefined;
  const host = url.hostname;
  if (proxy === undefined && (LOOPBACK_HOSTS.has(host) || host.startsWith('127.'))) return undefined;
  const port = url.port === '' ? 443 : Number(url.port);
  if (isNoProxyHost(host, port, env['NO_PROXY'] ?? env['no_proxy'])) return undefined;
  const value = proxy ?? env['HTTPS_PROXY'] ?? env['https_proxy'];
  if (value === undefined || value === '') return undefined;
  try {
    return new URL(value.includes('://') ? value : `http://${value}`);
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.PROXY, `The proxy URL '${redactText(value)}' is not a valid URL.`, {
      cause,
      remedy: 'Give the proxy as http://host:port (or https://host:port), in --proxy or HTTPS_PROXY.',
    });
  }
}
