/**
 * `exops connect` (device code and user name + password) then `exops run` reusing the saved connection silently, in
 * every output format and over both transports: the built binary, spawned, against the emulator over HTTPS.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@exops/exo-emulator';
import { createSandbox, describeRun, passwordOf, runCli, startCli, startDeviceCodeApprover, startConnectedSandbox } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';
const MFA_UPN = 'admin@contoso.com';

let emu: RunningEmulator;
let root: string;
let stateDir: string;
/** Signed in with --credential; every `run` below reuses it without a password. */
let box: Sandbox;

beforeAll(async () => {
  ({ root, stateDir, emu, box } = await startConnectedSandbox('exops-e2e-run-', UPN, { mailboxes: 12, deviceCodeIntervalSeconds: 1, tokenLifetimeSeconds: 86_400 }));
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('exops connect', { timeout: 120_000 }, () => {
  it('signs in with a device code, says who and which transport, and saves the profile', async () => {
    const sandbox = await createSandbox(root, stateDir, 'device');
    const approver = startDeviceCodeApprover(emu, MFA_UPN);
    try {
      const run = await startCli(sandbox, ['connect', '--environment', 'Emulator', '--device-code', '--upn', MFA_UPN]).exited;
      expect(run.code, describeRun(run)).toBe(0);
      expect(approver.approved()).toBe(1);
      expect(run.stderr).toMatch(/devicelogin|device/i);
      expect(run.stderr).toContain(`as ${MFA_UPN} over REST`);
      const profile = JSON.parse(await readFile(path.join(sandbox.configDir, 'profile.json'), 'utf8')) as Record<string, unknown>;
      expect(profile).toMatchObject({ upn: MFA_UPN, environment: 'Emulator', flow: 'device-code' });
      // The next command reuses the cached token: no second device code.
      const again = await runCli(sandbox, ['run', 'Get-Mailbox', '-ResultSize', '1', '--output', 'json']);
      expect(again.code, describeRun(again)).toBe(0);
      expect(approver.approved()).toBe(1);
    } finally {
      approver.stop();
    }
  });

  it('signs in with --credential and saves the profile', async () => {
    const profile = JSON.parse(await readFile(path.join(box.configDir, 'profile.json'), 'utf8')) as Record<string, unknown>;
    expect(profile).toMatchObject({ upn: UPN, environment: 'Emulator', flow: 'credential' });
    expect(JSON.stringify(profile)).not.toContain(passwordOf(emu, UPN));
  });
});

describe('exops run Get-Mailbox -ResultSize 5, reusing the saved connection', { timeout: 120_000 }, () => {
  it.concurrent('table: the default columns', async () => {
    const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '5']);
    expect(run.code, describeRun(run)).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
    const header = lines.find((l) => l.includes('Name'));
    expect(header, run.stdout).toBeDefined();
    const columns = header!.split(/[\s│|┃]+/).filter((c) => c !== '');
    for (const name of ['Name', 'Alias', 'Database', 'ProhibitSendQuota', 'ExternalDirectoryObjectId']) expect(columns).toContain(name);
    expect(lines.filter((l) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(l))).toHaveLength(5);
    expect(run.stderr).not.toMatch(/password|device/i);
  });

  it.concurrent('list: one block of Property : value per mailbox', async () => {
    const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '5', '--output', 'list']);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout.match(/^Alias\s*:/gm)).toHaveLength(5);
    expect(run.stdout.match(/^ExternalDirectoryObjectId\s*:/gm)).toHaveLength(5);
  });

  it.concurrent('json: five JSON lines', async () => {
    const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '5', '--output', 'json']);
    expect(run.code, describeRun(run)).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toHaveProperty('Alias');
    expect(new Set(rows.map((r) => r['Alias'])).size).toBe(5);
  });

  it.concurrent('csv: a header and five rows', async () => {
    const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '5', '--output', 'csv']);
    expect(run.code, describeRun(run)).toBe(0);
    const lines = run.stdout.trim().split(/\r?\n/);
    expect(lines).toHaveLength(6);
    expect(lines[0]!.split(',')).toEqual(expect.arrayContaining(['Name', 'Alias']));
  });

  it.concurrent('--select Name,Alias keeps only those properties', async () => {
    const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '5', '--output', 'json', '--select', 'Name,Alias']);
    expect(run.code, describeRun(run)).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['Alias', 'Name']);
  });

  it('--transport rps and --transport rest give the same JSON', async () => {
    const args = ['run', 'Get-Mailbox', '-ResultSize', '5', '--output', 'json', '--select', 'Name,Alias,PrimarySmtpAddress,ExternalDirectoryObjectId,Database'];
    const rest = await runCli(box, [...args, '--transport', 'rest']);
    // RPS signs in as the RPS module's public client: `connect --transport rps` once (the CLI says so, exit 3, if not).
    const before = await runCli(box, [...args, '--transport', 'rps']);
    expect(before.code, describeRun(before)).toBe(3);
    expect(before.stderr).toContain('exops connect --transport rps');
    const connected = await runCli(box, ['connect', '--transport', 'rps', '--credential', '--upn', UPN], { env: { EXOPS_PASSWORD: passwordOf(emu, UPN) } });
    expect(connected.code, describeRun(connected)).toBe(0);
    expect(connected.stderr).toContain(`as ${UPN} over RPS`);
    const rps = await runCli(box, [...args, '--transport', 'rps']);
    expect(rest.code, describeRun(rest)).toBe(0);
    expect(rps.code, describeRun(rps)).toBe(0);
    expect(rps.stdout.trim().split('\n')).toHaveLength(5);
    expect(rps.stdout).toBe(rest.stdout);
  });
});
