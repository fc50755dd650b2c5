/**
 * What one input of `exops decode` holds, told by content alone: SOAP envelopes, CLIXML, a pypsrp YAML recording,
 * base64 of PSRP fragments, raw fragment bytes, or a bare PSRP message.
 */
import { FRAGMENT_HEADER_SIZE, MESSAGE_HEADER_SIZE, messageTypeName } from '@exops/psrp';
import { decodeError } from './errors.js';

/** The kinds of input `exops decode` reads. */
export type InputKind = 'envelopes' | 'clixml' | 'yaml' | 'base64' | 'fragments' | 'message';

/** An input classified: bytes for the binary kinds, text for the others. */
export type ClassifiedInput =
  | { readonly kind: 'envelopes' | 'clixml' | 'yaml'; readonly text: string }
  | { readonly kind: 'base64'; readonly text: string; readonly bytes: Uint8Array }
  | { readonly kind: 'fragments' | 'message'; readonly bytes: Uint8Array };

/** Largest ObjectId taken as plausible when sniffing binary input: real senders count from 1 per message. */
const MAX_SNIFFED_OBJECT_ID = 0xffff_ffffn;
/** Largest blob taken as plausible in a cut-off input: far above the 32 KiB Windows sends and the ~114 KB clients send. */
const MAX_SNIFFED_BLOB = 16 * 1024 * 1024;

/**
 * True when `bytes` start with a plausible [MS-PSRP] 2.2.4 fragment header: ObjectId in 1..2^32, FragmentId below
 * 2^32, no reserved flag bits, a Start fragment numbered 0, and (unless `allowTruncated`, for telling a cut-off
 * input apart from other binary data) a blob that fits in what follows.
 */
export function looksLikeFragments(bytes: Uint8Array, allowTruncated = false): boolean {
  if (bytes.length < FRAGMENT_HEADER_SIZE) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const objectId = view.getBigUint64(0, false);
  const fragmentId = view.getBigUint64(8, false);
  const flags = view.getUint8(16);
  const blobLength = view.getUint32(17, false);
  if (objectId === 0n || objectId > MAX_SNIFFED_OBJECT_ID || fragmentId > MAX_SNIFFED_OBJECT_ID) return false;
  if ((flags & 0xfc) !== 0) return false;
  if ((flags & 0x01) !== 0 && fragmentId !== 0n) return false;
  return allowTruncated ? blobLength <= MAX_SNIFFED_BLOB : blobLength <= bytes.length - FRAGMENT_HEADER_SIZE;
}

/** True when `bytes` start with a [MS-PSRP] 2.2.1 message header: destination 1 or 2 and a defined message type. */
export function looksLikeMessage(bytes: Uint8Array): boolean {
  if (bytes.length < MESSAGE_HEADER_SIZE) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const destination = view.getUint32(0, true);
  return (destination === 1 || destination === 2) && messageTypeName(view.getUint32(4, true)) !== undefined;
}

/**
 * Decodes text the way captures arrive: UTF-8 with or without a BOM, or UTF-16 with a BOM (what Windows
 * PowerShell's `>` and `Export-Clixml` write). Returns undefined for bytes that are not text.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    // NUL never occurs in XML, YAML or base64 text: such bytes are binary.
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}

const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/**
 * Decodes base64 text: one blob, possibly wrapped over lines, or several blobs one per line (each with its own
 * padding), concatenated in order. Undefined when the text is not base64.
 */
export function decodeBase64Text(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || !BASE64_TEXT.test(trimmed)) return undefined;
  const tokens = trimmed.split(/\s+/);
  const valid = (token: string): boolean => /^[A-Za-z0-9+/]*={0,2}$/.test(token) && token.length % 4 !== 1;
  if (tokens.every((t) => t.length % 4 === 0 && valid(t))) {
    return new Uint8Array(Buffer.concat(tokens.map((t) => Buffer.from(t, 'base64'))));
  }
  // Otherwise one unpadded blob wrapped at a fixed width: every line but the last equally long.
  const width = tokens[0]!.length;
  if (!tokens.slice(0, -1).every((t) => t.length === width && !t.includes('='))) return undefined;
  const joined = tokens.join('');
  return valid(joined) ? new Uint8Array(Buffer.from(joined, 'base64')) : undefined;
}

/** The first significant text after whitespace, XML comments and an XML declaration. */
function firstMarkup(text: string): string {
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (text.startsWith('<!--', at)) {
      const close = text.indexOf('-->', at + 4);
      if (close < 0) return text.slice(at);
      at = close + 3;
    } else if (text.startsWith('<?xml', at)) {
      const close = text.indexOf('?>', at);
      if (close < 0) return text.slice(at);
      at = close + 2;
    } else {
      return text.slice(at, at + 200);
    }
  }
}

const CLIXML_ROOTS = new Set([
  'Objs', 'Obj', 'Ref', 'S', 'B', 'C', 'D', 'G', 'DT', 'TS', 'By', 'SB', 'Sg', 'Db', 'BA', 'XD', 'SS', 'PR', 'U16', 'I16', 'U32',
  'I32', 'U64', 'I64', 'URI', 'SBK', 'Nil', 'Version',
]);

/**
 * Classifies one input by its content. Throws an ExopsError naming the input when it is none of the kinds
 * `exops decode` reads.
 */
export function classifyInput(name: string, bytes: Uint8Array): ClassifiedInput {
  if (bytes.length === 0) throw decodeError(name, 'the input is empty', 'Pass a file that holds a capture, or pipe one into stdin.');
  const text = decodeText(bytes);
  if (text === undefined) {
    if (looksLikeFragments(bytes, true)) return { kind: 'fragments', bytes };
    if (looksLikeMessage(bytes)) return { kind: 'message', bytes };
    throw decodeError(
      name,
      `${bytes.length} bytes of binary data that start with neither a PSRP fragment header nor a message header (first bytes ${hexPreview(bytes)})`,
      INPUT_KINDS_REMEDY,
    );
  }
  const head = firstMarkup(text);
  if (head.startsWith('#< CLIXML')) return { kind: 'clixml', text };
  if (/^<!DOCTYPE/i.test(head)) {
    // Named on its own: "root element <!DOCTYPE" would hide that the file carries a DTD, the vehicle of entity attacks.
    throw decodeError(
      name,
      'XML with a DOCTYPE (DTD), which neither WS-Management envelopes nor CLIXML ever carry; DTDs declare the entities of expansion and external-entity attacks, so the file is refused',
      'Do not trust this file: WinRM and PowerShell never write a DTD, so it was made by something else or tampered with.',
    );
  }
  if (head.startsWith('<')) {
    const tag = /^<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(head);
    if (tag !== null && tag[2] === 'Envelope') return { kind: 'envelopes', text };
    if (tag !== null && tag[1] === undefined && CLIXML_ROOTS.has(tag[2]!)) return { kind: 'clixml', text };
    throw decodeError(
      name,
      `XML whose root element <${tag === null ? head.slice(1, 20) : `${tag[1] ?? ''}${tag[2]!}`}> is neither a SOAP Envelope nor CLIXML (<Objs> or a value such as <Obj>)`,
      INPUT_KINDS_REMEDY,
    );
  }
  if (/^(?:%YAML[^\n]*\n)?(?:---\s*)?(?:#[^\n]*\n\s*)*messages\s*:/.test(text.replace(/^\uFEFF/, '').trimStart())) return { kind: 'yaml', text };
  const decoded = decodeBase64Text(text);
  if (decoded !== undefined && decoded.length >= FRAGMENT_HEADER_SIZE) {
    if (looksLikeFragments(decoded, true) || looksLikeMessage(decoded)) return { kind: 'base64', text, bytes: decoded };
    throw decodeError(
      name,
      `base64 text that decodes to ${decoded.length} bytes starting with neither a PSRP fragment header nor a message header (first bytes ${hexPreview(decoded)})`,
      'Pass the base64 exactly as it appears in creationXml, rsp:Arguments or an rsp:Stream element, without anything around it.',
    );
  }
  throw decodeError(name, `text that is not XML, CLIXML, a pypsrp YAML recording or base64 (it starts with ${JSON.stringify(text.trim().slice(0, 24))})`, INPUT_KINDS_REMEDY);
}

/** The remedy for an input of no known kind. */
export const INPUT_KINDS_REMEDY =
  'exops decode reads WS-Management SOAP envelopes (one or several in a row), pypsrp YAML recordings, CLIXML ' +
  '(<Objs> or "#< CLIXML" output), base64 of PSRP fragments, and raw fragment bytes.';

function hexPreview(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 8)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}
