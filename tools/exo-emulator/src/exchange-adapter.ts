/** Builds the emulator's own Exchange half for the server (the seam is {@link ExchangeHalf}): REST and RPS endpoints. */
import { createExchangeService, type ExchangeService } from './exchange/index.js';
import { createRpsRoutes } from './rps/index.js';
import type { ExchangeHalfContext } from './server.js';

/** The Exchange half: fixture directory, cmdlet engine, REST and RPS endpoints, session registry. */
export function createExchangeHalf(context: ExchangeHalfContext): ExchangeService {
  const half = createExchangeService({
    tenantSeed: context.tenantSeed,
    mailboxCount: context.mailboxCount,
    clock: context.clock,
    verifyAccessToken: context.verifyAccessToken,
    faults: context.faults,
    sessionCap: context.sessionCap,
    runspaceBudget: context.runspaceBudget,
  });
  const rps = createRpsRoutes({ exchange: half, verifyAccessToken: context.verifyAccessToken, clock: context.clock, ...(context.faults === undefined ? {} : { faults: context.faults }) });
  return { ...half, routes: [...rps, ...half.routes] };
}
