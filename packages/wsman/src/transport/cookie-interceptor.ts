/**
 * A cookie jar as an undici interceptor: `Set-Cookie` answers go into a tough-cookie jar and each request carries the
 * cookies that jar holds for its URL. Exchange pins a session to one backend with cookies (MS-WSMV 3.1.4.1.31.4
 * allows the `MS-WSMAN` affinity cookie); undici parses cookies but keeps no jar.
 */
import type { Dispatcher } from 'undici';
import type { CookieJar } from 'tough-cookie';

type DispatchHandler = Dispatcher.DispatchHandler;
type DispatchController = Dispatcher.DispatchController;
type IncomingHeaders = Parameters<NonNullable<DispatchHandler['onResponseStart']>>[2];

function requestUrl(opts: Dispatcher.DispatchOptions): string {
  return new URL(opts.path, opts.origin ?? 'http://localhost').href;
}

/** Forwards every handler method explicitly: undici handlers are class instances, so spreading one throws. */
class CookieStoringHandler implements DispatchHandler {
  readonly #inner: DispatchHandler;
  readonly #jar: CookieJar;
  readonly #url: string;

  constructor(inner: DispatchHandler, jar: CookieJar, url: string) {
    this.#inner = inner;
    this.#jar = jar;
    this.#url = url;
  }

  onRequestStart(controller: DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: DispatchController, statusCode: number, headers: IncomingHeaders, socket: import('node:stream').Duplex): void {
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: IncomingHeaders, statusMessage?: string): void {
    const setCookie = headers['set-cookie'];
    const values = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
    for (const value of values) {
      // A malformed or foreign-domain cookie is the server's mistake; dropping it matches browsers and curl.
      this.#jar.setCookieSync(value, this.#url, { ignoreError: true });
    }
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: DispatchController, trailers: IncomingHeaders): void {
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: DispatchController, error: Error): void {
    this.#inner.onResponseError?.(controller, error);
  }
}

function withCookieHeader(headers: Dispatcher.DispatchOptions['headers'], cookie: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers !== undefined && headers !== null) {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (value === undefined) continue;
      out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
    }
  }
  const existing = out['cookie'];
  out['cookie'] = existing === undefined || existing === '' ? cookie : `${String(existing)}; ${cookie}`;
  return out;
}

/** The undici interceptor over `jar`. Compose it onto an Agent: `agent.compose(createCookieInterceptor(jar))`. */
export function createCookieInterceptor(jar: CookieJar): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const url = requestUrl(opts);
    const cookie = jar.getCookieStringSync(url);
    const next = cookie === '' ? opts : { ...opts, headers: withCookieHeader(opts.headers, cookie) };
    return dispatch(next, new CookieStoringHandler(handler, jar, url));
  };
}
