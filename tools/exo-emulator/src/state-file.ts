/**
 * The state file (`emulator.json` in the state folder) through which clients — the exops CLI, `npm start` — find a
 * running emulator: its URL, port, process id, CA file and start time.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './tls/certificates.js';
import { resolveStateDir } from './tls/state-dir.js';

/** The state file's name inside the state folder. */
export const STATE_FILE_NAME = 'emulator.json';

/** What the state file holds. */
export interface EmulatorStateFile {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly caFile: string;
  /** ISO 8601 start time. */
  readonly started: string;
}

/** Writes the state file atomically. */
export async function writeEmulatorState(stateDir: string, state: EmulatorStateFile): Promise<string> {
  const path = join(stateDir, STATE_FILE_NAME);
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, 0o644);
  return path;
}

/** Removes the state file if it still describes this process. */
export async function removeEmulatorState(stateDir: string, pid: number = process.pid): Promise<void> {
  const current = await readStateFileRaw(join(stateDir, STATE_FILE_NAME));
  if (current !== undefined && current.pid === pid) await rm(join(stateDir, STATE_FILE_NAME), { force: true });
}

async function readStateFileRaw(path: string): Promise<EmulatorStateFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<EmulatorStateFile>;
  if (typeof value.url !== 'string' || typeof value.port !== 'number' || typeof value.pid !== 'number' || typeof value.caFile !== 'string' || typeof value.started !== 'string') {
    throw new Error(`The emulator state file ${path} is not in the expected shape {url, port, pid, caFile, started}; delete it and start the emulator again.`);
  }
  return value as EmulatorStateFile;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads the state file of a running emulator; undefined when there is none or its process is gone (a stale file
 * from a crash). `stateDir` defaults to the documented per-user folder.
 */
export async function readEmulatorState(stateDir: string = resolveStateDir()): Promise<EmulatorStateFile | undefined> {
  const state = await readStateFileRaw(join(stateDir, STATE_FILE_NAME));
  if (state === undefined || !isAlive(state.pid)) return undefined;
  return state;
}
