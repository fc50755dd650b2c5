import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTlsMaterial } from './certificates.js';
import { resolveStateDir } from './state-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exo-emulator-tls-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TLS material', () => {
  it('creates a CA and a 127.0.0.1/localhost leaf signed by it, keys mode 0600, and reuses them', async () => {
    const first = await ensureTlsMaterial(dir);
    expect(first.created).toBe(true);
    const ca = new X509Certificate(first.caCertPem);
    const leaf = new X509Certificate(first.leafCertPem);
    expect(ca.ca).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    if (process.platform !== 'win32') {
      expect((await stat(join(dir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'localhost-key.pem'))).mode & 0o777).toBe(0o600);
    }
    expect(await readFile(first.caFile, 'utf8')).toBe(first.caCertPem);
    const second = await ensureTlsMaterial(dir);
    expect(second.created).toBe(false);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.leafSpkiSha256).toBe(first.leafSpkiSha256);
  });

  it('replaces a leaf that the CA did not sign', async () => {
    const first = await ensureTlsMaterial(dir);
    const otherDir = await mkdtemp(join(tmpdir(), 'exo-emulator-tls-other-'));
    const other = await ensureTlsMaterial(otherDir);
    await writeFile(join(dir, 'localhost.pem'), other.leafCertPem);
    const again = await ensureTlsMaterial(dir);
    expect(again.created).toBe(true);
    expect(again.caCertPem).toBe(first.caCertPem);
    expect(new X509Certificate(again.leafCertPem).verify(new X509Certificate(first.caCertPem).publicKey)).toBe(true);
    await rm(otherDir, { recursive: true, force: true });
  });
});

describe('resolveStateDir', () => {
  it('prefers --state-dir, then EXO_EMULATOR_STATE_DIR, then the platform folder', () => {
    expect(resolveStateDir({ explicit: '/x', env: { EXO_EMULATOR_STATE_DIR: '/y' } })).toBe('/x');
    expect(resolveStateDir({ env: { EXO_EMULATOR_STATE_DIR: '/y' } })).toBe('/y');
    expect(resolveStateDir({ env: { XDG_STATE_HOME: '/state' }, platform: 'linux', home: '/home/u' })).toBe('/state/exops/emulator');
    expect(resolveStateDir({ env: { XDG_STATE_HOME: 'relative' }, platform: 'linux', home: '/home/u' })).toBe('/home/u/.local/state/exops/emulator');
    expect(resolveStateDir({ env: {}, platform: 'darwin', home: '/Users/u' })).toBe('/Users/u/.local/state/exops/emulator');
    expect(resolveStateDir({ env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, platform: 'win32', home: 'C:\\Users\\u' })).toMatch(/exops[\\/]emulator$/);
  });
});

describe('parallel emulators sharing a state folder', () => {
  it('agree on one CA when they start at the same time', async () => {
    const { withStateLock } = await import('./state-lock.js');
    const results = await Promise.all([1, 2, 3].map(() => withStateLock(dir, () => ensureTlsMaterial(dir))));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.caCertPem)).size).toBe(1);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(results[0]?.caCertPem);
  });
});
