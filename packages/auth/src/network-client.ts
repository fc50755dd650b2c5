import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { ExopsError, ExopsErrorCode, redactText } from '@exops/contracts';
import type { NetworkOptions } from '@exops/contracts';
import { resolveProxy } from './proxy.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** The trusted roots for one connection: Node's bundled roots plus `ca`. Verification is never turned off. */
export function buildTrustedCa(ca: NetworkOptions['ca']): string[] | undefined {
  if (ca === undefined) return undefined;
  const extra = typeof ca === 'string' ? [ca] : [...ca];
  return extra.length === 0 ? undefined : [...rootCertificates, ...extra];
}

/** Opens a CONNECT tunnel through `proxy` to `host:port` (RFC 9110 §9.3.6). */
function openTunnel(proxy: URL, host: string, port: number, ca: string[] | undefined, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { host: target };
    if (proxy.username !== '') {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['proxy-authorization'] = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    }
    const proxyName = `${proxy.protocol}//${proxy.host}`;
    const request = (proxy.protocol === 'https:' ? https : http).request({
      host: proxy.hostname,
      port: proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port),
      method: 'CONNECT',
      path: target,
      headers,
      agent: false,
      timeout: timeoutMs,
      ...(proxy.protocol === 'https:' && ca !== undefined ? { ca } : {}),
    });
    request.once('connect', (response, socket) => {
      if (response.statusCode === 200) {
        resolve(socket);
        return;
      }
      socket.destroy();
      const status = response.statusCode ?? 0;
      reject(
        new ExopsError(ExopsErrorCode.PROXY, `The proxy ${proxyName} refused the tunnel to ${target}: HTTP ${status}.`, {
          remedy:
            status === 407
              ? 'The proxy wants credentials: put them in the proxy URL (http://user:password@host:port).'
              : `Allow CONNECT to ${target} on the proxy, or list the host in NO_PROXY.`,
          details: { status },
        }),
      );
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once('error', (cause) =>
      reject(
        new ExopsError(ExopsErrorCode.PROXY, `Could not reach the proxy ${proxyName}: ${redactText(cause.message)}`, {
          cause,
          remedy: 'Check --proxy / HTTPS_PROXY, or set NO_PROXY for hosts that are reached directly.',
        }),
      ),
    );
    request.end();
  });
}

function classifyTransportError(cause: Error & { code?: string }, url: URL): ExopsError {
  const code = cause.code ?? '';
  const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code) || /certificate/i.test(cause.message);
  if (tls) {
    return new ExopsError(ExopsErrorCode.TLS, `TLS to ${url.host} failed: ${redactText(cause.message)} (${code}).`, {
      cause,
      remedy: 'A TLS-inspecting proxy or a private CA signs this connection: pass its CA certificate (PEM) with --ca-file. Verification stays on.',
      details: { code },
    });
  }
  return new ExopsError(ExopsErrorCode.NETWORK, `Could not reach ${url.host}: ${redactText(cause.message)}${code === '' ? '' : ` (${code})`}.`, {
    cause,
    remedy: 'Check the network, DNS and the proxy settings (HTTPS_PROXY, NO_PROXY, --proxy), then try again.',
    details: { code },
  });
}

/** MSAL's network seam plus the last failure: MSAL replaces a network module's error with a bare `network_error`. */
export interface MsalNetworkClient extends INetworkModule {
  /** The last error this client raised, cleared by reading it. */
  takeLastError(): ExopsError | undefined;
}

/**
 * MSAL's network seam (`system.networkClient`) over node:https: GET and POST, extra CA roots, and a proxy through a
 * CONNECT tunnel. msal-node 7 has no other way to take a proxy or a CA. Answers are parsed as JSON, as MSAL expects;
 * a non-JSON answer (a proxy's HTML page) becomes a clear error instead of a parse failure deep in MSAL.
 */
export function createMsalNetworkClient(options: NetworkOptions = {}, env: NodeJS.ProcessEnv = process.env): MsalNetworkClient {
  const ca = buildTrustedCa(options.ca);
  let lastError: ExopsError | undefined;

  async function send<T>(method: 'GET' | 'POST', target: string, request: NetworkRequestOptions | undefined, timeoutMs: number): Promise<NetworkResponse<T>> {
    const url = new URL(target);
    if (url.protocol !== 'https:') {
      throw new ExopsError(ExopsErrorCode.CONFIG, `Refusing to send a sign-in request over ${url.protocol} to ${url.host}.`, {
        remedy: 'Sign-in endpoints are https only: check --authority.',
      });
    }
    const proxy = resolveProxy(url, options.proxy, env);
    const port = url.port === '' ? 443 : Number(url.port);
    const tunnel = proxy === undefined ? undefined : await openTunnel(proxy, url.hostname, port, ca, options.connectTimeoutMs ?? timeoutMs);
    const body = method === 'POST' ? (request?.body ?? '') : undefined;
    const headers: Record<string, string> = { ...request?.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

    const started = Date.now();
    return new Promise<NetworkResponse<T>>((resolve, reject) => {
      const requestOptions: https.RequestOptions & { socket?: Socket } = {
        method,
        headers,
        timeout: timeoutMs,
        ...(ca === undefined ? {} : { ca }),
        // A tunnelled socket is handed to tls.connect (through the agent) as its transport.
        ...(tunnel === undefined ? {} : { socket: tunnel, agent: new https.Agent({ keepAlive: false }), servername: url.hostname }),
      };
      const req = https.request(url, requestOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', (cause) => reject(classifyTransportError(cause, url)));
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          options.wireLog?.(redactText(`${method} ${url.origin}${url.pathname} -> ${status} (${Date.now() - started} ms)`));
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = {};
          if (text.trim() !== '') {
            try {
              parsed = JSON.parse(text);
            } catch (cause) {
              reject(
                new ExopsError(ExopsErrorCode.HTTP_STATUS, `${url.host} answered ${method} ${url.pathname} with HTTP ${status} and a body that is not JSON.`, {
                  cause,
                  remedy: 'Something between exops and the sign-in service (a proxy, a captive portal) answered instead: check --proxy and --authority.',
                  details: { status, contentType: responseHeaders['content-type'], bodyStart: redactText(text.slice(0, 200)) },
                }),
              );
              return;
            }
          }
          resolve({ status, headers: responseHeaders, body: parsed as T });
        });
      });
      req.once('timeout', () => {
        const error = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
        req.destroy(error);
      });
      req.once('error', (cause: Error & { code?: string }) => {
        if (cause.code === 'ETIMEDOUT') {
          reject(
            new ExopsError(ExopsErrorCode.HTTP_TIMEOUT, `${url.host} did not answer within ${timeoutMs} ms.`, {
              cause,
              remedy: 'Check the network and the proxy, then try again.',
            }),
          );
          return;
        }
        reject(classifyTransportError(cause, url));
      });
      req.end(body);
    });
  }

  async function sendRecorded<T>(method: 'GET' | 'POST', url: string, request: NetworkRequestOptions | undefined, timeoutMs: number): Promise<NetworkResponse<T>> {
    try {
      return await send<T>(method, url, request, timeoutMs);
    } catch (error) {
      lastError = error instanceof ExopsError ? error : undefined;
      throw error;
    }
  }

  return {
    sendGetRequestAsync: <T>(url: string, request?: NetworkRequestOptions, timeout?: number) =>
      sendRecorded<T>('GET', url, request, timeout ?? options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS),
    sendPostRequestAsync: <T>(url: string, request?: NetworkRequestOptions) =>
      sendRecorded<T>('POST', url, request, options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS),
    takeLastError() {
      const error = lastError;
      lastError = undefined;
      return error;
    },
  };
}
