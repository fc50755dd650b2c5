/** What the client and server machines share: ObjectId numbering, fragmenting, reassembly and body decoding. */
import type { PSValue } from '@exops/contracts';
import { decodeBody, encodeBody } from './codec.js';
import { DEFAULT_MAX_FRAGMENT_SIZE, Defragmenter, assertFragmentSize, concatBytes, encodeFragments, type DefragmenterOptions } from './fragment.js';
import { decodeMessage, encodeMessage, type Destination, type MessageTypeName, type PsrpMessage } from './message.js';
import { PEER_BUG_REMEDY, messageError } from './errors.js';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';

/** Options both machines take. */
export interface EndpointOptions {
  /** Largest fragment sent, header included. Default 32 768 (what Windows sends; MS-PSRP 2.2.4). */
  readonly maxFragmentSize?: number;
  /** Write a UTF-8 BOM before each message body, as Windows does. Default false. */
  readonly writeBom?: boolean;
  /** ObjectId of the first message sent. Default 1. */
  readonly firstObjectId?: bigint;
  /** Limits for reassembling what the peer sends. */
  readonly defragmenter?: DefragmenterOptions;
}

/** A message with its decoded body. */
export interface ReceivedMessage {
  readonly objectId: bigint;
  readonly message: PsrpMessage;
  readonly body: PSValue;
}

/** A framed message that could not be decoded, in the place it arrived. */
export interface RejectedMessage {
  readonly objectId: bigint;
  /** Undefined when the header itself was unreadable. */
  readonly messageType: MessageTypeName | undefined;
  readonly pid: Uint8Array | undefined;
  readonly error: ExopsError;
}

/** Prefixes an error with the message it concerns ("PIPELINE_OUTPUT (ObjectId 7): ..."), keeping code and remedy. */
export function withMessageContext(error: unknown, objectId: bigint, messageType: MessageTypeName | undefined): ExopsError {
  const label = `${messageType ?? 'PSRP message'} (ObjectId ${objectId})`;
  if (error instanceof ExopsError) {
    return new ExopsError(error.code, `${label}: ${error.message}`, {
      remedy: error.remedy,
      cause: error,
      details: { ...error.details, objectId: String(objectId), ...(messageType === undefined ? {} : { messageType }) },
    });
  }
  return new ExopsError(ExopsErrorCode.PSRP_MESSAGE, `${label} could not be read`, { cause: error, remedy: PEER_BUG_REMEDY });
}

/** @internal */
export class Endpoint {
  #nextObjectId: bigint;
  #maxFragmentSize: number;
  readonly #writeBom: boolean;
  readonly #defragmenter: Defragmenter;
  readonly #destination: Destination;

  constructor(destination: Destination, options: EndpointOptions) {
    this.#destination = destination;
    this.#nextObjectId = options.firstObjectId ?? 1n;
    this.#maxFragmentSize = options.maxFragmentSize ?? DEFAULT_MAX_FRAGMENT_SIZE;
    this.#writeBom = options.writeBom ?? false;
    this.#defragmenter = new Defragmenter(options.defragmenter);
    assertFragmentSize(this.#maxFragmentSize);
  }

  get maxFragmentSize(): number {
    return this.#maxFragmentSize;
  }

  set maxFragmentSize(size: number) {
    assertFragmentSize(size);
    this.#maxFragmentSize = size;
  }

  /** Serializes, frames and fragments one message; returns its fragments. */
  encode(messageType: MessageTypeName, rpid: Uint8Array, pid: Uint8Array | undefined, body: PSValue | Uint8Array, maxFragmentSize?: number): Uint8Array[] {
    const data = body instanceof Uint8Array ? body : encodeBody(body);
    const bytes = encodeMessage({ destination: this.#destination, messageType, rpid, pid, data, bom: this.#writeBom && data.length > 0 });
    const objectId = this.#nextObjectId;
    this.#nextObjectId += 1n;
    return encodeFragments(objectId, bytes, maxFragmentSize ?? this.#maxFragmentSize);
  }

  /**
   * Reassembles and decodes what the peer sent. Framing errors (fragments) throw: the stream position is lost. A
   * message that is framed correctly but cannot be read (bad header, wrong destination, bad CLIXML) comes back as a
   * {@link RejectedMessage} in its place, so the messages around it are not lost.
   */
  receive(bytes: Uint8Array, expectDestination: Destination): (ReceivedMessage | RejectedMessage)[] {
    const out: (ReceivedMessage | RejectedMessage)[] = [];
    for (const { objectId, data } of this.#defragmenter.push(bytes)) {
      let message: PsrpMessage | undefined;
      try {
        message = decodeMessage(data);
        if (message.destination !== expectDestination) {
          throw messageError(
            `${message.messageType} is addressed to the ${message.destination === 1 ? 'client' : 'server'}, but this is the ${expectDestination === 1 ? 'client' : 'server'}`,
            "The bytes were fed to the wrong side: give a client the server's output streams and a server the client's input.",
            { messageType: message.messageType },
          );
        }
        const body = message.messageType === 'END_OF_PIPELINE_INPUT' ? null : decodeBody(message.data);
        out.push({ objectId, message, body });
      } catch (error) {
        out.push({ objectId, messageType: message?.messageType, pid: message?.pid, error: withMessageContext(error, objectId, message?.messageType) });
      }
    }
    return out;
  }

  /** Asserts the peer's stream ended on a message boundary. */
  finish(): void {
    this.#defragmenter.finish();
  }
}

/** Joins fragments into one blob (one base64 Stream or creationXml element). */
export function joinFragments(fragments: readonly Uint8Array[]): Uint8Array {
  return concatBytes(fragments);
}
