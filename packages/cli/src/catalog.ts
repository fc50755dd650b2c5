/**
 * The cmdlets a user's roles allow, with their parameters: fetched once with Get-Command and cached per tenant and
 * user, so `exops run` can check names and parameters (with a did-you-mean) before a round trip.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { PSObject } from '@exops/contracts';
import type { PSValue } from '@exops/contracts';
import type { CmdletMetadata, ParameterMetadata } from './params/index.js';

const CATALOG_MAX_AGE_MS = 24 * 3600 * 1000;

export interface CachedCatalog {
  readonly savedAt: string;
  readonly cmdlets: CmdletMetadata[];
}

export function catalogDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['EXOPS_CACHE_DIR'] !== undefined && env['EXOPS_CACHE_DIR'] !== '') return env['EXOPS_CACHE_DIR'];
  if (process.platform === 'win32' && env['LOCALAPPDATA'] !== undefined) return path.join(env['LOCALAPPDATA'], 'exops', 'cache');
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.cache'), 'exops');
}

function catalogFile(key: string, dir: string): string {
  return path.join(dir, `catalog-${key.replace(/[^A-Za-z0-9@._-]/g, '_')}.json`);
}

/** Reads a CmdletInfo (from Get-Command) into metadata: parameters, switches, aliases, positions from Definition. */
export function cmdletMetadataFromInfo(info: PSValue): CmdletMetadata | undefined {
  if (!(info instanceof PSObject)) return undefined;
  const name = info.get('Name');
  if (typeof name !== 'string') return undefined;
  const definition = typeof info.get('Definition') === 'string' ? (info.get('Definition') as string).split(/\r?\n\r?\n/)[0] ?? '' : '';
  // Get-Command's syntax line writes a positional parameter's name in brackets: `[-Identity] <MailboxIdParameter>`.
  const positional = [...definition.matchAll(/\[-(\w+)\]/g)].map((m) => m[1]!);
  const parameters: ParameterMetadata[] = [];
  const dict = info.get('Parameters');
  if (dict instanceof PSObject && dict.container?.kind === 'DCT') {
    for (const [, meta] of dict.container.entries) {
      if (!(meta instanceof PSObject)) continue;
      const pname = meta.get('Name');
      if (typeof pname !== 'string') continue;
      const aliases = meta.get('Aliases');
      const position = positional.indexOf(pname);
      const type = meta.get('ParameterType');
      parameters.push({
        name: pname,
        aliases: aliases instanceof PSObject && aliases.container !== undefined && aliases.container.kind !== 'DCT' ? aliases.container.items.filter((a): a is string => typeof a === 'string') : [],
        isSwitch: meta.get('SwitchParameter') === true,
        ...(position >= 0 ? { position } : {}),
        ...(typeof type === 'string' ? { type } : {}),
      });
    }
  }
  return { name, parameters };
}

export async function readCatalog(key: string, dir: string = catalogDir(), now = Date.now()): Promise<CachedCatalog | undefined> {
  try {
    const cached = JSON.parse(await readFile(catalogFile(key, dir), 'utf8')) as CachedCatalog;
    if (!Array.isArray(cached.cmdlets) || now - Date.parse(cached.savedAt) > CATALOG_MAX_AGE_MS) return undefined;
    return cached;
  } catch {
    return undefined;
  }
}

export async function writeCatalog(key: string, cmdlets: CmdletMetadata[], dir: string = catalogDir()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = catalogFile(key, dir);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify({ savedAt: new Date().toISOString(), cmdlets } satisfies CachedCatalog), { mode: 0o600 });
  await rename(temp, file);
}

/** A case-insensitive map of the catalog for lookups and completion. */
export function catalogMap(cmdlets: readonly CmdletMetadata[]): Map<string, CmdletMetadata> {
  return new Map(cmdlets.map((c) => [c.name, c]));
}

export function findCmdlet(cmdlets: readonly CmdletMetadata[], name: string): CmdletMetadata | undefined {
  const lower = name.toLowerCase();
  return cmdlets.find((c) => c.name.toLowerCase() === lower);
}

/** PowerShell wildcard (`*`, `?`) match, case-insensitive. */
export function matchesWildcard(name: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}
