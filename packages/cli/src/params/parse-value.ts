/**
 * PowerShell literal values as admins type them after a parameter: `$true`, `$false`, `$null`, numbers, quoted
 * strings ('…' literal with '' escaping, "…" with backtick escapes), comma lists `a,b,c`, arrays `@(a,b)` and
 * hashtables `@{Add='x'; Remove='y'}`. Anything else is a bare string, as PowerShell binds it to a string parameter.
 */
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import type { CmdletParameterValue } from '@exops/contracts';

/** Deepest `@(…)`/`@{…}` nesting read; recursion past it would overflow the stack, and no admin types that much. */
const MAX_NESTING = 100;

class Cursor {
  pos = 0;
  depth = 0;
  constructor(readonly text: string) {}
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.peek())) this.pos += 1;
  }
  enter(): void {
    if (++this.depth > MAX_NESTING) this.fail(`@(…) and @{…} are nested deeper than ${MAX_NESTING} levels`);
  }
  fail(what: string): never {
    throw new ExopsError(ExopsErrorCode.EXO_PARAMETER, `Cannot read the value ${JSON.stringify(this.text)}: ${what} at position ${this.pos + 1}.`, {
      remedy: "Quote strings that contain spaces or special characters ('like this'), write lists as a,b,c and hashtables as @{Key='value'}.",
    });
  }
}

const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };

function readQuoted(c: Cursor): string {
  const quote = c.peek();
  c.pos += 1;
  let out = '';
  for (;;) {
    if (c.atEnd()) c.fail(`the ${quote === "'" ? 'single' : 'double'} quote is not closed`);
    const ch = c.peek();
    if (ch === quote) {
      // [PowerShell] a doubled quote inside a quoted string is one literal quote.
      if (c.text[c.pos + 1] === quote) {
        out += quote;
        c.pos += 2;
        continue;
      }
      c.pos += 1;
      return out;
    }
    if (quote === '"' && ch === '`') {
      const next = c.text[c.pos + 1] ?? '';
      out += DOUBLE_QUOTE_ESCAPES[next] ?? next;
      c.pos += 2;
      continue;
    }
    out += ch;
    c.pos += 1;
  }
}

function readBare(c: Cursor, stops: string): string {
  const start = c.pos;
  while (!c.atEnd() && !stops.includes(c.peek()) && !/\s/.test(c.peek())) c.pos += 1;
  return c.text.slice(start, c.pos);
}

function bareToValue(word: string): CmdletParameterValue {
  const lower = word.toLowerCase();
  if (lower === '$true') return true;
  if (lower === '$false') return false;
  if (lower === '$null') return null;
  if (/^[+-]?\d+$/.test(word)) {
    const big = BigInt(word);
    return big >= -2147483648n && big <= 2147483647n ? Number(big) : big;
  }
  if (/^[+-]?(\d+\.\d*|\.\d+)(e[+-]?\d+)?$/i.test(word)) return Number(word);
  return word;
}

function readHashtable(c: Cursor): Record<string, CmdletParameterValue> {
  c.pos += 2; // @{
  c.enter();
  const out: Record<string, CmdletParameterValue> = {};
  for (;;) {
    c.skipSpace();
    while (c.peek() === ';') {
      c.pos += 1;
      c.skipSpace();
    }
    if (c.peek() === '}') {
      c.pos += 1;
      c.depth -= 1;
      return out;
    }
    if (c.atEnd()) c.fail("the hashtable is not closed with '}'");
    const key = c.peek() === "'" || c.peek() === '"' ? readQuoted(c) : readBare(c, '=;}');
    if (key === '') c.fail('a hashtable key is missing');
    c.skipSpace();
    if (c.peek() !== '=') c.fail(`'=' is missing after the key '${key}'`);
    c.pos += 1;
    // defineProperty: a key such as `__proto__` is data, not the object's prototype.
    Object.defineProperty(out, key, { value: readExpression(c, ';}'), enumerable: true, writable: true, configurable: true });
  }
}

function readArray(c: Cursor): CmdletParameterValue[] {
  c.pos += 2; // @(
  c.enter();
  c.skipSpace();
  if (c.peek() === ')') {
    c.pos += 1;
    c.depth -= 1;
    return [];
  }
  const value = readExpression(c, ')');
  c.skipSpace();
  if (c.peek() !== ')') c.fail("the array is not closed with ')'");
  c.pos += 1;
  c.depth -= 1;
  return Array.isArray(value) ? [...value] : [value];
}

function readAtom(c: Cursor, stops: string): CmdletParameterValue {
  c.skipSpace();
  const ch = c.peek();
  if (ch === "'" || ch === '"') return readQuoted(c);
  if (ch === '@' && c.text[c.pos + 1] === '{') return readHashtable(c);
  if (ch === '@' && c.text[c.pos + 1] === '(') return readArray(c);
  const word = readBare(c, `,${stops}`);
  if (word === '') c.fail('a value is missing');
  return bareToValue(word);
}

/** An expression: one atom, or a comma list of atoms (PowerShell's array operator). */
function readExpression(c: Cursor, stops: string): CmdletParameterValue {
  const first = readAtom(c, stops);
  c.skipSpace();
  if (c.peek() !== ',') return first;
  const items: CmdletParameterValue[] = [first];
  while (c.peek() === ',') {
    c.pos += 1;
    items.push(readAtom(c, stops));
    c.skipSpace();
  }
  return items;
}

/** Parses one argument value as PowerShell would bind it. */
export function parsePowerShellValue(text: string): CmdletParameterValue {
  const c = new Cursor(text);
  const value = readExpression(c, '');
  c.skipSpace();
  if (!c.atEnd()) c.fail(`unexpected '${c.peek()}'`);
  return value;
}
