/** Where the emulator keeps its CA, keys and state file: one documented folder per user. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Inputs of {@link resolveStateDir}, injectable for tests. */
export interface StateDirInputs {
  readonly explicit?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/**
 * The state folder: `--state-dir`, else `EXO_EMULATOR_STATE_DIR`, else `%LOCALAPPDATA%\exops\emulator` on Windows,
 * else `$XDG_STATE_HOME/exops/emulator`, else `~/.local/state/exops/emulator` (the XDG default).
 */
export function resolveStateDir(inputs: StateDirInputs = {}): string {
  const env = inputs.env ?? process.env;
  if (inputs.explicit !== undefined && inputs.explicit !== '') return inputs.explicit;
  const fromEnv = env['EXO_EMULATOR_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const platform = inputs.platform ?? process.platform;
  const home = inputs.home ?? homedir();
  if (platform === 'win32') {
    const local = env['LOCALAPPDATA'];
    return join(local !== undefined && local !== '' ? local : join(home, 'AppData', 'Local'), 'exops', 'emulator');
  }
  const xdg = env['XDG_STATE_HOME'];
  // XDG Base Directory spec: a relative XDG_STATE_HOME is invalid and must be ignored.
  if (xdg !== undefined && xdg.startsWith('/')) return join(xdg, 'exops', 'emulator');
  return join(home, '.local', 'state', 'exops', 'emulator');
}
