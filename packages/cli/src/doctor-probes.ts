/**
 * The doctor's token and Exchange probes, over @exops/auth and @exops/exo-client. They share one token provider and
 * open at most one REST session, closed by `close()`.
 */
import { parseTokenClaims } from '@exops/auth';
import type { ExchangeProbe, TokenProbe, TransportProbeState } from '@exops/doctor';
import { summarizeAccessToken } from '@exops/doctor';
import { ExoSession } from '@exops/exo-client';
import { ExopsErrorCode, isExopsError, PSObject } from '@exops/contracts';
import type { RemoteSessionInfo, TokenProvider } from '@exops/contracts';
import type { ResolvedConnection } from './connection.js';
import { listSessionsFor } from './sessions.js';

export interface SessionProbes {
  readonly token: TokenProbe;
  readonly exchange: ExchangeProbe;
  close(): Promise<void>;
}

function claimDate(value: unknown): Date | undefined {
  return typeof value === 'number' ? new Date(value * 1000) : undefined;
}

export function createSessionProbes(conn: ResolvedConnection, provider: TokenProvider): SessionProbes {
  let session: Promise<ExoSession> | undefined;
  const open = (transport: 'rest' | 'rps' | 'auto' = 'auto'): Promise<ExoSession> =>
    ExoSession.connect({
      environment: conn.environment,
      upn: conn.upn,
      transport,
      tokenProvider: provider,
      network: conn.network,
      delegatedOrganization: conn.delegatedOrganization,
      retry: { maxRetries: 1, baseDelayMs: 500, maxDelayMs: 2000 },
    });
  const shared = (): Promise<ExoSession> => (session ??= open(conn.transport));
  const token: TokenProbe = {
    async acquire() {
      const t = await provider.getToken();
      const claims = parseTokenClaims(t.token) as Record<string, unknown>;
      const aud = claims['aud'];
      const issuedAt = claimDate(claims['iat']);
      const notBefore = claimDate(claims['nbf']);
      return summarizeAccessToken(t, {
        ...(typeof aud === 'string' ? { audience: aud } : {}),
        ...(issuedAt === undefined ? {} : { issuedAt }),
        ...(notBefore === undefined ? {} : { notBefore }),
      });
    },
  };
  const exchange: ExchangeProbe = {
    async getUser(upn) {
      const s = await shared();
      const { output } = await s.invokeAll('Get-User', { Identity: upn });
      const user = output[0];
      if (!(user instanceof PSObject)) return { identity: upn };
      const rps = user.get('RemotePowerShellEnabled');
      const exo = user.get('EXOModuleEnabled');
      return {
        identity: String(user.get('UserPrincipalName') ?? upn),
        ...(typeof rps === 'boolean' ? { remotePowerShellEnabled: rps } : {}),
        ...(typeof exo === 'boolean' ? { exoModuleEnabled: exo } : {}),
      };
    },
    async listAllowedCmdlets() {
      const s = await shared();
      const { output } = await s.invokeAll('Get-Command', {});
      return output.map((o) => (o instanceof PSObject ? String(o.get('Name') ?? o.toString()) : String(o)));
    },
    async listSessions(): Promise<readonly RemoteSessionInfo[]> {
      return listSessionsFor(conn, provider);
    },
    async probeTransports() {
      const probe = async (kind: 'rest' | 'rps'): Promise<TransportProbeState> => {
        if (kind === 'rest' && conn.environment.restBaseUrl === undefined) return { state: 'unavailable', message: 'This cloud has no REST endpoint.' };
        try {
          const s = await open(kind);
          try {
            await s.invokeAll('Get-AcceptedDomain', {});
          } finally {
            await s.close();
          }
          return { state: 'available' };
        } catch (error) {
          if (isExopsError(error) && error.code === ExopsErrorCode.EXO_RPS_DISABLED) return { state: 'disabled', message: error.message };
          return { state: 'unavailable', message: error instanceof Error ? error.message : String(error) };
        }
      };
      return { rest: await probe('rest'), rps: await probe('rps') };
    },
  };
  return {
    token,
    exchange,
    async close() {
      if (session !== undefined) await (await session.catch(() => undefined))?.close();
    },
  };
}
