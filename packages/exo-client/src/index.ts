/**
 * @exops/exo-client: Exchange Online PowerShell sessions over REST (InvokeCommand) and RPS (WS-Management + PSRP),
 * streaming, self-healing and leak-free.
 */
export { ExoSession, chooseTransport, resolveSessionEnvironment } from './session.js';
export type {
  BulkCommand,
  BulkResult,
  ExoSessionEvents,
  ExoSessionOptions,
  InvokeManyOptions,
  InvokeOptions,
  SessionNotice,
  TransportContext,
} from './session.js';
export { createDefaultHttpTransport, createDefaultTransport, createRestTransport } from './defaults.js';
export { MAX_BATCH_REQUESTS, RestTransport, jsonToPSValue, parseClaimsChallenge } from './rest/rest-transport.js';
export type { BatchItemResult, RestTransportOptions } from './rest/rest-transport.js';
export { buildInvokeCommandBody, encodeRestParameters, formatRestDate } from './rest/parameters.js';
export { buildRoutingHint } from './rest/routing.js';
export type { RoutingHint } from './rest/routing.js';
export { ExoCommandError, GENERIC_SERVER_ERROR, parseRestErrorResponse, parseServiceErrorRecord, splitServiceErrorMessage } from './rest/errors.js';
export { DEFAULT_RETRY_POLICY, TRANSIENT_SERVICE_EXCEPTIONS, isRetryableStatus, retryDelayMs } from './retry.js';
export type { RetryPolicy } from './retry.js';
export {
  EXOPS_SESSION_NAME_PREFIX,
  listRemoteSessions,
  parseRemoteSession,
  removeRemoteSessions,
  selectRemoteSessions,
} from './remote-sessions.js';
export type { RemoteSessionsOptions, RemoveSessionsResult, RemoveSessionsSelection } from './remote-sessions.js';
export { RpsTransport } from './rps/rps-transport.js';
export type { RpsNotice, RpsTransportOptions } from './rps/rps-transport.js';
export { createRpsTransport } from './rps/create-rps-transport.js';
export type { RpsTransportExtras } from './rps/create-rps-transport.js';
export { closeRegisteredForExit, registerForExit, sessionIdsOpenInThisProcess, unregisterForExit } from './rps/exit-registry.js';
export * from './rps/service-texts.js';
export { formatRemoteSessions } from './remote-sessions.js';
