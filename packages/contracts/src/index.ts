export { ExopsError, ExopsErrorCode, isExopsError, toExopsError } from './errors.js';
export type { ExopsErrorOptions } from './errors.js';
export { createAbortError, sleepUnlessAborted } from './abort.js';
export { redactText, redactHeaders, REDACTION_MARKER } from './redact.js';
export {
  CLOUD_ENVIRONMENTS,
  EXO_CLIENT_IDS,
  createEmulatorEnvironment,
  getCloudEnvironment,
  parseHttpsUri,
  resolveCloudEnvironment,
} from './clouds.js';
export type { CloudEnvironment, CloudOverrides, ExchangeEnvironmentName } from './clouds.js';
export { buildBearerAuthorizationHeader, buildRpsAuthorizationHeader, createStaticTokenProvider } from './auth.js';
export type { AccessToken, SignInFlow, TokenProvider, TokenRequest } from './auth.js';
export { headerValue } from './http.js';
export type { HttpMethod, HttpRequest, HttpResponse, HttpTransport, NetworkOptions } from './http.js';
export {
  PSObject,
  PSPrimitive,
  PS_JSON_CYCLE_MARKER,
  createPSDictionary,
  createPSEnum,
  createPSList,
  createPSObject,
  psValueToDisplayString,
  psValueToJson,
} from './ps-object.js';
export type { PSContainer, PSJson, PSJsonOptions, PSPrimitiveTag, PSPrimitiveValueMap, PSValue } from './ps-object.js';
export type { CommandStreamEvent, PSErrorRecordInfo, PSInformationInfo, PSProgressInfo } from './streams.js';
export type {
  CmdletParameterValue,
  CmdletParameters,
  CmdletTransport,
  CommandInvocation,
  RemoteSessionInfo,
  TransportKind,
} from './transport.js';
