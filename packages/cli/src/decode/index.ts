/** `exops decode`: captured WS-Management / PSRP traffic and CLIXML, decoded for people and for scripts. */
export { CaptureDecoder, decodeCapture } from './decode-capture.js';
export type {
  CaptureInput,
  ClixmlObjectRecord,
  DecodeCaptureOptions,
  DecodedRecord,
  PsrpMessageRecord,
  RecordDestination,
  RecordOrigin,
  StreamTextRecord,
  WinrsCommandRecord,
  WsmanFaultRecord,
} from './decode-capture.js';
export { classifyInput, decodeBase64Text, decodeText, looksLikeFragments, looksLikeMessage } from './input.js';
export type { ClassifiedInput, InputKind } from './input.js';
export { scanEnvelopes, splitEnvelopes } from './split-envelopes.js';
export type { EnvelopeScan, EnvelopeSlice } from './split-envelopes.js';
export { formatRecordHuman, formatRecordJson } from './format.js';
export type { HumanFormatOptions, JsonFormatOptions } from './format.js';
export { CYCLE_MARKER, MAX_EXPANDED_VALUES, withoutCycles } from './acyclic.js';
export { runDecode } from './run-decode.js';
export type { DecodeArguments, DecodeIo } from './run-decode.js';
