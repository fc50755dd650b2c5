import { PSObject, type PSValue } from '@exops/contracts';

/*
 * [MS-PSRP] 2.2.5.2.10 allows an `MS` element to nest another `<MS N="name">`: a named property set. The
 * contracts' object model has no slot for it, so a property set is a PSObject (no type names, its properties
 * extended) remembered in this WeakSet; the serializer writes it back as `<MS N=…>`.
 */
const propertySets = new WeakSet<PSObject>();

/** Creates a property set value, serialized as a nested `<MS N="name">` inside `MS`/`Props`. */
export function createClixmlPropertySet(properties: Iterable<[string, PSValue]>): PSObject {
  const set = new PSObject({ extended: properties });
  propertySets.add(set);
  return set;
}

/** True when the value came from (or will be written as) a nested `<MS N=…>` property set. */
export function isClixmlPropertySet(value: unknown): value is PSObject {
  return value instanceof PSObject && propertySets.has(value);
}

/** @internal marks a PSObject built by the deserializer. */
export function markPropertySet(value: PSObject): void {
  propertySets.add(value);
}
