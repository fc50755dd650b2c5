import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs } from './cli.js';
import { readEmulatorState } from './state-file.js';
import { httpsCall } from './test-support/https.js';
import { readFile } from 'node:fs/promises';

describe('exo-emulator command line', () => {
  it('parses every flag', () => {
    const options = parseCliArgs(['--port', '8443', '--seed', 's1', '--mailboxes', '100', '--token-lifetime', '600', '--latency', '5-20', '--fault', 'http-503:p=0.1', '--fault', 'reset:count=1', '--state-dir', '/tmp/x', '--session-cap', '3', '--quiet']);
    expect(options).toMatchObject({
      port: 8443,
      seed: 's1',
      mailboxes: 100,
      tokenLifetimeSeconds: 600,
      faults: { latency: { minMs: 5, maxMs: 20 }, rules: [{ kind: 'http-503', probability: 0.1 }, { kind: 'reset', count: 1 }] },
      stateDir: '/tmp/x',
      sessionCap: 3,
      quiet: true,
    });
  });

  it('names a bad flag and what it takes', () => {
    expect(() => parseCliArgs(['--port', 'x'])).toThrow(CliUsageError);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/0\.\.65535/);
    expect(() => parseCliArgs(['--token-lifetime', '5'])).toThrow(/--token-lifetime takes a whole number >= 60/);
    expect(() => parseCliArgs(['--fault', 'boom'])).toThrow(/kind/);
    expect(() => parseCliArgs(['--bogus'])).toThrow(/--help/);
  });

  it('starts, writes the state file, serves HTTPS with its CA, and shuts down on SIGTERM removing the state file', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'exo-emulator-cli-'));
    const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', bin, '--state-dir', stateDir, '--quiet', '--mailboxes', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('Press Ctrl+C to stop.') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toContain('exo-emulator listening on https://127.0.0.1:');
      expect(output).toContain(`CA certificate:    ${join(stateDir, 'ca.pem')}`);
      expect(output).toContain('admin@contoso.com');
      const state = await readEmulatorState(stateDir);
      expect(state?.pid).toBe(child.pid);
      const ca = await readFile(join(stateDir, 'ca.pem'), 'utf8');
      const response = await httpsCall(`${state?.url ?? ''}/organizations/v2.0/.well-known/openid-configuration`, ca);
      expect(response.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
      expect(existsSync(join(stateDir, 'emulator.json'))).toBe(false);
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
