/**
 * Cmdlet parameters as the REST InvokeCommand body carries them, following the V3 module's `Transform-Parameters`
 * (reference §2.4): switches as booleans, hashtables tagged `#Exchange.GenericHashTable`, byte arrays as
 * `#Exchange.ByteArrayType`, dates as UTC sortable strings, filters with `$true`/`$false` spelled `True`/`False`.
 */
import { ExopsError, ExopsErrorCode, PSObject, PSPrimitive, psValueToJson } from '@exops/contracts';
import type { CmdletParameters, CmdletParameterValue, PSJson } from '@exops/contracts';

const HASHTABLE_TYPE = '#Exchange.GenericHashTable';
const HASHTABLE_COLLECTION_TYPE = '#Collection(Exchange.GenericHashTable)';
const BYTE_ARRAY_TYPE = '#Exchange.ByteArrayType';
const BYTE_ARRAY_COLLECTION_TYPE = '#Collection(Exchange.ByteArrayType)';
const FILTER_PARAMETERS = new Set(['filter', 'recipientfilter', 'recipientpreviewfilter']);

type Json = PSJson;

function isPlainObject(value: unknown): value is Readonly<Record<string, CmdletParameterValue>> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `yyyy-MM-ddTHH:mm:ss` in UTC: the invariant culture's sortable pattern the module falls back to. */
export function formatRestDate(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new ExopsError(ExopsErrorCode.EXO_PARAMETER, 'A date parameter is not a valid date.', {
      remedy: 'Pass a valid date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z.',
    });
  }
  return date.toISOString().slice(0, 19);
}

function encodeValue(name: string, value: CmdletParameterValue): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ExopsError(ExopsErrorCode.EXO_PARAMETER, `Parameter '${name}' is not a finite number.`, {
        remedy: `Give -${name} a number.`,
      });
    }
    return value;
  }
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return formatRestDate(value);
  if (value instanceof Uint8Array) return { '@odata.type': BYTE_ARRAY_TYPE, Data: Buffer.from(value).toString('base64') };
  if (value instanceof PSPrimitive) {
    if (value.tag === 'BA') return { '@odata.type': BYTE_ARRAY_TYPE, Data: Buffer.from(value.value as Uint8Array).toString('base64') };
    if (value.tag === 'SS') {
      throw new ExopsError(ExopsErrorCode.EXO_PARAMETER, `Parameter '${name}' is a SecureString, which the REST transport cannot send.`, {
        remedy: 'Pass the secret as plain text to exops (it is sent over TLS), or use the RPS transport.',
      });
    }
    return psValueToJson(value);
  }
  if (value instanceof PSObject) {
    const c = value.container;
    if (c?.kind === 'DCT') return encodeHashtable(name, Object.fromEntries(c.entries.map(([k, v]) => [String(psValueToJson(k)), v])));
    return psValueToJson(value);
  }
  if (Array.isArray(value)) return value.map((item: CmdletParameterValue) => encodeValue(name, item));
  if (isPlainObject(value)) return encodeHashtable(name, value);
  throw new ExopsError(ExopsErrorCode.EXO_PARAMETER, `Parameter '${name}' has a value exops cannot send.`, {
    remedy: 'Use strings, numbers, booleans, dates, arrays, byte arrays or hashtables (plain objects).',
  });
}

function encodeHashtable(name: string, table: Readonly<Record<string, CmdletParameterValue>>): Json {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(table)) out[k] = encodeValue(name, v);
  out['@odata.type'] = HASHTABLE_TYPE;
  return out;
}

/** The `Parameters` object of an InvokeCommand body. */
export function encodeRestParameters(parameters: CmdletParameters): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, raw] of Object.entries(parameters)) {
    let value: CmdletParameterValue = raw;
    if (FILTER_PARAMETERS.has(name.toLowerCase()) && typeof value === 'string') {
      value = value.replace(/\$true\b/gi, "'True'").replace(/\$false\b/gi, "'False'");
    }
    out[name] = encodeValue(name, value);
    if (Array.isArray(value) && value.length > 0) {
      if (value.every((v) => isPlainObject(v))) out[`${name}@odata.type`] = HASHTABLE_COLLECTION_TYPE;
      else if (value.every((v) => v instanceof Uint8Array)) {
        out[name] = (value as Uint8Array[]).map((v) => ({ Data: Buffer.from(v).toString('base64') }));
        out[`${name}@odata.type`] = BYTE_ARRAY_COLLECTION_TYPE;
      }
    }
  }
  return out;
}

/** The whole InvokeCommand body. */
export function buildInvokeCommandBody(cmdlet: string, parameters: CmdletParameters): string {
  return JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: encodeRestParameters(parameters) } });
}
