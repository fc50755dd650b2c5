/**
 * Decodes the `Parameters` object of an InvokeCommand body as the V3 module encodes it (reference §2.4):
 * switches are booleans, hashtables carry `"@odata.type": "#Exchange.GenericHashTable"`, byte arrays
 * `{"@odata.type": "#Exchange.ByteArrayType", "Data": …}`, and `<Name>@odata.type` siblings annotate collections.
 */
import type { CmdletParameterValue } from '@exops/contracts';

/** A Parameters value that cannot be decoded; the message names the parameter. */
export class ParameterDecodingError extends Error {}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** [inf] Deepest nesting decoded: a body under the size limit can nest ~5 million levels, which recursion cannot take. */
const MAX_PARAMETER_DEPTH = 64;

function decodeValue(name: string, value: Json, depth = 0): CmdletParameterValue {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_PARAMETER_DEPTH) throw new ParameterDecodingError(`Parameter '${name}': the value is nested deeper than ${MAX_PARAMETER_DEPTH} levels.`);
  if (Array.isArray(value)) return value.map((item) => decodeValue(name, item, depth + 1));
  const type = value['@odata.type'];
  if (type === '#Exchange.ByteArrayType' || type === 'Exchange.ByteArrayType' || (type === undefined && 'Data' in value && Object.keys(value).length === 1)) {
    return decodeBytes(name, value['Data'] ?? null);
  }
  if (type !== undefined && typeof type !== 'string') throw new ParameterDecodingError(`Parameter '${name}': "@odata.type" must be a string.`);
  const out: Record<string, CmdletParameterValue> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('@odata.')) continue;
    out[key] = decodeValue(name, inner, depth + 1);
  }
  return out;
}

function decodeBytes(name: string, data: Json): Uint8Array {
  if (typeof data === 'string') return new Uint8Array(Buffer.from(data, 'base64'));
  if (Array.isArray(data) && data.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) return Uint8Array.from(data as number[]);
  throw new ParameterDecodingError(`Parameter '${name}': an Exchange.ByteArrayType needs "Data" as base64 text or an array of bytes (0-255).`);
}

/** Decodes a `Parameters` object; keys with `@odata.` annotations are dropped. */
export function decodeInvokeParameters(parameters: unknown): Record<string, CmdletParameterValue> {
  if (parameters === undefined || parameters === null) return {};
  if (typeof parameters !== 'object' || Array.isArray(parameters)) throw new ParameterDecodingError('"CmdletInput.Parameters" must be a JSON object of parameter names to values.');
  const out: Record<string, CmdletParameterValue> = {};
  for (const [name, value] of Object.entries(parameters as Record<string, Json>)) {
    if (name.includes('@odata.')) continue;
    out[name] = decodeValue(name, value);
  }
  return out;
}
