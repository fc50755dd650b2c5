/**
 * An msal-node network module (`system.networkClient`) over node:https that trusts the emulator's CA: the way a
 * client adds a CA since msal-node 5, and never by turning verification off.
 */
import { request } from 'node:https';

interface NetworkRequestOptions {
  headers?: Record<string, string>;
  body?: string;
}

interface NetworkResponse<T> {
  headers: Record<string, string>;
  body: T;
  status: number;
}

/** The two calls msal-common's INetworkModule declares (structurally, so MSAL's types stay out of this file). */
export interface TrustingNetworkModule {
  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>>;
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>>;
  /** Every URL requested, in order (paths only), for tests that assert which endpoints MSAL called. */
  readonly calls: string[];
}

/** Creates the module; `ca` is the emulator's CA certificate (PEM). */
export function createTrustingNetworkModule(ca: string): TrustingNetworkModule {
  const calls: string[] = [];
  const send = <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions = {}, timeout?: number): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      calls.push(`${method} ${new URL(url).pathname}`);
      const body = method === 'POST' ? Buffer.from(options.body ?? '') : undefined;
      const outgoing = request(
        url,
        { method, ca, headers: { ...(options.headers ?? {}), ...(body !== undefined ? { 'content-length': String(body.length) } : {}) }, ...(timeout !== undefined ? { timeout } : {}) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ headers, body: JSON.parse(text) as T, status: response.statusCode ?? 0 });
            } catch {
              reject(new Error(`Non-JSON response (${response.statusCode ?? 0}) from ${method} ${new URL(url).pathname}`));
            }
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`Request timeout after ${timeout ?? 0} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return {
    calls,
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
