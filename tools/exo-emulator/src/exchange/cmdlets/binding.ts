/**
 * Parameter binding as PowerShell does it for named parameters: exact name, alias, or unique prefix; type
 * conversion; parameter-set resolution; mandatory check. Every failure is an error record with PowerShell's text.
 */
import type { CmdletParameterValue } from '@exops/contracts';
import { ALL_PARAMETER_SETS, type CmdletDefinition, type ParameterDefinition } from './catalog-types.js';
import {
  parameterAlreadyBound,
  parameterAmbiguous,
  parameterBelowMinimum,
  parameterBooleanTransformation,
  parameterConversion,
  parameterMissing,
  parameterNotFound,
  parameterNullOrEmpty,
  parameterSetUnresolved,
  parameterValidation,
  type ExchangeErrorRecord,
} from './error-records.js';
import { ParameterConversionError, describeValue, toPlainValue } from './parameter-types.js';

/** Bound values and the chosen parameter set, or the binding error. */
export type BindingResult =
  | { readonly ok: true; readonly bound: Map<string, unknown>; readonly parameterSet: string }
  | { readonly ok: false; readonly error: ExchangeErrorRecord };

/** Finds the parameter a (possibly abbreviated) name means. */
export function resolveParameterName(cmdlet: CmdletDefinition, name: string): ParameterDefinition | ExchangeErrorRecord {
  const key = name.replace(/^-/, '').toLowerCase();
  const exact = cmdlet.parameters.find((p) => p.name.toLowerCase() === key || (p.aliases ?? []).some((a) => a.toLowerCase() === key));
  if (exact !== undefined) return exact;
  const prefixed = cmdlet.parameters.filter((p) => p.name.toLowerCase().startsWith(key));
  if (prefixed.length === 1 && prefixed[0] !== undefined && key !== '') return prefixed[0];
  if (prefixed.length > 1 && key !== '') return parameterAmbiguous(cmdlet.name, name, prefixed.map((p) => p.name));
  return parameterNotFound(cmdlet.name, name);
}

const setsOf = (p: ParameterDefinition): readonly string[] => p.sets ?? [ALL_PARAMETER_SETS];

/** All named sets of a cmdlet. */
export function parameterSetsOf(cmdlet: CmdletDefinition): string[] {
  const sets = new Set<string>();
  for (const p of cmdlet.parameters) for (const s of p.sets ?? []) sets.add(s);
  if (sets.size === 0) sets.add(cmdlet.defaultParameterSet);
  return [...sets];
}

function isMandatoryIn(p: ParameterDefinition, set: string): boolean {
  const m = p.mandatoryIn ?? [];
  return m.includes(set) || (m.includes(ALL_PARAMETER_SETS) && (p.sets === undefined || p.sets.includes(set)));
}

/** Binds named parameters to a cmdlet. */
export function bindParameters(cmdlet: CmdletDefinition, input: Readonly<Record<string, CmdletParameterValue>>): BindingResult {
  const bound = new Map<string, unknown>();
  for (const [name, raw] of Object.entries(input)) {
    const resolved = resolveParameterName(cmdlet, name);
    if (!('type' in resolved)) return { ok: false, error: resolved };
    if (bound.has(resolved.name)) return { ok: false, error: parameterAlreadyBound(cmdlet.name, resolved.name) };
    const plain = toPlainValue(raw);
    const mandatory = (resolved.mandatoryIn ?? []).length > 0;
    if (mandatory && !resolved.type.isSwitch && (plain === null || plain === '')) {
      return { ok: false, error: parameterNullOrEmpty(cmdlet.name, resolved.name, plain === '') };
    }
    try {
      bound.set(resolved.name, plain === null && !resolved.type.isSwitch ? null : resolved.type.convert(plain));
    } catch (error) {
      if (!(error instanceof ParameterConversionError)) throw error;
      switch (error.kind) {
        case 'boolean':
          return { ok: false, error: parameterBooleanTransformation(cmdlet.name, resolved.name, error.message) };
        case 'minimum':
          return { ok: false, error: parameterBelowMinimum(cmdlet.name, resolved.name, error.message, error.minimum) };
        case 'validate':
          return { ok: false, error: parameterValidation(cmdlet.name, resolved.name, error.message) };
        default:
          return { ok: false, error: parameterConversion(cmdlet.name, resolved.name, describeValue(plain), resolved.type.dotNetName, error.message) };
      }
    }
  }

  let candidates = parameterSetsOf(cmdlet);
  for (const name of bound.keys()) {
    const p = cmdlet.parameters.find((q) => q.name === name);
    if (p === undefined || p.sets === undefined) continue;
    candidates = candidates.filter((s) => p.sets?.includes(s));
  }
  if (candidates.length === 0) return { ok: false, error: parameterSetUnresolved(cmdlet.name) };
  // PowerShell prefers the default set, then a set whose mandatory parameters are all bound.
  const complete = (set: string): boolean => cmdlet.parameters.every((p) => !isMandatoryIn(p, set) || !setsOf(p).some((s) => s === set || s === ALL_PARAMETER_SETS) || bound.has(p.name));
  const chosen =
    (candidates.includes(cmdlet.defaultParameterSet) && (candidates.length === 1 || complete(cmdlet.defaultParameterSet)) ? cmdlet.defaultParameterSet : undefined) ??
    (candidates.filter(complete).length === 1 ? candidates.find(complete) : undefined) ??
    (candidates.length === 1 ? candidates[0] : undefined);
  if (chosen === undefined) return { ok: false, error: parameterSetUnresolved(cmdlet.name) };
  const missing = cmdlet.parameters.filter((p) => isMandatoryIn(p, chosen) && !bound.has(p.name)).map((p) => p.name);
  if (missing.length > 0) return { ok: false, error: parameterMissing(cmdlet.name, missing) };
  return { ok: true, bound, parameterSet: chosen };
}
