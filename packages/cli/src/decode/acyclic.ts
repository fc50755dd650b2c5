/**
 * CLIXML `<Ref>` may point at an enclosing object (PowerShell serializes such graphs), so a deserialized value can be
 * cyclic. JSON and text cannot show a cycle: the back-reference is replaced by a marker, everything else is kept.
 */
import { ExopsError, ExopsErrorCode, PSObject, type PSContainer, type PSValue } from '@exops/contracts';

/** What a reference back to an enclosing object prints as. */
export const CYCLE_MARKER = '[circular reference to an enclosing object]';

function children(obj: PSObject): PSValue[] {
  const out: PSValue[] = [...obj.adapted.values(), ...obj.extended.values()];
  if (obj.value !== undefined) out.push(obj.value);
  const c = obj.container;
  if (c !== undefined) {
    if (c.kind === 'DCT') for (const [k, v] of c.entries) out.push(k, v);
    else out.push(...c.items);
  }
  return out;
}

/** Most values one printed object may expand to: `<Ref>` reuse lets a small message stand for an exponential tree. */
export const MAX_EXPANDED_VALUES = 2_000_000;

interface Walk {
  /** Objects on the current path (grey). */
  readonly ancestors: Set<PSObject>;
  /** Objects fully explored (black), with the number of values they expand to. */
  readonly sizes: Map<PSObject, number>;
  cycle: boolean;
}

/** Depth-first walk, linear in the graph: counts the expanded size and notes any back-reference (a cycle). */
function expandedSize(value: PSValue, walk: Walk): number {
  if (!(value instanceof PSObject)) return 1;
  const known = walk.sizes.get(value);
  if (known !== undefined) return known;
  if (walk.ancestors.has(value)) {
    walk.cycle = true;
    return 1;
  }
  walk.ancestors.add(value);
  let size = 1;
  for (const child of children(value)) size = Math.min(size + expandedSize(child, walk), Number.MAX_SAFE_INTEGER);
  walk.ancestors.delete(value);
  walk.sizes.set(value, size);
  return size;
}

function copyWithoutCycles(value: PSValue, ancestors: Set<PSObject>): PSValue {
  if (!(value instanceof PSObject)) return value;
  if (ancestors.has(value)) return CYCLE_MARKER;
  ancestors.add(value);
  const copy = (v: PSValue): PSValue => copyWithoutCycles(v, ancestors);
  const c = value.container;
  const container: PSContainer | undefined =
    c === undefined ? undefined : c.kind === 'DCT' ? { kind: 'DCT', entries: c.entries.map(([k, v]) => [copy(k), copy(v)]) } : { kind: c.kind, items: c.items.map(copy) };
  const out = new PSObject({
    typeNames: [...value.typeNames],
    toStringValue: value.toStringValue,
    value: value.value === undefined ? undefined : copy(value.value),
    adapted: [...value.adapted].map(([k, v]): [string, PSValue] => [k, copy(v)]),
    extended: [...value.extended].map(([k, v]): [string, PSValue] => [k, copy(v)]),
    container,
  });
  ancestors.delete(value);
  return out;
}

/**
 * The value itself when it is acyclic (the usual case, no copy); otherwise a copy with each cycle cut by
 * {@link CYCLE_MARKER}. Throws PSRP_LIMIT when `<Ref>` reuse makes the value expand past {@link MAX_EXPANDED_VALUES}.
 */
export function withoutCycles(value: PSValue): PSValue {
  const walk: Walk = { ancestors: new Set(), sizes: new Map(), cycle: false };
  const size = expandedSize(value, walk);
  if (size > MAX_EXPANDED_VALUES) {
    throw new ExopsError(ExopsErrorCode.PSRP_LIMIT, `the object expands to more than ${MAX_EXPANDED_VALUES} values through <Ref> reuse, too many to print`, {
      remedy: 'The data reuses the same objects over and over (a "billion laughs" shape); PowerShell does not write that. Do not trust its sender.',
      details: { expandedValues: size },
    });
  }
  return walk.cycle ? copyWithoutCycles(value, new Set()) : value;
}
