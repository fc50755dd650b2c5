/** Small PSObject builders shared by the payload builders. */
import { PSObject, PSPrimitive, createPSDictionary, createPSEnum, createPSList, type PSValue } from '@exops/contracts';
import { flagsToString } from '../enums.js';

/** The .NET type names of the enums PSRP messages carry. */
export const EnumTypeName = {
  PSThreadOptions: 'System.Management.Automation.Runspaces.PSThreadOptions',
  ApartmentState: 'System.Threading.ApartmentState',
  RemoteStreamOptions: 'System.Management.Automation.RemoteStreamOptions',
  PipelineResultTypes: 'System.Management.Automation.Runspaces.PipelineResultTypes',
  HostMethodIdentifier: 'System.Management.Automation.Remoting.RemoteHostMethodId',
  ProgressRecordType: 'System.Management.Automation.ProgressRecordType',
  CommandTypes: 'System.Management.Automation.CommandTypes',
  ErrorCategory: 'System.Management.Automation.ErrorCategory',
} as const;

/**
 * Enum objects for one message. psrpcore (like .NET's serializer) writes a repeated enum value as `<Ref>` to its first
 * occurrence within a message, which the CLIXML serializer does for a repeated PSObject instance: handing out one
 * instance per (type, value) reproduces those bytes.
 */
export class EnumScope {
  readonly #cache = new Map<string, PSObject>();

  get(table: Record<string, number>, typeName: string, value: number): PSObject {
    const key = `${typeName}\u0000${value}`;
    let obj = this.#cache.get(key);
    if (obj === undefined) {
      obj = createPSEnum(typeName, flagsToString(table, value), value);
      this.#cache.set(key, obj);
    }
    return obj;
  }
}

/** [MS-PSRP] 2.2.3.14 HostInfo for "no host": the server uses its own default host. */
export function buildNullHostInfo(): PSObject {
  return new PSObject({
    extended: [
      ['_isHostNull', true],
      ['_isHostUINull', true],
      ['_isHostRawUINull', true],
      ['_useRunspaceHost', true],
    ],
  });
}

/** `System.Management.Automation.PSPrimitiveDictionary` ([MS-PSRP] 2.2.3.18), e.g. ApplicationArguments. */
export function buildPrimitiveDictionary(entries: Iterable<[PSValue, PSValue]>): PSObject {
  return createPSDictionary(entries, ['System.Management.Automation.PSPrimitiveDictionary', 'System.Collections.Hashtable', 'System.Object']);
}

/** A JS value a caller may pass as a parameter or input, mapped the way PowerShell binds it. */
export type PSInput =
  | PSValue
  | undefined
  | Date
  | Uint8Array
  | bigint
  | readonly PSInput[]
  | { readonly [key: string]: PSInput };

function formatDateTime(date: Date): string {
  // .NET DateTime has 7 fractional digits; a JS Date has milliseconds.
  const iso = date.toISOString();
  const ms = iso.slice(20, 23);
  return ms === '000' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${ms}0000Z`;
}

/**
 * Maps plain JS to PowerShell values: arrays to `System.Object[]`, plain objects to Hashtables, `Date` to DateTime
 * (UTC), `Uint8Array` to byte[], `bigint` to Int64, non-Int32 numbers to Double; PS values pass through.
 */
export function toPSValue(value: PSInput): PSValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? value : new PSPrimitive('Db', value);
  }
  if (typeof value === 'bigint') return new PSPrimitive('I64', value);
  if (value instanceof PSPrimitive || value instanceof PSObject) return value;
  if (value instanceof Date) return new PSPrimitive('DT', formatDateTime(value));
  if (value instanceof Uint8Array) return new PSPrimitive('BA', value);
  if (Array.isArray(value)) {
    return createPSList((value as readonly PSInput[]).map(toPSValue), ['System.Object[]', 'System.Array', 'System.Object']);
  }
  return createPSDictionary(Object.entries(value as Record<string, PSInput>).map(([k, v]) => [k, toPSValue(v)]));
}
