/**
 * The HttpTransport of exops over undici: kept-alive sockets (one per origin by default), a cookie jar, redirects
 * that never carry Authorization to another origin, proxies with NO_PROXY, extra CAs on top of Node's roots, error
 * mapping with remedies and a redacted wire log. TLS verification is always on: there is no option to disable it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates as tlsRootCertificates, type SecureContext } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { CookieJar } from 'tough-cookie';
import {
  ExopsError,
  ExopsErrorCode,
  redactHeaders,
  redactText,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type NetworkOptions,
} from '@exops/contracts';
import { createCookieInterceptor } from './cookie-interceptor.js';
import { secretsOfAuthorization } from './authorization.js';
import { hostPortOf, redactUrl, toNetworkError } from './network-errors.js';
import { parseProxyUrl, resolveProxyFor, type ProxyEnvironment } from './proxy.js';

const packageJson = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The version of `@exops/wsman`, used in the User-Agent. */
export const WSMAN_PACKAGE_VERSION: string = packageJson.version;

/** Options of {@link createUndiciHttpTransport}. */
export interface UndiciTransportOptions extends NetworkOptions {
  /** Files with extra trusted CA certificates (PEM or DER), read once when the transport is created. */
  readonly caFile?: string | readonly string[] | undefined;
  /** Follow 3xx answers unless a request says otherwise (the V1 module's `-AllowRedirection`). Default true. */
  readonly followRedirects?: boolean | undefined;
  /** The most redirects followed for one request. Default 5. */
  readonly maxRedirects?: number | undefined;
  /** Read timeout for requests that set none, in ms. Default 120 000. */
  readonly readTimeoutMs?: number | undefined;
  /**
   * Sockets per origin. Default 1: requests to one origin share one kept-alive socket in order, which keeps the
   * service's session affinity predictable. A request queues behind an outstanding long-poll Receive.
   */
  readonly connectionsPerOrigin?: number | undefined;
  /** How long an idle socket is kept, in ms. Default 30 000, below the idle limits of IIS and Azure load balancers. */
  readonly keepAliveTimeoutMs?: number | undefined;
  /** Sent when a request has no User-Agent. Default `exops/<version>`. */
  readonly userAgent?: string | undefined;
  /** Also write request and response bodies (redacted) to `wireLog`. Default false. */
  readonly wireLogBodies?: boolean | undefined;
  /** The largest response body accepted, in bytes. Default 256 MiB. */
  readonly maxResponseBytes?: number | undefined;
  /** Where proxy variables are read. Default `process.env`. */
  readonly env?: ProxyEnvironment | undefined;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits PEM text into certificates, checking that each parses. */
function pemCertificates(text: string, source: string): string[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `${source} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`, {
      remedy: 'Give the CA certificate in PEM or DER form (export it from the proxy or the certificate store as Base-64 X.509).',
    });
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (cause) {
      throw new ExopsError(ExopsErrorCode.CONFIG, `${source} holds a certificate that cannot be parsed.`, {
        remedy: 'Export the CA certificate again in PEM (Base-64 X.509) form.',
        cause,
      });
    }
  }
  return blocks;
}

function readCaFile(file: string): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The CA file ${file} cannot be read: ${(cause as Error).message}`, {
      remedy: 'Check the path given to --ca-file and that this user may read it.',
      cause,
    });
  }
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) return pemCertificates(text, `The CA file ${file}`);
  try {
    return [new X509Certificate(bytes).toString()];
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The CA file ${file} is neither a PEM nor a DER certificate.`, {
      remedy: 'Export the CA certificate in PEM (Base-64 X.509) or DER form.',
      cause,
    });
  }
}

/**
 * Node's roots plus `NODE_EXTRA_CA_CERTS` plus the caller's CAs, or undefined when the caller adds none (Node's
 * default store then applies unchanged). Passing `ca` replaces Node's store, so the defaults are re-added.
 */
export function buildTrustedCertificates(options: Pick<UndiciTransportOptions, 'ca' | 'caFile' | 'env'>): string[] | undefined {
  const extra: string[] = [];
  const cas = options.ca === undefined ? [] : typeof options.ca === 'string' ? [options.ca] : options.ca;
  cas.forEach((pem, i) => extra.push(...pemCertificates(pem, `CA certificate #${i + 1}`)));
  const files = options.caFile === undefined ? [] : typeof options.caFile === 'string' ? [options.caFile] : options.caFile;
  for (const file of files) extra.push(...readCaFile(file));
  if (extra.length === 0) return undefined;
  const nodeExtra: string[] = [];
  const nodeExtraFile = (options.env ?? process.env)['NODE_EXTRA_CA_CERTS'];
  if (nodeExtraFile !== undefined && nodeExtraFile !== '') {
    try {
      nodeExtra.push(...(readFileSync(nodeExtraFile, 'latin1').match(PEM_BLOCK) ?? []));
    } catch {
      // Node already warned about an unreadable NODE_EXTRA_CA_CERTS at start-up; the caller's CAs still apply.
    }
  }
  return [...tlsRootCertificates, ...nodeExtra, ...extra];
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function toBuffer(body: string | Uint8Array | undefined): Buffer | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function normalizeResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

interface Exchange {
  readonly url: URL;
  readonly method: HttpRequest['method'];
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly readTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly secrets: readonly string[];
}

class UndiciHttpTransport implements HttpTransport {
  readonly #options: UndiciTransportOptions;
  readonly #jar = new CookieJar();
  readonly #ca: string[] | undefined;
  /**
   * One TLS context for every connection: handing `ca` to each connect builds a context per socket (measured 12 ms
   * against 0.8 ms), which dominates a burst of new connections such as `invokeMany` opening its pool.
   */
  readonly #secureContext: SecureContext | undefined;
  readonly #env: ProxyEnvironment;
  #direct: Dispatcher | undefined;
  #directAgent: Agent | undefined;
  readonly #proxies = new Map<string, { agent: ProxyAgent; dispatcher: Dispatcher }>();
  #closed = false;

  constructor(options: UndiciTransportOptions) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#ca = buildTrustedCertificates(options);
    this.#secureContext = this.#ca === undefined ? undefined : createSecureContext({ ca: this.#ca });
    if (typeof options.proxy === 'string') parseProxyUrl(options.proxy);
  }

  #tls(): { timeout?: number; secureContext?: SecureContext; rejectUnauthorized: true } {
    return {
      rejectUnauthorized: true,
      ...(this.#options.connectTimeoutMs === undefined ? {} : { timeout: this.#options.connectTimeoutMs }),
      ...(this.#secureContext === undefined ? {} : { secureContext: this.#secureContext }),
    };
  }

  #agentOptions(): Agent.Options {
    const keepAlive = this.#options.keepAliveTimeoutMs ?? 30_000;
    return {
      connections: this.#options.connectionsPerOrigin ?? 1,
      pipelining: 1,
      keepAliveTimeout: keepAlive,
      keepAliveMaxTimeout: Math.max(keepAlive, 120_000),
    };
  }

  #dispatcherFor(url: URL): { dispatcher: Dispatcher; proxy: URL | undefined } {
    const proxy = resolveProxyFor(url, this.#options.proxy, this.#env);
    if (proxy === undefined) {
      if (this.#direct === undefined) {
        const agent = new Agent({ ...this.#agentOptions(), connect: this.#tls() });
        this.#directAgent = agent;
        this.#direct = agent.compose(createCookieInterceptor(this.#jar));
      }
      return { dispatcher: this.#direct, proxy };
    }
    let entry = this.#proxies.get(proxy.href);
    if (entry === undefined) {
      const agent = new ProxyAgent({ ...this.#agentOptions(), uri: proxy.href, requestTls: this.#tls(), proxyTls: this.#tls() });
      entry = { agent, dispatcher: agent.compose(createCookieInterceptor(this.#jar)) };
      this.#proxies.set(proxy.href, entry);
    }
    return { dispatcher: entry.dispatcher, proxy };
  }

  #log(line: string): void {
    this.#options.wireLog?.(line);
  }

  #logBody(prefix: string, body: Uint8Array | undefined, secrets: readonly string[]): void {
    if (this.#options.wireLogBodies !== true || body === undefined || body.byteLength === 0) return;
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    for (const line of redactText(text, secrets).split(/\r?\n/)) this.#log(`${prefix} ${line}`);
  }

  async #exchangeOnce(x: Exchange): Promise<HttpResponse> {
    const { dispatcher, proxy } = this.#dispatcherFor(x.url);
    const started = performance.now();
    const shownUrl = redactUrl(x.url);
    if (this.#options.wireLog !== undefined) {
      this.#log(`> ${x.method} ${shownUrl}${proxy === undefined ? '' : ` (via proxy ${hostPortOf(proxy)})`}`);
      for (const [name, value] of Object.entries(redactHeaders(x.headers))) this.#log(`> ${name}: ${redactText(value, x.secrets)}`);
      this.#logBody('>', x.body, x.secrets);
    }
    const context = {
      url: x.url,
      proxy,
      method: x.method,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      readTimeoutMs: x.readTimeoutMs,
      signal: x.signal,
    };
    try {
      const response = await dispatcher.request({
        origin: x.url.origin,
        path: `${x.url.pathname}${x.url.search}`,
        method: x.method,
        headers: x.headers,
        body: x.body ?? null,
        headersTimeout: x.readTimeoutMs,
        bodyTimeout: x.readTimeoutMs,
        ...(x.signal === undefined ? {} : { signal: x.signal }),
      });
      const limit = this.#options.maxResponseBytes ?? 256 * 1024 * 1024;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > limit) {
          response.body.destroy();
          throw new ExopsError(ExopsErrorCode.NETWORK, `The response from ${hostPortOf(x.url)} exceeded ${limit} bytes.`, {
            remedy: 'The server sent more than exops accepts for one response; lower the page or envelope size of the request.',
            details: { url: shownUrl, limit },
          });
        }
        chunks.push(chunk);
      }
      const body = Buffer.concat(chunks, size);
      const headers = normalizeResponseHeaders(response.headers);
      if (this.#options.wireLog !== undefined) {
        this.#log(`< ${response.statusCode} ${x.method} ${shownUrl} ${Math.round(performance.now() - started)} ms, ${body.byteLength} bytes`);
        for (const [name, value] of Object.entries(redactHeaders(headers))) this.#log(`< ${name}: ${redactText(value, x.secrets)}`);
        this.#logBody('<', body, x.secrets);
      }
      return { status: response.statusCode, headers, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), url: x.url.href };
    } catch (error) {
      const mapped = toNetworkError(error, context);
      if (this.#options.wireLog !== undefined) {
        this.#log(`! ${x.method} ${shownUrl} ${Math.round(performance.now() - started)} ms: ${mapped.code} ${redactText(mapped.message, x.secrets)}`);
      }
      throw mapped;
    }
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) {
      throw new ExopsError(ExopsErrorCode.INTERNAL, 'The HTTP transport was used after close().', {
        remedy: 'Create a new transport for new connections.',
      });
    }
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (cause) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `'${redactText(request.url)}' is not a valid URL.`, { cause, remedy: 'Pass an absolute http(s) URL.' });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `The scheme ${url.protocol} is not supported.`, { remedy: 'Use an https:// (or http://) URL.' });
    }
    const headers = lowerCaseHeaders(request.headers);
    headers['user-agent'] ??= this.#options.userAgent ?? `exops/${WSMAN_PACKAGE_VERSION}`;
    const secrets = headers['authorization'] === undefined ? [] : secretsOfAuthorization(headers['authorization']);
    const follow = request.followRedirects ?? this.#options.followRedirects ?? true;
    const maxRedirects = this.#options.maxRedirects ?? 5;
    let x: Exchange = {
      url,
      method: request.method,
      headers,
      body: toBuffer(request.body),
      readTimeoutMs: request.readTimeoutMs ?? this.#options.readTimeoutMs ?? 120_000,
      signal: request.signal,
      secrets,
    };
    for (let hop = 0; ; hop += 1) {
      const response = await this.#exchangeOnce(x);
      const location = response.headers['location'];
      if (!follow || !REDIRECT_STATUSES.has(response.status) || typeof location !== 'string' || location === '') return response;
      x = this.#nextHop(x, response.status, location, hop, maxRedirects);
    }
  }

  #nextHop(x: Exchange, status: number, location: string, hop: number, maxRedirects: number): Exchange {
    if (hop >= maxRedirects) {
      throw new ExopsError(ExopsErrorCode.HTTP_STATUS, `${hostPortOf(x.url)} redirected more than ${maxRedirects} times.`, {
        remedy: 'The server is in a redirect loop; connect to the final URI directly with --connection-uri, or report it to the service owner.',
        details: { status, url: redactUrl(x.url), location: redactText(location) },
      });
    }
    let next: URL;
    try {
      next = new URL(location, x.url);
    } catch (cause) {
      throw new ExopsError(ExopsErrorCode.HTTP_STATUS, `${hostPortOf(x.url)} redirected to an invalid location.`, {
        remedy: 'Report the redirect to the service owner, or connect to the final URI directly.',
        cause,
        details: { status, location: redactText(location) },
      });
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new ExopsError(ExopsErrorCode.HTTP_STATUS, `${hostPortOf(x.url)} redirected to the unsupported scheme ${next.protocol}.`, {
        remedy: 'Connect to an https:// URI directly.',
        details: { status, location: redactUrl(next) },
      });
    }
    if (x.url.protocol === 'https:' && next.protocol === 'http:') {
      throw new ExopsError(ExopsErrorCode.HTTP_STATUS, `${hostPortOf(x.url)} redirected from HTTPS to plain HTTP (${redactUrl(next)}); exops does not follow that.`, {
        remedy: 'A downgrade would expose the session; if the endpoint really is plain HTTP, give it with --connection-uri.',
        details: { status, url: redactUrl(x.url), location: redactUrl(next) },
      });
    }
    const headers = { ...x.headers };
    if (next.origin !== x.url.origin) {
      // Credentials are for the origin the caller named; cookies follow the jar's own domain rules.
      delete headers['authorization'];
      delete headers['proxy-authorization'];
    }
    // RFC 9110 15.4.4: 303 means fetch the result with GET. For 301/302 browsers rewrite POST to GET, but a
    // WS-Management POST without its envelope means nothing; the WinRM client re-sends the request to the new URI
    // (-AllowRedirection), so the method and body are kept, as for 307/308 (RFC 9110 15.4.8, 15.4.9).
    if (status === 303 && x.method !== 'HEAD') {
      delete headers['content-type'];
      delete headers['content-length'];
      return { ...x, url: next, method: 'GET', headers, body: undefined };
    }
    return { ...x, url: next, headers };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const agents: Dispatcher[] = [...(this.#directAgent === undefined ? [] : [this.#directAgent]), ...[...this.#proxies.values()].map((p) => p.agent)];
    await Promise.all(agents.map((a) => a.close()));
  }
}

/**
 * Creates the undici-based {@link HttpTransport}. Reads `caFile` (and `NODE_EXTRA_CA_CERTS` when CAs are added) once,
 * here; throws a CONFIG ExopsError for an unreadable or malformed CA or proxy URL.
 */
export function createUndiciHttpTransport(options: UndiciTransportOptions = {}): HttpTransport {
  return new UndiciHttpTransport(options);
}
