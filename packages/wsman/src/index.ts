// Protocol (pure envelopes, parsers, sizing): owned by the protocol half.
export * from './protocol/index.js';
// Transport (undici HttpTransport, authorization, WsmanClient): owned by the transport half.
export { createUndiciHttpTransport, buildTrustedCertificates, WSMAN_PACKAGE_VERSION } from './transport/undici-transport.js';
export type { UndiciTransportOptions } from './transport/undici-transport.js';
export { matchesNoProxy, parseProxyUrl, resolveProxyFor } from './transport/proxy.js';
export type { ProxyEnvironment } from './transport/proxy.js';
export { toNetworkError } from './transport/network-errors.js';
export type { NetworkErrorContext } from './transport/network-errors.js';
export {
  DEFAULT_RPS_PS_VERSION,
  buildAuthFailureError,
  buildBasicAuthorizationHeader,
  buildRpsConnectionUri,
  createRpsAuthorization,
  inferCredentialKind,
  secretsOfAuthorization,
} from './transport/authorization.js';
export type {
  AuthFailureInput,
  RpsAuthorizationOptions,
  RpsConnectionUriOptions,
  WsmanAuthorization,
  WsmanAuthorizationValue,
  WsmanCredentialKind,
} from './transport/authorization.js';
export { WSMAN_USER_AGENT, WsmanClient } from './transport/client.js';
export type { CreateShellOptions, CreatedShell, DisconnectOptions, ReceiveResult, WsmanClientOptions, WsmanServerConfig } from './transport/client.js';
