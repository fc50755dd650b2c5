/**
 * @exops/exo-emulator: a local Exchange Online and Entra ID over HTTPS. Start one with {@link startEmulator}; drive its
 * test hooks with {@link EmulatorAdminClient}; find a running one with {@link readEmulatorState}.
 */
export { startEmulator, isLoopbackAddress } from './server.js';
export type { StartEmulatorOptions, RunningEmulator, ExchangeHalf, ExchangeHalfContext, ExchangeHalfFactory } from './server.js';
export { EmulatorAdminClient, EmulatorAdminError } from './admin/client.js';
export type { EmulatorAdminClientOptions } from './admin/client.js';
export { createFaultInjector, parseFaultPlan, parseFaultSpec, parseLatencySpec, createSeededRandom, FaultPlanError, FAULT_KINDS } from './faults.js';
export type { FaultDecision, FaultInjector, FaultInjectorOptions, FaultKind, FaultPlan, FaultRequest, FaultRule, FaultRuleStats, LatencySpec } from './faults.js';
export { createEmulatorClock } from './clock.js';
export type { EmulatorClockOptions, ShiftableClock } from './clock.js';
export { readEmulatorState, writeEmulatorState, removeEmulatorState, STATE_FILE_NAME } from './state-file.js';
export type { EmulatorStateFile } from './state-file.js';
export { resolveStateDir } from './tls/state-dir.js';
export type { StateDirInputs } from './tls/state-dir.js';
export { ensureTlsMaterial } from './tls/certificates.js';
export type { TlsMaterial } from './tls/certificates.js';
export { FIRST_PARTY_CLIENTS, KNOWN_RESOURCES } from './identity/service.js';
export type { ClaimsRequestRecord, IdentityService, PendingDeviceCode, PendingMfaCode, PublicClient, TokenGrantRecord } from './identity/service.js';
export { EXCHANGE_APP_ID, EXCHANGE_RESOURCE } from './identity/tokens.js';
export type { DirectoryApp, DirectoryTenant, DirectoryUser, IdentityDirectory } from './identity/directory.js';
export { AADSTS } from './identity/entra-errors.js';
export type { EntraErrorBody } from './identity/entra-errors.js';
export type { EmulatorClock, EmulatorRequest, EmulatorResponse, Route, RouteHandler, TokenRejection, TokenVerification, VerifiedAccessToken } from './types.js';
export { createRpsRoutes, RPS_PATHS } from './rps/index.js';
export type { RpsRoutesOptions } from './rps/index.js';
