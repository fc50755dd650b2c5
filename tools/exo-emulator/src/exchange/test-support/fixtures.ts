/** Test helpers: a settable clock, a fake token verifier (opaque test tokens, never JWT-shaped) and request builders. */
import type { CmdletParameterValue } from '@exops/contracts';
import type { EmulatorClock, EmulatorRequest, EmulatorResponse, TokenVerification, VerifiedAccessToken } from '../../types.js';
import { createExchangeService, type ExchangeService, type ExchangeServiceOptions } from '../index.js';
import type { ExchangeCaller, ExchangeEvent } from '../cmdlets/catalog-types.js';

export function createTestClock(start = new Date('2026-03-01T12:00:00Z')): EmulatorClock {
  let now = start.getTime();
  return { now: () => new Date(now), shift: (seconds) => void (now += seconds * 1000) };
}

export interface TestService extends ExchangeService {
  readonly clock: EmulatorClock;
  /** Issues an opaque token the fake verifier accepts. */
  tokenFor(who: { upn: string } | { appId: string; roles?: string[] }, options?: { expiresInSeconds?: number }): string;
  /** A caller in the user's own tenant (or `tenantId`). */
  callerFor(upn: string, tenantId?: string): ExchangeCaller;
}

export function createTestService(overrides: Partial<ExchangeServiceOptions> = {}): TestService {
  const clock = overrides.clock ?? createTestClock();
  const tokens = new Map<string, VerifiedAccessToken>();
  let counter = 0;
  const service = createExchangeService({
    tenantSeed: 'unit-test',
    mailboxCount: 50,
    clock,
    verifyAccessToken: async (token): Promise<TokenVerification> => {
      const known = tokens.get(token);
      if (known === undefined) return { ok: false, reason: 'malformed', message: 'Not a test token.' };
      if (known.expiresAt.getTime() <= clock.now().getTime()) return { ok: false, reason: 'expired', message: 'Lifetime validation failed, the token is expired.' };
      return { ok: true, token: known };
    },
    ...overrides,
  });
  return {
    ...service,
    clock,
    tokenFor(who, options = {}) {
      const expiresAt = new Date(clock.now().getTime() + (options.expiresInSeconds ?? 3600) * 1000);
      let token: VerifiedAccessToken;
      if ('upn' in who) {
        const user = service.directory.findUser(who.upn);
        if (user === undefined) throw new Error(`no user ${who.upn}`);
        token = { tenantId: user.tenantId, upn: user.upn, objectId: user.objectId, appId: 'fb78d390-0c51-40cd-8e17-fdbfab77341b', scopes: ['Exchange.Manage'], roles: [], expiresAt, kind: 'delegated' };
      } else {
        const app = service.directory.findApp(who.appId);
        if (app === undefined) throw new Error(`no app ${who.appId}`);
        token = { tenantId: app.tenantId, upn: undefined, objectId: app.appId, appId: app.appId, scopes: [], roles: who.roles ?? ['Exchange.ManageAsApp'], expiresAt, kind: 'app' };
      }
      const id = `test-token-${++counter}`;
      tokens.set(id, token);
      return id;
    },
    callerFor(upn, tenantId) {
      const user = service.directory.findUser(upn);
      if (user === undefined) throw new Error(`no user ${upn}`);
      return { kind: 'user', tenantId: tenantId ?? user.tenantId, homeTenantId: user.tenantId, upn: user.upn, appId: 'fb78d390-0c51-40cd-8e17-fdbfab77341b', objectId: user.objectId, roles: user.roles };
    },
  };
}

/** Collects every event of a command. */
export async function collect(events: AsyncIterable<ExchangeEvent>): Promise<ExchangeEvent[]> {
  const out: ExchangeEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

export const outputsOf = (events: ExchangeEvent[]) => events.flatMap((e) => (e.type === 'output' ? [e.value] : []));
export const errorsOf = (events: ExchangeEvent[]) => events.flatMap((e) => (e.type === 'error' ? [e.record] : []));
export const warningsOf = (events: ExchangeEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));

/** Builds an InvokeCommand request. */
export function invokeRequest(
  tenant: string,
  token: string | undefined,
  cmdlet: string,
  parameters: Record<string, CmdletParameterValue> = {},
  options: { headers?: Record<string, string>; url?: string; body?: string } = {},
): { request: EmulatorRequest; params: Record<string, string> } {
  const url = new URL(options.url ?? `https://127.0.0.1:4443/adminapi/beta/${tenant}/InvokeCommand`);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-cmdletname': cmdlet,
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...options.headers,
  };
  const body = options.body ?? JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } });
  return { request: { method: 'POST', url, headers, body: Buffer.from(body), remoteAddress: '127.0.0.1' }, params: { tenant } };
}

/** Parses a JSON response body. */
export function bodyOf(response: EmulatorResponse): Record<string, unknown> {
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}
