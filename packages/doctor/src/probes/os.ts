import { execFile } from 'node:child_process';
import type { OsCommandProbe, OsCommandResult } from '../types.js';

/** Runs programs without a shell, with a timeout; a non-zero exit is a result, a program that cannot start rejects. */
export function createOsCommandProbe(options: { readonly timeoutMs?: number } = {}): OsCommandProbe {
  const timeout = options.timeoutMs ?? 10_000;
  return {
    run(command, args) {
      return new Promise<OsCommandResult>((resolve, reject) => {
        execFile(command, [...args], { timeout, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error === null) return resolve({ exitCode: 0, stdout, stderr });
          const code = (error as NodeJS.ErrnoException).code;
          if (typeof code === 'number') return resolve({ exitCode: code, stdout, stderr });
          if (error.killed) return reject(Object.assign(new Error(`${command} did not finish within ${timeout} ms`), { code: 'ETIMEDOUT' }));
          reject(error);
        });
      });
    },
  };
}
