/**
 * A lock file in the state folder, so parallel emulators (vitest workers, two terminals) sharing one folder do not
 * each make a CA and overwrite the other's: one creates, the others wait and then reuse.
 */
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_NAME = '.lock';
/** A lock older than this is from a process that died while holding it. */
const STALE_MS = 30_000;

/** Runs `action` while holding the state folder's lock (waiting up to `timeoutMs` for it). */
export async function withStateLock<T>(stateDir: string, action: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, LOCK_NAME);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => 0);
      if (age > STALE_MS) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`The emulator state folder ${stateDir} stayed locked for ${timeoutMs} ms (${path}); if no other emulator is starting, delete that file.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 50));
    }
  }
  try {
    return await action();
  } finally {
    await rm(path, { force: true });
  }
}
