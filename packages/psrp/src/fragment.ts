/**
 * [MS-PSRP] 2.2.4 fragments: a 21-byte big-endian header (ObjectId u64, FragmentId u64, flags u8, BlobLength u32)
 * followed by a slice of one PSRP message.
 */
import { ExopsError } from '@exops/contracts';
import { PEER_BUG_REMEDY, fragmentError, limitError } from './errors.js';

/** Size of the fragment header in bytes. */
export const FRAGMENT_HEADER_SIZE = 21;

/** The largest fragment (header + blob) Windows sends and the spec allows ([MS-PSRP] 2.2.4: BlobLength ≤ 32 768 ... in practice header + blob ≤ 32 768). */
export const DEFAULT_MAX_FRAGMENT_SIZE = 32_768;

/** Flag bits of the fragment header. */
export const FragmentFlags = { START: 0x01, END: 0x02 } as const;

/** One decoded fragment. */
export interface Fragment {
  readonly objectId: bigint;
  readonly fragmentId: bigint;
  readonly start: boolean;
  readonly end: boolean;
  readonly blob: Uint8Array;
}

/** One reassembled message with the ObjectId it was sent under. */
export interface DefragmentedMessage {
  readonly objectId: bigint;
  readonly data: Uint8Array;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Encodes one fragment (header + blob). */
export function buildFragment(fragment: Fragment): Uint8Array {
  const out = new Uint8Array(FRAGMENT_HEADER_SIZE + fragment.blob.length);
  const view = new DataView(out.buffer);
  // [MS-PSRP] 2.2.4: every header field is big-endian ("network byte order").
  view.setBigUint64(0, fragment.objectId, false);
  view.setBigUint64(8, fragment.fragmentId, false);
  view.setUint8(16, (fragment.start ? FragmentFlags.START : 0) | (fragment.end ? FragmentFlags.END : 0));
  view.setUint32(17, fragment.blob.length, false);
  out.set(fragment.blob, FRAGMENT_HEADER_SIZE);
  return out;
}

/**
 * Cuts one PSRP message into fragments of at most `maxFragmentSize` bytes each (header included) and encodes them.
 * The first has the Start flag, the last the End flag, FragmentIds count from 0.
 */
export function encodeFragments(objectId: bigint, message: Uint8Array, maxFragmentSize: number = DEFAULT_MAX_FRAGMENT_SIZE): Uint8Array[] {
  if (objectId <= 0n || objectId > U64_MAX) {
    throw fragmentError(`ObjectId ${objectId} is out of range`, 'ObjectIds are u64 values greater than 0 ([MS-PSRP] 2.2.4); count them from 1.');
  }
  assertFragmentSize(maxFragmentSize);
  const room = maxFragmentSize - FRAGMENT_HEADER_SIZE;
  const out: Uint8Array[] = [];
  let offset = 0;
  let fragmentId = 0n;
  do {
    const blob = message.subarray(offset, offset + room);
    offset += blob.length;
    out.push(buildFragment({ objectId, fragmentId, start: fragmentId === 0n, end: offset >= message.length, blob }));
    fragmentId += 1n;
  } while (offset < message.length);
  return out;
}

/** Throws unless `maxFragmentSize` is an integer with room for the header and at least one byte. */
export function assertFragmentSize(maxFragmentSize: number): void {
  if (!Number.isInteger(maxFragmentSize) || maxFragmentSize <= FRAGMENT_HEADER_SIZE) {
    throw fragmentError(
      `maxFragmentSize ${maxFragmentSize} leaves no room for data after the 21-byte header`,
      'Pass a maxFragmentSize of at least 22 bytes; 32768 is what Windows uses.',
    );
  }
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Decodes a run of complete fragments (one base64 blob of a Stream or creationXml element), without reassembly.
 * Throws when the run ends inside a fragment.
 */
export function parseFragments(bytes: Uint8Array): Fragment[] {
  const out: Fragment[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < FRAGMENT_HEADER_SIZE) {
      throw fragmentError(
        `Truncated fragment header: ${bytes.length - offset} bytes left at offset ${offset}, a header is 21`,
        PEER_BUG_REMEDY,
        { offset },
      );
    }
    const header = readHeader(view, offset);
    const end = offset + FRAGMENT_HEADER_SIZE + header.blobLength;
    if (end > bytes.length) {
      throw fragmentError(
        `Fragment ObjectId ${header.objectId} FragmentId ${header.fragmentId} declares ${header.blobLength} data bytes but only ${bytes.length - offset - FRAGMENT_HEADER_SIZE} follow`,
        PEER_BUG_REMEDY,
        { objectId: String(header.objectId), fragmentId: String(header.fragmentId) },
      );
    }
    out.push({
      objectId: header.objectId,
      fragmentId: header.fragmentId,
      start: header.start,
      end: header.end,
      blob: bytes.subarray(offset + FRAGMENT_HEADER_SIZE, end),
    });
    offset = end;
  }
  return out;
}

interface FragmentHeader {
  objectId: bigint;
  fragmentId: bigint;
  start: boolean;
  end: boolean;
  blobLength: number;
}

function readHeader(view: DataView, offset: number): FragmentHeader {
  const objectId = view.getBigUint64(offset, false);
  const fragmentId = view.getBigUint64(offset + 8, false);
  const flags = view.getUint8(offset + 16);
  const blobLength = view.getUint32(offset + 17, false);
  if ((flags & 0xfc) !== 0) {
    throw fragmentError(
      `Fragment ObjectId ${objectId} FragmentId ${fragmentId} has reserved flag bits set (0x${flags.toString(16).padStart(2, '0')})`,
      `${PEER_BUG_REMEDY} Only 0x01 (Start) and 0x02 (End) are defined ([MS-PSRP] 2.2.4).`,
      { objectId: String(objectId), fragmentId: String(fragmentId), flags },
    );
  }
  if (objectId === 0n) {
    throw fragmentError(`Fragment with ObjectId 0 (FragmentId ${fragmentId})`, `${PEER_BUG_REMEDY} ObjectIds start at 1.`, {
      fragmentId: String(fragmentId),
    });
  }
  return { objectId, fragmentId, start: (flags & FragmentFlags.START) !== 0, end: (flags & FragmentFlags.END) !== 0, blobLength };
}

/** Limits of a {@link Defragmenter}. */
export interface DefragmenterOptions {
  /** Largest reassembled message accepted, in bytes. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Most messages in progress at once (interleaved ObjectIds). Default 256. */
  readonly maxPendingMessages?: number;
  /** Most bytes held across all incomplete messages. Default 128 MiB. */
  readonly maxBufferedBytes?: number;
}

interface PendingMessage {
  nextFragmentId: bigint;
  parts: Uint8Array[];
  size: number;
}

interface CurrentFragment {
  header: FragmentHeader;
  message: PendingMessage;
  remaining: number;
}

/**
 * Incremental reassembly ([MS-PSRP] 2.2.4, 3.1.5.1.2): takes bytes in chunks of any size (a fragment, even its
 * header, may be split across pushes), keeps interleaved ObjectIds apart and returns every message completed by a
 * push. Out-of-order, duplicate, oversized and truncated input raises an {@link ExopsError} naming the ObjectId and
 * FragmentId; after an error the instance refuses further input, since the stream position is lost.
 */
export class Defragmenter {
  readonly #maxMessageSize: number;
  readonly #maxPending: number;
  readonly #maxBuffered: number;
  #buffered = 0;
  readonly #pending = new Map<bigint, PendingMessage>();
  readonly #headerBuffer = new Uint8Array(FRAGMENT_HEADER_SIZE);
  #headerFill = 0;
  #current: CurrentFragment | undefined;
  #failure: ExopsError | undefined;

  constructor(options: DefragmenterOptions = {}) {
    this.#maxMessageSize = options.maxMessageSize ?? 64 * 1024 * 1024;
    this.#maxPending = options.maxPendingMessages ?? 256;
    this.#maxBuffered = options.maxBufferedBytes ?? 128 * 1024 * 1024;
  }

  /** ObjectIds of messages started but not yet complete. */
  get pendingObjectIds(): bigint[] {
    return [...this.#pending.keys()];
  }

  /** True when no fragment or message is partially received. */
  get idle(): boolean {
    return this.#pending.size === 0 && this.#headerFill === 0 && this.#current === undefined;
  }

  /** Feeds bytes; returns the messages they complete, in completion order. */
  push(chunk: Uint8Array): DefragmentedMessage[] {
    if (this.#failure !== undefined) {
      throw fragmentError(`The fragment stream already failed: ${this.#failure.message}`, 'Discard this runspace pool and open a new one.', {
        cause: this.#failure.code,
      });
    }
    try {
      return this.#push(chunk);
    } catch (error) {
      if (error instanceof ExopsError) this.#failure = error;
      throw error;
    }
  }

  /** Asserts that the stream ended on a message boundary; throws naming what is incomplete. */
  finish(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#headerFill > 0) {
      throw fragmentError(`The stream ended inside a fragment header (${this.#headerFill} of 21 bytes)`, PEER_BUG_REMEDY, {
        headerBytes: this.#headerFill,
      });
    }
    if (this.#current !== undefined) {
      const h = this.#current.header;
      throw fragmentError(
        `The stream ended inside fragment ObjectId ${h.objectId} FragmentId ${h.fragmentId}: ${this.#current.remaining} of ${h.blobLength} data bytes missing`,
        PEER_BUG_REMEDY,
        { objectId: String(h.objectId), fragmentId: String(h.fragmentId) },
      );
    }
    if (this.#pending.size > 0) {
      const [objectId, msg] = this.#pending.entries().next().value as [bigint, PendingMessage];
      throw fragmentError(
        `The stream ended with ${this.#pending.size} incomplete message(s); ObjectId ${objectId} is missing FragmentId ${msg.nextFragmentId} onwards (no End fragment)`,
        'The server stopped mid-message; receive again, or close the pipeline and retry the command.',
        { objectIds: this.pendingObjectIds.map(String) },
      );
    }
  }

  #push(chunk: Uint8Array): DefragmentedMessage[] {
    const done: DefragmentedMessage[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#current === undefined) {
        const take = Math.min(FRAGMENT_HEADER_SIZE - this.#headerFill, chunk.length - offset);
        this.#headerBuffer.set(chunk.subarray(offset, offset + take), this.#headerFill);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < FRAGMENT_HEADER_SIZE) break;
        this.#headerFill = 0;
        const header = readHeader(new DataView(this.#headerBuffer.buffer), 0);
        this.#current = { header, message: this.#accept(header), remaining: header.blobLength };
      }
      const current = this.#current;
      const take = Math.min(current.remaining, chunk.length - offset);
      if (take > 0) {
        // Copy: the caller may reuse its buffer after push returns.
        current.message.parts.push(chunk.slice(offset, offset + take));
        offset += take;
        current.remaining -= take;
      }
      if (current.remaining === 0) {
        this.#current = undefined;
        if (current.header.end) {
          this.#pending.delete(current.header.objectId);
          this.#buffered -= current.message.size;
          const parts = current.message.parts;
          done.push({ objectId: current.header.objectId, data: parts.length === 1 ? parts[0]! : concatBytes(parts) });
        }
      }
    }
    return done;
  }

  #accept(header: FragmentHeader): PendingMessage {
    const ids = { objectId: String(header.objectId), fragmentId: String(header.fragmentId) };
    let message = this.#pending.get(header.objectId);
    if (header.start) {
      if (header.fragmentId !== 0n) {
        throw fragmentError(
          `Start fragment of ObjectId ${header.objectId} has FragmentId ${header.fragmentId}; a Start fragment is FragmentId 0`,
          PEER_BUG_REMEDY,
          ids,
        );
      }
      if (message !== undefined) {
        throw fragmentError(
          `Duplicate Start fragment for ObjectId ${header.objectId}: that message is already in progress (expecting FragmentId ${message.nextFragmentId})`,
          PEER_BUG_REMEDY,
          ids,
        );
      }
      if (this.#pending.size >= this.#maxPending) {
        throw limitError(
          `More than ${this.#maxPending} messages in progress at once (ObjectId ${header.objectId} would be one more)`,
          'Raise DefragmenterOptions.maxPendingMessages if the peer legitimately interleaves that many messages.',
          ids,
        );
      }
      message = { nextFragmentId: 0n, parts: [], size: 0 };
      this.#pending.set(header.objectId, message);
    } else if (message === undefined) {
      throw fragmentError(
        `Fragment ObjectId ${header.objectId} FragmentId ${header.fragmentId} continues a message whose Start fragment never arrived`,
        `${PEER_BUG_REMEDY} Fragments must arrive in order ([MS-PSRP] 3.1.5.1.2).`,
        ids,
      );
    }
    if (header.fragmentId !== message.nextFragmentId) {
      const kind = header.fragmentId < message.nextFragmentId ? 'Duplicate' : 'Out-of-order';
      throw fragmentError(
        `${kind} fragment: ObjectId ${header.objectId} FragmentId ${header.fragmentId}, expecting FragmentId ${message.nextFragmentId}`,
        `${PEER_BUG_REMEDY} Fragments must arrive in order ([MS-PSRP] 3.1.5.1.2).`,
        ids,
      );
    }
    if (message.size + header.blobLength > this.#maxMessageSize) {
      throw limitError(
        `Message ObjectId ${header.objectId} grows past ${this.#maxMessageSize} bytes at FragmentId ${header.fragmentId}`,
        'Ask for less data per object (Select-Object the properties you need), or raise DefragmenterOptions.maxMessageSize.',
        { ...ids, maxMessageSize: this.#maxMessageSize },
      );
    }
    if (this.#buffered + header.blobLength > this.#maxBuffered) {
      throw limitError(
        `Incomplete messages would hold more than ${this.#maxBuffered} bytes at ObjectId ${header.objectId} FragmentId ${header.fragmentId}`,
        'The peer interleaves too many large messages; raise DefragmenterOptions.maxBufferedBytes if that is legitimate.',
        { ...ids, maxBufferedBytes: this.#maxBuffered },
      );
    }
    this.#buffered += header.blobLength;
    message.size += header.blobLength;
    message.nextFragmentId += 1n;
    return message;
  }
}
