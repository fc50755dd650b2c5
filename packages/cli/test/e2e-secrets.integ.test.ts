/**
 * No secret leaves the token cache: sign-in (password, wrong password, certificate app-only), REST and RPS commands,
 * the catalog, sessions, all with `--debug-wire`; then every access, refresh and ID token in the cache, the passwords
 * and the app's private key are searched for in all stdout/stderr, the wire log, the profile, the catalog and every
 * other file of the sandbox. Zero hits; the token cache is mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';
import { capturedOutput, createSandbox, describeRun, passwordOf, runCli } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';

let emu: RunningEmulator;
let root: string;
let box: Sandbox;
/** Key material the test hands to exops (outside the sandbox, so the scan below does not count the inputs). */
let inputs: string;

interface TestApp {
  readonly appId: string;
  readonly tenantId: string;
  readonly certificatePem?: string;
  readonly privateKeyPem?: string;
  readonly roles: readonly string[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Every `secret` string in an MSAL cache (AccessToken, RefreshToken, IdToken sections). */
function cacheSecrets(cache: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'secret' && typeof inner === 'string') found.push(inner);
      else walk(inner);
    }
  };
  walk(cache);
  return found;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'exops-e2e-secrets-'));
  const stateDir = path.join(root, 'emulator');
  inputs = path.join(root, 'inputs');
  await mkdir(inputs, { mode: 0o700 });
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: true, mailboxes: 8, tokenLifetimeSeconds: 86_400 });
  box = await createSandbox(root, stateDir, 'secrets');
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('secrets stay in the token cache', { timeout: 120_000 }, () => {
  it('no token, password or private key anywhere but the 0600 token cache', async () => {
    const wire = path.join(box.dir, 'wire.log');
    const debug = ['--debug-wire', wire];
    const password = passwordOf(emu, UPN);
    const wrongPassword = `Wrong-${randomBytes(12).toString('hex')}`;
    const app = [...(emu.directory.apps() as Iterable<TestApp>)].find((a) => a.privateKeyPem !== undefined && a.roles.includes('Exchange.ManageAsApp'));
    expect(app, 'a certificate app in the fixture directory').toBeDefined();
    const certFile = path.join(inputs, 'app.pem');
    await writeFile(certFile, `${app!.privateKeyPem!}\n${app!.certificatePem!}\n`, { mode: 0o600 });
    const org = [...emu.directory.tenants()].find((t) => t.tenantId === app!.tenantId);
    expect(org).toBeDefined();

    const steps: [string[], NodeJS.ProcessEnv, number][] = [
      [['connect', '--environment', 'Emulator', '--credential', '--upn', UPN, ...debug], { EXOPS_PASSWORD: wrongPassword }, 3],
      [['connect', '--environment', 'Emulator', '--credential', '--upn', UPN, ...debug], { EXOPS_PASSWORD: password }, 0],
      [['run', 'Get-Mailbox', '-ResultSize', '2', '--output', 'json', ...debug], {}, 0],
      [['run', 'Get-Mailbox', '-Identity', 'nobody@contoso.com', '--verbose', ...debug], {}, 1],
      [['cmdlets', ...debug], {}, 0],
      [['connect', '--transport', 'rps', '--credential', '--upn', UPN, '--verbose', ...debug], { EXOPS_PASSWORD: password }, 0],
      [['run', 'Get-Mailbox', '-ResultSize', '2', '--transport', 'rps', '--output', 'csv', ...debug], {}, 0],
      [['sessions', 'list', '--transport', 'rps', ...debug], {}, 0],
      [
        ['run', 'Get-Mailbox', '-ResultSize', '1', '--environment', 'Emulator', '--certificate', certFile, '--app-id', app!.appId, '--organization', org!.defaultDomain, '--verbose', ...debug],
        {},
        0,
      ],
    ];
    for (const [args, env, expected] of steps) {
      const run = await runCli(box, args, { env });
      expect(run.code, `${args.join(' ')}\n${describeRun(run)}`).toBe(expected);
    }

    expect((await stat(box.tokenCache)).mode & 0o777).toBe(0o600);
    const cacheText = await readFile(box.tokenCache, 'utf8');
    let cache: unknown;
    try {
      cache = JSON.parse(cacheText);
    } catch {
      throw new Error('the token cache is not plain JSON here (a keyring is present?): this test reads the raw tokens from it');
    }
    const tokens = cacheSecrets(cache);
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    const keyBody = app!.privateKeyPem!.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    const needles: [string, string][] = [
      ...tokens.flatMap((t, i): [string, string][] => [
        [`token #${i}`, t],
        // A JWT's signature alone is as good as the token to an attacker who has the rest of a captured header.
        ...(t.split('.').length === 3 ? [[`token #${i} signature`, t.split('.')[2]!] as [string, string]] : []),
      ]),
      ['password', password],
      ['wrong password', wrongPassword],
      ...keyBody.map((line, i): [string, string] => [`private key line ${i}`, line]),
    ];
    const usable = needles.filter(([, n]) => n.length >= 16);

    const files = (await filesUnder(box.dir)).filter((f) => f !== box.tokenCache);
    expect(files).toContain(wire);
    expect(files).toContain(path.join(box.configDir, 'profile.json'));
    expect(files.some((f) => path.basename(f).startsWith('catalog-'))).toBe(true);
    expect((await readFile(wire, 'utf8')).length).toBeGreaterThan(1000);
    const haystacks: [string, string][] = [
      ...capturedOutput.map((text, i): [string, string] => [`captured output #${i}`, text]),
      ...(await Promise.all(files.map(async (f): Promise<[string, string]> => [f, await readFile(f, 'latin1')]))),
    ];
    const hits: string[] = [];
    for (const [where, text] of haystacks) for (const [what, needle] of usable) if (text.includes(needle)) hits.push(`${what} in ${where}`);
    expect(hits).toEqual([]);
    console.info(`secrets scan: ${usable.length} needles (${tokens.length} cached tokens) x ${haystacks.length} haystacks (${files.length} files), 0 hits`);
  }, 150_000);
});
