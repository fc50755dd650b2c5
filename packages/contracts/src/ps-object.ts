import { ExopsError, ExopsErrorCode } from './errors.js';

/**
 * The PowerShell object model exops hands to callers, identical whichever transport carried it ([MS-PSRP] 2.2.5).
 *
 * Mapping of CLIXML to JavaScript, chosen so that the common Exchange values are plain JS and nothing loses its
 * .NET type or digits:
 * - `S` → string, `B` → boolean, `Nil` → null, `I32` → number (the default integer of PowerShell);
 * - every other primitive → {@link PSPrimitive} with its CLIXML tag and an exact value;
 * - `Obj` → {@link PSObject} (type names, ToString, adapted and extended properties, an optional container).
 */

/** CLIXML primitive tags other than S, B, I32 and Nil (those map to plain JS values). */
export type PSPrimitiveTag =
  | 'C' | 'DT' | 'TS' | 'By' | 'SB' | 'U16' | 'I16' | 'U32' | 'U64' | 'I64'
  | 'Sg' | 'Db' | 'D' | 'BA' | 'G' | 'URI' | 'Version' | 'XD' | 'SBK' | 'SS';

/** The JS form of each primitive tag's value. */
export interface PSPrimitiveValueMap {
  /** UTF-16 code unit. */
  C: number;
  /** The CLIXML text, kept verbatim: .NET ticks have 7 fractional digits that `Date` would lose. */
  DT: string;
  /** xs:duration text, e.g. `PT9.0269026S`. */
  TS: string;
  By: number; SB: number; U16: number; I16: number; U32: number;
  U64: bigint; I64: bigint;
  Sg: number; Db: number;
  /** Decimal as its exact text (`-1.50`), never a float. */
  D: string;
  BA: Uint8Array;
  G: string; URI: string; Version: string; XD: string; SBK: string;
  /** SecureString: base64 of the AES ciphertext, as sent. */
  SS: string;
}

/** A primitive that carries its CLIXML tag, so it serializes back to the same type. */
export class PSPrimitive<T extends PSPrimitiveTag = PSPrimitiveTag> {
  constructor(
    readonly tag: T,
    readonly value: PSPrimitiveValueMap[T],
  ) {}

  /** The value as PowerShell's ToString would print it, near enough for tables and CSV. */
  toString(): string {
    const v = this.value as unknown;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (this.tag === 'C') return String.fromCharCode(v as number);
    return String(v);
  }
}

/** Any value PowerShell can send or receive. */
export type PSValue = string | number | boolean | null | PSPrimitive | PSObject;

/** The containers CLIXML knows: lists (`LST`, `IE`), stacks, queues, and dictionaries. */
export type PSContainer =
  | { readonly kind: 'LST' | 'IE' | 'STK' | 'QUE'; readonly items: PSValue[] }
  | { readonly kind: 'DCT'; readonly entries: [PSValue, PSValue][] };

/** A complex object (`Obj`). */
export class PSObject {
  /** Type names, most specific first (`TN`), e.g. `Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox`. */
  typeNames: string[];
  /** `ToString`, when the sender wrote one. */
  toStringValue: string | undefined;
  /** The primitive inside an enum or extended primitive (`<Obj><TN>…</TN><I32>2</I32></Obj>`). */
  value: PSValue | undefined;
  /** Adapted properties (`Props`), in document order. */
  readonly adapted: Map<string, PSValue>;
  /** Extended properties (`MS`), in document order. */
  readonly extended: Map<string, PSValue>;
  container: PSContainer | undefined;

  constructor(init: {
    typeNames?: string[];
    toStringValue?: string | undefined;
    value?: PSValue | undefined;
    adapted?: Map<string, PSValue> | Iterable<[string, PSValue]>;
    extended?: Map<string, PSValue> | Iterable<[string, PSValue]>;
    container?: PSContainer | undefined;
  } = {}) {
    this.typeNames = init.typeNames ?? [];
    this.toStringValue = init.toStringValue;
    this.value = init.value;
    this.adapted = init.adapted instanceof Map ? init.adapted : new Map(init.adapted ?? []);
    this.extended = init.extended instanceof Map ? init.extended : new Map(init.extended ?? []);
    this.container = init.container;
  }

  /** A property by name: adapted first, then extended, as PowerShell resolves them. Case-insensitive fallback. */
  get(name: string): PSValue | undefined {
    const exact = this.adapted.get(name) ?? this.extended.get(name);
    if (exact !== undefined || this.adapted.has(name) || this.extended.has(name)) return exact;
    const lower = name.toLowerCase();
    for (const map of [this.adapted, this.extended]) {
      for (const [key, value] of map) if (key.toLowerCase() === lower) return value;
    }
    return undefined;
  }

  /** Property names, adapted then extended, without duplicates. */
  propertyNames(): string[] {
    const names = [...this.adapted.keys()];
    for (const key of this.extended.keys()) if (!this.adapted.has(key)) names.push(key);
    return names;
  }

  /** True when this object has the type name, with or without the `Deserialized.` prefix. */
  isType(typeName: string): boolean {
    return this.typeNames.some((t) => t === typeName || t === `Deserialized.${typeName}`);
  }

  toString(): string {
    if (this.toStringValue !== undefined) return this.toStringValue;
    if (this.value !== undefined && this.value !== null) return String(this.value);
    return this.typeNames[0] ?? 'System.Object';
  }
}

/** Builds a PSCustomObject-like object from plain properties (extended, as PowerShell does). */
export function createPSObject(properties: Record<string, PSValue>, typeNames: string[] = []): PSObject {
  return new PSObject({ typeNames, extended: Object.entries(properties) });
}

/** A list (`System.Collections.ArrayList` in CLIXML). */
export function createPSList(items: PSValue[], typeNames: string[] = ['System.Collections.ArrayList', 'System.Object']): PSObject {
  return new PSObject({ typeNames, container: { kind: 'LST', items } });
}

/** A hashtable (`System.Collections.Hashtable` in CLIXML). */
export function createPSDictionary(
  entries: Iterable<[PSValue, PSValue]>,
  typeNames: string[] = ['System.Collections.Hashtable', 'System.Object'],
): PSObject {
  return new PSObject({ typeNames, container: { kind: 'DCT', entries: [...entries] } });
}

/** An enum value: `ToString` is its name (flags joined by ", "), `value` its integer. */
export function createPSEnum(typeName: string, name: string, value: number): PSObject {
  return new PSObject({ typeNames: [typeName, 'System.Enum', 'System.ValueType', 'System.Object'], toStringValue: name, value });
}

/** JSON-compatible value, as `exops decode --json` and `--output json` print PowerShell values. */
export type PSJson = string | number | boolean | null | PSJson[] | { [key: string]: PSJson };

export interface PSJsonOptions {
  /** Put `"@types": [...]` first in each object. */
  readonly typed?: boolean;
  /**
   * The most values one call may produce. `<Ref>` reuse can make a small document name an exponential tree; past
   * this bound the mapping throws instead of exhausting memory. Default 2,000,000.
   */
  readonly maxValues?: number;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const DEFAULT_MAX_VALUES = 2_000_000;
/** What a value that contains itself (a `<Ref>` to an enclosing object) maps to. */
export const PS_JSON_CYCLE_MARKER = '[circular reference]';

function numberOrString(value: number): PSJson {
  return Number.isFinite(value) ? value : String(value);
}

interface JsonWalk {
  readonly typed: boolean;
  readonly maxValues: number;
  count: number;
  readonly ancestors: Set<PSObject>;
}

/**
 * Maps a PowerShell value to JSON, losing no digits: integers stay numbers while exact (beyond 2^53 a decimal
 * string), decimals are decimal strings, NaN and infinities strings, byte arrays base64, SecureString
 * `{"@secureString": …}`, lists arrays, dictionaries objects, an object its adapted then extended properties, an
 * object with only a value and ToString (an enum) its ToString. An object with properties and also a value or list
 * keeps that under `"@value"`. Cycles map to {@link PS_JSON_CYCLE_MARKER}.
 */
export function psValueToJson(value: PSValue | undefined, options: PSJsonOptions = {}): PSJson {
  return toJson(value, { typed: options.typed === true, maxValues: options.maxValues ?? DEFAULT_MAX_VALUES, count: 0, ancestors: new Set() });
}

function toJson(value: PSValue | undefined, walk: JsonWalk): PSJson {
  walk.count += 1;
  if (walk.count > walk.maxValues) {
    throw new ExopsError(ExopsErrorCode.PSRP_LIMIT, `The value expands to more than ${walk.maxValues} values (repeated <Ref> reuse).`, {
      remedy: 'The data names the same objects over and over; print it without --json, or select fewer properties.',
    });
  }
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return numberOrString(value);
  if (value instanceof PSPrimitive) return primitiveToJson(value);
  if (walk.ancestors.has(value)) return PS_JSON_CYCLE_MARKER;
  walk.ancestors.add(value);
  try {
    return objectToJson(value, walk);
  } finally {
    walk.ancestors.delete(value);
  }
}

function primitiveToJson(p: PSPrimitive): PSJson {
  switch (p.tag) {
    case 'U64':
    case 'I64': {
      const v = p.value as bigint;
      return v <= MAX_EXACT && v >= -MAX_EXACT ? Number(v) : v.toString();
    }
    case 'By': case 'SB': case 'U16': case 'I16': case 'U32': case 'Sg': case 'Db':
      return numberOrString(p.value as number);
    case 'C':
      return String.fromCharCode(p.value as number);
    case 'BA':
      return Buffer.from(p.value as Uint8Array).toString('base64');
    case 'SS':
      return { '@secureString': p.value as string };
    default:
      return String(p.value);
  }
}

function containerToJson(c: PSContainer, obj: PSObject, walk: JsonWalk): PSJson {
  if (c.kind === 'DCT') {
    const out: { [key: string]: PSJson } = {};
    if (walk.typed) out['@types'] = obj.typeNames;
    for (const [k, v] of c.entries) out[keyToString(k)] = toJson(v, walk);
    return out;
  }
  return c.items.map((item) => toJson(item, walk));
}

function objectToJson(obj: PSObject, walk: JsonWalk): PSJson {
  const c = obj.container;
  const hasProperties = obj.adapted.size > 0 || obj.extended.size > 0;
  if (!hasProperties) {
    if (c !== undefined) return containerToJson(c, obj, walk);
    if (obj.value !== undefined && obj.toStringValue !== undefined) return obj.toStringValue;
    if (obj.value !== undefined) return toJson(obj.value, walk);
    if (obj.toStringValue !== undefined) return obj.toStringValue;
  }
  const out: { [key: string]: PSJson } = {};
  if (walk.typed) out['@types'] = obj.typeNames;
  if (c !== undefined) out['@value'] = containerToJson(c, obj, walk);
  else if (obj.value !== undefined) out['@value'] = toJson(obj.value, walk);
  for (const [k, v] of obj.adapted) out[k] = toJson(v, walk);
  for (const [k, v] of obj.extended) if (!(k in out)) out[k] = toJson(v, walk);
  return out;
}

function keyToString(key: PSValue): string {
  if (key === null) return '';
  if (typeof key === 'string') return key;
  return String(psValueToJson(key));
}

/** A short text form of a value for tables and CSV cells: lists joined by ", " like Format-Table's `{a, b}`. */
export function psValueToDisplayString(value: PSValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof PSPrimitive) return value.toString();
  const c = value.container;
  if (c !== undefined && c.kind !== 'DCT') return `{${c.items.map(psValueToDisplayString).join(', ')}}`;
  return value.toString();
}
