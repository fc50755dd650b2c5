/**
 * Parameter types of the catalog: each knows its .NET name (Get-Command and binding errors print it) and converts
 * what a caller sent (JSON from REST, CLIXML values from RPS) to the engine's value, or throws
 * {@link ParameterConversionError} with the inner error text PowerShell would print.
 */
import { PSObject, PSPrimitive, type CmdletParameterValue } from '@exops/contracts';

/** A value after {@link toPlainValue}: what every converter receives. */
export type PlainValue = string | number | boolean | null | bigint | Date | Uint8Array | PlainValue[] | { [key: string]: PlainValue };

/** Thrown by converters; `kind` picks the record's wording. */
export class ParameterConversionError extends Error {
  constructor(
    message: string,
    readonly kind: 'convert' | 'boolean' | 'minimum' | 'validate' = 'convert',
    readonly minimum = 0,
  ) {
    super(message);
  }
}

/** A parameter type: .NET name and converter. */
export interface ParameterType<T = unknown> {
  /** The .NET type name as PowerShell prints it. */
  readonly dotNetName: string;
  /** True for SwitchParameter. */
  readonly isSwitch?: boolean;
  convert(value: PlainValue): T;
}

/** Turns CLIXML-shaped values (PSObject lists and hashtables, primitives, enums) into plain JS. */
export function toPlainValue(value: CmdletParameterValue | undefined): PlainValue {
  if (value === undefined || value === null) return null;
  if (value instanceof PSPrimitive) {
    const v = value.value as unknown;
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' || typeof v === 'string') return v;
    if (v instanceof Uint8Array) return v;
    return String(v);
  }
  if (value instanceof PSObject) {
    const c = value.container;
    if (c !== undefined && c.kind === 'DCT') {
      const out: Record<string, PlainValue> = {};
      for (const [k, v] of c.entries) out[String(toPlainValue(k))] = toPlainValue(v);
      return out;
    }
    if (c !== undefined) return c.items.map((item) => toPlainValue(item));
    if (value.value !== undefined) return value.toStringValue ?? toPlainValue(value.value);
    return value.toString();
  }
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((item: CmdletParameterValue) => toPlainValue(item));
  if (typeof value === 'object') {
    const out: Record<string, PlainValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlainValue(v);
    return out;
  }
  return value;
}

/** How PowerShell shows a value inside `Cannot convert value "…"`. */
export function describeValue(value: PlainValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return 'System.Object[]';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return 'System.Byte[]';
  if (typeof value === 'object') return 'System.Collections.Hashtable';
  return String(value);
}

function scalarText(value: PlainValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  throw new ParameterConversionError(`Cannot convert the "${describeValue(value)}" value of type "${typeNameOf(value)}" to type "System.String".`);
}

function typeNameOf(value: PlainValue): string {
  if (Array.isArray(value)) return 'System.Object[]';
  if (value instanceof Date) return 'System.DateTime';
  if (value instanceof Uint8Array) return 'System.Byte[]';
  if (value !== null && typeof value === 'object') return 'System.Collections.Hashtable';
  if (typeof value === 'number') return Number.isInteger(value) ? 'System.Int32' : 'System.Double';
  if (typeof value === 'boolean') return 'System.Boolean';
  if (typeof value === 'bigint') return 'System.Int64';
  return 'System.String';
}

const asList = (value: PlainValue): PlainValue[] => (Array.isArray(value) ? value : [value]);

/** `System.String`. */
export const StringType: ParameterType<string> = { dotNetName: 'System.String', convert: scalarText };

/** `System.String[]`: a scalar becomes a one-element list. */
export const StringArrayType: ParameterType<string[]> = {
  dotNetName: 'System.String[]',
  convert: (value) => asList(value).map(scalarText),
};

/** `SwitchParameter`: JSON true/false as the module sends switches. */
export const SwitchType: ParameterType<boolean> = {
  dotNetName: 'System.Management.Automation.SwitchParameter',
  isSwitch: true,
  convert(value) {
    if (typeof value === 'boolean') return value;
    if (value === null) return true;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    throw new ParameterConversionError(typeNameOf(value), 'boolean');
  },
};

/** `System.Boolean`: only Booleans and numbers, as PowerShell binds it. */
export const BooleanType: ParameterType<boolean> = {
  dotNetName: 'System.Boolean',
  convert(value) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    throw new ParameterConversionError(typeNameOf(value), 'boolean');
  },
};

const INPUT_FORMAT = 'Input string was not in a correct format.';

/** `System.Int32`. */
export const Int32Type: ParameterType<number> = {
  dotNetName: 'System.Int32',
  convert(value) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n)) throw new ParameterConversionError(INPUT_FORMAT);
    if (n > 2147483647 || n < -2147483648) throw new ParameterConversionError('Value was either too large or too small for an Int32.');
    return n;
  },
};

/** `Unlimited<UInt32>`: a count or `Unlimited`; null means Unlimited. */
export const UnlimitedUInt32Type: ParameterType<number | null> = {
  dotNetName: 'Microsoft.Exchange.Data.Unlimited`1[System.UInt32]',
  convert(value) {
    if (typeof value === 'string' && value.trim().toLowerCase() === 'unlimited') return null;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\+?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < 0) throw new ParameterConversionError(INPUT_FORMAT);
    if (n > 4294967295) throw new ParameterConversionError('Value was either too large or too small for a UInt32.');
    if (n < 1) throw new ParameterConversionError(String(n), 'minimum', 1);
    return n;
  },
};

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Parses `50GB`, `1.5 GB`, `500MB`, `1024` (bytes) or `Unlimited` (null). */
export function parseByteQuantity(text: string, allowUnlimited: boolean): number | null {
  const t = text.trim();
  if (allowUnlimited && t.toLowerCase() === 'unlimited') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(t.replace(/\s*\([\d,]+ bytes\)$/i, ''));
  const unit = UNITS[(m?.[2] ?? 'B').toUpperCase()];
  if (m === null || unit === undefined) {
    throw new ParameterConversionError(`The value "${text}" isn't a valid byte quantity. Use a number followed by B, KB, MB, GB or TB, such as 50GB${allowUnlimited ? ', or Unlimited' : ''}.`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** `Unlimited<ByteQuantifiedSize>`: bytes, or null for Unlimited. */
export const UnlimitedByteQuantityType: ParameterType<number | null> = {
  dotNetName: 'Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]',
  convert: (value) => (typeof value === 'number' ? value : parseByteQuantity(scalarText(value), true)),
};

/** `ByteQuantifiedSize`. */
export const ByteQuantityType: ParameterType<number> = {
  dotNetName: 'Microsoft.Exchange.Data.ByteQuantifiedSize',
  convert: (value) => (typeof value === 'number' ? value : (parseByteQuantity(scalarText(value), false) as number)),
};

/** An enum (or enum array): PowerShell's enumerator-name text on a miss. */
export function enumType(dotNetName: string, names: readonly string[], array: boolean): ParameterType<string[]> {
  return {
    dotNetName: array ? `${dotNetName}[]` : dotNetName,
    convert(value) {
      const items: PlainValue[] = array ? asList(value).flatMap((v): PlainValue[] => (typeof v === 'string' ? v.split(',') : [v])) : [value];
      return items.map((item) => {
        const text = scalarText(item).trim();
        const found = names.find((n) => n.toLowerCase() === text.toLowerCase());
        if (found === undefined) {
          throw new ParameterConversionError(`Unable to match the identifier name ${text} to a valid enumerator name. Specify one of the following enumerator names and try again:\r\n${names.join(', ')}`);
        }
        return found;
      });
    },
  };
}

/** Exchange's *IdParameter types: any non-empty text (name, alias, address, GUID, wildcard). */
export function identityType(dotNetName: string): ParameterType<string> {
  return { dotNetName: `Microsoft.Exchange.Configuration.Tasks.${dotNetName}`, convert: scalarText };
}

const SMTP = /^[^\s@<>()[\],;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Checks an SMTP address; returns it without an `smtp:` prefix. */
export function checkSmtpAddress(text: string): string {
  const bare = text.trim().replace(/^smtp:/i, '');
  if (!SMTP.test(bare)) {
    throw new ParameterConversionError(`"${bare}" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a prefix and a suffix, such as example.com.`);
  }
  return bare;
}

/** `ProxyAddress` holding an SMTP address; empty clears it. */
export const SmtpAddressType: ParameterType<string | null> = {
  dotNetName: 'Microsoft.Exchange.Data.ProxyAddress',
  convert: (value) => (value === null || value === '' ? null : `smtp:${checkSmtpAddress(scalarText(value))}`),
};

/** A multi-valued property: a full list, or `@{Add=…; Remove=…}`. */
export type MultiValuedChange = { readonly replace: string[] } | { readonly add: string[]; readonly remove: string[] };

/** A multi-valued property type whose items `check` validates. */
export function multiValuedType(dotNetName: string, check: (item: string) => string): ParameterType<MultiValuedChange> {
  return {
    dotNetName,
    convert(value) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array)) {
        const entries = Object.entries(value).filter(([k]) => !k.startsWith('@'));
        const add: string[] = [];
        const remove: string[] = [];
        for (const [key, v] of entries) {
          const target = key.toLowerCase() === 'add' || key === '+' ? add : key.toLowerCase() === 'remove' || key === '-' ? remove : undefined;
          if (target === undefined) throw new ParameterConversionError(`The hashtable key "${key}" isn't valid. Use Add or Remove.`);
          for (const item of asList(v)) target.push(check(scalarText(item)));
        }
        return { add, remove };
      }
      return { replace: asList(value).map((item) => check(scalarText(item))) };
    },
  };
}

/** A proxy address with its prefix kept (`SMTP:` primary, `smtp:` secondary, `X500:`…). */
export function checkProxyAddress(text: string): string {
  const t = text.trim();
  const colon = t.indexOf(':');
  if (colon > 0 && !/^smtp$/i.test(t.slice(0, colon))) return t;
  const prefix = colon > 0 ? t.slice(0, colon) : 'smtp';
  return `${prefix}:${checkSmtpAddress(t)}`;
}

/** EnhancedTimeSpan: `d.hh:mm:ss`, `hh:mm:ss`, or a number of days. */
export const TimeSpanType: ParameterType<string> = {
  dotNetName: 'Microsoft.Exchange.Data.EnhancedTimeSpan',
  convert(value) {
    const text = scalarText(value).trim();
    const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
    if (m !== null) return `${Number(m[1] ?? 0)}.${m[2]?.padStart(2, '0')}:${m[3]}:${m[4]}`;
    if (/^\d+$/.test(text)) return `${Number(text)}.00:00:00`;
    throw new ParameterConversionError(`String '${text}' was not recognized as a valid TimeSpan.`);
  },
};

/** `System.DateTime` from a date or an ISO string. */
export const DateTimeType: ParameterType<Date> = {
  dotNetName: 'System.DateTime',
  convert(value) {
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw new ParameterConversionError(`String '${describeValue(value)}' was not recognized as a valid DateTime.`);
    return date;
  },
};

/** ActionPreference names. */
export const ACTION_PREFERENCES = ['SilentlyContinue', 'Stop', 'Continue', 'Inquire', 'Ignore', 'Suspend', 'Break'] as const;
/** `ActionPreference` (ErrorAction, WarningAction, ...). */
export const ActionPreferenceType = enumType('System.Management.Automation.ActionPreference', ACTION_PREFERENCES, false);
