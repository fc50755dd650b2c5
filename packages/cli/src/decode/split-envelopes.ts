/** Splits a text holding SOAP envelopes one after another (as captures and logs hold them) into single envelopes. */
import type { ExopsError } from '@exops/contracts';
import { decodeError } from './errors.js';

/** One envelope cut out of a larger text, with where it starts there (1-based). */
export interface EnvelopeSlice {
  readonly xml: string;
  readonly line: number;
  readonly column: number;
}

const ENVELOPE_START = /^<([A-Za-z_][\w.-]*:)?Envelope[\s>/]/;

const SPLIT_REMEDY =
  'Pass envelopes exactly as captured: complete SOAP envelopes one after another, separated only by whitespace, ' +
  'XML comments or XML declarations.';

/** The envelopes found, and the error that stopped the scan, if any. */
export interface EnvelopeScan {
  readonly slices: readonly EnvelopeSlice[];
  readonly error: ExopsError | undefined;
}

/**
 * Cuts `text` into envelopes; throws naming the input and line where something else than an envelope, whitespace,
 * an XML comment or an XML declaration appears, or where an envelope is not closed. See {@link scanEnvelopes}.
 */
export function splitEnvelopes(input: string, text: string): EnvelopeSlice[] {
  const scan = scanEnvelopes(input, text);
  if (scan.error !== undefined) throw scan.error;
  return [...scan.slices];
}

/**
 * Cuts `text` into envelopes. Between envelopes only whitespace, XML comments and XML declarations may appear.
 * Each slice is padded with the newlines and spaces that precede it, so the XML parser's line and column numbers
 * are those of the whole input. Stops at anything else, or at an unclosed envelope, returning the envelopes before
 * it and the error (so they can be decoded before it is reported).
 */
export function scanEnvelopes(input: string, text: string): EnvelopeScan {
  const slices: EnvelopeSlice[] = [];
  const error = scan(input, text, slices);
  return { slices, error };
}

function scan(input: string, text: string, out: EnvelopeSlice[]): ExopsError | undefined {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;
  const advanceTo = (to: number): void => {
    for (let i = text.indexOf('\n', at); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    at = to;
  };
  for (;;) {
    let next = at;
    while (next < text.length && /\s/.test(text[next]!)) next++;
    advanceTo(next);
    if (at >= text.length) break;
    const column = at - lineStart + 1;
    if (text.startsWith('<!--', at)) {
      const close = text.indexOf('-->', at + 4);
      if (close < 0) return decodeError(input, `line ${line}: an XML comment that is never closed (no "-->")`, SPLIT_REMEDY);
      advanceTo(close + 3);
      continue;
    }
    if (text.startsWith('<?xml', at)) {
      const close = text.indexOf('?>', at);
      if (close < 0) return decodeError(input, `line ${line}: an XML declaration that is never closed (no "?>")`, SPLIT_REMEDY);
      advanceTo(close + 2);
      continue;
    }
    const start = ENVELOPE_START.exec(text.slice(at, at + 200));
    if (start === null) {
      return decodeError(
        input,
        `line ${line}, column ${column}: expected a SOAP <Envelope> ${out.length === 0 ? '' : `after envelope ${out.length} `}but found ${JSON.stringify(text.slice(at, at + 30))}`,
        SPLIT_REMEDY,
      );
    }
    const qname = `${start[1] ?? ''}Envelope`;
    const startTagEnd = text.indexOf('>', at);
    if (startTagEnd > 0 && text[startTagEnd - 1] === '/') {
      // <s:Envelope/>: no Body; the envelope parser says so.
      out.push({ xml: '\n'.repeat(line - 1) + ' '.repeat(column - 1) + text.slice(at, startTagEnd + 1), line, column });
      advanceTo(startTagEnd + 1);
      continue;
    }
    const endTag = new RegExp(`</${qname.replace(/[.]/g, '\\.')}\\s*>`, 'g');
    endTag.lastIndex = at;
    const end = endTag.exec(text);
    if (end === null) {
      return decodeError(
        input,
        `envelope ${out.length + 1} (line ${line}) is truncated: it never reaches </${qname}>`,
        'The capture was cut off: copy the whole envelope, up to and including its closing tag.',
      );
    }
    const stop = end.index + end[0].length;
    out.push({ xml: '\n'.repeat(line - 1) + ' '.repeat(column - 1) + text.slice(at, stop), line, column });
    advanceTo(stop);
  }
  return undefined;
}
