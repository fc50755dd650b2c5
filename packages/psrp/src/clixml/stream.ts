import type { PSValue } from '@exops/contracts';
import { clixmlError, forbiddenXmlError, limitError } from './errors.js';
import { CLIXML_PARSE_DEFAULTS, ClixmlReader, detach, type ClixmlEntry, type ClixmlParseOptions } from './reader.js';

/** Options of {@link createClixmlStreamParser}. */
export interface ClixmlStreamParserOptions extends ClixmlParseOptions {
  /**
   * Scope of `<Ref RefId>` look-ups inside an `<Objs>` document. `'object'` (the default) forgets objects once each
   * top-level object is returned, so memory stays flat however many objects arrive; `'document'` keeps them so a
   * `<Ref>` may point into an earlier top-level object (PowerShell rarely writes that), at the cost of memory.
   * Type names (`TN`/`TNRef`) are always document-scoped: Export-Clixml writes `TNRef` across objects.
   */
  readonly refScope?: 'object' | 'document';
}

/** An incremental CLIXML reader: feed chunks as they arrive, take each top-level object as soon as it is complete. */
export interface ClixmlStreamParser {
  /** Adds a chunk (text, or UTF-8 bytes split anywhere) and returns the top-level objects it completed. */
  push(chunk: string | Uint8Array): PSValue[];
  /** Declares the input complete; returns what remains and throws PSRP_CLIXML when the input was truncated. */
  end(): PSValue[];
}

/** Like {@link ClixmlStreamParser}, returning each object with its `S` stream attribute. */
export interface ClixmlEntryStreamParser {
  push(chunk: string | Uint8Array): ClixmlEntry[];
  end(): ClixmlEntry[];
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUOTE = 0x22;
const APOS = 0x27;

function isNameEnd(c: number): boolean {
  return c === 0x20 || c === GT || c === SLASH || c === 0x0a || c === 0x09 || c === 0x0d || Number.isNaN(c);
}

function hasMarkup(text: string): boolean {
  return text.indexOf('<!') >= 0 || text.indexOf('<?') >= 0;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/**
 * The stream parser finds where each top-level element ends with a light scan (tags and their quoted attributes
 * only; text is skipped with indexOf), then hands exactly that slice to the same {@link ClixmlReader} that
 * `deserializeClixml` uses. Only the unfinished object is buffered.
 *
 * Inside `<Objs>` every child of the root is an object; without an `<Objs>` root, each top-level element is one
 * message body with its own RefId scope.
 */
class EntryStreamParser implements ClixmlEntryStreamParser {
  private readonly reader: ClixmlReader;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly maxLength: number;
  private readonly maxDepth: number;
  private readonly refScope: 'object' | 'document';

  private buf = '';
  private scan = 0;
  private depth = 0;
  private unitStart = -1;
  // While inside a top-level element: its name and how many elements of that name are open, so its end is found by
  // looking only at tags of that name (text and other tags are skipped with indexOf).
  private unitTag = '';
  private unitNesting = 0;
  private unitOpen = '';
  private unitClose = '';
  private unitCareful = false;
  private needMore = false;
  private bufHasCR = false;
  private bufHasMarkup = false;
  // A start tag still arriving: where it starts, how far its scan got, the open quote and attributes seen.
  private pendingTag = -1;
  private pendingFrom = 0;
  private pendingQuote = 0;
  private pendingAttributes = 0;
  private readonly maxAttributes: number;
  private inRoot = false;
  private started = false;
  private finished = false;
  private failure: unknown;
  // Line and column of buf[0] in the whole input, for error messages.
  private line = 1;
  private column = 1;

  constructor(options: ClixmlStreamParserOptions) {
    this.reader = new ClixmlReader(options);
    this.maxLength = options.maxLength ?? CLIXML_PARSE_DEFAULTS.maxLength;
    this.maxDepth = options.maxDepth ?? CLIXML_PARSE_DEFAULTS.maxDepth;
    this.maxAttributes = options.maxAttributes ?? CLIXML_PARSE_DEFAULTS.maxAttributes;
    this.refScope = options.refScope ?? 'object';
  }

  push(chunk: string | Uint8Array): ClixmlEntry[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.finished) throw clixmlError('CLIXML stream parser: push() after end()');
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      try {
        text = this.decoder.decode(chunk, { stream: true });
      } catch (cause) {
        throw clixmlError(`CLIXML is not valid UTF-8 (${this.where(this.buf.length)})`, { cause: String(cause) });
      }
    }
    if (!this.started && text.length > 0) {
      if (this.buf.length === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const joint = this.buf.length === 0 ? text : this.buf.slice(-1) + text.slice(0, 1);
    this.buf += text;
    // Comments, CDATA or processing instructions anywhere in the buffer send the unit scan to its careful path.
    if (!this.bufHasMarkup) this.bufHasMarkup = hasMarkup(text) || hasMarkup(joint);
    if (!this.bufHasCR && text.indexOf('\r') >= 0) this.bufHasCR = true;
    return this.guarded(() => this.process());
  }

  // After an error the input position is unknown, so every later call reports the same error.
  private guarded<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  end(): ClixmlEntry[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.finished) return [];
    return this.guarded(() => this.finish());
  }

  private finish(): ClixmlEntry[] {
    let tail = '';
    try {
      tail = this.decoder.decode();
    } catch (cause) {
      throw clixmlError(`CLIXML is not valid UTF-8: the input ends inside a multi-byte sequence`, { cause: String(cause) });
    }
    this.buf += tail;
    if (tail.indexOf('\r') >= 0) this.bufHasCR = true;
    if (hasMarkup(this.buf)) this.bufHasMarkup = true;
    const entries = this.process();
    this.finished = true;
    if (this.unitStart >= 0 || this.depth > 0 || this.scan < this.buf.length) {
      const at = this.unitStart >= 0 ? this.unitStart : this.scan;
      const rest = this.buf.slice(this.scan).trim();
      if (this.unitStart < 0 && this.depth === 0 && (rest === '' || rest === '#< CLIXML')) return entries;
      throw clixmlError(
        `CLIXML is truncated: the input ends ${this.inRoot && this.unitStart < 0 ? 'before </Objs>' : 'inside an element'} ` +
          `that starts at ${this.where(at)}`,
      );
    }
    return entries;
  }

  private where(at: number): string {
    const { line, column } = this.position(at);
    return `line ${line}, column ${column}`;
  }

  private position(at: number): { line: number; column: number } {
    let line = this.line;
    let column = this.column;
    let lineStart = 0;
    let i = this.buf.indexOf('\n');
    let newline = false;
    while (i >= 0 && i < at) {
      line++;
      lineStart = i + 1;
      newline = true;
      i = this.buf.indexOf('\n', lineStart);
    }
    column = newline ? at - lineStart + 1 : column + at;
    return { line, column };
  }

  private forbidden(what: string, at: number): never {
    throw forbiddenXmlError(`CLIXML ${this.where(at)}: ${what} is not allowed in CLIXML`);
  }

  private process(): ClixmlEntry[] {
    const out: ClixmlEntry[] = [];
    const buf = this.buf;
    let p = this.scan;
    for (;;) {
      if (this.unitTag !== '') {
        this.needMore = false;
        p = this.scanUnit(p, out);
        if (this.needMore) break;
        continue;
      }
      if (this.depth === 0 && this.unitStart < 0) {
        while (isSpace(buf.charCodeAt(p))) p++;
        if (buf.charCodeAt(p) === 0x23) {
          // `#< CLIXML`, which powershell.exe -OutputFormat xml writes before each document.
          const marker = '#< CLIXML';
          const head = buf.slice(p, p + marker.length);
          if (head === marker) {
            p += marker.length;
            continue;
          }
          if (head.length < marker.length && marker.startsWith(head)) break;
          throw clixmlError(`CLIXML ${this.where(p)}: unexpected text ${JSON.stringify(buf.slice(p, p + 20))} before the root element`);
        }
      }
      const lt = buf.indexOf('<', p);
      if (lt < 0) {
        p = this.unitStart < 0 ? this.checkGap(p, buf.length) : buf.length;
        break;
      }
      if (this.unitStart < 0) this.checkGap(p, lt);
      const next = buf.charCodeAt(lt + 1);
      if (Number.isNaN(next)) {
        p = lt;
        break;
      }
      if (next === 0x21) {
        if (buf.startsWith('<!--', lt)) {
          const close = buf.indexOf('-->', lt + 4);
          if (close < 0) { p = lt; break; }
          p = close + 3;
          continue;
        }
        if (buf.startsWith('<![CDATA[', lt)) {
          if (this.unitStart < 0) throw clixmlError(`CLIXML ${this.where(lt)}: CDATA outside an element`);
          const close = buf.indexOf(']]>', lt + 9);
          if (close < 0) { p = lt; break; }
          p = close + 3;
          continue;
        }
        const head = buf.slice(lt, lt + 9);
        if (head.length < 9 && ('<!--'.startsWith(head) || '<![CDATA['.startsWith(head))) { p = lt; break; }
        if (head.startsWith('<!DOCTYPE') || '<!DOCTYPE'.startsWith(head)) this.forbidden('a DOCTYPE (DTD)', lt);
        if (head.startsWith('<!ENTITY') || '<!ENTITY'.startsWith(head)) this.forbidden('an entity declaration', lt);
        this.forbidden('a markup declaration', lt);
      }
      if (next === 0x3f) {
        // Only the XML declaration, and only before anything else.
        if (this.started) this.forbidden('a processing instruction', lt);
        if (buf.length - lt < 6) { p = lt; break; }
        if (!/^<\?xml\s/.test(buf.slice(lt, lt + 6))) this.forbidden('a processing instruction', lt);
        const close = buf.indexOf('?>', lt);
        if (close < 0) { p = lt; break; }
        this.started = true;
        p = close + 2;
        continue;
      }
      // A start or end tag: find its '>' outside quoted attribute values, resuming where the previous push stopped
      // inside a long tag, and refusing a tag with too many attributes before it is all buffered.
      const resuming = this.pendingTag === lt;
      let q = resuming ? this.pendingFrom : lt + 1;
      let quote = resuming ? this.pendingQuote : 0;
      let attributes = resuming ? this.pendingAttributes : 0;
      let c = buf.charCodeAt(q);
      while (!Number.isNaN(c)) {
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === GT) {
          break;
        } else if (c === QUOTE || c === APOS) {
          quote = c;
        } else if (c === 0x3d && ++attributes > this.maxAttributes) {
          throw limitError(`a CLIXML element has more than ${this.maxAttributes} attributes`, { maxAttributes: this.maxAttributes });
        } else if (c === LT) {
          throw clixmlError(`CLIXML ${this.where(q)}: "<" inside a tag; expected ">" to close the tag that starts at ${this.where(lt)}`);
        }
        c = buf.charCodeAt(++q);
      }
      if (Number.isNaN(c)) {
        this.pendingTag = lt;
        this.pendingFrom = q;
        this.pendingQuote = quote;
        this.pendingAttributes = attributes;
        p = lt;
        break;
      }
      this.pendingTag = -1;
      const tagEnd = q + 1;
      this.started = true;
      if (next === SLASH) {
        if (this.depth === 0) throw clixmlError(`CLIXML ${this.where(lt)}: end tag without a matching start tag`);
        this.depth--;
        if (this.inRoot && this.depth === 0) {
          // </Objs>: the document ends; a later one (another `#< CLIXML` block) starts a new RefId scope.
          if (!/^<\/Objs\s*>$/.test(buf.slice(lt, tagEnd))) {
            throw clixmlError(`CLIXML ${this.where(lt)}: expected </Objs>, found ${buf.slice(lt, tagEnd)}`);
          }
          this.inRoot = false;
          this.reader.clearReferences();
        } else if (this.unitStart >= 0 && this.depth === (this.inRoot ? 1 : 0)) {
          out.push(this.unit(tagEnd));
        }
      } else {
        const selfClosing = buf.charCodeAt(q - 1) === SLASH;
        if (this.depth === 0 && !this.inRoot && /^<Objs[\s/>]/.test(buf.slice(lt, lt + 6))) {
          if (!selfClosing) {
            this.inRoot = true;
            this.depth = 1;
            this.reader.clearReferences();
            // Validate the root's attributes (namespace) with the reader.
            this.reader.reset(buf.slice(lt, tagEnd) + '</Objs>');
            this.reader.startTag();
          }
        } else {
          this.unitStart = lt;
          if (selfClosing) {
            out.push(this.unit(tagEnd));
          } else {
            let nameEnd = lt + 1;
            while (!isNameEnd(buf.charCodeAt(nameEnd))) nameEnd++;
            this.unitTag = buf.slice(lt + 1, nameEnd);
            this.unitOpen = `<${this.unitTag}`;
            this.unitClose = `</${this.unitTag}`;
            this.unitCareful = false;
            this.unitNesting = 1;
            this.depth++;
          }
        }
      }
      p = tagEnd;
    }
    this.scan = p;
    if (this.unitStart >= 0 && this.buf.length - this.unitStart > this.maxLength) {
      throw limitError(`a CLIXML object longer than ${this.maxLength} characters`, { maxLength: this.maxLength });
    }
    this.compact();
    return out;
  }

  // Finds the end of the current top-level element. Returns where scanning stopped; sets needMore when the buffer
  // ends before the element does.
  private scanUnit(from: number, out: ClixmlEntry[]): number {
    // Fast path: jump between `<Name` and `</Name` with indexOf. Comments, CDATA and processing instructions could
    // hide or fake those, so a unit containing `<!` or `<?` takes the careful tag-by-tag scan below.
    if (!this.unitCareful) {
      if (!this.bufHasMarkup) return this.jumpUnit(from, out);
      this.unitCareful = true;
    }
    const buf = this.buf;
    const tag = this.unitTag;
    const n = tag.length;
    let p = from;
    for (;;) {
      const lt = buf.indexOf('<', p);
      if (lt < 0) {
        this.needMore = true;
        return buf.length;
      }
      const next = buf.charCodeAt(lt + 1);
      if (next === 0x21) {
        const skipped = this.skipDeclaration(lt);
        if (skipped < 0) {
          this.needMore = true;
          return lt;
        }
        p = skipped;
        continue;
      }
      if (next === 0x3f) this.forbidden('a processing instruction', lt);
      const nameStart = next === SLASH ? lt + 2 : lt + 1;
      if (buf.length <= nameStart + n) {
        this.needMore = true;
        return lt;
      }
      let same = isNameEnd(buf.charCodeAt(nameStart + n));
      for (let i = 0; same && i < n; i++) same = buf.charCodeAt(nameStart + i) === tag.charCodeAt(i);
      if (!same) {
        p = nameStart;
        continue;
      }
      const gt = this.tagEnd(nameStart + n);
      if (gt < 0) {
        this.needMore = true;
        return lt;
      }
      if (next === SLASH) {
        if (--this.unitNesting === 0) {
          this.unitTag = '';
          this.depth--;
          out.push(this.unit(gt + 1));
          return gt + 1;
        }
      } else if (buf.charCodeAt(gt - 1) !== SLASH && ++this.unitNesting > this.maxDepth) {
        throw limitError(`CLIXML nesting is deeper than ${this.maxDepth} elements`, { maxDepth: this.maxDepth });
      }
      p = gt + 1;
    }
  }

  private jumpUnit(from: number, out: ClixmlEntry[]): number {
    const buf = this.buf;
    const open = this.unitOpen;
    const close = this.unitClose;
    let p = from;
    for (;;) {
      const c = buf.indexOf(close, p);
      const limit = c < 0 ? buf.length : c;
      // Start tags of the same name before the next end tag (or, with none yet, up to the end of the buffer, so
      // hostile nesting is refused before it is all buffered).
      for (let o = buf.indexOf(open, p); o >= 0 && o < limit; o = buf.indexOf(open, p)) {
        const nameEnd = o + open.length;
        if (nameEnd >= buf.length) {
          this.needMore = true;
          return o;
        }
        p = nameEnd;
        if (!isNameEnd(buf.charCodeAt(nameEnd))) continue;
        const gt = this.tagEnd(nameEnd);
        if (gt < 0 && c < 0) {
          this.needMore = true;
          return o;
        }
        if (gt < 0 || gt > limit) {
          // Only malformed input (a `<` inside an attribute value) gets here: let the careful scan report it.
          this.unitCareful = true;
          return this.scanUnit(o, out);
        }
        if (buf.charCodeAt(gt - 1) !== SLASH && ++this.unitNesting > this.maxDepth) {
          throw limitError(`CLIXML nesting is deeper than ${this.maxDepth} elements`, { maxDepth: this.maxDepth });
        }
        p = gt + 1;
      }
      if (c < 0 || c + close.length >= buf.length) {
        this.needMore = true;
        return p;
      }
      p = c + close.length;
      if (!isNameEnd(buf.charCodeAt(p))) continue;
      const gt = buf.indexOf('>', p);
      if (gt < 0) {
        this.needMore = true;
        return c;
      }
      if (--this.unitNesting === 0) {
        this.unitTag = '';
        this.depth--;
        out.push(this.unit(gt + 1));
        return gt + 1;
      }
      p = gt + 1;
    }
  }

  // The '>' closing a tag, outside quoted attribute values; -1 when the buffer ends first.
  private tagEnd(from: number): number {
    const buf = this.buf;
    let quote = 0;
    for (let q = from; q < buf.length; q++) {
      const c = buf.charCodeAt(q);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === GT) {
        return q;
      } else if (c === QUOTE || c === APOS) {
        quote = c;
      }
    }
    return -1;
  }

  // A comment or CDATA section at `<!` inside an element: returns the position after it, -1 when incomplete.
  // Anything else starting with `<!` is a declaration and forbidden.
  private skipDeclaration(lt: number): number {
    const buf = this.buf;
    if (buf.startsWith('<!--', lt)) {
      const close = buf.indexOf('-->', lt + 4);
      return close < 0 ? -1 : close + 3;
    }
    if (buf.startsWith('<![CDATA[', lt)) {
      const close = buf.indexOf(']]>', lt + 9);
      return close < 0 ? -1 : close + 3;
    }
    const head = buf.slice(lt, lt + 9);
    if (head.length < 9 && ('<!--'.startsWith(head) || '<![CDATA['.startsWith(head))) return -1;
    if (head.startsWith('<!DOCTYPE') || '<!DOCTYPE'.startsWith(head)) this.forbidden('a DOCTYPE (DTD)', lt);
    if (head.startsWith('<!ENTITY') || '<!ENTITY'.startsWith(head)) this.forbidden('an entity declaration', lt);
    return this.forbidden('a markup declaration', lt);
  }

  // Text between top-level elements may only be whitespace.
  private checkGap(from: number, to: number): number {
    const buf = this.buf;
    for (let i = from; i < to; i++) {
      if (!isSpace(buf.charCodeAt(i))) {
        throw clixmlError(`CLIXML ${this.where(i)}: unexpected text ${JSON.stringify(buf.slice(i, i + 20))} between elements`);
      }
    }
    return to;
  }

  private unit(end: number): ClixmlEntry {
    const start = this.unitStart;
    this.unitStart = -1;
    const reader = this.reader;
    // The object's own copy of its text: strings cut from it keep only this alive, not the whole chunk buffer, so
    // a caller keeping a few values of each object keeps memory proportional to what it keeps.
    const text = detach(this.buf.slice(start, end));
    reader.reset(text, () => this.position(start), 0, this.bufHasCR);
    if (!this.inRoot) reader.clearReferences();
    const entry = reader.entry();
    if (!reader.atEnd) reader.fail('unexpected content after the element');
    if (this.inRoot && this.refScope === 'object') reader.clearObjectReferences();
    return entry;
  }

  // Drops what has been consumed, keeping line/column of the new start so later errors still point right.
  private compact(): void {
    const keep = this.unitStart >= 0 ? this.unitStart : this.scan;
    if (keep === 0) return;
    const dropped = this.buf.slice(0, keep);
    let newlines = 0;
    let lastNewline = -1;
    let i = dropped.indexOf('\n');
    while (i >= 0) {
      newlines++;
      lastNewline = i;
      i = dropped.indexOf('\n', i + 1);
    }
    if (newlines > 0) {
      this.line += newlines;
      this.column = keep - lastNewline;
    } else {
      this.column += keep;
    }
    this.buf = this.buf.slice(keep);
    this.bufHasCR = this.buf.indexOf('\r') >= 0;
    this.bufHasMarkup = hasMarkup(this.buf);
    this.scan -= keep;
    if (this.unitStart >= 0) this.unitStart -= keep;
    if (this.pendingTag >= 0) {
      this.pendingTag -= keep;
      this.pendingFrom -= keep;
    }
  }
}

/**
 * Creates an incremental reader of a CLIXML document (`<Objs>`, with or without the `#< CLIXML` prefix) or of a
 * sequence of message bodies. Each top-level object is returned by the push() that completes it; chunks may split
 * anywhere (inside a UTF-8 sequence, a tag, an entity or an `_x` escape). Memory holds only the unfinished object.
 */
export function createClixmlStreamParser(options: ClixmlStreamParserOptions = {}): ClixmlStreamParser {
  const inner = new EntryStreamParser(options);
  return {
    push: (chunk) => inner.push(chunk).map((e) => e.value),
    end: () => inner.end().map((e) => e.value),
  };
}

/** Like {@link createClixmlStreamParser}, returning each object with the stream its `S` attribute names. */
export function createClixmlEntryStreamParser(options: ClixmlStreamParserOptions = {}): ClixmlEntryStreamParser {
  return new EntryStreamParser(options);
}
