/**
 * The Exchange half of the emulator: the fixture directory, the cmdlet engine, the REST endpoint and the session
 * registry. The identity half and the server consume {@link createExchangeService}.
 */
import type { FaultInjector } from '../faults.js';
import type { EmulatorClock, Route, TokenVerification } from '../types.js';
import { createCmdletEngine, type CmdletEngine } from './cmdlets/engine.js';
import { createExchangeAdminRoutes } from './admin-routes.js';
import { createDirectory, type ExchangeDirectory } from './directory.js';
import { createRestRoutes } from './rest/invoke-command.js';
import { deriveGuid } from './seeded.js';
import { createSessionRegistry, type SessionRegistry } from './sessions.js';

export type { Directory, DirectoryApp, DirectoryTenant, DirectoryUser, ExchangeDirectory, MailboxRecord, MailboxKind } from './directory.js';
export { FIXTURE_TENANTS } from './directory.js';
export type { AccessLevel, CmdletDefinition, ExchangeCaller, ExchangeEvent, ParameterDefinition, ResumePoint } from './cmdlets/catalog-types.js';
export type { CmdletEngine, RunCmdletOptions } from './cmdlets/engine.js';
export type { ExchangeErrorRecord } from './cmdlets/error-records.js';
export { SessionLimitError } from './sessions.js';
export type { SessionOpenInfo, SessionRecord, SessionRegistry, SessionView } from './sessions.js';

/** Options of {@link createExchangeService} (the seam agreed with the identity half). */
export interface ExchangeServiceOptions {
  readonly tenantSeed: string;
  /** Mailboxes in contoso (named users included). Up to 10,000,000; nothing per mailbox is built up front. */
  readonly mailboxCount: number;
  readonly clock: EmulatorClock;
  readonly verifyAccessToken: (token: string) => Promise<TokenVerification>;
  readonly faults?: Pick<FaultInjector, 'decide'> | undefined;
  /** Open remote sessions per user. Default 5. */
  readonly sessionCap?: number | undefined;
  /** New remote sessions per user per window. Default 5 per 60 s. */
  readonly runspaceBudget?: { readonly count: number; readonly windowSeconds: number } | undefined;
}

/** The Exchange half as the server mounts it. */
export interface ExchangeService {
  /** REST endpoints (`/adminapi/beta/:tenant/InvokeCommand`, `/adminapi/beta/:tenant/$batch`). */
  readonly routes: Route[];
  /** Admin routes relative to `/_admin`. */
  readonly adminRoutes: Route[];
  readonly directory: ExchangeDirectory;
  readonly engine: CmdletEngine;
  readonly sessions: SessionRegistry;
}

/** Builds the Exchange half. Cheap and synchronous whatever `mailboxCount` is. */
export function createExchangeService(options: ExchangeServiceOptions): ExchangeService {
  const { tenantSeed: seed, clock } = options;
  const start = clock.now();
  // Creation dates spread back from two years before the clock's start, whole days so one seed gives one tenant.
  const baseTime = new Date(Math.floor(start.getTime() / 86400_000) * 86400_000 - 2 * 365 * 86400_000);
  const directory = createDirectory({ seed, mailboxCount: options.mailboxCount, baseTime });
  const engine = createCmdletEngine({ directory, clock, seed });
  const sessions = createSessionRegistry({
    clock,
    cap: options.sessionCap,
    budget: options.runspaceBudget,
    policyGuid: deriveGuid(seed, 'throttling-policy'),
  });
  const rest = createRestRoutes({ directory, engine, clock, verifyAccessToken: options.verifyAccessToken, faults: options.faults });
  return { routes: rest.routes, adminRoutes: createExchangeAdminRoutes(directory, sessions), directory, engine, sessions };
}
