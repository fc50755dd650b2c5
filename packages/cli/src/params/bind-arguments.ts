/**
 * Binds PowerShell-style arguments (`-Identity x -ResultSize 5 -Force -Confirm:$false a,b`) to a cmdlet's
 * parameters, with PowerShell's own error wording and a did-you-mean from the cmdlet catalog.
 */
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import type { CmdletParameters, CmdletParameterValue } from '@exops/contracts';
import { suggest } from './did-you-mean.js';
import { parsePowerShellValue } from './parse-value.js';

/** What exops knows of a cmdlet's parameters (from Get-Command, cached per tenant). */
export interface CmdletMetadata {
  readonly name: string;
  readonly parameters: readonly ParameterMetadata[];
}

export interface ParameterMetadata {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly isSwitch?: boolean;
  /** Zero-based position for positional binding. */
  readonly position?: number;
  readonly mandatory?: boolean;
  /** The .NET type name, for messages. */
  readonly type?: string;
}

/** PowerShell's common parameters: always accepted. */
const COMMON_PARAMETERS: readonly ParameterMetadata[] = [
  { name: 'Verbose', isSwitch: true, aliases: ['vb'] },
  { name: 'Debug', isSwitch: true, aliases: ['db'] },
  { name: 'ErrorAction', aliases: ['ea'] },
  { name: 'WarningAction', aliases: ['wa'] },
  { name: 'InformationAction', aliases: ['infa'] },
  { name: 'Confirm', isSwitch: true, aliases: ['cf'] },
  { name: 'WhatIf', isSwitch: true, aliases: ['wi'] },
];

const PARAMETER_TOKEN = /^-([A-Za-z_][\w]*)(:(.*))?$/s;

/** Sets an own property: a parameter named `__proto__` is a (refused or passed-through) name, never the prototype. */
function bind(bound: Record<string, CmdletParameterValue>, name: string, value: CmdletParameterValue): void {
  Object.defineProperty(bound, name, { value, enumerable: true, writable: true, configurable: true });
}

function bindingError(message: string, remedy: string): ExopsError {
  return new ExopsError(ExopsErrorCode.EXO_PARAMETER, message, { remedy });
}

function resolveName(name: string, metadata: CmdletMetadata | undefined): ParameterMetadata | undefined {
  if (metadata === undefined) return undefined;
  const all = [...metadata.parameters, ...COMMON_PARAMETERS];
  const lower = name.toLowerCase();
  const exact = all.find((p) => p.name.toLowerCase() === lower || (p.aliases ?? []).some((a) => a.toLowerCase() === lower));
  if (exact !== undefined) return exact;
  // PowerShell accepts any unambiguous prefix of a parameter name.
  const byPrefix = all.filter((p) => p.name.toLowerCase().startsWith(lower));
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) {
    throw bindingError(
      `Parameter cannot be processed because the parameter name '${name}' is ambiguous. Possible matches include: ${byPrefix.map((p) => `-${p.name}`).join(' ')}.`,
      'Type more of the parameter name.',
    );
  }
  const candidates = suggest(name, all.map((p) => p.name));
  throw bindingError(
    `A parameter cannot be found that matches parameter name '${name}'.`,
    candidates.length > 0
      ? `Did you mean ${candidates.map((c) => `-${c}`).join(', ')}? \`exops cmdlets ${metadata.name}\` lists its parameters.`
      : `\`exops cmdlets ${metadata.name}\` lists its parameters.`,
  );
}

/**
 * A value token. A token with white space that is no PowerShell expression can only be a string the command shell
 * has already unquoted (`exops run Set-Mailbox -DisplayName "Chris Green"`): bind it as that string, as PowerShell
 * binds `-DisplayName "Chris Green"`. (The `exops shell` tokenizer keeps quotes, so no such token comes from there.)
 */
function parseValueToken(text: string): CmdletParameterValue {
  try {
    return parsePowerShellValue(text);
  } catch (error) {
    if (/\s/.test(text.trim()) && !/^\s*[@'"]/.test(text)) return text;
    throw error;
  }
}

/**
 * Binds argument tokens. Without metadata, a parameter followed by a value token takes it and one followed by
 * another parameter (or nothing) is a switch.
 */
export function bindArguments(tokens: readonly string[], metadata?: CmdletMetadata): CmdletParameters {
  const bound: Record<string, CmdletParameterValue> = {};
  // Lower-cased names already bound: scanning Object.keys(bound) per token made a long line quadratic (2,000 parameters took seconds).
  const boundNames = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const m = PARAMETER_TOKEN.exec(token);
    if (m === null) {
      positional.push(token);
      continue;
    }
    const given = m[1]!;
    const param = resolveName(given, metadata);
    const name = param?.name ?? given;
    if (boundNames.has(name.toLowerCase())) {
      throw bindingError(
        `Cannot bind parameter because parameter '${name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`,
        `Give -${name} once, with a comma list if it takes several values.`,
      );
    }
    boundNames.add(name.toLowerCase());
    if (m[2] !== undefined) {
      if (m[3] === '') throw bindingError(`Missing an argument for parameter '${name}'.`, `Write -${name}:value with no space after the colon.`);
      bind(bound, name, parsePowerShellValue(m[3]!));
      continue;
    }
    const next = tokens[i + 1];
    const nextIsParameter = next === undefined || PARAMETER_TOKEN.test(next);
    if (param?.isSwitch === true || (param === undefined && nextIsParameter)) {
      bind(bound, name, true);
      continue;
    }
    if (nextIsParameter) {
      throw bindingError(
        `Missing an argument for parameter '${name}'. Specify a parameter of type '${param?.type ?? 'System.Object'}' and try again.`,
        `Give a value after -${name}.`,
      );
    }
    bind(bound, name, parseValueToken(next));
    i += 1;
  }
  if (positional.length > 0) bindPositional(positional, bound, metadata);
  if (metadata !== undefined) {
    const missing = metadata.parameters.filter((p) => p.mandatory === true && !Object.hasOwn(bound, p.name));
    if (missing.length > 0 && metadata.parameters.every((p) => p.mandatory !== true || missing.includes(p))) {
      // Only report when every mandatory parameter of the (single) parameter set is absent; sets are the server's to judge.
      throw bindingError(
        `Cannot process command because of one or more missing mandatory parameters: ${missing.map((p) => p.name).join(' ')}.`,
        `Give ${missing.map((p) => `-${p.name}`).join(', ')}.`,
      );
    }
  }
  return bound;
}

function bindPositional(values: readonly string[], bound: Record<string, CmdletParameterValue>, metadata: CmdletMetadata | undefined): void {
  const slots = (metadata?.parameters ?? []).filter((p) => p.position !== undefined && !Object.hasOwn(bound, p.name)).sort((a, b) => a.position! - b.position!);
  values.forEach((raw, index) => {
    const slot = slots[index];
    if (slot === undefined) {
      throw bindingError(
        `A positional parameter cannot be found that accepts argument '${raw}'.`,
        metadata === undefined ? 'Name the parameter, e.g. -Identity value.' : `Name the parameter; \`exops cmdlets ${metadata.name}\` lists them.`,
      );
    }
    bind(bound, slot.name, parseValueToken(raw));
  });
}
