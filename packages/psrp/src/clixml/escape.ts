/**
 * [MS-PSRP] 2.2.5.3.2 string encoding: characters XML 1.0 cannot carry (controls, surrogates) travel as `_xHHHH_`,
 * and a literal `_x` is protected as `_x005F_x`.
 */

// U+FFFE and U+FFFF are not XML characters either; psrpcore writes them raw (ill-formed XML), PowerShell escapes them.
function needsEscape(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff) || code >= 0xfffe;
}

function hex4(code: number): string {
  const h = code.toString(16).toUpperCase();
  return h.length === 4 ? h : '0000'.slice(h.length) + h;
}

/**
 * Escapes a string for CLIXML (`S`, `ToString`, property and type names) as psrpcore does: every `_x`/`_X` gets its
 * underscore written as `_x005F_`; C0, DEL, C1, U+FFFE, U+FFFF and every surrogate code unit (so non-BMP
 * characters become two escapes) as `_xHHHH_` with upper-case hex. XML's own escaping (`&lt;` …) is applied separately.
 */
export function escapeClixmlString(value: string): string {
  const length = value.length;
  let out = '';
  let last = 0;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x5f) {
      const next = value.charCodeAt(i + 1);
      if (next === 0x78 || next === 0x58) {
        out += value.slice(last, i) + '_x005F_';
        last = i + 1;
      }
    } else if (needsEscape(code)) {
      out += value.slice(last, i) + '_x' + hex4(code) + '_';
      last = i + 1;
    }
  }
  return last === 0 ? value : out + value.slice(last);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function readHex(value: string, start: number, count: number): number {
  let result = 0;
  for (let i = start; i < start + count; i++) {
    const digit = hexValue(value.charCodeAt(i));
    if (digit < 0) return -1;
    result = result * 16 + digit;
  }
  return result;
}

/**
 * Decodes `_xHHHH_` (and .NET's `_xHHHHHHHH_` for a code point beyond the BMP) leniently: `x` and the hex digits in
 * either case, and anything that is not a complete escape is kept as written, as PowerShell's deserializer does.
 * A lone surrogate escape yields a lone UTF-16 code unit.
 */
export function unescapeClixmlString(value: string): string {
  let i = value.indexOf('_');
  if (i < 0) return value;
  let out = '';
  let last = 0;
  const length = value.length;
  while (i >= 0 && i + 6 < length) {
    const x = value.charCodeAt(i + 1);
    if (x === 0x78 || x === 0x58) {
      if (value.charCodeAt(i + 6) === 0x5f) {
        const code = readHex(value, i + 2, 4);
        if (code >= 0) {
          out += value.slice(last, i) + String.fromCharCode(code);
          last = i + 7;
          i = value.indexOf('_', last);
          continue;
        }
      } else if (i + 10 < length && value.charCodeAt(i + 10) === 0x5f) {
        const code = readHex(value, i + 2, 8);
        if (code >= 0 && code <= 0x10ffff) {
          out += value.slice(last, i) + String.fromCodePoint(code);
          last = i + 11;
          i = value.indexOf('_', last);
          continue;
        }
      }
    }
    i = value.indexOf('_', i + 1);
  }
  return last === 0 ? value : out + value.slice(last);
}

const TEXT_SPECIAL = /[&<>]/;
const ATTRIBUTE_SPECIAL = /[&<>"]/;

/** XML text escaping as ElementTree writes it: `&`, `<`, `>`; quotes stay literal. */
export function escapeXmlText(value: string): string {
  if (!TEXT_SPECIAL.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** XML attribute escaping (double-quoted attributes). */
export function escapeXmlAttribute(value: string): string {
  if (!ATTRIBUTE_SPECIAL.test(value)) return value;
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
