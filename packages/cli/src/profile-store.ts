/**
 * The remembered connection profile: `exops connect` writes it, later commands read it, so admins sign in once and
 * then just run cmdlets. It holds no secret (the tokens live in the auth cache), but it is still written 0600,
 * atomically.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';

export type ProfileFlow = 'interactive' | 'device-code' | 'credential' | 'certificate';

export interface ConnectionProfile {
  readonly upn?: string | undefined;
  readonly environment: string;
  readonly connectionUri?: string | undefined;
  readonly authority?: string | undefined;
  readonly restBaseUrl?: string | undefined;
  readonly delegatedOrganization?: string | undefined;
  readonly transport?: 'auto' | 'rest' | 'rps' | undefined;
  readonly flow: ProfileFlow;
  readonly appId?: string | undefined;
  readonly organization?: string | undefined;
  readonly certificatePath?: string | undefined;
  readonly caFile?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly savedAt: string;
}

/** The exops config folder: `$XDG_CONFIG_HOME/exops`, `~/.config/exops`, or `%APPDATA%\exops`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['EXOPS_CONFIG_DIR'] !== undefined && env['EXOPS_CONFIG_DIR'] !== '') return env['EXOPS_CONFIG_DIR'];
  if (process.platform === 'win32' && env['APPDATA'] !== undefined) return path.join(env['APPDATA'], 'exops');
  const base = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : path.join(homedir(), '.config');
  return path.join(base, 'exops');
}

export function profilePath(dir: string = configDir()): string {
  return path.join(dir, 'profile.json');
}

export async function readProfile(dir: string = configDir()): Promise<ConnectionProfile | undefined> {
  let text: string;
  try {
    text = await readFile(profilePath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ExopsError(ExopsErrorCode.CONFIG, `Cannot read the exops profile at ${profilePath(dir)}.`, { cause: error, remedy: 'Check the file permissions, or run `exops connect` again.' });
  }
  try {
    const parsed = JSON.parse(text) as ConnectionProfile;
    if (typeof parsed.environment !== 'string' || typeof parsed.flow !== 'string') throw new Error('missing fields');
    return parsed;
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The exops profile at ${profilePath(dir)} is damaged.`, { cause, remedy: 'Run `exops connect` again to rewrite it.' });
  }
}

export async function writeProfile(profile: ConnectionProfile, dir: string = configDir()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = profilePath(dir);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, target);
}

export async function deleteProfile(dir: string = configDir()): Promise<boolean> {
  try {
    await rm(profilePath(dir));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
