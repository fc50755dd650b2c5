/** `exops sessions list|remove`: the Get-PSSession | Remove-PSSession of exops, over WS-Management Enumerate/Delete. */
import { createDefaultHttpTransport, listRemoteSessions, removeRemoteSessions } from '@exops/exo-client';
import type { RemoveSessionsResult } from '@exops/exo-client';
import type { RemoteSessionInfo, TokenProvider } from '@exops/contracts';
import type { ResolvedConnection } from './connection.js';

async function withSessionsClient<T>(conn: ResolvedConnection, provider: TokenProvider, run: (options: Parameters<typeof listRemoteSessions>[0]) => Promise<T>): Promise<T> {
  const http = createDefaultHttpTransport(conn.network, 'rps');
  try {
    const token = await provider.getToken();
    return await run({
      http,
      connectionUri: conn.environment.rpsConnectionUri,
      token,
      ...(conn.delegatedOrganization === undefined ? {} : { delegatedOrganization: conn.delegatedOrganization }),
      ...(conn.upn === undefined ? {} : { upn: conn.upn }),
    });
  } finally {
    await http.close();
  }
}

export function listSessionsFor(conn: ResolvedConnection, provider: TokenProvider): Promise<RemoteSessionInfo[]> {
  return withSessionsClient(conn, provider, (options) => listRemoteSessions(options));
}

export function removeSessionsFor(
  conn: ResolvedConnection,
  provider: TokenProvider,
  selection: { ids?: string[]; all?: boolean; onlyExops?: boolean },
): Promise<RemoveSessionsResult> {
  const sel =
    selection.ids !== undefined && selection.ids.length > 0
      ? { ids: selection.ids }
      : selection.all === true
        ? { all: true as const, ...(selection.onlyExops === true ? { onlyExops: true } : {}) }
        : { onlyExops: true as const };
  return withSessionsClient(conn, provider, (options) => removeRemoteSessions(options, sel));
}

/** Age in a short human form: 42s, 5m, 3h 10m. */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}
