import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { envelopeError } from './errors.js';
import { WsmanNamespace } from './namespaces.js';

/** One attribute, its prefix resolved to a namespace URI (`''` when unqualified). */
export interface XmlAttribute {
  readonly ns: string;
  readonly local: string;
  readonly prefix: string;
  readonly value: string;
}

/**
 * One element of a namespace-resolved tree. Matching goes by `ns` and `local`, never by prefix, because servers
 * choose their own prefixes (`s:`/`env:`/`SOAP-ENV:`, `w:`/`wsman:`, `p:` for two different namespaces, ...).
 */
export interface XmlElement {
  readonly ns: string;
  readonly local: string;
  readonly prefix: string;
  /** Attributes in document order, namespace declarations excluded. */
  readonly attributes: readonly XmlAttribute[];
  /** Namespace declarations made on this element (prefix `''` is the default namespace). */
  readonly namespaceDeclarations: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text nodes joined, entities decoded, untrimmed. */
  readonly text: string;
}

/** Limits for parsing untrusted envelopes. */
export interface XmlParseOptions {
  /** Largest accepted input in UTF-16 code units; default 16 MiB (envelopes are bounded by MaxEnvelopeSize). */
  readonly maxLength?: number;
}

/** Default input bound: 4096 KiB is the largest MaxEnvelopeSizekb seen configured, with room for base64 text. */
export const DEFAULT_MAX_ENVELOPE_CHARS = 16 * 1024 * 1024;

/** Deepest nesting accepted; a WS-Management envelope is about 8 levels deep (a fault with nested provider faults ~12). */
const MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // Entities are decoded here (the five XML ones and character references); DTDs are refused before parsing.
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  cdataPropName: '#cdata',
  maxNestedTags: MAX_DEPTH,
  commentPropName: '#comment',
});

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined XML entities and character references. An unknown named entity is an error. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  const decoded = text.replace(ENTITY, (_m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name] ?? '';
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec ?? '', 10);
    if (!Number.isFinite(code) || code > 0x10ffff) throw envelopeError(`Invalid character reference in XML text: ${_m}`);
    return String.fromCodePoint(code);
  });
  const leftover = /&[^;\s]{0,20};?/.exec(text.replace(ENTITY, ''));
  if (leftover !== null) {
    throw envelopeError(`Undefined XML entity ${leftover[0]}: only &amp; &lt; &gt; &quot; &apos; and character references are allowed.`);
  }
  return decoded;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' };
// XML 1.0 has no representation for these, not even as character references.
const UNREPRESENTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Escapes a value for XML text and double-quoted attribute values. CR, LF and TAB become character references so
 * attribute-value normalization cannot change them. A character XML 1.0 cannot carry is an INVALID_ARGUMENT error.
 */
export function escapeXml(value: string): string {
  const bad = UNREPRESENTABLE.exec(value);
  if (bad !== null) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `The value contains U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry.`, {
      remedy: 'Remove control characters from the value (PSRP data travels base64-encoded and never needs them).',
    });
  }
  return value.replace(/[&<>"'\r\n\t]/g, (c) => ESCAPES[c] ?? c);
}

type OrderedNode = Record<string, unknown>;

function splitName(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function build(node: OrderedNode, scope: ReadonlyMap<string, string>, depth: number): XmlElement {
  if (depth > MAX_DEPTH) throw envelopeError(`XML nesting deeper than ${MAX_DEPTH} levels; a WS-Management envelope is never that deep.`);
  const tag = Object.keys(node).find((k) => k !== ':@');
  if (tag === undefined) throw envelopeError('Empty XML node.');
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  let local = scope;
  const declarations: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (local === scope) local = new Map(scope);
      const prefix = name === 'xmlns' ? '' : name.slice(6);
      const uri = decodeXmlText(value);
      (local as Map<string, string>).set(prefix, uri);
      declarations[prefix] = uri;
    }
  }
  const resolve = (prefix: string, isAttribute: boolean): string => {
    if (prefix === 'xml') return WsmanNamespace.xml;
    if (prefix === '' && isAttribute) return '';
    const uri = local.get(prefix);
    if (uri === undefined) {
      if (prefix === '') return '';
      throw envelopeError(`The XML prefix "${prefix}:" is used on <${tag}> without a namespace declaration.`);
    }
    return uri;
  };
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const [prefix, localName] = splitName(name);
    attributes.push({ ns: resolve(prefix, true), local: localName, prefix, value: decodeXmlText(value) });
  }
  const [prefix, localName] = splitName(tag);
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[tag] ?? []) as OrderedNode[]) {
    if ('#text' in child) text += decodeXmlText(String(child['#text']));
    // CDATA is literal text: no entity decoding.
    else if ('#cdata' in child) text += ((child['#cdata'] ?? []) as OrderedNode[]).map((c) => String(c['#text'] ?? '')).join('');
    else if (!('?xml' in child) && !('#comment' in child)) children.push(build(child, local, depth + 1));
  }
  return { ns: resolve(prefix, false), local: localName, prefix, attributes, namespaceDeclarations: declarations, children, text };
}

const FORBIDDEN = /<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/** Most attributes (namespace declarations included) on one element; Windows puts about 10 on s:Envelope. */
const MAX_ATTRIBUTES = 256;

/**
 * Refuses an element with more than MAX_ATTRIBUTES attributes, and nesting deeper than MAX_DEPTH, before
 * fast-xml-parser sees the text: its validator and parser slow down faster than linearly with the attribute count
 * (100,000 attributes on one element cost ~3 s) and spend ~0.3 s on 100,000 levels, so a 16 MiB envelope could stall
 * a client for tens of seconds. One pass over the tags, skipping comments, CDATA and processing instructions.
 */
function assertTagShape(text: string): void {
  let depth = 0;
  let i = text.indexOf('<');
  while (i >= 0) {
    const skipTo = text.startsWith('<!--', i) ? '-->' : text.startsWith('<![CDATA[', i) ? ']]>' : text.startsWith('<?', i) ? '?>' : undefined;
    if (skipTo !== undefined) {
      const end = text.indexOf(skipTo, i + 2);
      i = end < 0 ? -1 : text.indexOf('<', end + skipTo.length);
      continue;
    }
    const endTag = text.charCodeAt(i + 1) === 0x2f;
    let count = 0;
    let quote = 0;
    let p = i + 1;
    for (; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
        if (++count > MAX_ATTRIBUTES) {
          throw envelopeError(`An element has more than ${MAX_ATTRIBUTES} attributes; a WS-Management envelope never has that many.`, { maxAttributes: MAX_ATTRIBUTES });
        }
      } else if (c === 0x3e) break;
    }
    if (endTag) depth--;
    else if (text.charCodeAt(p - 1) !== 0x2f && ++depth > MAX_DEPTH + 1) {
      throw envelopeError(`XML nesting deeper than ${MAX_DEPTH} levels; a WS-Management envelope is never that deep.`);
    }
    i = text.indexOf('<', p);
  }
}

/**
 * Parses an XML document into a namespace-resolved tree. Refuses DTDs and entity declarations, inputs above the
 * length bound, and anything not well-formed, each with an ExopsError WSMAN_ENVELOPE naming the problem.
 */
export function parseXmlDocument(xml: string, options: XmlParseOptions = {}): XmlElement {
  const maxLength = options.maxLength ?? DEFAULT_MAX_ENVELOPE_CHARS;
  if (typeof xml !== 'string') throw envelopeError('The envelope is not a string.');
  if (xml.length > maxLength) {
    throw envelopeError(`The envelope is ${xml.length} characters, above the ${maxLength} limit; no WS-Management envelope is that large (MaxEnvelopeSize bounds them).`, {
      length: xml.length,
      maxLength,
    });
  }
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (text.trim() === '') throw envelopeError('The envelope is empty.');
  if (FORBIDDEN.test(text)) throw envelopeError('The envelope contains a DOCTYPE or entity declaration; WS-Management forbids DTDs and they are refused.');
  assertTagShape(text);
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw envelopeError(`The envelope is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col}).`, { line: valid.err.line, col: valid.err.col });
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw envelopeError(/nested/i.test(reason) ? `XML nesting deeper than ${MAX_DEPTH} levels; a WS-Management envelope is never that deep.` : `The envelope could not be parsed: ${reason}.`);
  }
  const roots = nodes.filter((n) => !('?xml' in n) && !('#comment' in n) && !('#text' in n));
  if (roots.length !== 1 || roots[0] === undefined) throw envelopeError(`Expected one root element, found ${roots.length}.`);
  return build(roots[0], new Map(), 0);
}

/** The first child with this namespace and local name. */
export function childElement(parent: XmlElement | undefined, ns: string, local: string): XmlElement | undefined {
  return parent?.children.find((c) => c.local === local && c.ns === ns);
}

/** Every child with this namespace and local name. */
export function childElements(parent: XmlElement | undefined, ns: string, local: string): XmlElement[] {
  return parent === undefined ? [] : parent.children.filter((c) => c.local === local && c.ns === ns);
}

/** An unqualified (or given-namespace) attribute's value. */
export function attributeValue(element: XmlElement | undefined, local: string, ns = ''): string | undefined {
  return element?.attributes.find((a) => a.local === local && a.ns === ns)?.value;
}

/** All descendant text in document order (for mixed content such as f:Message with a ProviderFault). */
export function deepText(element: XmlElement): string {
  return element.text + element.children.map(deepText).join('');
}
