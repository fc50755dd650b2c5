/**
 * Maps what undici and Node raise (system errors, `UND_ERR_*`, OpenSSL verification codes) to ExopsError codes
 * with the host:port, the cause and a fix. Pure: no I/O, so every branch is unit-testable with fabricated errors.
 */
import { ExopsError, ExopsErrorCode, redactText } from '@exops/contracts';

/** Where a failed request was going. */
export interface NetworkErrorContext {
  readonly url: URL;
  /** The proxy the request went through, if any. */
  readonly proxy?: URL | undefined;
  readonly method: string;
  readonly connectTimeoutMs?: number | undefined;
  readonly readTimeoutMs?: number | undefined;
  /** The caller's signal: when it fired, the failure is a cancellation, not a network fault. */
  readonly signal?: AbortSignal | undefined;
}

const UNKNOWN_ISSUER_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
]);
const EXPIRED_CERT_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_EXPIRED']);
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EHOSTDOWN', 'ENETDOWN']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

/** host:port of a URL, with the scheme's default port spelled out. */
export function hostPortOf(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.hostname}:${port}`;
}

/** A URL safe to show: no userinfo, secret-shaped query values replaced. */
export function redactUrl(url: URL | string): string {
  const u = new URL(typeof url === 'string' ? url : url.href);
  const hadUser = u.username !== '' || u.password !== '';
  u.username = '';
  u.password = '';
  const text = redactText(u.href);
  return hadUser ? text.replace('://', '://[REDACTED]@') : text;
}

/** The first error code found on an error, its cause chain or an AggregateError's members (happy eyeballs). */
export function errorCodeOf(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== 'UND_ERR_CONNECT' && code !== 'UND_ERR_SOCKET') return code;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const member of nested) {
      const inner = errorCodeOf(member, depth + 1);
      if (inner !== undefined) return inner;
    }
  }
  const fromCause = errorCodeOf((error as { cause?: unknown }).cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when a system error names the proxy's address, i.e. the hop to the proxy failed, not the one beyond it. */
function failedAtProxy(error: unknown, proxy: URL): boolean {
  const e = error as { address?: unknown; port?: unknown; hostname?: unknown; errors?: unknown[] };
  const proxyPort = hostPortOf(proxy).split(':').pop();
  const candidates = [e, ...(Array.isArray(e.errors) ? (e.errors as typeof e[]) : [])];
  return candidates.some((c) => {
    if (typeof c !== 'object' || c === null) return false;
    if (c.hostname === proxy.hostname) return true;
    return (c.address === proxy.hostname || c.address === proxy.hostname.replace(/^\[|\]$/g, '')) && String(c.port) === proxyPort;
  });
}

/**
 * Turns a failure of one HTTP exchange into an ExopsError: NETWORK, HTTP_TIMEOUT, TLS, PROXY or ABORTED, naming the
 * host:port, the underlying code and what to do. An ExopsError passes through unchanged.
 */
export function toNetworkError(error: unknown, context: NetworkErrorContext): ExopsError {
  if (error instanceof ExopsError) return error;
  const target = hostPortOf(context.url);
  const code = errorCodeOf(error);
  const raw = redactText(messageOf(error));
  const details: Record<string, unknown> = {
    host: context.url.hostname,
    port: Number(hostPortOf(context.url).split(':').pop()),
    url: redactUrl(context.url),
    method: context.method,
    ...(code === undefined ? {} : { causeCode: code }),
    causeMessage: raw,
    ...(context.proxy === undefined ? {} : { proxy: redactUrl(context.proxy) }),
  };
  const make = (c: ExopsErrorCode, message: string, remedy: string): ExopsError =>
    new ExopsError(c, message, { remedy, cause: error, details });
  const via = context.proxy === undefined ? '' : ` through the proxy ${hostPortOf(context.proxy)}`;

  if (context.signal?.aborted === true) {
    return make(ExopsErrorCode.ABORTED, `The request to ${target} was cancelled.`, 'Nothing to fix: the operation was cancelled by the caller.');
  }

  // A tunnel the proxy refused: undici reports the CONNECT status in the message.
  const tunnel = /Proxy response \((\d{3})\) !== 200/.exec(raw);
  if (tunnel !== null && context.proxy !== undefined) {
    const status = Number(tunnel[1]);
    if (status === 407) {
      return make(
        ExopsErrorCode.PROXY,
        `The proxy ${hostPortOf(context.proxy)} asked for authentication (407) before opening a tunnel to ${target}.`,
        'Put the proxy credentials in the proxy URL (http://user:password@proxy:port), or ask for this host to be allowed without authentication.',
      );
    }
    return make(
      ExopsErrorCode.PROXY,
      `The proxy ${hostPortOf(context.proxy)} refused to open a tunnel to ${target} (HTTP ${status}).`,
      `Ask the proxy administrators to allow CONNECT to ${target}, or add the host to NO_PROXY if it is reachable directly.`,
    );
  }
  if (code === 'UND_ERR_PRX_TLS') {
    return make(
      ExopsErrorCode.PROXY,
      `The TLS certificate of the proxy ${context.proxy === undefined ? '' : hostPortOf(context.proxy)} does not match its name.`,
      'Use the proxy host name its certificate was issued for.',
    );
  }

  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    const ms = context.connectTimeoutMs === undefined ? '' : ` after ${context.connectTimeoutMs} ms`;
    if (context.proxy !== undefined) {
      return make(
        ExopsErrorCode.PROXY,
        `Connecting to ${target}${via} timed out${ms}.`,
        'Check that the proxy is reachable and allows CONNECT to this host, or raise --connect-timeout.',
      );
    }
    return make(
      ExopsErrorCode.HTTP_TIMEOUT,
      `Connecting to ${target} timed out${ms}.`,
      'A firewall may be dropping the connection: check that outbound HTTPS (port 443) is allowed, set HTTPS_PROXY if your network needs a proxy, or raise --connect-timeout.',
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const ms = context.readTimeoutMs === undefined ? '' : ` for ${context.readTimeoutMs} ms`;
    return make(
      ExopsErrorCode.HTTP_TIMEOUT,
      `${target}${via} sent no ${code === 'UND_ERR_HEADERS_TIMEOUT' ? 'response' : 'further data'}${ms}.`,
      'The server or a proxy stalled. Retry; if it persists, raise the read timeout above the WS-Management OperationTimeout or check the proxy.',
    );
  }

  if (code !== undefined && (UNKNOWN_ISSUER_CODES.has(code) || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')) {
    const selfSigned = code === 'DEPTH_ZERO_SELF_SIGNED_CERT';
    return make(
      ExopsErrorCode.TLS,
      `The TLS certificate of ${target}${via} is not trusted: ${selfSigned ? 'it is self-signed' : 'it was issued by an unknown authority'} (${code}).`,
      selfSigned
        ? 'If you trust this server, pass --ca-file with its certificate (PEM). TLS verification cannot be turned off.'
        : 'This is usually a TLS-inspecting proxy or a private CA: pass --ca-file with its certificate (PEM), or set NODE_EXTRA_CA_CERTS. TLS verification cannot be turned off.',
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return make(
      ExopsErrorCode.TLS,
      `The TLS certificate of ${target}${via} was issued for another name (${code}).`,
      'Connect with the host name the certificate names; if you did, a proxy or DNS entry is sending you to another server.',
    );
  }
  if (code !== undefined && EXPIRED_CERT_CODES.has(code)) {
    return make(
      ExopsErrorCode.TLS,
      `The TLS certificate of ${target}${via} is outside its validity period (${code}).`,
      "Check this computer's clock and time zone; if it is right, the server's certificate has expired.",
    );
  }
  if (code !== undefined && NOT_TLS_CODES.has(code)) {
    return make(
      ExopsErrorCode.TLS,
      `${target}${via} did not answer with TLS (${code}).`,
      'Check the scheme and port of the connection URI (https on 443/5986, http on 80/5985).',
    );
  }
  if (code !== undefined && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO' || /CERT/.test(code))) {
    return make(
      ExopsErrorCode.TLS,
      `The TLS handshake with ${target}${via} failed (${code}).`,
      'A TLS-inspecting proxy or an outdated server may be involved: pass --ca-file for a private CA, and check that the server supports TLS 1.2 or later.',
    );
  }

  if (context.proxy !== undefined && failedAtProxy(error, context.proxy)) {
    return make(
      ExopsErrorCode.PROXY,
      `The proxy ${hostPortOf(context.proxy)} could not be reached (${code ?? raw}).`,
      'Check the proxy URL in --proxy or HTTPS_PROXY, or add this host to NO_PROXY if it is reachable directly.',
    );
  }
  if (code === 'ECONNREFUSED') {
    return make(
      ExopsErrorCode.NETWORK,
      `${target}${via} refused the connection (ECONNREFUSED).`,
      'Check the host and port of the connection URI; nothing is listening there, or a firewall rejects it.',
    );
  }
  if (code !== undefined && DNS_CODES.has(code)) {
    return make(
      ExopsErrorCode.NETWORK,
      `The name ${context.url.hostname} could not be resolved (${code}).`,
      'Check the spelling of the host and your DNS; on networks that only resolve through a proxy, set HTTPS_PROXY.',
    );
  }
  if (code !== undefined && RESET_CODES.has(code)) {
    return make(
      ExopsErrorCode.NETWORK,
      `The connection to ${target}${via} was closed before the response was complete (${code}).`,
      'A firewall, proxy or load balancer dropped the connection. Retry; if it repeats, check proxy and firewall rules for this host.',
    );
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return make(
      ExopsErrorCode.NETWORK,
      `${target}${via} could not be reached (${code}).`,
      'Check the network connection and routes; set HTTPS_PROXY if this network only reaches the internet through a proxy.',
    );
  }
  return make(
    ExopsErrorCode.NETWORK,
    `The request to ${target}${via} failed: ${raw}`,
    'Check the network path to the server (proxy, firewall, DNS) and retry.',
  );
}
