/** The one HTTP seam of exops. `@exops/wsman` implements it over undici; tests may inject their own. */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
  /** Time allowed between bytes of the response, in ms; above the WS-Management OperationTimeout for Receive. */
  readonly readTimeoutMs?: number;
  /** Follow 3xx answers (the V1 module's `-AllowRedirection`). Default: the transport's setting. */
  readonly followRedirects?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Uint8Array;
  /** The final URL after redirects. */
  readonly url: string;
}

export interface HttpTransport {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes kept-alive connections. */
  close(): Promise<void>;
}

/** Network settings shared by every outbound connection: transports and MSAL alike. */
export interface NetworkOptions {
  /** Proxy URL; by default taken from HTTPS_PROXY / https_proxy, honouring NO_PROXY. `false` disables proxies. */
  readonly proxy?: string | false | undefined;
  /** Extra trusted CA certificates (PEM), added to Node's roots. TLS verification is never turned off. */
  readonly ca?: string | readonly string[] | undefined;
  /** Connect timeout in ms. */
  readonly connectTimeoutMs?: number | undefined;
  /** A sink for the redacted wire log (`--debug-wire`). */
  readonly wireLog?: ((line: string) => void) | undefined;
}

/** A header value as one string. */
export function headerValue(headers: Readonly<Record<string, string | string[]>>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
