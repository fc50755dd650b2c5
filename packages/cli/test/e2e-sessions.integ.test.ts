/**
 * `exops sessions list|remove`, `exops disconnect` and `exops logout` through the built binary: an RPS shell held open
 * by this test process (ExoSession, transport 'rps') is listed, then removed, as the emulator itself confirms.
 */
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider } from '@exops/auth';
import { createEmulatorEnvironment } from '@exops/contracts';
import { ExoSession } from '@exops/exo-client';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';
import { createSandbox, describeRun, openSessions, passwordOf, runCli } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';

let emu: RunningEmulator;
let root: string;
let box: Sandbox;
let held: ExoSession | undefined;

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'exops-e2e-sessions-'));
  const stateDir = path.join(root, 'emulator');
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: true, mailboxes: 8, tokenLifetimeSeconds: 86_400 });
  box = await createSandbox(root, stateDir, 'sessions');
  const connected = await runCli(box, ['connect', '--environment', 'Emulator', '--transport', 'rps', '--credential', '--upn', UPN], { env: { EXOPS_PASSWORD: passwordOf(emu, UPN) } });
  if (connected.code !== 0) throw new Error(`connect failed: ${describeRun(connected)}`);
}, 120_000);

afterAll(async () => {
  await held?.close().catch(() => undefined);
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('exops sessions, disconnect, logout', { timeout: 120_000 }, () => {
  it('connect left no session open', async () => {
    expect(await openSessions(emu, UPN)).toEqual([]);
  });

  it('sessions list shows an RPS shell another client holds; sessions remove --all clears it', async () => {
    const environment = createEmulatorEnvironment(emu.url);
    const network = { ca: [emu.caCertPem] };
    const provider = createTokenProvider({ flow: 'credential', environment, upn: UPN, password: passwordOf(emu, UPN), network, protocol: 'rps' });
    held = await ExoSession.connect({ environment, upn: UPN, transport: 'rps', tokenProvider: provider, network });
    const open = await openSessions(emu, UPN);
    expect(open).toHaveLength(1);
    const shellId = open[0]!.id;

    const list = await runCli(box, ['sessions', 'list']);
    expect(list.code, describeRun(list)).toBe(0);
    expect(list.stdout).toMatch(/^Id\s+Name\s+State/m);
    expect(list.stdout.toLowerCase()).toContain(shellId.toLowerCase());
    expect(list.stderr).toMatch(/1 session\(s\)/);

    const json = await runCli(box, ['sessions', 'list', '--output', 'json']);
    expect(json.code, describeRun(json)).toBe(0);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(rows.map((r) => r.id.toLowerCase())).toEqual([shellId.toLowerCase()]);

    const removed = await runCli(box, ['sessions', 'remove', '--all']);
    expect(removed.code, describeRun(removed)).toBe(0);
    expect(removed.stdout.toLowerCase()).toContain(`removed ${shellId.toLowerCase()}`);
    expect(await openSessions(emu, UPN)).toEqual([]);

    const after = await runCli(box, ['sessions', 'list']);
    expect(after.code, describeRun(after)).toBe(0);
    expect(after.stderr).toContain('No open remote sessions.');
    await held.close().catch(() => undefined);
    held = undefined;
  });

  it('disconnect forgets the profile but keeps the tokens; logout removes the token cache file', async () => {
    const profile = path.join(box.configDir, 'profile.json');
    expect(await exists(profile)).toBe(true);
    expect((await stat(box.tokenCache)).mode & 0o777).toBe(0o600);

    const disconnected = await runCli(box, ['disconnect']);
    expect(disconnected.code, describeRun(disconnected)).toBe(0);
    expect(disconnected.stderr).toContain('Disconnected');
    expect(await exists(profile)).toBe(false);
    expect(await exists(box.tokenCache)).toBe(true);
    expect(await openSessions(emu, UPN)).toEqual([]);

    const again = await runCli(box, ['disconnect']);
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.stderr).toContain('Not connected.');

    const loggedOut = await runCli(box, ['logout']);
    expect(loggedOut.code, describeRun(loggedOut)).toBe(0);
    expect(loggedOut.stderr).toContain('Signed out');
    expect(await exists(box.tokenCache)).toBe(false);

    // Signed out: the next command needs a sign-in (exit 3) and says how.
    const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '1', '--environment', 'Emulator', '--upn', UPN, '--transport', 'rps']);
    expect(run.code, describeRun(run)).toBe(3);
    expect(run.stderr).toContain('exops connect');
  });
});
