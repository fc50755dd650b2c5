/**
 * The exit codes scripts branch on (src/exit-codes.ts), each produced by the built binary against the emulator:
 * 0 ok, 1 non-terminating cmdlet errors, 2 bad input, 3 sign-in, 4 network, 5 the service refused; and `--help`.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@exops/exo-emulator';
import { createSandbox, describeRun, openSessions, passwordOf, runCli, startConnectedSandbox } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';
const NORTHWIND = 'admin@northwindtraders.com';

let emu: RunningEmulator;
let root: string;
let stateDir: string;
let box: Sandbox;

beforeAll(async () => {
  ({ root, stateDir, emu, box } = await startConnectedSandbox('exops-e2e-exit-', UPN, { mailboxes: 8, tokenLifetimeSeconds: 86_400 }));
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('exit codes', { timeout: 120_000 }, () => {
  it.concurrent('0 when the cmdlet succeeds; 1 when it wrote non-terminating errors', async () => {
    const [ok, errors] = await Promise.all([
      runCli(box, ['run', 'Get-Mailbox', '-ResultSize', '1']),
      runCli(box, ['run', 'Get-Mailbox', '-Identity', 'nobody@contoso.com']),
    ]);
    expect(ok.code, describeRun(ok)).toBe(0);
    expect(errors.code, describeRun(errors)).toBe(1);
    expect(errors.stderr).toMatch(/nobody@contoso\.com' couldn't be found/);
    expect(errors.stdout.trim()).toBe('');
  });

  it.concurrent('2 for bad input: an unknown command, a bad option value, an unreadable parameter value', async () => {
    const [command, option, value] = await Promise.all([
      runCli(box, ['frobnicate']),
      runCli(box, ['run', 'Get-Mailbox', '--output', 'xml']),
      runCli(box, ['run', 'Get-Mailbox', '-ResultSize', "@{Add='x'"]),
    ]);
    expect(command.code, describeRun(command)).toBe(2);
    expect(command.stderr).toMatch(/frobnicate|Unknown/i);
    expect(option.code, describeRun(option)).toBe(2);
    expect(option.stderr).toMatch(/xml/);
    expect(value.code, describeRun(value)).toBe(2);
    expect(value.stderr).toMatch(/hashtable is not closed/);
  });

  it.concurrent('3 for sign-in: no profile and no cached token says to run exops connect', async () => {
    const empty = await createSandbox(root, stateDir, 'empty');
    const [bare, named] = await Promise.all([
      runCli(empty, ['run', 'Get-Mailbox', '-ResultSize', '1']),
      runCli(empty, ['run', 'Get-Mailbox', '-ResultSize', '1', '--environment', 'Emulator', '--upn', UPN]),
    ]);
    expect(bare.code, describeRun(bare)).toBe(3);
    expect(bare.stderr).toContain('exops connect');
    expect(named.code, describeRun(named)).toBe(3);
    expect(named.stderr).toContain('exops connect');
  });

  it.concurrent('4 for the network: nothing listens at the emulator URL', async () => {
    const sandbox = await createSandbox(root, stateDir, 'net');
    const run = await runCli(sandbox, ['connect', '--environment', 'Emulator', '--emulator-url', 'https://127.0.0.1:1', '--ca-file', emu.caFile, '--credential', '--upn', UPN], {
      env: { EXOPS_PASSWORD: passwordOf(emu, UPN) },
    });
    expect(run.code, describeRun(run)).toBe(4);
    expect(run.stderr).toMatch(/127\.0\.0\.1:1|ECONNREFUSED|connect/i);
  });

  it.concurrent('5 when the service refuses: RPS is switched off for northwindtraders', async () => {
    const sandbox = await createSandbox(root, stateDir, 'nw');
    const run = await runCli(sandbox, ['connect', '--environment', 'Emulator', '--transport', 'rps', '--credential', '--upn', NORTHWIND], {
      env: { EXOPS_PASSWORD: passwordOf(emu, NORTHWIND) },
    });
    expect(run.code, describeRun(run)).toBe(5);
    expect(run.stderr).toMatch(/Remote PowerShell|RPS/i);
    expect(await openSessions(emu, NORTHWIND)).toEqual([]);
  });

  it.concurrent('exops --help shows the examples', async () => {
    const run = await runCli(box, ['--help'], { tokenCache: false });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toContain('exops connect --upn chris@contoso.com');
    expect(run.stdout).toContain('https://outlook.office.de/PowerShell-LiveID');
    expect(run.stdout).toContain('https://login.microsoftonline.de/common');
    expect(run.stdout).toMatch(/Office 365 Germany/);
    expect(run.stdout).toMatch(/--delegated-org fabrikam\.onmicrosoft\.com/);
    expect(run.stdout).toMatch(/Exit codes: 0 ok/);
  });
});
