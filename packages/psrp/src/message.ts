/** [MS-PSRP] 2.2.1: the 40-byte little-endian message header and the message type registry. */
import { PEER_BUG_REMEDY, messageError } from './errors.js';
import { EMPTY_GUID_BYTES, guidFromBytes, isEmptyGuid } from './guid.js';

/** Every message type of [MS-PSRP] 2.2.1, by the spec's name. */
export const MessageType = {
  SESSION_CAPABILITY: 0x00010002,
  INIT_RUNSPACEPOOL: 0x00010004,
  PUBLIC_KEY: 0x00010005,
  ENCRYPTED_SESSION_KEY: 0x00010006,
  PUBLIC_KEY_REQUEST: 0x00010007,
  CONNECT_RUNSPACEPOOL: 0x00010008,
  RUNSPACEPOOL_INIT_DATA: 0x0002100b,
  RESET_RUNSPACE_STATE: 0x0002100c,
  SET_MAX_RUNSPACES: 0x00021002,
  SET_MIN_RUNSPACES: 0x00021003,
  RUNSPACE_AVAILABILITY: 0x00021004,
  RUNSPACEPOOL_STATE: 0x00021005,
  CREATE_PIPELINE: 0x00021006,
  GET_AVAILABLE_RUNSPACES: 0x00021007,
  USER_EVENT: 0x00021008,
  APPLICATION_PRIVATE_DATA: 0x00021009,
  GET_COMMAND_METADATA: 0x0002100a,
  RUNSPACEPOOL_HOST_CALL: 0x00021100,
  RUNSPACEPOOL_HOST_RESPONSE: 0x00021101,
  PIPELINE_INPUT: 0x00041002,
  END_OF_PIPELINE_INPUT: 0x00041003,
  PIPELINE_OUTPUT: 0x00041004,
  ERROR_RECORD: 0x00041005,
  PIPELINE_STATE: 0x00041006,
  DEBUG_RECORD: 0x00041007,
  VERBOSE_RECORD: 0x00041008,
  WARNING_RECORD: 0x00041009,
  // [MS-PSRP] 2.2.1: hex 0x10 and 0x11, not the decimal successors of 0x09.
  PROGRESS_RECORD: 0x00041010,
  INFORMATION_RECORD: 0x00041011,
  PIPELINE_HOST_CALL: 0x00041100,
  PIPELINE_HOST_RESPONSE: 0x00041101,
} as const;

/** A message type name, e.g. `'PIPELINE_OUTPUT'`. */
export type MessageTypeName = keyof typeof MessageType;
/** A message type code. */
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

const NAMES = new Map<number, MessageTypeName>(Object.entries(MessageType).map(([k, v]) => [v, k as MessageTypeName]));

/** The name of a message type code, or undefined when the spec does not define it. */
export function messageTypeName(code: number): MessageTypeName | undefined {
  return NAMES.get(code);
}

/** [MS-PSRP] 2.2.1 Destination: 1 for every message to the client, 2 for every message to the server. */
export const Destination = { CLIENT: 1, SERVER: 2 } as const;
export type Destination = (typeof Destination)[keyof typeof Destination];

/** Size of the message header. */
export const MESSAGE_HEADER_SIZE = 40;

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** A decoded PSRP message. RPID and PID are kept as the raw 16 bytes so replies can be matched whatever their byte order. */
export interface PsrpMessage {
  readonly destination: Destination;
  readonly messageType: MessageTypeName;
  /** RunspacePool id, raw header bytes (.NET order when the sender is correct). */
  readonly rpid: Uint8Array;
  /** Pipeline id, raw header bytes; all zero for pool messages. */
  readonly pid: Uint8Array;
  /** The message body (CLIXML, UTF-8) without any BOM. */
  readonly data: Uint8Array;
  /** True when the body started with a UTF-8 BOM (Windows senders). */
  readonly hasBom: boolean;
}

/** What {@link encodeMessage} needs. */
export interface PsrpMessageInit {
  readonly destination: Destination;
  readonly messageType: MessageTypeName;
  readonly rpid: Uint8Array;
  readonly pid?: Uint8Array | undefined;
  readonly data: Uint8Array | string;
  /** Write a UTF-8 BOM before the body, as Windows does. Default false (psrpcore and pypsrp write none). */
  readonly bom?: boolean;
}

const encoder = new TextEncoder();

/** Encodes a message: 40-byte header then the body. */
export function encodeMessage(init: PsrpMessageInit): Uint8Array {
  const body = typeof init.data === 'string' ? encoder.encode(init.data) : init.data;
  const pid = init.pid ?? EMPTY_GUID_BYTES;
  if (init.rpid.length !== 16 || pid.length !== 16) {
    throw messageError('RPID and PID must be 16 bytes each', 'Pass GUID bytes from guidToBytes().');
  }
  const bom = init.bom === true ? 3 : 0;
  const out = new Uint8Array(MESSAGE_HEADER_SIZE + bom + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, init.destination, true);
  view.setUint32(4, MessageType[init.messageType], true);
  out.set(init.rpid, 8);
  out.set(pid, 24);
  if (bom > 0) out.set(UTF8_BOM, MESSAGE_HEADER_SIZE);
  out.set(body, MESSAGE_HEADER_SIZE + bom);
  return out;
}

/** Decodes a reassembled message; validates destination and type, strips a leading UTF-8 BOM. */
export function decodeMessage(bytes: Uint8Array): PsrpMessage {
  if (bytes.length < MESSAGE_HEADER_SIZE) {
    throw messageError(`Truncated PSRP message: ${bytes.length} bytes, the header alone is 40`, PEER_BUG_REMEDY, { length: bytes.length });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const destination = view.getUint32(0, true);
  const code = view.getUint32(4, true);
  const messageType = messageTypeName(code);
  if (messageType === undefined) {
    throw messageError(`Unknown PSRP message type 0x${code.toString(16).padStart(8, '0')}`, `${PEER_BUG_REMEDY} [MS-PSRP] 2.2.1 lists the defined types.`, {
      messageType: code,
    });
  }
  if (destination !== Destination.CLIENT && destination !== Destination.SERVER) {
    throw messageError(`PSRP message ${messageType} has destination ${destination}; only 1 (client) and 2 (server) exist`, PEER_BUG_REMEDY, {
      destination,
      messageType,
    });
  }
  let data = bytes.subarray(MESSAGE_HEADER_SIZE);
  const hasBom = data.length >= 3 && data[0] === UTF8_BOM[0] && data[1] === UTF8_BOM[1] && data[2] === UTF8_BOM[2];
  if (hasBom) data = data.subarray(3);
  return {
    destination,
    messageType,
    rpid: bytes.slice(8, 24),
    pid: bytes.slice(24, 40),
    data,
    hasBom,
  };
}

/** The message's RunspacePool id as a GUID string (interpreting the bytes in .NET order). */
export function messageRunspacePoolId(message: PsrpMessage): string {
  return guidFromBytes(message.rpid);
}

/** The message's pipeline id as a GUID string, or undefined for pool messages. */
export function messagePipelineId(message: PsrpMessage): string | undefined {
  return isEmptyGuid(message.pid) ? undefined : guidFromBytes(message.pid);
}
