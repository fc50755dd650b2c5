/**
 * Tab completion for `exops shell`: the cmdlet name in first position, then its parameter names after a `-`.
 * Pure over the catalog, so it is tested without a terminal.
 */
import type { CmdletMetadata } from '../params/index.js';

const COMMON = ['Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'Confirm', 'WhatIf'];
const SHELL_COMMANDS = ['exit', 'help', 'cls', 'clear'];

/** Returns `[completions, the fragment they complete]`, as node:readline's completer wants. */
export function completeLine(line: string, catalog: ReadonlyMap<string, CmdletMetadata>): [string[], string] {
  const match = /(\S*)$/.exec(line);
  const fragment = match?.[1] ?? '';
  const before = line.slice(0, line.length - fragment.length);
  const lower = fragment.toLowerCase();
  if (before.trim() === '') {
    const names = [...catalog.keys(), ...SHELL_COMMANDS].filter((n) => n.toLowerCase().startsWith(lower)).sort();
    return [names, fragment];
  }
  if (fragment.startsWith('-')) {
    const cmdlet = before.trim().split(/\s+/)[0] ?? '';
    const meta = [...catalog.values()].find((m) => m.name.toLowerCase() === cmdlet.toLowerCase());
    const used = new Set([...before.matchAll(/\s-([A-Za-z]\w*)/g)].map((m) => m[1]!.toLowerCase()));
    const names = [...(meta?.parameters.map((p) => p.name) ?? []), ...COMMON]
      .filter((n) => !used.has(n.toLowerCase()) && `-${n.toLowerCase()}`.startsWith(lower))
      .map((n) => `-${n}`);
    return [[...new Set(names)], fragment];
  }
  return [[], fragment];
}
