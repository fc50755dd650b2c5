import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

/** The answer to a CONNECT: the status, and the tunnel socket when it opened (status 200). */
export interface ConnectTunnel {
  readonly status: number;
  readonly statusText: string;
  readonly socket: Socket | undefined;
}

/** `Proxy-Authorization` for credentials given in the proxy URL. */
function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

/** Sends `CONNECT host:port` (RFC 9110 §9.3.6) to an HTTP(S) proxy. */
export function openConnectTunnel(proxyUrl: string, host: string, port: number, timeoutMs: number, ca?: readonly string[]): Promise<ConnectTunnel> {
  const proxy = new URL(proxyUrl);
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const request = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ConnectTunnel>((resolve, reject) => {
    const req = request({
      host: proxy.hostname,
      port: proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuthorization(proxy) },
      timeout: timeoutMs,
      ...(ca === undefined ? {} : { ca: [...ca] }),
    });
    req.once('connect', (res: IncomingMessage, socket: Socket) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) socket.destroy();
      resolve({ status, statusText: res.statusMessage ?? '', socket: status === 200 ? socket : undefined });
    });
    // A proxy that answers CONNECT with a body-less error still ends the request; read it as the status.
    req.once('response', (res: IncomingMessage) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', socket: undefined });
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error(`the proxy ${proxy.host} did not answer CONNECT within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end();
  });
}
