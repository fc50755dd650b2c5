/**
 * `npm start`'s script (scripts/start.mjs): start the emulator, exo-doctor, exops connect with a device code it
 * approves itself, exops run Get-Mailbox -ResultSize 5; exit 0 within 3 minutes on a loaded machine.
 *
 * Its first step, `npx nx run-many -t build`, is answered by a stand-in `npx` first on PATH: `npm test` has built
 * everything before vitest starts, and a second build here would swap the dist folders under the test files running
 * beside this one (nx restores cached outputs by deleting and copying them: new files, new inodes), which fails their
 * imports mid-run. Every other command of the script runs for real.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './e2e-support.js';

const LIMIT_MS = 180_000;

let home: string;

let bin: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'exops-e2e-start-'));
  const realNpx = spawnSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim();
  if (realNpx === '') throw new Error('npx is not on PATH');
  bin = path.join(home, 'bin');
  await mkdir(bin);
  const shim = path.join(bin, 'npx');
  await writeFile(
    shim,
    `#!/bin/sh\nif [ "$1" = nx ] && [ "$2" = run-many ]; then echo "e2e: build skipped (npm test built it)" >&2; exit 0; fi\nexec '${realNpx.replace(/'/g, `'\\''`)}' "$@"\n`,
  );
  await chmod(shim, 0o755);
}, 120_000);

afterAll(async () => {
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

describe('npm start (node scripts/start.mjs)', { timeout: 120_000 }, () => {
  it('exits 0 with the doctor summary, the connect message and a 5-row Mailbox table', async () => {
    const env: NodeJS.ProcessEnv = { PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`, HOME: home, NO_COLOR: '1', npm_config_cache: path.join(home, 'npm-cache') };
    const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts/start.mjs')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      const timer = setTimeout(() => {
        child.kill('SIGINT');
        reject(new Error(`scripts/start.mjs ran over ${LIMIT_MS} ms:\n${output.slice(-4000)}`));
      }, LIMIT_MS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
    const context = run.output.slice(-6000);
    expect(run.code, context).toBe(0);
    expect(run.output).toContain('e2e: build skipped');
    expect(run.output, context).toMatch(/\d+ passed, \d+ warned, 0 failed, \d+ skipped \(exit code [01]\)/);
    expect(run.output, context).toContain('Connected to exo-emulator');
    const lines = run.output.split('\n');
    // The last table: `exops connect` prints its quick test (one mailbox) first.
    const header = lines.length - 1 - [...lines].reverse().findIndex((l) => /\bName\b.*\bAlias\b.*\bDatabase\b/.test(l));
    expect(header, context).toBeLessThan(lines.length);
    const rows = lines.slice(header + 1).filter((l) => /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/.test(l));
    expect(rows, context).toHaveLength(5);
  }, LIMIT_MS + 10_000);
});
