/**
 * Finds a running exo-emulator through its state file (`emulator.json`), so `--environment Emulator` needs no URL.
 * The folder follows the emulator's documented rule: `--emulator-state-dir`, `EXO_EMULATOR_STATE_DIR`,
 * `$XDG_STATE_HOME/exops/emulator`, `~/.local/state/exops/emulator`, `%LOCALAPPDATA%\exops\emulator`.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';

export interface EmulatorLocation {
  readonly url: string;
  readonly caFile: string;
}

export function emulatorStateDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env['EXO_EMULATOR_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.platform === 'win32' && env['LOCALAPPDATA'] !== undefined) return path.join(env['LOCALAPPDATA'], 'exops', 'emulator');
  const xdg = env['XDG_STATE_HOME'];
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.local', 'state');
  return path.join(base, 'exops', 'emulator');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running emulator, or an error that says how to start one. */
export async function findEmulator(stateDir?: string): Promise<EmulatorLocation> {
  const dir = emulatorStateDir(stateDir);
  const file = path.join(dir, 'emulator.json');
  let state: { url?: unknown; caFile?: unknown; pid?: unknown };
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as typeof state;
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `No running exo-emulator was found (no state file at ${file}).`, {
      cause,
      remedy: 'Start one with `npx exo-emulator` (or `npm start`), or give --emulator-url and --ca-file.',
    });
  }
  if (typeof state.url !== 'string' || typeof state.caFile !== 'string') {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The emulator state file ${file} is damaged.`, { remedy: 'Restart the emulator.' });
  }
  if (typeof state.pid === 'number' && !alive(state.pid)) {
    throw new ExopsError(ExopsErrorCode.CONFIG, `The exo-emulator that wrote ${file} (pid ${state.pid}) is no longer running.`, {
      remedy: 'Start it again with `npx exo-emulator`.',
    });
  }
  return { url: state.url, caFile: state.caFile };
}
