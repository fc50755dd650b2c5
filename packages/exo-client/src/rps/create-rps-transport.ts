/** The RPS transport for an ExoSession's transport context (what `createDefaultTransport('rps', context)` returns). */
import type { TransportContext } from '../session.js';
import { RpsTransport, type RpsTransportOptions } from './rps-transport.js';

/** Extra RPS settings a caller may pass besides the session options. */
export type RpsTransportExtras = Partial<Omit<RpsTransportOptions, 'http' | 'connectionUri' | 'delegatedOrganization' | 'upn' | 'onNotice'>>;

/**
 * Builds an RpsTransport from a session context: the environment's RPS URI (after `--connection-uri`), and the
 * session's delegated organization and `--upn`. Notices: `retry` goes to the session as is; `sessions-removed` goes as
 * a retry with its reason, since SessionNotice has no kind of its own for it; `envelope-size` is diagnostic only.
 */
export function createRpsTransport(context: TransportContext, extras: RpsTransportExtras = {}): RpsTransport {
  const o = context.options;
  return new RpsTransport({
    removeAbandonedSessions: o.removeAbandonedSessions,
    ...extras,
    http: context.http,
    connectionUri: context.environment.rpsConnectionUri,
    delegatedOrganization: o.delegatedOrganization,
    upn: o.upn,
    onNotice: (notice) => {
      if (notice.type === 'retry') context.emit({ type: 'retry', attempt: notice.attempt, delayMs: notice.delayMs, reason: notice.reason });
      else if (notice.type === 'sessions-removed') context.emit({ type: 'retry', attempt: 1, delayMs: 0, reason: `removed ${notice.ids.length} abandoned exops session(s): ${notice.ids.join(', ')}` });
    },
  });
}
