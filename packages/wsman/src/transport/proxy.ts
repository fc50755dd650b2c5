/**
 * Proxy selection: an explicit URL or `HTTPS_PROXY`/`HTTP_PROXY`, minus the hosts `NO_PROXY` names. Pure functions
 * over a URL and an environment record, so the rules are testable without a network.
 */
import { isIP } from 'node:net';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { redactUrl } from './network-errors.js';

/** The environment variables consulted (`process.env` by default). */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

function envValue(env: ProxyEnvironment, lower: string): string | undefined {
  // curl's convention: lower case first; both spellings are common on Linux and Windows.
  const v = env[lower] ?? env[lower.toUpperCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Parses a proxy URL; a bare `host:port` means `http://host:port`. */
export function parseProxyUrl(value: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The proxy URL '${value.replace(/\/\/[^@/]*@/, '//[REDACTED]@')}' is not a valid URL.`, {
      remedy: 'Give the proxy as http://host:port (or http://user:password@host:port).',
      cause,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The proxy scheme '${url.protocol}' is not supported.`, {
      remedy: 'Use an HTTP proxy URL (http://host:port or https://host:port); HTTPS traffic goes through it with CONNECT.',
      details: { proxy: redactUrl(url) },
    });
  }
  return url;
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function matchesCidr(host: string, entry: string): boolean {
  const [base, bitsText] = entry.split('/');
  const bits = Number(bitsText);
  if (base === undefined || isIP(base) !== 4 || isIP(host) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipv4ToNumber(host) & mask) >>> 0) === ((ipv4ToNumber(base) & mask) >>> 0);
}

/**
 * True when `NO_PROXY` sends this URL direct. Entries are separated by commas or spaces: `*` (everything), a host
 * or domain (`example.com` also covers its subdomains; a leading `.` or `*.` means the same), an IP, an IPv4 CIDR
 * (`10.0.0.0/8`), each optionally with `:port` (`[::1]:8080` for IPv6).
 */
export function matchesNoProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port !== '' ? target.port : defaultPort(target.protocol);
  for (const rawEntry of noProxy.split(/[,\s]+/)) {
    let entry = rawEntry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed !== null) {
      entry = bracketed[1] ?? '';
      entryPort = bracketed[2];
    } else if (isIP(entry) !== 6) {
      const m = /^(.*):(\d+)$/.exec(entry);
      if (m !== null) {
        entry = m[1] ?? '';
        entryPort = m[2];
      }
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    if (entry.includes('/')) {
      if (matchesCidr(host, entry)) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    if (domain === '') continue;
    if (host === domain) return true;
    if (isIP(host) === 0 && host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/**
 * The proxy for a request, or undefined to connect directly. `option` is the caller's choice: a URL, `false` for
 * never, or undefined to read `https_proxy`/`HTTPS_PROXY` (or `http_proxy`/`HTTP_PROXY` for http: targets).
 * `no_proxy`/`NO_PROXY` applies to both, as with curl.
 */
export function resolveProxyFor(target: URL, option: string | false | undefined, env: ProxyEnvironment): URL | undefined {
  if (option === false) return undefined;
  const value = option ?? envValue(env, target.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (value === undefined) return undefined;
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy !== undefined && matchesNoProxy(target, noProxy)) return undefined;
  return parseProxyUrl(value);
}
