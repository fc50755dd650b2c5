/** Reading typed fields out of deserialized message bodies, with errors that name the message and the field. */
import { PSObject, PSPrimitive, type PSValue } from '@exops/contracts';
import { messageError, PEER_BUG_REMEDY } from './errors.js';

/** Where a field is read, for error messages. */
export type FieldContext = string;

function fail(context: FieldContext, name: string, expected: string, got: PSValue | undefined): never {
  const shown = got === undefined ? 'nothing' : got === null ? 'null' : got instanceof PSObject ? `an object (${got.typeNames[0] ?? 'no type'})` : typeof got === 'object' ? `<${got.tag}>` : JSON.stringify(got);
  throw messageError(`${context}: property '${name}' should be ${expected}, got ${shown}`, PEER_BUG_REMEDY, { context, property: name });
}

/** The body as a PSObject, or an error naming the message. */
export function asObject(context: FieldContext, value: PSValue): PSObject {
  if (value instanceof PSObject) return value;
  return fail(context, '(body)', 'an object', value);
}

/** A property or undefined when absent. */
export function prop(obj: PSObject, name: string): PSValue | undefined {
  return obj.get(name);
}

/** A required property (null allowed). */
export function required(context: FieldContext, obj: PSObject, name: string): PSValue {
  const v = obj.get(name);
  if (v === undefined) return fail(context, name, 'present', v);
  return v;
}

/** An integer from I32, an integer primitive, or an enum object wrapping one. */
export function intValue(value: PSValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof PSPrimitive) {
    if (typeof value.value === 'number') return value.value;
    if (typeof value.value === 'bigint') return Number(value.value);
    return undefined;
  }
  if (value instanceof PSObject && value.value !== undefined) return intValue(value.value);
  return undefined;
}

/** A bigint from I64/U64 or any integer form. */
export function bigintValue(value: PSValue | undefined): bigint | undefined {
  if (value instanceof PSPrimitive && typeof value.value === 'bigint') return value.value;
  const n = intValue(value);
  return n === undefined || !Number.isInteger(n) ? undefined : BigInt(n);
}

export function requireInt(context: FieldContext, obj: PSObject, name: string): number {
  const v = obj.get(name);
  const n = intValue(v);
  if (n === undefined) return fail(context, name, 'an integer', v);
  return n;
}

export function requireBigint(context: FieldContext, obj: PSObject, name: string): bigint {
  const v = obj.get(name);
  const n = bigintValue(v);
  if (n === undefined) return fail(context, name, 'an integer', v);
  return n;
}

/** A string property; null and absent give undefined. */
export function optionalString(obj: PSObject, name: string): string | undefined {
  const v = obj.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof PSObject) return v.toStringValue ?? v.toString();
  return String(v);
}

export function requireString(context: FieldContext, obj: PSObject, name: string): string {
  const v = obj.get(name);
  if (typeof v !== 'string') return fail(context, name, 'a string', v);
  return v;
}

export function optionalBool(obj: PSObject, name: string): boolean | undefined {
  const v = obj.get(name);
  return typeof v === 'boolean' ? v : undefined;
}

/** Items of a list-like value (LST/IE/STK/QUE); [] for null. */
export function listItems(context: FieldContext, name: string, value: PSValue | undefined): PSValue[] {
  if (value === null || value === undefined) return [];
  if (value instanceof PSObject && value.container !== undefined && value.container.kind !== 'DCT') return value.container.items;
  return fail(context, name, 'a list', value);
}

/** A version text from a Version primitive or a string. */
export function versionText(value: PSValue | undefined): string | undefined {
  if (value instanceof PSPrimitive && value.tag === 'Version') return value.value as string;
  if (typeof value === 'string') return value;
  return undefined;
}
