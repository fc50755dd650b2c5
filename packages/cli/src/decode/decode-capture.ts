/**
 * The core of `exops decode`: a capture (one or more inputs, in order) to the PSRP messages, WinRS stream text,
 * CLIXML objects and WS-Management faults it holds. Pure: bytes in, records out; reading files is the caller's job.
 *
 * Fragments are reassembled across envelopes and inputs as a client and a server would: every client→server blob
 * (creationXml, connectXml, rsp:Arguments, rsp:Send streams) feeds one defragmenter, every server→client blob
 * (rsp:ReceiveResponse streams, connectResponseXml) another.
 */
import type { PSValue } from '@exops/contracts';
import {
  Defragmenter,
  FRAGMENT_HEADER_SIZE,
  buildFragment,
  createClixmlEntryStreamParser,
  decodeBody,
  decodeMessage,
  guidFromBytes,
  parseFragments,
  type ClixmlEntry,
  type DefragmentedMessage,
  type MessageTypeName,
} from '@exops/psrp';
import {
  WsmanAction,
  WsmanResourceUri,
  parseWsmanRequest,
  parseWsmanResponse,
  type WsmanFault,
} from '@exops/wsman';
import { parse as parseYaml } from 'yaml';
import { withoutCycles } from './acyclic.js';
import { decodeError, wrapDecodeError } from './errors.js';
import { classifyInput, decodeBase64Text, looksLikeFragments } from './input.js';
import { scanEnvelopes } from './split-envelopes.js';

/** One input of a capture: a file's name (or `-` for stdin) and its bytes. */
export interface CaptureInput {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Options of {@link CaptureDecoder} and {@link decodeCapture}. */
export interface DecodeCaptureOptions {
  /** Largest reassembled PSRP message accepted, in bytes (default 64 MiB, as a client). */
  readonly maxMessageSize?: number;
}

/** Who a record is addressed to: `client` for what the server sent, `server` for what the client sent. */
export type RecordDestination = 'client' | 'server';

/** Where a record came from: the input's name and, inside it, the envelope and element. */
export interface RecordOrigin {
  readonly input: string;
  /** E.g. `exchange 3 response, rsp:Stream #1 "stdout"`; empty when the input is the whole record. */
  readonly where: string;
}

/** A reassembled PSRP message ([MS-PSRP] 2.2.1) and its deserialized body. */
export interface PsrpMessageRecord {
  readonly kind: 'message';
  readonly origin: RecordOrigin;
  readonly destination: RecordDestination;
  readonly messageType: MessageTypeName;
  /** The RPID, reading the header bytes in .NET order (old pypsrp wrote them big-endian: printed as decoded). */
  readonly rpid: string;
  /** The PID, same byte order; all zero for pool messages. */
  readonly pid: string;
  readonly objectId: bigint;
  /** The body deserialized; null for an empty body (END_OF_PIPELINE_INPUT). */
  readonly value: PSValue;
}

/** Raw bytes of a WinRS (cmd shell) stream, as text: stdout/stderr from the server, stdin from the client. */
export interface StreamTextRecord {
  readonly kind: 'text';
  readonly origin: RecordOrigin;
  readonly destination: RecordDestination;
  readonly stream: string;
  readonly commandId: string | undefined;
  readonly text: string;
}

/** A WinRS command line (a Command request to a cmd shell). */
export interface WinrsCommandRecord {
  readonly kind: 'command';
  readonly origin: RecordOrigin;
  readonly destination: 'server';
  readonly commandId: string | undefined;
  readonly command: string;
  readonly arguments: readonly string[];
}

/** One top-level object of a CLIXML document (or one bare CLIXML value). */
export interface ClixmlObjectRecord {
  readonly kind: 'clixml';
  readonly origin: RecordOrigin;
  /** The `S` attribute of `#< CLIXML` output (`Error`, `progress`, ...); undefined for ordinary output. */
  readonly stream: string | undefined;
  readonly value: PSValue;
}

/** A WS-Management fault the server returned. */
export interface WsmanFaultRecord {
  readonly kind: 'fault';
  readonly origin: RecordOrigin;
  readonly destination: 'client';
  readonly fault: WsmanFault;
}

/** Everything `exops decode` prints, one record per PSRP message, stream chunk, CLIXML object or fault. */
export type DecodedRecord = PsrpMessageRecord | StreamTextRecord | WinrsCommandRecord | ClixmlObjectRecord | WsmanFaultRecord;

type ShellKind = 'psrp' | 'winrs';
type Flow = 'toServer' | 'toClient';

const REQUEST_ACTIONS = new Set<string>([
  WsmanAction.Create, WsmanAction.Delete, WsmanAction.Get, WsmanAction.Command, WsmanAction.Send, WsmanAction.Receive,
  WsmanAction.Signal, WsmanAction.Disconnect, WsmanAction.Reconnect, WsmanAction.Connect, WsmanAction.Enumerate,
  WsmanAction.Pull, WsmanAction.Release,
]);

const ACTION = /<(?:[A-Za-z_][\w.-]*:)?Action\b[^>]*>\s*([^<\s]+)\s*</;

const ENVELOPE_REMEDY =
  'Pass each envelope exactly as captured, complete and unedited; exops decode reads WS-Management requests and ' +
  'responses of PowerShell remoting and WinRS shells.';
const FRAGMENT_REMEDY =
  'The capture is incomplete or out of order: include every envelope of the conversation, in the order it ' +
  'happened, from the Create (or Command) that started each message.';
const TRUNCATED_REMEDY =
  'The capture stops in the middle of a message: add the envelopes that follow (the remaining Send requests or ' +
  'Receive responses), in order.';
const MESSAGE_REMEDY =
  'The reassembled bytes are not a PSRP message: check that every envelope of the capture is present and in order, ' +
  'and that base64 or binary input holds whole fragments.';
const CLIXML_REMEDY = 'Pass the CLIXML exactly as PowerShell wrote it (Export-Clixml, or powershell -OutputFormat xml), complete and unedited.';
const YAML_REMEDY = 'Pass a pypsrp recording as it is: a YAML mapping with a "messages:" list of request/response pairs.';

function kindOfResource(resourceUri: string | undefined): ShellKind | undefined {
  if (resourceUri === undefined) return undefined;
  if (resourceUri.startsWith(WsmanResourceUri.powerShellPrefix)) return 'psrp';
  if (resourceUri === WsmanResourceUri.cmd) return 'winrs';
  return undefined;
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined && p !== '').join(', ');
}

function locate(origin: RecordOrigin, label?: string): string {
  return join(origin.input, origin.where, label);
}

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes a capture input by input, keeping the reassembly state between them. Call {@link decodeInput} for each
 * input in order, then {@link finish}. Each yields records as soon as they are complete and throws an ExopsError
 * (one line: input, place, problem) at the first bad input; the records yielded before it stand.
 */
export class CaptureDecoder {
  readonly #flows: Record<Flow, Defragmenter>;
  readonly #lastSeen: Record<Flow, string | undefined> = { toServer: undefined, toClient: undefined };
  /** Shell kind by upper-case ShellId, from Create requests and responses. */
  readonly #shells = new Map<string, ShellKind>();
  /** The kind of the shell the latest envelope addressed, for responses (which name no resource). */
  #current: ShellKind | undefined;
  /** The flow of each bare-fragment message in progress, by ObjectId, told by its Start fragment's destination. */
  readonly #bareFlows = new Map<bigint, Flow>();

  constructor(options: DecodeCaptureOptions = {}) {
    const defragmenterOptions = options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize };
    this.#flows = { toServer: new Defragmenter(defragmenterOptions), toClient: new Defragmenter(defragmenterOptions) };
  }

  /** Decodes one input, telling its kind by content. */
  *decodeInput(input: CaptureInput): Generator<DecodedRecord, void, void> {
    const classified = classifyInput(input.name, input.bytes);
    const origin: RecordOrigin = { input: input.name, where: '' };
    switch (classified.kind) {
      case 'envelopes': {
        const { slices, error } = scanEnvelopes(input.name, classified.text);
        for (const [i, slice] of slices.entries()) {
          const where = slices.length === 1 && error === undefined ? '' : `envelope ${i + 1} (line ${slice.line})`;
          yield* this.#envelope(slice.xml, { input: input.name, where }, undefined);
        }
        if (error !== undefined) throw error;
        return;
      }
      case 'yaml':
        yield* this.#recording(input.name, classified.text);
        return;
      case 'clixml':
        yield* this.#clixml(input.name, classified.text);
        return;
      case 'base64':
      case 'fragments':
        yield* this.#bareFragments(classified.bytes, origin, classified.kind === 'base64' ? 'base64' : undefined);
        return;
      case 'message':
        yield this.#message({ objectId: 0n, data: classified.bytes }, origin);
        return;
    }
  }

  /** Checks the capture ended on message boundaries in both directions; throws naming what is incomplete. */
  finish(): void {
    for (const flow of ['toServer', 'toClient'] as const) {
      try {
        this.#flows[flow].finish();
      } catch (error) {
        const direction = flow === 'toServer' ? 'client→server' : 'server→client';
        throw wrapDecodeError(error, `end of the capture (${direction} data last seen in ${this.#lastSeen[flow] ?? '?'})`, TRUNCATED_REMEDY);
      }
    }
  }

  *#recording(name: string, text: string): Generator<DecodedRecord, void, void> {
    let doc: unknown;
    try {
      doc = parseYaml(text, { maxAliasCount: 0, prettyErrors: false });
    } catch (error) {
      const offset = (error as { pos?: readonly number[] }).pos?.[0];
      const at = offset === undefined ? '' : ` (line ${text.slice(0, offset).split('\n').length}, column ${offset - text.lastIndexOf('\n', offset - 1)})`;
      throw wrapDecodeError(error, `${name}${at}: not a readable YAML recording`, YAML_REMEDY);
    }
    const messages = (doc as { messages?: unknown } | null)?.messages;
    if (!Array.isArray(messages)) throw decodeError(name, 'a YAML document without a "messages:" list', YAML_REMEDY);
    for (const [i, entry] of messages.entries()) {
      if (entry === null || typeof entry !== 'object') {
        throw decodeError(name, `messages[${i}] is not a mapping with request and response`, YAML_REMEDY);
      }
      for (const role of ['request', 'response'] as const) {
        const xml = (entry as Record<string, unknown>)[role];
        if (xml === undefined || xml === null || xml === '') continue;
        if (typeof xml !== 'string') throw decodeError(name, `messages[${i}].${role} is not text`, YAML_REMEDY);
        yield* this.#envelope(xml, { input: name, where: `exchange ${i + 1} ${role}` }, role);
      }
    }
  }

  *#clixml(name: string, text: string): Generator<DecodedRecord, void, void> {
    const origin: RecordOrigin = { input: name, where: '' };
    let count = 0;
    const toRecord = (entry: ClixmlEntry): ClixmlObjectRecord => {
      count++;
      try {
        return { kind: 'clixml', origin, stream: entry.stream, value: withoutCycles(entry.value) };
      } catch (error) {
        throw wrapDecodeError(error, `${name}, object ${count}`, CLIXML_REMEDY);
      }
    };
    const parser = createClixmlEntryStreamParser({ refScope: 'document' });
    // Line by line, so the objects before a bad one are printed before the error.
    let at = 0;
    for (;;) {
      const newline = text.indexOf('\n', at);
      const stop = newline < 0 ? text.length : newline + 1;
      let batch: ClixmlEntry[];
      try {
        batch = stop > at ? parser.push(text.slice(at, stop)) : parser.end();
      } catch (error) {
        // The bad line may hold good objects before the bad one (a one-line document): replay up to that line, then
        // the line tag by tag, and print what completes before the error.
        for (const entry of salvageClixml(text, at, stop, count)) yield toRecord(entry);
        throw wrapDecodeError(error, name, CLIXML_REMEDY);
      }
      for (const entry of batch) yield toRecord(entry);
      if (stop <= at) return;
      at = stop;
    }
  }

  *#envelope(xml: string, origin: RecordOrigin, role: 'request' | 'response' | undefined): Generator<DecodedRecord, void, void> {
    const action = ACTION.exec(xml)?.[1];
    const isRequest = role === undefined ? action !== undefined && REQUEST_ACTIONS.has(action) : role === 'request';
    if (isRequest) yield* this.#request(xml, origin);
    else yield* this.#response(xml, origin);
  }

  *#request(xml: string, origin: RecordOrigin): Generator<DecodedRecord, void, void> {
    let request;
    try {
      request = parseWsmanRequest(xml);
    } catch (error) {
      throw wrapDecodeError(error, locate(origin, 'request'), ENVELOPE_REMEDY);
    }
    const shellId = request.kind === 'create' ? request.shellId : request.selectors['ShellId'];
    const kind = kindOfResource(request.header.resourceUri) ?? (shellId === undefined ? undefined : this.#shells.get(shellId.toUpperCase()));
    if (request.kind === 'create' && kind !== undefined && shellId !== undefined) this.#shells.set(shellId.toUpperCase(), kind);
    if (kind !== undefined) this.#current = kind;
    switch (request.kind) {
      case 'create':
        if (request.creationXml !== undefined && request.creationXml !== '') {
          yield* this.#blob('toServer', this.#base64(request.creationXml, origin, 'creationXml'), origin, 'creationXml');
        }
        return;
      case 'connect':
        if (request.connectXml !== undefined && request.connectXml !== '') {
          yield* this.#blob('toServer', this.#base64(request.connectXml, origin, 'connectXml'), origin, 'connectXml');
        }
        return;
      case 'command': {
        const blobs = request.arguments.map((a) => (kind === 'winrs' ? undefined : decodeBase64Text(a)));
        const psrp = kind === 'psrp' || (kind === undefined && blobs.length > 0 && blobs.every((b) => b !== undefined && looksLikeFragments(b)));
        if (!psrp) {
          yield { kind: 'command', origin, destination: 'server', commandId: request.commandId, command: request.command, arguments: request.arguments };
          return;
        }
        for (const [i, text] of request.arguments.entries()) {
          const label = request.arguments.length === 1 ? 'rsp:Arguments' : `rsp:Arguments #${i + 1}`;
          yield* this.#blob('toServer', this.#base64(text, origin, label), origin, label);
        }
        return;
      }
      case 'send':
        for (const [i, stream] of request.streams.entries()) {
          const label = `rsp:Stream #${i + 1} "${stream.name}"`;
          const bytes = this.#base64(stream.base64, origin, label);
          if (bytes.length === 0) continue;
          if (kind === 'psrp' || (kind === undefined && looksLikeFragments(bytes))) {
            yield* this.#blob('toServer', bytes, origin, label);
          } else {
            yield { kind: 'text', origin: { input: origin.input, where: join(origin.where, label) }, destination: 'server', stream: stream.name, commandId: stream.commandId, text: utf8.decode(bytes) };
          }
        }
        return;
      default:
        return;
    }
  }

  *#response(xml: string, origin: RecordOrigin): Generator<DecodedRecord, void, void> {
    let response;
    try {
      response = parseWsmanResponse(xml);
    } catch (error) {
      throw wrapDecodeError(error, locate(origin, 'response'), ENVELOPE_REMEDY);
    }
    switch (response.kind) {
      case 'create': {
        const kind = kindOfResource(response.resourceUri) ?? this.#current;
        if (kind !== undefined) {
          this.#shells.set(response.shellId.toUpperCase(), kind);
          this.#current = kind;
        }
        return;
      }
      case 'connect':
        if (response.connectResponseXml !== undefined && response.connectResponseXml !== '') {
          const label = 'connectResponseXml';
          yield* this.#blob('toClient', this.#base64(response.connectResponseXml, origin, label), origin, label);
        }
        return;
      case 'receive':
        for (const [i, stream] of response.streams.entries()) {
          if (stream.bytes.length === 0) continue;
          const label = `rsp:Stream #${i + 1} "${stream.name}"`;
          if (this.#current === 'psrp' || (this.#current === undefined && looksLikeFragments(stream.bytes))) {
            yield* this.#blob('toClient', stream.bytes, origin, label);
          } else {
            yield { kind: 'text', origin: { input: origin.input, where: join(origin.where, label) }, destination: 'client', stream: stream.name, commandId: stream.commandId, text: utf8.decode(stream.bytes) };
          }
        }
        return;
      case 'fault':
        yield { kind: 'fault', origin, destination: 'client', fault: response.fault };
        return;
      default:
        return;
    }
  }

  #base64(text: string, origin: RecordOrigin, label: string): Uint8Array {
    const bytes = decodeBase64Text(text);
    if (bytes === undefined) throw decodeError(locate(origin), `${label} holds text that is not base64`, ENVELOPE_REMEDY);
    return bytes;
  }

  /**
   * One blob of an envelope: a run of whole fragments ([MS-PSRP] 3.1.5.1.1: a fragment never spans two blobs), fed
   * one fragment at a time so that the messages completed before a bad fragment are yielded before its error.
   */
  *#blob(flow: Flow, bytes: Uint8Array, origin: RecordOrigin, label: string): Generator<DecodedRecord, void, void> {
    const where = locate(origin, label);
    let fragments;
    try {
      fragments = parseFragments(bytes);
    } catch (error) {
      throw wrapDecodeError(error, where, FRAGMENT_REMEDY);
    }
    this.#lastSeen[flow] = where;
    const recordOrigin = { input: origin.input, where: join(origin.where, label) };
    let offset = 0;
    for (const [i, fragment] of fragments.entries()) {
      const size = FRAGMENT_HEADER_SIZE + fragment.blob.length;
      let done: DefragmentedMessage[];
      try {
        done = this.#flows[flow].push(bytes.subarray(offset, offset + size));
      } catch (error) {
        throw wrapDecodeError(error, join(where, fragments.length === 1 ? undefined : `fragment #${i + 1}`), FRAGMENT_REMEDY);
      }
      offset += size;
      for (const message of done) yield this.#message(message, recordOrigin);
    }
  }

  /**
   * Fragments given bare (base64 or bytes): each message goes to the flow its Start fragment's destination names, so
   * bare fragments and envelopes of the same capture reassemble together.
   */
  *#bareFragments(bytes: Uint8Array, origin: RecordOrigin, label: string | undefined): Generator<DecodedRecord, void, void> {
    const where = locate(origin, label);
    let fragments;
    try {
      fragments = parseFragments(bytes);
    } catch (error) {
      throw wrapDecodeError(error, where, FRAGMENT_REMEDY);
    }
    for (const [i, fragment] of fragments.entries()) {
      let flow = this.#bareFlows.get(fragment.objectId) ?? 'toClient';
      if (fragment.start && fragment.blob.length >= 4) {
        const destination = new DataView(fragment.blob.buffer, fragment.blob.byteOffset, 4).getUint32(0, true);
        flow = destination === 2 ? 'toServer' : 'toClient';
      }
      if (fragment.end) this.#bareFlows.delete(fragment.objectId);
      else this.#bareFlows.set(fragment.objectId, flow);
      const fragmentWhere = join(where, fragments.length === 1 ? undefined : `fragment #${i + 1}`);
      this.#lastSeen[flow] = fragmentWhere;
      let done: DefragmentedMessage[];
      try {
        done = this.#flows[flow].push(buildFragment(fragment));
      } catch (error) {
        throw wrapDecodeError(error, fragmentWhere, FRAGMENT_REMEDY);
      }
      for (const message of done) yield this.#message(message, origin);
    }
  }

  #message(defragmented: DefragmentedMessage, origin: RecordOrigin): PsrpMessageRecord {
    const where = locate(origin);
    let message;
    try {
      message = decodeMessage(defragmented.data);
    } catch (error) {
      throw wrapDecodeError(error, `${where}${defragmented.objectId > 0n ? ` (message ObjectId ${defragmented.objectId})` : ''}`, MESSAGE_REMEDY);
    }
    let value: PSValue;
    try {
      value = withoutCycles(decodeBody(message.data));
    } catch (error) {
      throw wrapDecodeError(error, `${where}: ${message.messageType} body`, CLIXML_REMEDY);
    }
    return {
      kind: 'message',
      origin,
      destination: message.destination === 1 ? 'client' : 'server',
      messageType: message.messageType,
      rpid: guidFromBytes(message.rpid),
      pid: guidFromBytes(message.pid),
      objectId: defragmented.objectId,
      value,
    };
  }
}

/** Decodes a whole capture in order (see {@link CaptureDecoder}), ending with the end-of-capture check. */
export function* decodeCapture(inputs: Iterable<CaptureInput>, options: DecodeCaptureOptions = {}): Generator<DecodedRecord, void, void> {
  const decoder = new CaptureDecoder(options);
  for (const input of inputs) yield* decoder.decodeInput(input);
  decoder.finish();
}

/**
 * The objects of `text[lineStart, lineEnd)` that complete before the error a line-sized push raised, past the
 * `already` objects returned earlier: a fresh parser replays the good lines, then the bad line one tag at a time.
 */
function salvageClixml(text: string, lineStart: number, lineEnd: number, already: number): ClixmlEntry[] {
  const parser = createClixmlEntryStreamParser({ refScope: 'document' });
  const out: ClixmlEntry[] = [];
  let seen = 0;
  const take = (entries: ClixmlEntry[]): void => {
    for (const entry of entries) if (++seen > already) out.push(entry);
  };
  try {
    if (lineStart > 0) take(parser.push(text.slice(0, lineStart)));
    let at = lineStart;
    while (at < lineEnd) {
      const gt = text.indexOf('>', at);
      const stop = gt < 0 || gt >= lineEnd ? lineEnd : gt + 1;
      take(parser.push(text.slice(at, stop)));
      at = stop;
    }
    if (lineEnd >= text.length) take(parser.end());
  } catch {
    // The same error the caller reports.
  }
  return out;
}
