/**
 * The protocol half of @exops/wsman: pure MS-WSMV envelope builders and parsers for PowerShell remoting, client and
 * server side. No I/O: strings in, typed values out.
 */
export * from './namespaces.js';
export {
  escapeXml,
  decodeXmlText,
  parseXmlDocument,
  childElement,
  childElements,
  attributeValue,
  deepText,
  DEFAULT_MAX_ENVELOPE_CHARS,
  type XmlAttribute,
  type XmlElement,
  type XmlParseOptions,
} from './xml.js';
export {
  parseSoapEnvelope,
  parseShellElement,
  parseCommandElement,
  parseSelectorSet,
  type SoapEnvelopeParts,
  type WsmanShellInfo,
  type WsmanCommandInfo,
} from './envelope.js';
export * from './request-builders.js';
export * from './response-parser.js';
export * from './request-parser.js';
export * from './faults.js';
export * from './sizing.js';
export * from './response-builders.js';
