import { PSPrimitive, type PSPrimitiveTag, type PSPrimitiveValueMap } from '@exops/contracts';
import { clixmlError } from './errors.js';
import { escapeClixmlString, unescapeClixmlString } from './escape.js';
import { formatDouble, formatSingle, parseFloatText } from './number-format.js';

/** Ranges of the small integer tags ([MS-PSRP] 2.2.5.1.5–2.2.5.1.13). */
const INTEGER_RANGES: Record<string, readonly [number, number]> = {
  By: [0, 255],
  SB: [-128, 127],
  U16: [0, 65535],
  I16: [-32768, 32767],
  U32: [0, 4294967295],
  I32: [-2147483648, 2147483647],
  C: [0, 65535],
};

const BIGINT_RANGES: Record<string, readonly [bigint, bigint]> = {
  I64: [-(2n ** 63n), 2n ** 63n - 1n],
  U64: [0n, 2n ** 64n - 1n],
};

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const GUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const VERSION_TEXT = /^\d{1,10}(?:\.\d{1,10}){1,3}$/;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// xs:dateTime as .NET writes it: the zone is optional (DateTimeKind.Unspecified has none).
const DATETIME_TEXT = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-](\d\d):(\d\d))?$/;
// xs:duration: at least one component, and a `T` only before a time component.
const DURATION_TEXT = /^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function bad(tag: string, text: string, expected: string): never {
  const shown = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  throw clixmlError(`<${tag}> holds ${JSON.stringify(shown)}, which is not ${expected}`, { tag });
}

function digits(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// The canonical .NET form `yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±hh:mm]`, checked without a regex (Exchange objects
// carry several DateTimes each).
function isCanonicalDateTime(text: string): boolean {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 ||
    text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  if (day > (month === 2 && !isLeap(year) ? 28 : DAYS_IN_MONTH[month - 1]!)) return false;
  let i = 19;
  if (text.charCodeAt(i) === 0x2e) {
    const fractionStart = ++i;
    while (i < length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === fractionStart) return false;
  }
  if (i === length) return true;
  const zone = text.charCodeAt(i);
  if (zone === 0x5a) return i + 1 === length;
  if ((zone !== 0x2b && zone !== 0x2d) || length - i !== 6 || text.charCodeAt(i + 3) !== 0x3a) return false;
  const zoneHours = digits(text, i + 1, 2);
  const zoneMinutes = digits(text, i + 4, 2);
  return zoneHours >= 0 && zoneHours <= 14 && zoneMinutes >= 0 && zoneMinutes <= 59;
}

function checkDateTime(text: string): string {
  if (isCanonicalDateTime(text)) return text;
  const m = DATETIME_TEXT.exec(text);
  if (m === null) bad('DT', text, 'an xs:dateTime such as 2024-01-02T03:04:05.1234567+01:00');
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const ok =
    year >= 1 && year <= 9999 &&
    month >= 1 && month <= 12 &&
    day >= 1 && day <= (month === 2 && !isLeap(year) ? 28 : DAYS_IN_MONTH[month - 1]!) &&
    Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59 &&
    (m[9] === undefined || (Number(m[9]) <= 14 && Number(m[10]) <= 59));
  if (!ok) bad('DT', text, 'a date and time within .NET DateTime range (years 1-9999, valid month, day, time and zone)');
  return text;
}

/** Reads the text of a primitive element into its PSValue. Throws PSRP_CLIXML when the text is not valid. */
export function parsePrimitiveText(tag: string, raw: string): string | number | boolean | PSPrimitive {
  switch (tag) {
    case 'S':
      return unescapeClixmlString(raw);
    case 'I32':
      return parseSmallInteger(tag, raw);
    case 'B': {
      const t = raw.trim();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      const lower = t.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return bad(tag, raw, 'a Boolean (true or false)');
    }
    case 'By': case 'SB': case 'U16': case 'I16': case 'U32': case 'C':
      return new PSPrimitive(tag, parseSmallInteger(tag, raw));
    case 'I64': case 'U64': {
      const t = raw.trim();
      if (!INTEGER_TEXT.test(t)) bad(tag, raw, 'an integer');
      const value = BigInt(t);
      const [min, max] = BIGINT_RANGES[tag]!;
      if (value < min || value > max) bad(tag, raw, `an integer between ${min} and ${max}`);
      return new PSPrimitive(tag, value);
    }
    case 'Db': case 'Sg': {
      const value = parseFloatText(raw);
      if (value === undefined) bad(tag, raw, 'a floating-point number');
      return new PSPrimitive(tag, tag === 'Sg' ? Math.fround(value) : value);
    }
    case 'D': {
      const t = raw.trim();
      if (!DECIMAL_TEXT.test(t)) bad(tag, raw, 'a decimal number');
      return new PSPrimitive('D', t);
    }
    case 'DT':
      return new PSPrimitive('DT', checkDateTime(raw.trim()));
    case 'TS': {
      const t = raw.trim();
      if (!DURATION_TEXT.test(t)) bad(tag, raw, 'an xs:duration such as PT9.0269026S or -P1DT2H');
      return new PSPrimitive('TS', t);
    }
    case 'G': {
      const t = raw.trim();
      if (!GUID_TEXT.test(t)) bad(tag, raw, 'a GUID (8-4-4-4-12 hex digits)');
      return new PSPrimitive('G', t);
    }
    case 'Version': {
      const t = raw.trim();
      if (!VERSION_TEXT.test(t)) bad(tag, raw, 'a version (2 to 4 dot-separated numbers)');
      return new PSPrimitive('Version', t);
    }
    case 'BA': {
      const t = raw.indexOf(' ') >= 0 || raw.indexOf('\n') >= 0 || raw.indexOf('\t') >= 0 ? raw.replace(/\s+/g, '') : raw;
      if (!BASE64_TEXT.test(t)) bad(tag, raw, 'base64');
      return new PSPrimitive('BA', new Uint8Array(Buffer.from(t, 'base64')));
    }
    case 'SS': {
      const t = raw.trim();
      if (!BASE64_TEXT.test(t)) bad(tag, raw, 'base64 (an encrypted SecureString)');
      return new PSPrimitive('SS', t);
    }
    case 'URI': case 'XD': case 'SBK':
      return new PSPrimitive(tag, unescapeClixmlString(raw));
    default:
      throw clixmlError(`<${tag}> is not a CLIXML primitive`, { tag });
  }
}

function parseSmallInteger(tag: string, raw: string): number {
  const t = raw.length > 0 && raw.charCodeAt(0) > 0x20 && raw.charCodeAt(raw.length - 1) > 0x20 ? raw : raw.trim();
  if (!INTEGER_TEXT.test(t)) bad(tag, raw, 'an integer');
  const value = Number(t);
  const [min, max] = INTEGER_RANGES[tag]!;
  if (!(value >= min && value <= max)) bad(tag, raw, `an integer between ${min} and ${max}`);
  return value === 0 ? 0 : value;
}

function invalid(tag: string, value: unknown, expected: string): never {
  throw clixmlError(`cannot serialize ${String(value)} as <${tag}>: expected ${expected}`, { tag });
}

/** The element text of a primitive (already `_x`-escaped where the tag needs it, not yet XML-escaped). */
export function formatPrimitiveText(p: PSPrimitive): string {
  const tag: PSPrimitiveTag = p.tag;
  const value = p.value as PSPrimitiveValueMap[PSPrimitiveTag];
  switch (tag) {
    case 'By': case 'SB': case 'U16': case 'I16': case 'U32': case 'C': {
      const [min, max] = INTEGER_RANGES[tag]!;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        invalid(tag, value, `an integer between ${min} and ${max}`);
      }
      return String(value);
    }
    case 'I64': case 'U64': {
      const [min, max] = BIGINT_RANGES[tag]!;
      if (typeof value !== 'bigint' || value < min || value > max) invalid(tag, value, `a bigint between ${min} and ${max}`);
      return value.toString();
    }
    case 'Db':
      if (typeof value !== 'number') invalid(tag, value, 'a number');
      return formatDouble(value);
    case 'Sg':
      if (typeof value !== 'number') invalid(tag, value, 'a number');
      return formatSingle(value);
    case 'D':
      if (typeof value !== 'string' || !DECIMAL_TEXT.test(value)) invalid(tag, value, 'decimal text such as -1.50');
      return value;
    case 'BA':
      if (!(value instanceof Uint8Array)) invalid(tag, value, 'a Uint8Array');
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    case 'DT':
      if (typeof value !== 'string') invalid(tag, value, 'xs:dateTime text');
      return checkDateTime(value);
    case 'TS':
      if (typeof value !== 'string' || !DURATION_TEXT.test(value)) invalid(tag, value, 'xs:duration text such as PT1H');
      return value;
    case 'G':
      if (typeof value !== 'string' || !GUID_TEXT.test(value)) invalid(tag, value, 'a GUID string');
      return value;
    case 'Version':
      if (typeof value !== 'string' || !VERSION_TEXT.test(value)) invalid(tag, value, 'a version string such as 5.1.17763.1');
      return value;
    case 'SS':
      if (typeof value !== 'string' || !BASE64_TEXT.test(value)) invalid(tag, value, 'base64 ciphertext');
      return value;
    case 'URI': case 'XD': case 'SBK':
      if (typeof value !== 'string') invalid(tag, value, 'a string');
      return escapeClixmlString(value);
    default:
      return invalid(tag, value, 'a known CLIXML primitive tag');
  }
}

/** True for the element names that hold a primitive value. */
export function isPrimitiveTag(name: string): boolean {
  return PRIMITIVE_TAGS.has(name);
}

const PRIMITIVE_TAGS = new Set([
  'S', 'B', 'I32', 'C', 'DT', 'TS', 'By', 'SB', 'U16', 'I16', 'U32', 'U64', 'I64', 'Sg', 'Db', 'D', 'BA', 'G', 'URI',
  'Version', 'XD', 'SBK', 'SS',
]);
