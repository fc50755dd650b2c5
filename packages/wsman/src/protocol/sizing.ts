import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import {
  buildCommandEnvelope,
  buildSendEnvelope,
  type CommandEnvelopeParams,
  type SendEnvelopeParams,
  type WsmanEnvelopeContext,
  type WsmanRequestEnvelope,
} from './request-builders.js';

/** [MS-PSRP] 2.2.4: ObjectId (8) + FragmentId (8) + flags (1) + BlobLength (4). */
export const PSRP_FRAGMENT_HEADER_LENGTH = 21;

/** [MS-PSRP] 2.2.4 caps BlobLength at 32768; Windows servers keep header + blob within 32768. */
export const PSRP_CONSERVATIVE_FRAGMENT_LENGTH = 32768;

const encoder = new TextEncoder();

function invalid(message: string): ExopsError {
  return new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, message, { remedy: 'Pass a MaxEnvelopeSize of at least 8192 and an overhead measured from a built envelope.' });
}

/** What one envelope can carry. */
export interface EnvelopeBudget {
  /** The MaxEnvelopeSize in force (bytes), e.g. 153600 or 512000. */
  readonly maxEnvelopeSize: number;
  /** UTF-8 bytes of the envelope without its base64 payload (see {@link measureEnvelopeOverhead}). */
  readonly envelopeOverhead: number;
  /** Bytes kept free besides the overhead; default 0 (the overhead is measured exactly). */
  readonly safetyMargin?: number | undefined;
}

/** UTF-8 length of an envelope. */
export function envelopeByteLength(envelope: WsmanRequestEnvelope | string): number {
  return encoder.encode(typeof envelope === 'string' ? envelope : envelope.xml).length;
}

/**
 * The raw bytes (fragment headers included) whose base64 fits in one envelope: base64 writes 4 characters per 3
 * bytes, padded, so capacity = floor(free / 4) × 3.
 */
export function computePayloadCapacity(budget: EnvelopeBudget): number {
  const { maxEnvelopeSize, envelopeOverhead } = budget;
  const margin = budget.safetyMargin ?? 0;
  if (!Number.isInteger(maxEnvelopeSize) || maxEnvelopeSize < 8192) throw invalid(`MaxEnvelopeSize must be an integer ≥ 8192, got ${maxEnvelopeSize}.`);
  if (!Number.isInteger(envelopeOverhead) || envelopeOverhead < 0) throw invalid(`The envelope overhead must be a non-negative integer, got ${envelopeOverhead}.`);
  const free = maxEnvelopeSize - envelopeOverhead - margin;
  if (free < 4 * Math.ceil((PSRP_FRAGMENT_HEADER_LENGTH + 1) / 3)) {
    throw invalid(`An envelope overhead of ${envelopeOverhead} bytes leaves no room for a PSRP fragment within MaxEnvelopeSize ${maxEnvelopeSize}.`);
  }
  return Math.floor(free / 4) * 3;
}

/** The largest single fragment for a budget. */
export interface FragmentSize {
  /** Header + blob. */
  readonly maxFragmentLength: number;
  /** BlobLength. */
  readonly maxBlobLength: number;
}

/**
 * The largest PSRP fragment whose envelope (overhead + base64 of the 21-byte header and blob) stays within
 * MaxEnvelopeSize. `cap` bounds the fragment (header + blob), e.g. {@link PSRP_CONSERVATIVE_FRAGMENT_LENGTH}.
 */
export function computeMaxFragmentSize(budget: EnvelopeBudget & { readonly cap?: number | undefined }): FragmentSize {
  const capacity = computePayloadCapacity(budget);
  const maxFragmentLength = budget.cap === undefined ? capacity : Math.min(capacity, budget.cap);
  return { maxFragmentLength, maxBlobLength: maxFragmentLength - PSRP_FRAGMENT_HEADER_LENGTH };
}

/** UTF-8 bytes of an envelope minus the payload it carries (its base64 text, ASCII). */
export function measureEnvelopeOverhead(envelope: WsmanRequestEnvelope | string, payloadBase64: string): number {
  return envelopeByteLength(envelope) - payloadBase64.length;
}

/** The overhead of a Command envelope with these parameters (its Arguments left empty). */
export function commandEnvelopeOverhead(ctx: WsmanEnvelopeContext, params: Omit<CommandEnvelopeParams, 'arguments'>): number {
  return envelopeByteLength(buildCommandEnvelope(ctx, { ...params, arguments: '' }));
}

/** The overhead of a Send envelope with these parameters (its Stream left empty). */
export function sendEnvelopeOverhead(ctx: WsmanEnvelopeContext, params: Omit<SendEnvelopeParams, 'data'>): number {
  return envelopeByteLength(buildSendEnvelope(ctx, { ...params, data: '' }));
}

/** Which fragments go in the Command's Arguments and which in each following Send. */
export interface CommandSendPlan {
  /** Fragments for `rsp:Arguments` (at least one). */
  readonly command: readonly Uint8Array[];
  /** One entry per Send envelope, in order. */
  readonly sends: readonly (readonly Uint8Array[])[];
}

/**
 * Packs the encoded fragments of one message, in order: as many as fit in the Command, then as many per Send as fit.
 * Capacities are raw bytes per envelope ({@link computePayloadCapacity}). A fragment larger than a capacity is an
 * error: the fragmenter must be sized with {@link computeMaxFragmentSize} from the smaller of the two.
 */
export function planCommandAndSends(
  fragments: readonly Uint8Array[],
  capacities: { readonly command: number; readonly send: number },
): CommandSendPlan {
  if (fragments.length === 0) throw invalid('A message has at least one fragment.');
  const pack = (from: number, capacity: number, label: string): { group: Uint8Array[]; next: number } => {
    const group: Uint8Array[] = [];
    let used = 0;
    let i = from;
    for (; i < fragments.length; i++) {
      const f = fragments[i] as Uint8Array;
      if (used + f.length > capacity) break;
      group.push(f);
      used += f.length;
    }
    if (group.length === 0) {
      throw invalid(`Fragment #${from} is ${fragments[from]?.length} bytes, more than the ${capacity} bytes a ${label} envelope can carry; fragment with computeMaxFragmentSize().`);
    }
    return { group, next: i };
  };
  const first = pack(0, capacities.command, 'Command');
  const sends: Uint8Array[][] = [];
  let next = first.next;
  while (next < fragments.length) {
    const s = pack(next, capacities.send, 'Send');
    sends.push(s.group);
    next = s.next;
  }
  return { command: first.group, sends };
}

/** Base64 of fragments laid back to back, as `rsp:Arguments` or `rsp:Stream` carry them. */
export function encodeFragmentsBase64(fragments: readonly Uint8Array[]): string {
  return Buffer.concat(fragments.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))).toString('base64');
}
