/** A small HTTPS client for tests: trusts the given CA, returns status, headers and text. */
import { request } from 'node:https';

/** A response as tests read it. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** Options of {@link httpsCall}. */
export interface HttpsCallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Form fields, sent as application/x-www-form-urlencoded. */
  readonly form?: Record<string, string>;
  readonly servername?: string;
}

/** Sends one request to `url` trusting `ca`. */
export function httpsCall(url: string, ca: string, options: HttpsCallOptions = {}): Promise<TestResponse> {
  const body = options.form !== undefined ? Buffer.from(new URLSearchParams(options.form).toString()) : options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), ca, headers, ...(options.servername !== undefined ? { servername: options.servername } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
