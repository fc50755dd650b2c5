/** An Exchange half plus the RPS endpoint over it, with opaque test tokens (never JWT-shaped) and a settable clock. */
import type { EmulatorClock, TokenVerification, VerifiedAccessToken } from '../../types.js';
import { createExchangeService, type ExchangeService } from '../../exchange/index.js';
import type { FaultInjector } from '../../faults.js';
import { createRpsEndpoint, type RpsEndpoint } from '../routes.js';

export interface RpsFixture {
  readonly exchange: ExchangeService;
  readonly endpoint: RpsEndpoint;
  readonly clock: EmulatorClock;
  tokenFor(upn: string, expiresInSeconds?: number): string;
  /** Events the endpoint has pulled from the engine so far. */
  pulled(): number;
  upnOf(aliasOrUpn: string): string;
}

export function createRpsFixture(options: { mailboxCount?: number; faults?: Pick<FaultInjector, 'decide'>; operationTimeoutCapSeconds?: number } = {}): RpsFixture {
  let now = new Date('2026-03-01T12:00:00Z').getTime();
  const clock: EmulatorClock = { now: () => new Date(now), shift: (seconds) => void (now += seconds * 1000) };
  const tokens = new Map<string, VerifiedAccessToken>();
  let counter = 0;
  const verifyAccessToken = async (token: string): Promise<TokenVerification> => {
    const known = tokens.get(token);
    if (known === undefined) return { ok: false, reason: 'malformed', message: 'Not a test token.' };
    if (known.expiresAt.getTime() <= clock.now().getTime()) return { ok: false, reason: 'expired', message: 'Lifetime validation failed, the token is expired.' };
    return { ok: true, token: known };
  };
  const exchange = createExchangeService({ tenantSeed: 'rps-test', mailboxCount: options.mailboxCount ?? 50, clock, verifyAccessToken });
  let pulled = 0;
  const engine = exchange.engine;
  const counting: ExchangeService = {
    ...exchange,
    engine: {
      ...engine,
      runCmdlet: (caller, name, parameters, runOptions) =>
        (async function* () {
          for await (const event of engine.runCmdlet(caller, name, parameters, runOptions)) {
            pulled++;
            yield event;
          }
        })(),
    },
  };
  const endpoint = createRpsEndpoint({
    exchange: counting,
    verifyAccessToken,
    clock,
    operationTimeoutCapSeconds: options.operationTimeoutCapSeconds ?? 0.3,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  return {
    exchange,
    endpoint,
    clock,
    pulled: () => pulled,
    tokenFor(upn, expiresInSeconds = 3600) {
      const user = exchange.directory.findUser(upn);
      if (user === undefined) throw new Error(`no user ${upn}`);
      const id = `rps-test-token-${++counter}`;
      tokens.set(id, {
        tenantId: user.tenantId,
        upn: user.upn,
        objectId: user.objectId,
        appId: 'a0c73c16-a7e3-4564-9a95-2bdf47383716',
        scopes: ['user_impersonation'],
        roles: [],
        expiresAt: new Date(clock.now().getTime() + expiresInSeconds * 1000),
        kind: 'delegated',
      });
      return id;
    },
    upnOf(aliasOrUpn) {
      const user = exchange.directory.findUser(aliasOrUpn);
      if (user === undefined) throw new Error(`no user ${aliasOrUpn}`);
      return user.upn;
    },
  };
}
