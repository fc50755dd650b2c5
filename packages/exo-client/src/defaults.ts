/** What `ExoSession.connect` uses when the caller injects nothing: undici, and the REST or RPS transport. */
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import type { CmdletTransport, HttpTransport, NetworkOptions, TransportKind } from '@exops/contracts';
import { createUndiciHttpTransport } from '@exops/wsman';
import { RestTransport } from './rest/rest-transport.js';
import { createRpsTransport } from './rps/create-rps-transport.js';
import type { TransportContext } from './session.js';

/**
 * Sockets per origin for REST: `invokeMany` runs up to this many commands at once; on one socket (HTTP/1.1, no
 * pipelining) its concurrency would queue behind a single connection and buy nothing.
 */
const REST_CONNECTIONS_PER_ORIGIN = 32;

/**
 * The undici transport. RPS gets two connections per origin: a Ctrl-C stop signal must not queue behind a Receive
 * that long-polls for up to the OperationTimeout on the only socket. REST keeps no server-side state per socket, so
 * it gets enough for `invokeMany`.
 */
export function createDefaultHttpTransport(network: NetworkOptions | undefined, kind: TransportKind): HttpTransport {
  return createUndiciHttpTransport({ ...(network ?? {}), connectionsPerOrigin: kind === 'rps' ? 2 : REST_CONNECTIONS_PER_ORIGIN });
}

/** The REST transport for a session context. */
export function createRestTransport(context: TransportContext): RestTransport {
  const base = context.environment.restBaseUrl;
  if (base === undefined) {
    throw new ExopsError(ExopsErrorCode.CLOUD, `${context.environment.displayName} has no REST endpoint.`, {
      remedy: 'Use --transport rps with its connection URI, or give --rest-base-url.',
    });
  }
  const o = context.options;
  return new RestTransport({
    http: context.http,
    baseUrl: base,
    organization: o.delegatedOrganization,
    ...(o.responseFormat === undefined ? {} : { responseFormat: o.responseFormat }),
    ...(o.pageSize === undefined ? {} : { pageSize: o.pageSize }),
    ...(o.retry === undefined ? {} : { retry: o.retry }),
    renewToken: (claims) => context.renewToken(claims),
    onRetry: (info) => context.emit({ type: 'retry', attempt: info.attempt, delayMs: info.delayMs, reason: info.reason }),
  });
}

export function createDefaultTransport(kind: TransportKind, context: TransportContext): CmdletTransport {
  return kind === 'rest' ? createRestTransport(context) : createRpsTransport(context);
}
