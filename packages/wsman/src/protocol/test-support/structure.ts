import { WsmanNamespace } from '../namespaces.js';
import { parseXmlDocument, type XmlElement } from '../xml.js';

/** A canonical, comparable view of an element tree. */
export interface CanonicalElement {
  readonly tag: string;
  readonly attrs: readonly string[];
  readonly text: string;
  readonly children: readonly CanonicalElement[];
}

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;

function normalizeText(text: string): string {
  return text.replace(GUID, '00000000-0000-0000-0000-000000000000').replace(/\s+/g, ' ').trim();
}

const VOLATILE_HEADERS = new Set([`${WsmanNamespace.wsa} MessageID`, `${WsmanNamespace.wsa} RelatesTo`, `${WsmanNamespace.wsa} To`]);

function canon(el: XmlElement, inHeader: boolean): CanonicalElement {
  const key = `${el.ns} ${el.local}`;
  const isHeader = el.ns === WsmanNamespace.s && el.local === 'Header';
  const children = el.children.map((c) => canon(c, isHeader));
  if (isHeader) children.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return {
    tag: `{${el.ns}}${el.local}`,
    attrs: el.attributes.map((a) => `{${a.ns}}${a.local}=${normalizeText(a.value)}`).sort(),
    text: inHeader && VOLATILE_HEADERS.has(key) ? '<volatile>' : normalizeText(el.text),
    children,
  };
}

/**
 * The structure of an envelope for comparison: namespaces resolved (prefixes and declarations ignored), GUIDs zeroed,
 * MessageID/RelatesTo/To ignored, whitespace collapsed, header order not significant, body order significant.
 */
export function canonicalEnvelope(xml: string): CanonicalElement {
  return canon(parseXmlDocument(xml), false);
}
