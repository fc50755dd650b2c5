import { PSObject, type PSContainer, type PSValue } from '@exops/contracts';
import { clixmlError, forbiddenXmlError, limitError } from './errors.js';
import { unescapeClixmlString } from './escape.js';
import { parsePrimitiveText } from './primitives.js';
import { markPropertySet } from './property-set.js';
import { CLIXML_NAMESPACE } from './serialize.js';

/** Limits that bound the work and memory one input can cost. */
export interface ClixmlParseOptions {
  /** Deepest element nesting accepted (default 100). PowerShell's own output stays far below. */
  readonly maxDepth?: number;
  /**
   * Longest input in UTF-16 code units (default 64 MiB for one message). For the stream parser: the longest single
   * top-level object.
   */
  readonly maxLength?: number;
  /** Most attributes on one element (default 16; CLIXML uses at most 3). */
  readonly maxAttributes?: number;
}

/** Defaults of {@link ClixmlParseOptions}. */
export const CLIXML_PARSE_DEFAULTS = { maxDepth: 100, maxLength: 64 * 1024 * 1024, maxAttributes: 16 } as const;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const AMP = 0x26;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOS = 0x27;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

// ASCII name characters; CLIXML's element and attribute names are all ASCII, so anything else ends a name.
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_:.\-]/.test(ch)) NAME_CHAR[c] = 1;
}

function isNameEnd(c: number): boolean {
  return !(c < 128 && NAME_CHAR[c] === 1);
}

function sameName(s: string, start: number, literal: string): boolean {
  for (let i = 1; i < literal.length; i++) if (s.charCodeAt(start + i) !== literal.charCodeAt(i)) return false;
  return true;
}

// The element and attribute names CLIXML uses, grouped by length and first character. Returning the literal (an
// internalized string) avoids a substring allocation per tag and lets the string switches compare by identity.
const KNOWN_NAMES: Record<number, Record<number, string[]>> = {};
for (const name of [
  'S', 'B', 'C', 'D', 'G', 'T', 'N', 'DT', 'TS', 'By', 'SB', 'Sg', 'Db', 'BA', 'TN', 'IE', 'MS', 'En', 'XD', 'SS', 'PR',
  'AV', 'AI', 'PI', 'PC', 'SR', 'SD', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64', 'URI', 'SBK', 'Nil', 'Obj', 'Ref', 'LST',
  'STK', 'QUE', 'DCT', 'Objs', 'Props', 'TNRef', 'RefId', 'xmlns', 'Version', 'ToString',
]) {
  const byFirst = (KNOWN_NAMES[name.length] ??= {});
  (byFirst[name.charCodeAt(0)] ??= []).push(name);
}

function nameAt(s: string, start: number, end: number): string {
  const candidates = KNOWN_NAMES[end - start]?.[s.charCodeAt(start)];
  if (candidates !== undefined) {
    for (const candidate of candidates) if (sameName(s, start, candidate)) return candidate;
  }
  return s.slice(start, end);
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function describe(s: string, at: number): string {
  if (at >= s.length) return 'the end of the input';
  const shown = s.slice(at, at + 20);
  return JSON.stringify(shown.length < s.length - at ? `${shown}…` : shown);
}

/** Where a unit of text starts in the whole input, so errors name the line and column the user sees. */
export interface TextOrigin {
  readonly line: number;
  readonly column: number;
}

/** The value of a top-level element and the stream its `S` attribute names (`#< CLIXML` output). */
export interface ClixmlEntry {
  readonly value: PSValue;
  /** `Error`, `Verbose`, `progress`, … from the element's `S` attribute; undefined for ordinary output. */
  readonly stream: string | undefined;
}

/**
 * A recursive-descent reader for the subset of XML that CLIXML uses, working on the string with indexOf and
 * charCodeAt and building PSValues directly (no intermediate DOM or event objects). One instance is one RefId scope.
 */
export class ClixmlReader {
  private s = '';
  private pos = 0;
  private origin: TextOrigin | (() => TextOrigin) = { line: 1, column: 1 };
  private hasCR = false;
  private depth = 0;
  private readonly maxDepth: number;
  private readonly maxAttributes: number;
  private readonly typeNames = new Map<string, string[]>();
  private readonly objects = new Map<string, PSObject>();

  // The last start tag read by startTag().
  private tag = '';
  private selfClosing = false;
  private attrN: string | undefined;
  private attrRefId: string | undefined;
  private attrStream: string | undefined;

  constructor(options: ClixmlParseOptions = {}) {
    this.maxDepth = options.maxDepth ?? CLIXML_PARSE_DEFAULTS.maxDepth;
    this.maxAttributes = options.maxAttributes ?? CLIXML_PARSE_DEFAULTS.maxAttributes;
  }

  /** Starts reading `text` (one whole message, document, or top-level object). */
  reset(text: string, origin: TextOrigin | (() => TextOrigin) = { line: 1, column: 1 }, start = 0, hasCR?: boolean): void {
    this.s = text;
    this.pos = start;
    this.origin = origin;
    this.hasCR = hasCR ?? text.indexOf('\r') >= 0;
    this.depth = 0;
  }

  /** The reader's offset in its text. */
  get position(): number {
    return this.pos;
  }

  /** Forgets RefIds: a new message or document starts a new scope. */
  clearReferences(): void {
    this.typeNames.clear();
    this.objects.clear();
  }

  /** Forgets object RefIds but keeps type names (bounded memory when streaming a document). */
  clearObjectReferences(): void {
    this.objects.clear();
  }

  get atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  // ---- errors -------------------------------------------------------------------------------------------------

  /** Line and column (1-based) of an offset in the current text. */
  location(at: number): { line: number; column: number } {
    let line = 0;
    let lineStart = 0;
    let i = this.s.indexOf('\n');
    while (i >= 0 && i < at) {
      line++;
      lineStart = i + 1;
      i = this.s.indexOf('\n', lineStart);
    }
    const origin = typeof this.origin === 'function' ? this.origin() : this.origin;
    return line === 0 ? { line: origin.line, column: origin.column + at } : { line: origin.line + line, column: at - lineStart + 1 };
  }

  fail(message: string, at: number = this.pos): never {
    const { line, column } = this.location(at);
    throw clixmlError(`CLIXML line ${line}, column ${column}: ${message}`, { line, column });
  }

  private expected(what: string, at: number = this.pos): never {
    return this.fail(`expected ${what}, found ${describe(this.s, at)}`, at);
  }

  private forbidden(what: string, at: number): never {
    const { line, column } = this.location(at);
    throw forbiddenXmlError(`CLIXML line ${line}, column ${column}: ${what} is not allowed in CLIXML`, { line, column });
  }

  // ---- XML lexical layer ----------------------------------------------------------------------------------------

  /**
   * Skips whitespace and comments before the root or between child elements. Stops at `<` of an element or end tag.
   * Refuses DOCTYPE, processing instructions and text that is not whitespace.
   */
  skipMisc(context: string): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      let c = s.charCodeAt(p);
      while (isSpace(c)) c = s.charCodeAt(++p);
      if (c !== LT) {
        this.pos = p;
        if (p >= s.length) {
          if (context.startsWith('<')) this.fail(`the input ends inside ${context}: expected its end tag`, p);
          return;
        }
        return this.expected(`an element or end tag in ${context}`, p);
      }
      const next = s.charCodeAt(p + 1);
      if (next === BANG) {
        if (s.startsWith('<!--', p)) {
          p = this.skipComment(p);
          continue;
        }
        this.markupDeclaration(p);
      } else if (next === QUESTION) {
        this.forbidden('a processing instruction', p);
      }
      this.pos = p;
      return;
    }
  }

  private skipComment(at: number): number {
    const close = this.s.indexOf('-->', at + 4);
    if (close < 0) this.fail('unterminated comment: expected "-->"', at);
    return close + 3;
  }

  private markupDeclaration(at: number): never {
    const s = this.s;
    if (s.startsWith('<!DOCTYPE', at)) this.forbidden('a DOCTYPE (DTD)', at);
    if (s.startsWith('<!ENTITY', at)) this.forbidden('an entity declaration', at);
    if (s.startsWith('<![CDATA[', at)) this.expected('an element (CDATA is only allowed inside text)', at);
    return this.forbidden('a markup declaration', at);
  }

  /** Reads the XML declaration, a BOM and whitespace/comments before the root element. */
  prolog(context: string): void {
    const s = this.s;
    if (this.pos === 0 && s.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (s.startsWith('<?xml', this.pos) && isSpace(s.charCodeAt(this.pos + 5))) {
      const close = s.indexOf('?>', this.pos);
      if (close < 0) this.fail('unterminated XML declaration: expected "?>"', this.pos);
      this.pos = close + 2;
    }
    this.skipMisc(context);
  }

  /** Skips an optional `#< CLIXML` line, as powershell.exe -OutputFormat xml writes before each document. */
  clixmlMarker(): boolean {
    let p = this.pos;
    const s = this.s;
    while (isSpace(s.charCodeAt(p))) p++;
    if (!s.startsWith('#< CLIXML', p)) return false;
    p += 9;
    while (isSpace(s.charCodeAt(p))) p++;
    this.pos = p;
    return true;
  }

  /** True when the reader stands on `</`. */
  atEndTag(): boolean {
    return this.s.charCodeAt(this.pos) === LT && this.s.charCodeAt(this.pos + 1) === SLASH;
  }

  /** Reads a start tag at `<`, leaving name and attributes in the reader's fields. */
  startTag(): void {
    const s = this.s;
    const start = this.pos;
    if (s.charCodeAt(start) !== LT) this.expected('"<"', start);
    let p = start + 1;
    while (!isNameEnd(s.charCodeAt(p))) p++;
    if (p === start + 1) this.expected('an element name after "<"', p);
    this.tag = nameAt(s, start + 1, p);
    this.attrN = undefined;
    this.attrRefId = undefined;
    this.attrStream = undefined;
    let count = 0;
    let seenKnown = 0;
    let seenOther: string[] | undefined;
    for (;;) {
      let c = s.charCodeAt(p);
      const hadSpace = isSpace(c);
      while (isSpace(c)) c = s.charCodeAt(++p);
      if (c === GT) {
        this.selfClosing = false;
        this.pos = p + 1;
        break;
      }
      if (c === SLASH) {
        if (s.charCodeAt(p + 1) !== GT) this.expected('"/>"', p);
        this.selfClosing = true;
        this.pos = p + 2;
        break;
      }
      if (Number.isNaN(c)) this.fail(`unterminated start tag <${this.tag}>: the input ends inside it`, start);
      if (!hadSpace) this.expected(`whitespace, ">" or "/>" in <${this.tag}>`, p);
      const nameStart = p;
      while (!isNameEnd(c)) c = s.charCodeAt(++p);
      if (p === nameStart) this.expected(`an attribute name in <${this.tag}>`, p);
      const name = nameAt(s, nameStart, p);
      while (isSpace(c)) c = s.charCodeAt(++p);
      if (c !== EQUALS) this.expected(`"=" after attribute ${name}`, p);
      c = s.charCodeAt(++p);
      while (isSpace(c)) c = s.charCodeAt(++p);
      if (c !== QUOTE && c !== APOS) this.expected(`a quoted value for attribute ${name}`, p);
      const valueStart = p + 1;
      const valueEnd = s.indexOf(c === QUOTE ? '"' : "'", valueStart);
      if (valueEnd < 0) this.fail(`unterminated value of attribute ${name}`, p);
      const value = name === 'N' ? this.propertyName(valueStart, valueEnd) : this.attributeValue(valueStart, valueEnd);
      p = valueEnd + 1;
      if (++count > this.maxAttributes) {
        throw limitError(`<${this.tag}> has more than ${this.maxAttributes} attributes`, { maxAttributes: this.maxAttributes });
      }
      let bit = 0;
      switch (name) {
        case 'N':
          bit = 1;
          this.attrN = value;
          break;
        case 'RefId':
          bit = 2;
          this.attrRefId = value;
          break;
        case 'S':
          bit = 4;
          this.attrStream = value;
          break;
        case 'xmlns':
          bit = 8;
          if (value !== CLIXML_NAMESPACE && value !== '') {
            this.fail(`<${this.tag}> is in namespace ${JSON.stringify(value)}, not the PowerShell namespace ${CLIXML_NAMESPACE}`, nameStart);
          }
          break;
        default:
          // Version (on Objs), xmlns:* declarations and attributes newer PowerShell versions may add carry no value.
          if ((seenOther ??= []).includes(name)) bit = -1;
          else seenOther.push(name);
      }
      if (bit < 0 || (seenKnown & bit) !== 0) this.fail(`duplicate attribute ${name} in <${this.tag}>`, nameStart);
      seenKnown |= bit;
    }
    if (!this.selfClosing && ++this.depth > this.maxDepth) {
      throw limitError(`CLIXML nesting is deeper than ${this.maxDepth} elements`, { maxDepth: this.maxDepth });
    }
  }

  // Property names repeat in every object of a result set (Get-Mailbox: ~120 names × thousands of objects, in the
  // same order each time), so one string per distinct name is shared instead of a substring per property: less
  // garbage and far less retained memory. The next name is first guessed as the one that followed the previous
  // name last time; otherwise a small hash finds it. The cache is bounded, so hostile input cannot grow it.
  private readonly rawNames: string[] = [];
  private readonly decodedNames: string[] = [];
  private readonly nameIndex = new Map<number, number[]>();
  private nextName = 0;

  /** The N attribute, XML- and `_x`-decoded (property names are always read decoded). */
  private propertyName(start: number, end: number): string {
    const s = this.s;
    const length = end - start;
    const raws = this.rawNames;
    const guess = raws[this.nextName];
    if (guess !== undefined && guess.length === length && s.startsWith(guess, start)) {
      return this.decodedNames[this.nextName++]!;
    }
    if (length === 0 || length > 64) return unescapeClixmlString(this.attributeValue(start, end));
    const key = length * 0x10000 + ((s.charCodeAt(start) * 31 + s.charCodeAt(end - 1)) & 0xffff);
    const candidates = this.nameIndex.get(key);
    if (candidates !== undefined) {
      for (const i of candidates) {
        if (s.startsWith(raws[i]!, start)) {
          this.nextName = i + 1;
          return this.decodedNames[i]!;
        }
      }
    }
    const name = detach(unescapeClixmlString(this.attributeValue(start, end)));
    if (raws.length < 4096) {
      const i = raws.length;
      raws.push(detach(s.slice(start, end)));
      this.decodedNames.push(name);
      if (candidates === undefined) this.nameIndex.set(key, [i]);
      else candidates.push(i);
      this.nextName = i + 1;
    }
    return name;
  }

  private attributeValue(start: number, end: number): string {
    const s = this.s;
    let plain = true;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === LT) this.fail('"<" is not allowed in an attribute value', i);
      if (c === AMP || c === TAB || c === LF || c === CR) plain = false;
    }
    if (plain) return s.slice(start, end);
    // XML 1.0 3.3.3: literal whitespace characters become spaces (a CR LF pair one space); references stay.
    const normalized = s.slice(start, end).replace(/\r\n|[\t\n\r]/g, ' ');
    return normalized.indexOf('&') >= 0 ? this.decodeReferences(normalized, start) : normalized;
  }

  /** Reads `</name>` at `<`. */
  endTag(name: string): void {
    const s = this.s;
    const p = this.pos;
    const n = name.length;
    if (s.charCodeAt(p) !== LT || s.charCodeAt(p + 1) !== SLASH) this.expected(`</${name}>`, p);
    let ok = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(p + 2 + i) !== name.charCodeAt(i)) {
        ok = false;
        break;
      }
    }
    let q = p + 2 + n;
    if (ok && !isNameEnd(s.charCodeAt(q))) ok = false;
    if (!ok) this.expected(`</${name}>`, p);
    let c = s.charCodeAt(q);
    while (isSpace(c)) c = s.charCodeAt(++q);
    if (c !== GT) this.expected(`">" to close </${name}`, q);
    this.pos = q + 1;
    this.depth--;
  }

  /** Reads the text content of the element just opened, through its end tag. */
  text(): string {
    if (this.selfClosing) return '';
    const s = this.s;
    const start = this.pos;
    const lt = s.indexOf('<', start);
    if (lt < 0) this.fail(`unterminated <${this.tag}>: the input ends before </${this.tag}>`, start);
    if (s.charCodeAt(lt + 1) === SLASH) {
      this.pos = lt;
      this.endTag(this.tag);
      return lt === start ? '' : this.decodeText(start, lt);
    }
    return this.mixedText(start, lt);
  }

  // Text interrupted by comments or CDATA sections; anything else is an element where text was expected.
  private mixedText(start: number, firstLt: number): string {
    const s = this.s;
    const tag = this.tag;
    let out = this.decodeText(start, firstLt);
    let p = firstLt;
    for (;;) {
      if (s.startsWith('<!--', p)) {
        p = this.skipComment(p);
      } else if (s.startsWith('<![CDATA[', p)) {
        const close = s.indexOf(']]>', p + 9);
        if (close < 0) this.fail('unterminated CDATA section: expected "]]>"', p);
        out += this.hasCR ? s.slice(p + 9, close).replace(/\r\n?/g, '\n') : s.slice(p + 9, close);
        p = close + 3;
      } else if (s.charCodeAt(p + 1) === SLASH) {
        this.pos = p;
        this.endTag(tag);
        return out;
      } else if (s.charCodeAt(p + 1) === BANG) {
        this.markupDeclaration(p);
      } else if (s.charCodeAt(p + 1) === QUESTION) {
        this.forbidden('a processing instruction', p);
      } else {
        this.expected(`text and </${tag}> (<${tag}> holds a value, not elements)`, p);
      }
      const lt = s.indexOf('<', p);
      if (lt < 0) this.fail(`unterminated <${tag}>: the input ends before </${tag}>`, p);
      out += this.decodeText(p, lt);
      p = lt;
    }
  }

  private decodeText(start: number, end: number): string {
    let raw = this.s.slice(start, end);
    // XML 1.0 2.11: CR LF and lone CR read as LF.
    if (this.hasCR && raw.indexOf('\r') >= 0) raw = raw.replace(/\r\n?/g, '\n');
    return raw.indexOf('&') >= 0 ? this.decodeReferences(raw, start) : raw;
  }

  /** The five predefined entities and character references; anything else is refused. */
  private decodeReferences(raw: string, at: number): string {
    let out = '';
    let last = 0;
    let i = raw.indexOf('&');
    while (i >= 0) {
      const semi = raw.indexOf(';', i + 1);
      if (semi < 0 || semi - i > 10) this.fail('"&" that does not start an entity or character reference (write &amp;)', at + i);
      const name = raw.slice(i + 1, semi);
      let ch: string;
      switch (name) {
        case 'lt': ch = '<'; break;
        case 'gt': ch = '>'; break;
        case 'amp': ch = '&'; break;
        case 'quot': ch = '"'; break;
        case 'apos': ch = "'"; break;
        default: {
          let code = NaN;
          if (/^#[0-9]{1,7}$/.test(name)) code = Number(name.slice(1));
          else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) code = parseInt(name.slice(2), 16);
          else if (name.startsWith('#')) this.fail(`malformed character reference &${name};`, at + i);
          else this.fail(`unknown entity &${name};: CLIXML uses only &lt; &gt; &amp; &quot; &apos; and character references`, at + i);
          if (!isXmlChar(code)) this.fail(`character reference &${name}; is not an XML character`, at + i);
          ch = String.fromCodePoint(code);
        }
      }
      out += raw.slice(last, i) + ch;
      last = semi + 1;
      i = raw.indexOf('&', last);
    }
    return out + raw.slice(last);
  }

  // ---- CLIXML layer ---------------------------------------------------------------------------------------------

  /** Reads one value element (primitive, Nil, Obj, Ref, PR) at `<`. */
  value(): PSValue {
    this.startTag();
    return this.valueOfTag();
  }

  /** Reads a top-level entry: its value and the `S` stream attribute. */
  entry(): ClixmlEntry {
    this.startTag();
    const stream = this.attrStream;
    return { value: this.valueOfTag(), stream };
  }

  /** Name of the element at the reader's position, without consuming it (for root checks). */
  peekTagName(): string {
    const s = this.s;
    let p = this.pos + 1;
    while (!isNameEnd(s.charCodeAt(p))) p++;
    return s.slice(this.pos + 1, p);
  }

  /** The last start tag's name (after startTag()). */
  get tagName(): string {
    return this.tag;
  }

  get isSelfClosing(): boolean {
    return this.selfClosing;
  }

  private valueOfTag(): PSValue {
    const tag = this.tag;
    switch (tag) {
      case 'S':
        return unescapeClixmlString(this.text());
      case 'Obj':
        return this.object();
      case 'Nil':
        if (!this.selfClosing) this.emptyContent();
        return null;
      case 'Ref':
        return this.reference();
      case 'I32': {
        const end = this.simpleTextEnd();
        if (end > this.pos) {
          const n = int32At(this.s, this.pos, end);
          if (n !== undefined) {
            this.pos = end;
            this.endTag('I32');
            return n;
          }
        }
        return this.primitive(tag, this.text());
      }
      case 'B': {
        const end = this.simpleTextEnd();
        const s = this.s;
        const p = this.pos;
        if (end - p === 4 && s.startsWith('true', p)) {
          this.pos = end;
          this.endTag('B');
          return true;
        }
        if (end - p === 5 && s.startsWith('false', p)) {
          this.pos = end;
          this.endTag('B');
          return false;
        }
        return this.primitive(tag, this.text());
      }
      case 'PR':
        return this.progressRecord();
      case 'C': case 'DT': case 'TS': case 'By': case 'SB': case 'U16': case 'I16': case 'U32': case 'U64': case 'I64':
      case 'Sg': case 'Db': case 'D': case 'BA': case 'G': case 'URI': case 'Version': case 'XD': case 'SBK': case 'SS':
        return this.primitive(tag, this.text());
      default:
        return this.fail(
          `unknown element <${tag}>: expected a value (S, I32, Obj, Nil, Ref, one of the other [MS-PSRP] 2.2.5.1 primitives)`,
          this.pos - 1,
        );
    }
  }

  // End of the content when it is plain text directly followed by an end tag; -1 otherwise (or self-closing).
  private simpleTextEnd(): number {
    if (this.selfClosing) return -1;
    const lt = this.s.indexOf('<', this.pos);
    return lt >= 0 && this.s.charCodeAt(lt + 1) === SLASH ? lt : -1;
  }

  private primitive(tag: string, text: string): PSValue {
    try {
      return parsePrimitiveText(tag, text);
    } catch (error) {
      // The value has been read; point at its element's end tag, the nearest position still known.
      const { line, column } = this.location(this.pos);
      throw clixmlError(`CLIXML line ${line}, column ${column}: ${(error as Error).message}`, { line, column, tag });
    }
  }

  private emptyContent(): void {
    const tag = this.tag;
    let p = this.pos;
    while (isSpace(this.s.charCodeAt(p))) p++;
    this.pos = p;
    this.endTag(tag);
  }

  private reference(): PSObject {
    const refId = this.attrRefId;
    const at = this.pos;
    if (!this.selfClosing) this.emptyContent();
    if (refId === undefined) this.fail('<Ref> without a RefId attribute', at);
    const target = this.objects.get(refId);
    if (target === undefined) {
      this.fail(`<Ref RefId="${refId}"> refers to no earlier <Obj RefId="${refId}"> in this message or document`, at);
    }
    return target;
  }

  private object(): PSObject {
    const obj = new PSObject({ adapted: new Map(), extended: new Map() });
    const refId = this.attrRefId;
    if (refId !== undefined) this.objects.set(refId, obj);
    if (this.selfClosing) return obj;
    let hasValue = false;
    let hasContainer = false;
    for (;;) {
      this.skipMisc('<Obj>');
      if (this.atEndTag()) {
        this.endTag('Obj');
        return obj;
      }
      const at = this.pos;
      this.startTag();
      switch (this.tag) {
        case 'TN':
          obj.typeNames = this.typeNameList();
          break;
        case 'TNRef': {
          const id = this.attrRefId;
          if (!this.selfClosing) this.emptyContent();
          if (id === undefined) this.fail('<TNRef> without a RefId attribute', at);
          const names = this.typeNames.get(id);
          if (names === undefined) this.fail(`<TNRef RefId="${id}"> refers to no earlier <TN RefId="${id}">`, at);
          obj.typeNames = names.slice();
          break;
        }
        case 'ToString':
          obj.toStringValue = unescapeClixmlString(this.text());
          break;
        case 'Props':
          this.properties(obj.adapted, 'Props');
          break;
        case 'MS':
          this.properties(obj.extended, 'MS');
          break;
        case 'LST': case 'IE': case 'STK': case 'QUE': {
          if (hasContainer) this.fail('<Obj> has more than one container element', at);
          hasContainer = true;
          const kind = this.tag as 'LST' | 'IE' | 'STK' | 'QUE';
          const items: PSValue[] = [];
          if (!this.selfClosing) {
            for (;;) {
              this.skipMisc(`<${kind}>`);
              if (this.atEndTag()) break;
              items.push(this.value());
            }
            this.endTag(kind);
          }
          obj.container = { kind, items } as PSContainer;
          break;
        }
        case 'DCT':
          if (hasContainer) this.fail('<Obj> has more than one container element', at);
          hasContainer = true;
          obj.container = { kind: 'DCT', entries: this.dictionary() };
          break;
        case 'En': case 'T': case 'Objs':
          this.fail(`<${this.tag}> cannot be a direct child of <Obj>`, at);
          break;
        default:
          // A primitive (enum, extended primitive) or, as Windows writes for a PSObject wrapping another object, an
          // <Obj>/<Ref>: the wrapped base object.
          if (hasValue) this.fail(`<Obj> has more than one value element (second one: <${this.tag}>)`, at);
          hasValue = true;
          obj.value = this.valueOfTag();
      }
    }
  }

  private typeNameList(): string[] {
    const refId = this.attrRefId;
    const names: string[] = [];
    if (!this.selfClosing) {
      for (;;) {
        this.skipMisc('<TN>');
        if (this.atEndTag()) break;
        this.startTag();
        if (this.tag !== 'T') this.fail(`<TN> holds only <T> elements, found <${this.tag}>`, this.pos);
        names.push(unescapeClixmlString(this.text()));
      }
      this.endTag('TN');
    }
    if (refId !== undefined) this.typeNames.set(refId, names);
    return names.slice();
  }

  private properties(into: Map<string, PSValue>, container: 'Props' | 'MS'): void {
    if (this.selfClosing) return;
    for (;;) {
      this.skipMisc(`<${container}>`);
      if (this.atEndTag()) break;
      const at = this.pos;
      this.startTag();
      const name = this.attrN;
      if (name === undefined) this.fail(`<${this.tag}> in <${container}> has no N (property name) attribute`, at);
      if (this.tag === 'MS') {
        // [MS-PSRP] 2.2.5.2.10: a nested, named property set.
        const set = new PSObject();
        markPropertySet(set);
        this.properties(set.extended, 'MS');
        into.set(name, set);
      } else {
        into.set(name, this.valueOfTag());
      }
    }
    this.endTag(container);
  }

  private dictionary(): [PSValue, PSValue][] {
    const entries: [PSValue, PSValue][] = [];
    if (this.selfClosing) return entries;
    for (;;) {
      this.skipMisc('<DCT>');
      if (this.atEndTag()) break;
      const at = this.pos;
      this.startTag();
      if (this.tag !== 'En') this.fail(`<DCT> holds only <En> entries, found <${this.tag}>`, at);
      let key: PSValue | undefined;
      let value: PSValue | undefined;
      let hasKey = false;
      let hasValue = false;
      if (!this.selfClosing) {
        for (;;) {
          this.skipMisc('<En>');
          if (this.atEndTag()) break;
          const childAt = this.pos;
          this.startTag();
          const n = this.attrN;
          const v = this.valueOfTag();
          if (n === 'Key' && !hasKey) {
            key = v;
            hasKey = true;
          } else if (n === 'Value' && !hasValue) {
            value = v;
            hasValue = true;
          } else {
            this.fail(`<En> holds one N="Key" and one N="Value" element, found N=${JSON.stringify(n ?? null)}`, childAt);
          }
        }
        this.endTag('En');
      }
      if (!hasKey || !hasValue) this.fail('<En> needs both an N="Key" and an N="Value" element', at);
      entries.push([key as PSValue, value as PSValue]);
    }
    this.endTag('DCT');
    return entries;
  }

  // [MS-PSRP] 2.2.5.1.24 and psrpcore: a ProgressRecord's own compact form (AV, AI, S/Nil, PI, PC, T, SR, SD).
  private progressRecord(): PSObject {
    const fields: [string, PSValue][] = [];
    if (!this.selfClosing) {
      for (;;) {
        this.skipMisc('<PR>');
        if (this.atEndTag()) break;
        const at = this.pos;
        this.startTag();
        const tag = this.tag;
        switch (tag) {
          case 'AV': fields.push(['Activity', unescapeClixmlString(this.text())]); break;
          case 'SD': fields.push(['StatusDescription', unescapeClixmlString(this.text())]); break;
          case 'T': fields.push(['RecordType', unescapeClixmlString(this.text())]); break;
          case 'S': fields.push(['CurrentOperation', unescapeClixmlString(this.text())]); break;
          case 'Nil':
            if (!this.selfClosing) this.emptyContent();
            fields.push(['CurrentOperation', null]);
            break;
          case 'AI': case 'PI': case 'PC': case 'SR': {
            const names = { AI: 'ActivityId', PI: 'ParentActivityId', PC: 'PercentComplete', SR: 'SecondsRemaining' } as const;
            const text = this.text();
            const n = /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
            if (!Number.isSafeInteger(n)) this.fail(`<${tag}> in <PR> holds ${JSON.stringify(text)}, not an integer`, at);
            fields.push([names[tag], n]);
            break;
          }
          default:
            this.fail(`unknown element <${tag}> in <PR>: expected AV, AI, S, Nil, PI, PC, T, SR or SD`, at);
        }
      }
      this.endTag('PR');
    }
    return new PSObject({ typeNames: ['System.Management.Automation.ProgressRecord', 'System.Object'], adapted: fields });
  }
}

/** Plain decimal Int32 text (the common case) read in place; undefined sends it to the full parser. */
function int32At(text: string, start: number, end: number): number | undefined {
  const length = end - start;
  if (length === 0 || length > 11) return undefined;
  let i = start;
  let negative = false;
  if (text.charCodeAt(start) === 0x2d) {
    if (length === 1) return undefined;
    negative = true;
    i++;
  }
  let n = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  if (negative) return n <= 2147483648 ? (n === 0 ? 0 : -n) : undefined;
  return n <= 2147483647 ? n : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A copy of a string that does not keep the text it was cut from alive (V8 represents longer substrings as a view
 * of their parent). Used for what outlives one input: cached names, and each streamed object's text.
 */
export function detach(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}

/** Decodes UTF-8 bytes (a leading BOM dropped) or drops a leading BOM from text. Invalid UTF-8 is an error. */
export function clixmlText(input: string | Uint8Array): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return utf8.decode(input);
  } catch (cause) {
    throw clixmlError('CLIXML is not valid UTF-8', { cause: String(cause) });
  }
}
