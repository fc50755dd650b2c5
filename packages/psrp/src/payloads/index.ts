/** Every payload parser behind one switch: a decoded message's body to its typed content. */
import type { PSErrorRecordInfo, PSInformationInfo, PSProgressInfo, PSValue } from '@exops/contracts';
import type { MessageTypeName } from '../message.js';
import { parseHostCall, parseHostResponse, type HostCall, type ParsedHostResponse } from './host.js';
import { parseCreatePipeline, parseGetCommandMetadata, parsePipelineState, type ParsedCreatePipeline, type ParsedGetCommandMetadata, type PipelineStateInfo } from './pipeline.js';
import { parseErrorRecord, parseInformationRecord, parseInformationalRecord, parseProgressRecord } from './records.js';
import {
  parseApplicationPrivateData,
  parseCallIdRequest,
  parseConnectRunspacePool,
  parseEncryptedSessionKey,
  parseInitRunspacePool,
  parsePublicKey,
  parseRunspaceAvailability,
  parseRunspacePoolInitData,
  parseRunspacePoolState,
  parseSessionCapability,
  parseSetRunspaces,
  parseUserEvent,
  type ApplicationPrivateData,
  type InitRunspacePool,
  type RunspaceAvailability,
  type RunspaceLimits,
  type RunspacePoolStateInfo,
  type SessionCapability,
  type SetRunspaces,
  type UserEvent,
} from './session.js';

/** The typed content of any PSRP message. */
export type PsrpPayload =
  | { readonly messageType: 'SESSION_CAPABILITY'; readonly value: SessionCapability }
  | { readonly messageType: 'INIT_RUNSPACEPOOL'; readonly value: InitRunspacePool }
  | { readonly messageType: 'PUBLIC_KEY'; readonly value: string }
  | { readonly messageType: 'ENCRYPTED_SESSION_KEY'; readonly value: string }
  | { readonly messageType: 'PUBLIC_KEY_REQUEST'; readonly value: null }
  | { readonly messageType: 'CONNECT_RUNSPACEPOOL'; readonly value: RunspaceLimits | undefined }
  | { readonly messageType: 'RUNSPACEPOOL_INIT_DATA'; readonly value: RunspaceLimits }
  | { readonly messageType: 'RESET_RUNSPACE_STATE' | 'GET_AVAILABLE_RUNSPACES'; readonly value: bigint }
  | { readonly messageType: 'SET_MAX_RUNSPACES' | 'SET_MIN_RUNSPACES'; readonly value: SetRunspaces }
  | { readonly messageType: 'RUNSPACE_AVAILABILITY'; readonly value: RunspaceAvailability }
  | { readonly messageType: 'RUNSPACEPOOL_STATE'; readonly value: RunspacePoolStateInfo }
  | { readonly messageType: 'CREATE_PIPELINE'; readonly value: ParsedCreatePipeline }
  | { readonly messageType: 'USER_EVENT'; readonly value: UserEvent }
  | { readonly messageType: 'APPLICATION_PRIVATE_DATA'; readonly value: ApplicationPrivateData }
  | { readonly messageType: 'GET_COMMAND_METADATA'; readonly value: ParsedGetCommandMetadata }
  | { readonly messageType: 'RUNSPACEPOOL_HOST_CALL' | 'PIPELINE_HOST_CALL'; readonly value: HostCall }
  | { readonly messageType: 'RUNSPACEPOOL_HOST_RESPONSE' | 'PIPELINE_HOST_RESPONSE'; readonly value: ParsedHostResponse }
  | { readonly messageType: 'PIPELINE_INPUT' | 'PIPELINE_OUTPUT'; readonly value: PSValue }
  | { readonly messageType: 'END_OF_PIPELINE_INPUT'; readonly value: null }
  | { readonly messageType: 'ERROR_RECORD'; readonly value: PSErrorRecordInfo }
  | { readonly messageType: 'PIPELINE_STATE'; readonly value: PipelineStateInfo }
  | { readonly messageType: 'DEBUG_RECORD' | 'VERBOSE_RECORD' | 'WARNING_RECORD'; readonly value: string }
  | { readonly messageType: 'PROGRESS_RECORD'; readonly value: PSProgressInfo }
  | { readonly messageType: 'INFORMATION_RECORD'; readonly value: PSInformationInfo };

/** Parses a deserialized message body according to its message type. */
export function parsePayload(messageType: MessageTypeName, body: PSValue): PsrpPayload {
  switch (messageType) {
    case 'SESSION_CAPABILITY': return { messageType, value: parseSessionCapability(body) };
    case 'INIT_RUNSPACEPOOL': return { messageType, value: parseInitRunspacePool(body) };
    case 'PUBLIC_KEY': return { messageType, value: parsePublicKey(body) };
    case 'ENCRYPTED_SESSION_KEY': return { messageType, value: parseEncryptedSessionKey(body) };
    case 'PUBLIC_KEY_REQUEST': return { messageType, value: null };
    case 'CONNECT_RUNSPACEPOOL': return { messageType, value: parseConnectRunspacePool(body) };
    case 'RUNSPACEPOOL_INIT_DATA': return { messageType, value: parseRunspacePoolInitData(body) };
    case 'RESET_RUNSPACE_STATE':
    case 'GET_AVAILABLE_RUNSPACES': return { messageType, value: parseCallIdRequest(messageType, body) };
    case 'SET_MAX_RUNSPACES': return { messageType, value: parseSetRunspaces('max', body) };
    case 'SET_MIN_RUNSPACES': return { messageType, value: parseSetRunspaces('min', body) };
    case 'RUNSPACE_AVAILABILITY': return { messageType, value: parseRunspaceAvailability(body) };
    case 'RUNSPACEPOOL_STATE': return { messageType, value: parseRunspacePoolState(body) };
    case 'CREATE_PIPELINE': return { messageType, value: parseCreatePipeline(body) };
    case 'USER_EVENT': return { messageType, value: parseUserEvent(body) };
    case 'APPLICATION_PRIVATE_DATA': return { messageType, value: parseApplicationPrivateData(body) };
    case 'GET_COMMAND_METADATA': return { messageType, value: parseGetCommandMetadata(body) };
    case 'RUNSPACEPOOL_HOST_CALL':
    case 'PIPELINE_HOST_CALL': return { messageType, value: parseHostCall(body) };
    case 'RUNSPACEPOOL_HOST_RESPONSE':
    case 'PIPELINE_HOST_RESPONSE': return { messageType, value: parseHostResponse(body) };
    case 'PIPELINE_INPUT':
    case 'PIPELINE_OUTPUT': return { messageType, value: body };
    case 'END_OF_PIPELINE_INPUT': return { messageType, value: null };
    case 'ERROR_RECORD': return { messageType, value: parseErrorRecord(body) };
    case 'PIPELINE_STATE': return { messageType, value: parsePipelineState(body) };
    case 'DEBUG_RECORD':
    case 'VERBOSE_RECORD':
    case 'WARNING_RECORD': return { messageType, value: parseInformationalRecord(body) };
    case 'PROGRESS_RECORD': return { messageType, value: parseProgressRecord(body) };
    case 'INFORMATION_RECORD': return { messageType, value: parseInformationRecord(body) };
  }
}
