import type { PSValue } from '@exops/contracts';
import { clixmlError, limitError } from './errors.js';
import { CLIXML_PARSE_DEFAULTS, ClixmlReader, clixmlText, type ClixmlEntry, type ClixmlParseOptions } from './reader.js';

function checkLength(text: string, maxLength: number): void {
  if (text.length > maxLength) {
    throw limitError(`CLIXML of ${text.length} characters exceeds the limit of ${maxLength}`, { length: text.length, maxLength });
  }
}

/**
 * Deserializes the CLIXML body of one PSRP message ([MS-PSRP] 2.2.5) into a PSValue. Accepts text or UTF-8 bytes,
 * with or without a BOM, an XML declaration and the PowerShell namespace. Refuses DTDs, entity declarations and
 * processing instructions (PSRP_XML_FORBIDDEN), inputs beyond the limits (PSRP_LIMIT) and anything malformed
 * (PSRP_CLIXML, naming line, column and what was expected).
 */
export function deserializeClixml(xml: string | Uint8Array, options: ClixmlParseOptions = {}): PSValue {
  const text = clixmlText(xml);
  checkLength(text, options.maxLength ?? CLIXML_PARSE_DEFAULTS.maxLength);
  const reader = new ClixmlReader(options);
  reader.reset(text);
  reader.prolog('the message');
  if (reader.atEnd) throw clixmlError('CLIXML message is empty: expected one value element such as <Obj> or <S>');
  if (reader.peekTagName() === 'Objs') {
    reader.fail('<Objs> is a standalone CLIXML document, not a message body: read it with parseClixmlDocument');
  }
  const value = reader.value();
  reader.skipMisc('the message');
  if (!reader.atEnd) reader.fail('a message body holds exactly one value element; found more after it');
  return value;
}

/**
 * Reads a standalone CLIXML document (Export-Clixml, or `powershell -OutputFormat xml` output with its `#< CLIXML`
 * prefix), returning each object with the stream its `S` attribute names (`Error`, `progress`, …). Several
 * `<Objs>` documents in a row, each with its own RefId scope, are read in order.
 */
export function parseClixmlDocumentEntries(text: string, options: ClixmlParseOptions = {}): ClixmlEntry[] {
  const source = clixmlText(text);
  if (options.maxLength !== undefined) checkLength(source, options.maxLength);
  const reader = new ClixmlReader(options);
  reader.reset(source);
  const entries: ClixmlEntry[] = [];
  let documents = 0;
  reader.clixmlMarker();
  reader.prolog('the document');
  for (;;) {
    if (reader.atEnd) break;
    if (reader.peekTagName() !== 'Objs') reader.fail(`expected the <Objs> root of a CLIXML document, found <${reader.peekTagName()}>`);
    reader.startTag();
    documents++;
    reader.clearReferences();
    if (!reader.isSelfClosing) {
      for (;;) {
        reader.skipMisc('<Objs>');
        if (reader.atEndTag()) break;
        entries.push(reader.entry());
      }
      reader.endTag('Objs');
    }
    if (reader.clixmlMarker()) reader.prolog('the document');
    else reader.skipMisc('the document');
  }
  if (documents === 0) throw clixmlError('CLIXML document is empty: expected an <Objs> root element');
  return entries;
}

/** Reads a standalone CLIXML document and returns its objects (stream names dropped; see parseClixmlDocumentEntries). */
export function parseClixmlDocument(text: string, options: ClixmlParseOptions = {}): PSValue[] {
  return parseClixmlDocumentEntries(text, options).map((entry) => entry.value);
}
