/** Starting an emulator for a test: a fresh state folder, port 0, device code polling every second. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../server.js';

/** A running emulator plus a `dispose` that closes it and removes its state folder. */
export interface TestEmulator extends RunningEmulator {
  dispose(): Promise<void>;
}

/** Starts an emulator in a temporary state folder. */
export async function startTestEmulator(options: StartEmulatorOptions = {}): Promise<TestEmulator> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'exo-emulator-test-')));
  const emulator = await startEmulator({ deviceCodeIntervalSeconds: 1, mailboxes: 20, ...options, stateDir });
  return Object.assign(emulator, {
    async dispose() {
      await emulator.close();
      if (options.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
    },
  });
}
