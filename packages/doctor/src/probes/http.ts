import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { proxyForHost } from '../context.js';
import type { HttpProbe, HttpProbeResponse, ProxySettings } from '../types.js';

/** Options of the HTTP probe: the same trust and proxy exops's connections use. */
export interface HttpProbeOptions {
  readonly ca?: readonly string[] | undefined;
  readonly proxy?: ProxySettings | undefined;
  readonly timeoutMs?: number | undefined;
  /** Bytes of a GET body kept (default 64 KiB); discovery documents are a few KiB. */
  readonly maxBodyBytes?: number | undefined;
}

/** The HTTP probe and the connections it keeps, to close when done. */
export interface ClosableHttpProbe extends HttpProbe {
  close(): Promise<void>;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readCapped(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const remaining = max - size;
    chunks.push(Buffer.from(chunk.subarray(0, Math.max(0, remaining))));
    size += chunk.byteLength;
    if (size >= max) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** HEAD and GET over undici, through the proxy unless NO_PROXY exempts the host, trusting Node's roots plus `ca`. */
export function createHttpProbe(options: HttpProbeOptions = {}): ClosableHttpProbe {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  const ca = options.ca === undefined || options.ca.length === 0 ? undefined : [...rootCertificates, ...options.ca];
  const tls = ca === undefined ? {} : { ca };
  const direct = new Agent({ connect: { ...tls, timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const proxies = new Map<string, ProxyAgent>();

  function dispatcherFor(url: URL): Dispatcher {
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const proxyUrl = options.proxy === undefined ? undefined : proxyForHost(options.proxy, url.hostname, port);
    if (proxyUrl === undefined) return direct;
    let agent = proxies.get(proxyUrl);
    if (agent === undefined) {
      agent = new ProxyAgent({ uri: proxyUrl, requestTls: tls, proxyTls: tls, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      proxies.set(proxyUrl, agent);
    }
    return agent;
  }

  async function send(method: 'HEAD' | 'GET', url: string): Promise<HttpProbeResponse> {
    const target = new URL(url);
    const response = await request(target, {
      method,
      dispatcher: dispatcherFor(target),
      headers: { 'user-agent': 'exo-doctor', accept: method === 'GET' ? 'application/json' : '*/*' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const headers = flattenHeaders(response.headers);
    if (method === 'HEAD') {
      await response.body.dump();
      return { status: response.statusCode, headers };
    }
    const bodyText = await readCapped(response.body, maxBody);
    if (!response.body.destroyed) response.body.destroy();
    return { status: response.statusCode, headers, bodyText };
  }

  return {
    head: (url) => send('HEAD', url),
    get: (url) => send('GET', url),
    async close() {
      await Promise.all([direct.close(), ...[...proxies.values()].map((p) => p.close())]);
    },
  };
}
