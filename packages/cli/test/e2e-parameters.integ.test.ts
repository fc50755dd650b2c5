/**
 * PowerShell-style parameters through the built binary (argv as a shell hands it over): switches, `-Param:$false`,
 * arrays, hashtables, quoted strings with spaces; the cmdlet catalog (`exops cmdlets`) and what it buys: a
 * did-you-mean and exit code 2 for an unknown cmdlet or a misspelt parameter.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@exops/exo-emulator';
import { describeRun, runCli, startConnectedSandbox } from './e2e-support.js';
import type { CliExit, Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';

let emu: RunningEmulator;
let root: string;
let box: Sandbox;
/** The mailbox the Set-Mailbox tests change. */
let target: string;

async function mailbox(identity: string): Promise<Record<string, unknown>> {
  const run = await runCli(box, ['run', 'Get-Mailbox', '-Identity', identity, '--output', 'json']);
  expect(run.code, describeRun(run)).toBe(0);
  const rows = run.stdout.trim().split('\n');
  expect(rows).toHaveLength(1);
  return JSON.parse(rows[0]!) as Record<string, unknown>;
}

function addresses(row: Record<string, unknown>): string[] {
  const value = row['EmailAddresses'];
  return (Array.isArray(value) ? value : [value]).map(String);
}

beforeAll(async () => {
  let connected: CliExit;
  ({ root, emu, box, connected } = await startConnectedSandbox('exops-e2e-params-', UPN, { mailboxes: 12, tokenLifetimeSeconds: 86_400 }, ['--output', 'json']));
  target = String((JSON.parse(connected.stdout.trim().split('\n')[0]!) as Record<string, unknown>)['PrimarySmtpAddress']);
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('parameters through the binary (no catalog cached yet)', { timeout: 120_000 }, () => {
  it('a quoted string with spaces, -Param:$true, a hashtable; then a switch (-WhatIf) that changes nothing', async () => {
    const added = 'e2e.alias@contoso.com';
    // argv as a shell hands it over: `-DisplayName "Jane Q. Public" ... -EmailAddresses "@{Add='...'}"`.
    const set = await runCli(box, ['run', 'Set-Mailbox', '-Identity', target, '-DisplayName', 'Jane Q. Public', '-HiddenFromAddressListsEnabled:$true', '-EmailAddresses', `@{Add='${added}'}`]);
    expect(set.code, describeRun(set)).toBe(0);
    const whatIf = await runCli(box, ['run', 'Set-Mailbox', '-Identity', target, '-CustomAttribute1', 'what-if-value', '-DisplayName', "'Not Applied'", '-WhatIf']);
    expect(whatIf.code, describeRun(whatIf)).toBe(0);
    const row = await mailbox(target);
    expect(row['DisplayName']).toBe('Jane Q. Public');
    expect(row['HiddenFromAddressListsEnabled']).toBe(true);
    expect(addresses(row).map((a) => a.toLowerCase())).toContain(`smtp:${added}`);
    // (REST InvokeCommand carries no information stream, so the "What if:" text itself is not shown over REST.)
    expect(row['CustomAttribute1']).not.toBe('what-if-value');
  });

  it("PowerShell quoting inside one token (-Name:'...') and -Param:$false", async () => {
    const run = await runCli(box, ['run', 'Set-Mailbox', '-Identity', target, "-DisplayName:'Jane Public'", '-HiddenFromAddressListsEnabled:$false']);
    expect(run.code, describeRun(run)).toBe(0);
    const row = await mailbox(target);
    expect(row['DisplayName']).toBe('Jane Public');
    expect(row['HiddenFromAddressListsEnabled']).toBe(false);
  });

  it('an array a,b,c: -RecipientTypeDetails UserMailbox,SharedMailbox,RoomMailbox', async () => {
    const count = async (types: string): Promise<number> => {
      const run = await runCli(box, ['run', 'Get-Mailbox', '-ResultSize', 'Unlimited', '-RecipientTypeDetails', types, '--output', 'json', '--select', 'Alias,RecipientTypeDetails']);
      expect(run.code, describeRun(run)).toBe(0);
      const rows = run.stdout.trim() === '' ? [] : run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const r of rows) expect(types.split(',')).toContain(r['RecipientTypeDetails']);
      return rows.length;
    };
    const [all, user] = await Promise.all([count('UserMailbox,SharedMailbox,RoomMailbox'), count('UserMailbox')]);
    expect(user).toBeGreaterThan(0);
    expect(all).toBeGreaterThanOrEqual(user);
  });
});

describe('the cmdlet catalog', { timeout: 120_000 }, () => {
  it('exops cmdlets caches the catalog and lists names; a name lists its parameters; a wildcard lists names', async () => {
    const all = await runCli(box, ['cmdlets']);
    expect(all.code, describeRun(all)).toBe(0);
    const names = all.stdout.trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['Get-Mailbox', 'Set-Mailbox']));
    expect((await readdir(box.cacheDir)).some((f) => f.startsWith('catalog-'))).toBe(true);

    const [one, wild] = await Promise.all([runCli(box, ['cmdlets', 'Get-Mailbox']), runCli(box, ['cmdlets', '*-Mailbox'])]);
    expect(one.code, describeRun(one)).toBe(0);
    expect(one.stdout.split('\n')[0]).toBe('Get-Mailbox');
    expect(one.stdout).toMatch(/^\s+-Identity\b/m);
    expect(one.stdout).toMatch(/^\s+-ResultSize\b/m);
    expect(one.stdout).toMatch(/^\s+-Archive\s+\(switch/m);
    expect(wild.code, describeRun(wild)).toBe(0);
    const wildNames = wild.stdout.trim().split('\n');
    expect(wildNames).toEqual(expect.arrayContaining(['Get-Mailbox', 'Set-Mailbox']));
    for (const n of wildNames) expect(n).toMatch(/-Mailbox$/);
  });

  it('an unknown cmdlet and a misspelt parameter: did you mean, exit 2', async () => {
    const [cmdlet, parameter] = await Promise.all([
      runCli(box, ['run', 'Get-Mailbx', '-ResultSize', '1']),
      runCli(box, ['run', 'Get-Mailbox', '-ResultSise', '1']),
    ]);
    expect(cmdlet.code, describeRun(cmdlet)).toBe(2);
    expect(cmdlet.stderr).toMatch(/Did you mean[^\n]*Get-Mailbox/);
    expect(parameter.code, describeRun(parameter)).toBe(2);
    expect(parameter.stderr).toMatch(/ResultSise/);
    expect(parameter.stderr).toMatch(/Did you mean[^\n]*ResultSize/i);
  });
});
