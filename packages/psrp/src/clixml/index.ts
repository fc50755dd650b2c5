export { escapeClixmlString, unescapeClixmlString } from './escape.js';
export { CLIXML_NAMESPACE, serializeClixml, serializeClixmlDocument } from './serialize.js';
export { deserializeClixml, parseClixmlDocument, parseClixmlDocumentEntries } from './deserialize.js';
export { CLIXML_PARSE_DEFAULTS } from './reader.js';
export type { ClixmlEntry, ClixmlParseOptions } from './reader.js';
export { createClixmlPropertySet, isClixmlPropertySet } from './property-set.js';
export { createClixmlEntryStreamParser, createClixmlStreamParser } from './stream.js';
export type { ClixmlEntryStreamParser, ClixmlStreamParser, ClixmlStreamParserOptions } from './stream.js';
