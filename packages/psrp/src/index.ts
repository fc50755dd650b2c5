/**
 * @exops/psrp: MS-PSRP without I/O. Fragments, messages, CLIXML, payload builders and parsers, and the client and
 * server runspace pool and pipeline state machines. Bytes in, typed values out; the transport lives elsewhere.
 */
export * from './clixml/index.js';
export {
  DEFAULT_MAX_FRAGMENT_SIZE,
  Defragmenter,
  FRAGMENT_HEADER_SIZE,
  FragmentFlags,
  assertFragmentSize,
  buildFragment,
  concatBytes,
  encodeFragments,
  parseFragments,
} from './fragment.js';
export type { DefragmentedMessage, DefragmenterOptions, Fragment } from './fragment.js';
export {
  Destination,
  MESSAGE_HEADER_SIZE,
  MessageType,
  decodeMessage,
  encodeMessage,
  messagePipelineId,
  messageRunspacePoolId,
  messageTypeName,
} from './message.js';
export type { MessageTypeCode, MessageTypeName, PsrpMessage, PsrpMessageInit } from './message.js';
export { EMPTY_GUID_BYTES, guidFromBytes, guidKey, guidToBytes, isEmptyGuid, randomGuidBytes, toGuidBytes } from './guid.js';
export {
  ApartmentState,
  CommandTypes,
  ErrorCategory,
  HostMethodIdentifier,
  PSInvocationState,
  PSThreadOptions,
  PipelineResultTypes,
  RemoteStreamOptions,
  RunspacePoolState,
  enumName,
  flagsToString,
} from './enums.js';
export type {
  ApartmentStateName,
  ErrorCategoryName,
  HostMethodName,
  PSInvocationStateName,
  PSThreadOptionsName,
  PipelineResultTypesName,
  RunspacePoolStateName,
} from './enums.js';
export { decodeBody, encodeBody } from './codec.js';
export { joinFragments } from './endpoint.js';
export type { EndpointOptions, ReceivedMessage, RejectedMessage } from './endpoint.js';
export { EnumTypeName, buildNullHostInfo, buildPrimitiveDictionary, toPSValue } from './payloads/values.js';
export type { PSInput } from './payloads/values.js';
export * from './payloads/session.js';
export * from './payloads/pipeline.js';
export * from './payloads/records.js';
export * from './payloads/host.js';
export { buildHostInfo, parseHostInfo } from './payloads/host-info.js';
export type { HostCoordinates, HostDefaultData, HostInfoOptions, HostSize } from './payloads/host-info.js';
export { parsePayload } from './payloads/index.js';
export type { PsrpPayload } from './payloads/index.js';
export { ClientPipeline, PSRP_STOP_SIGNAL, RunspacePoolClient, WSMAN_TERMINATE_SIGNAL, toCommandStreamEvent } from './client.js';
export type { ClientEvent, ClientPipelineOptions, InvalidMessageEvent, RunspacePoolClientOptions, RunspaceRequestKind } from './client.js';
export { RunspacePoolServer, ServerPipeline } from './server.js';
export type { RunspacePoolServerOptions, ServerEvent } from './server.js';
