/**
 * exo-doctor end to end: the built `exo-doctor` binary, spawned with an isolated environment, against the emulator
 * over real HTTPS and real sockets. Each case breaks one thing and checks that the right check names it, with the
 * right fix, and that the exit code says how bad it is.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCredentialTokenProvider } from '@exops/auth';
import { createEmulatorEnvironment } from '@exops/contracts';
import { ExoSession } from '@exops/exo-client';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/bin/exo-doctor.js', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../../doctor/schema/doctor-report.schema.json', import.meta.url));
const CHECK_IDS = ['runtime', 'winrm-basic-auth', 'dns', 'tcp', 'tls', 'proxy', 'clock-skew', 'authority', 'sign-in', 'rbac', 'sessions', 'transports'];
const RUN_LIMIT_MS = 45_000;

interface Result {
  readonly id: string;
  readonly status: 'pass' | 'warn' | 'fail' | 'skip';
  readonly summary: string;
  readonly detail?: string;
  readonly remedy?: string;
}
interface Report {
  readonly results: readonly Result[];
  readonly summary: { pass: number; warn: number; fail: number; skip: number; total: number };
  readonly exitCode: number;
  readonly upn: string | null;
  readonly transport: string;
}
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

let emu: RunningEmulator;
let root: string;
let stateDir: string;

function passwordOf(upn: string): string {
  const user = emu.directory.findUser(upn);
  if (user === undefined) throw new Error(`no fixture user ${upn}`);
  return user.password;
}

/**
 * Runs `exo-doctor` in a fresh folder (config, cache, token cache, HOME), without the caller's proxy or CA
 * variables. The password travels in the child's environment only. `onStderr` sees stderr as it arrives.
 */
async function doctor(args: readonly string[], options: { password?: string; onStderr?: (text: string) => void } = {}): Promise<Run> {
  const dir = await mkdtemp(path.join(root, 'run-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    EXOPS_CONFIG_DIR: path.join(dir, 'config'),
    EXOPS_CACHE_DIR: path.join(dir, 'cache'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
    XDG_STATE_HOME: path.join(dir, 'xdg-state'),
    EXO_EMULATOR_STATE_DIR: stateDir,
    NO_COLOR: '1',
    ...(options.password === undefined ? {} : { EXOPS_PASSWORD: options.password }),
  };
  const started = performance.now();
  try {
    return await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args, '--token-cache', path.join(dir, 'tokens.json')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        options.onStderr?.(stderr);
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`exo-doctor ${args.join(' ')} ran over ${RUN_LIMIT_MS} ms; stderr:\n${stderr}`));
      }, RUN_LIMIT_MS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, elapsedMs: performance.now() - started });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `--json` against the running emulator, signing in with user name and password. */
function doctorAs(upn: string, extra: readonly string[] = []): Promise<Run> {
  return doctor(['--json', '--environment', 'Emulator', '--upn', upn, '--credential', ...extra], { password: passwordOf(upn) });
}

function parseReport(run: Run): Report {
  try {
    return JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`stdout is not one JSON report (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

function check(report: Report, id: string): Result {
  const found = report.results.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no ${id} in the report: ${report.results.map((r) => r.id).join(', ')}`);
  return found;
}

function statuses(report: Report): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [r.id, r.status]));
}

/** The emulator's own count of the user's open remote sessions. */
async function openSessionsOf(upn: string): Promise<number> {
  const { sessions } = await emu.admin.request<{ sessions: readonly unknown[] }>('GET', `/sessions?user=${encodeURIComponent(upn)}`);
  return sessions.length;
}

let validate: (data: unknown) => boolean;
let schemaErrors: () => unknown;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'exops-doctor-integ-'));
  stateDir = path.join(root, 'emulator');
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: true, deviceCodeIntervalSeconds: 1 });
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addFormat('date-time', (value: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value)));
  const compiled = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')) as object);
  validate = (data) => compiled(data);
  schemaErrors = () => compiled.errors;
});

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('exo-doctor against a healthy tenant', () => {
  it('passes or skips every check, exits 0, and prints a report the schema accepts', async () => {
    const run = await doctorAs('automation@contoso.com');
    const report = parseReport(run);
    expect(run.code, run.stderr).toBe(0);
    expect(validate(report), JSON.stringify(schemaErrors())).toBe(true);
    expect(report.results.map((r) => r.id)).toEqual(CHECK_IDS);
    for (const r of report.results) expect(['pass', 'skip'], `${r.id}: ${r.summary}`).toContain(r.status);
    // Off Windows the WinRM check does not apply; on Windows it must not fail a healthy run either.
    if (process.platform !== 'win32') expect(check(report, 'winrm-basic-auth')).toMatchObject({ status: 'skip', summary: expect.stringMatching(/^N\/A: not Windows/) });
    expect(report.results.filter((r) => r.id !== 'winrm-basic-auth').every((r) => r.status === 'pass')).toBe(true);
    expect(check(report, 'sign-in').summary).toContain('Signed in as automation@contoso.com');
    expect(report).toMatchObject({ exitCode: 0, upn: 'automation@contoso.com', transport: 'rest' });
    // The report carries no secret: neither the password nor anything token-shaped.
    expect(run.stdout).not.toContain(passwordOf('automation@contoso.com'));
    expect(run.stdout).not.toMatch(/eyJ[\w-]+\.eyJ/);
    // The doctor opened REST and RPS sessions to probe; it leaves none behind on the service.
    expect(await openSessionsOf('automation@contoso.com')).toBe(0);
  });
});

describe('exo-doctor diagnoses', () => {
  it('a user whose remote PowerShell is disabled: rbac fails with the Set-User fix, exit 2', async () => {
    const run = await doctorAs('blocked.admin@contoso.com');
    const report = parseReport(run);
    expect(validate(report), JSON.stringify(schemaErrors())).toBe(true);
    expect(run.code).toBe(2);
    expect(check(report, 'sign-in').status).toBe('pass');
    const rbac = check(report, 'rbac');
    expect(rbac.status).toBe('fail');
    expect(rbac.summary).toMatch(/remote PowerShell is probably disabled/);
    expect(rbac.remedy).toContain('Set-User -Identity blocked.admin@contoso.com -RemotePowerShellEnabled $true');
  });

  it('the session cap reached: sessions fails, lists the open sessions and says how to remove them', async () => {
    const upn = 'helpdesk@contoso.com';
    const environment = createEmulatorEnvironment(emu.url);
    const network = { ca: [emu.caCertPem] };
    const tokenProvider = createCredentialTokenProvider({ environment, upn, password: passwordOf(upn), network, cache: false });
    const sessions: ExoSession[] = [];
    try {
      for (let i = 0; i < 5; i++) sessions.push(await ExoSession.connect({ environment, upn, transport: 'rps', tokenProvider, network }));
      expect(await openSessionsOf(upn)).toBe(5);
      const run = await doctorAs(upn);
      const report = parseReport(run);
      expect(run.code).toBe(2);
      const result = check(report, 'sessions');
      expect(result.status).toBe('fail');
      expect(result.summary).toMatch(/^5 open sessions: the cap of 5 is reached/);
      // One line per session (name or id, state, age), then the service's words.
      const listed = (result.detail ?? '').split('\n').filter((l) => !l.startsWith('The service says'));
      expect(listed).toHaveLength(5);
      for (const line of listed) expect(line).toMatch(/^\S+ \([^,]+, \d+ s old/);
      expect(result.remedy).toContain('exops sessions remove --all');
      expect(result.remedy).toContain('Get-PSSession | Remove-PSSession');
    } finally {
      await Promise.allSettled(sessions.map((s) => s.close()));
    }
    expect(await openSessionsOf(upn)).toBe(0);
  });

  it('RPS switched off for the tenant: REST passes with the note, --transport rps fails pointing to REST', async () => {
    const rest = parseReport(await doctorAs('admin@northwindtraders.com'));
    const transports = check(rest, 'transports');
    // RPS off is every real tenant's state since October 2023; with REST chosen and working, nothing needs fixing.
    expect(transports.status).toBe('pass');
    expect(transports.summary).toBe('REST is available (RPS is disabled, as expected since its 2023 switch-off).');
    expect(transports.detail).toMatch(/RPS: disabled/);
    expect(rest.exitCode).toBe(0);

    const run = await doctorAs('admin@northwindtraders.com', ['--transport', 'rps']);
    const rps = parseReport(run);
    expect(run.code).toBe(2);
    expect(check(rps, 'transports')).toMatchObject({ status: 'fail', summary: 'RPS is disabled for this tenant; REST is available.' });
    expect(check(rps, 'transports').remedy).toMatch(/^Use --transport rest/);
    // The refusal is the tenant's, not the user's: rbac must not send the admin to Set-User.
    expect(check(rps, 'rbac').status).toBe('skip');
    expect(check(rps, 'rbac').remedy ?? '').not.toContain('Set-User');
  });

  it('a closed port: tcp fails naming firewall and proxy, every later network check is skipped, within seconds', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createTcpServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const run = await doctor(
      ['--json', '--environment', 'Emulator', '--emulator-url', `https://127.0.0.1:${closed}`, '--ca-file', emu.caFile, '--upn', 'automation@contoso.com', '--credential'],
      { password: passwordOf('automation@contoso.com') },
    );
    const report = parseReport(run);
    expect(validate(report), JSON.stringify(schemaErrors())).toBe(true);
    expect(run.code).toBe(2);
    expect(run.elapsedMs).toBeLessThan(8_000);
    const tcp = check(report, 'tcp');
    expect(tcp).toMatchObject({ status: 'fail', summary: `TCP ${closed} to 127.0.0.1 was refused.` });
    expect(tcp.remedy).toMatch(/firewall/);
    expect(tcp.remedy).toMatch(/HTTPS_PROXY/);
    for (const id of ['tls', 'clock-skew', 'authority', 'sign-in', 'rbac', 'sessions', 'transports']) {
      expect(check(report, id), id).toMatchObject({ status: 'skip', summary: 'skipped: tcp failed.' });
    }
    expect(report.summary.fail).toBe(1);
  });

  it('an untrusted certificate (no CA given): tls fails with the --ca-file fix, sign-in and later are skipped', async () => {
    const run = await doctor(
      ['--json', '--environment', 'Emulator', '--emulator-url', emu.url, '--upn', 'automation@contoso.com', '--credential'],
      { password: passwordOf('automation@contoso.com') },
    );
    const report = parseReport(run);
    expect(run.code).toBe(2);
    const tls = check(report, 'tls');
    expect(tls.status).toBe('fail');
    expect(tls.summary).toMatch(/^The certificate chain of 127\.0\.0\.1 is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    expect(tls.detail).toContain('exops emulator local CA');
    expect(tls.remedy).toContain('--ca-file');
    expect(tls.remedy).toContain('Never turn certificate verification off');
    for (const id of ['clock-skew', 'authority', 'sign-in', 'rbac', 'sessions', 'transports']) {
      expect(check(report, id), id).toMatchObject({ status: 'skip', summary: 'skipped: tls failed.' });
    }
  });

  it('a user mismatch: the device code approved as another user fails sign-in with the service text', async () => {
    const asked = 'automation@contoso.com';
    const signedIn = 'reader@contoso.com';
    let approval: Promise<void> | undefined;
    const run = await doctor(['--json', '--environment', 'Emulator', '--upn', asked, '--device-code'], {
      onStderr: (text) => {
        const code = /enter the code ([A-Z0-9]{6,12})/i.exec(text)?.[1];
        if (code !== undefined && approval === undefined) approval = emu.admin.approveDeviceCode(code, signedIn);
      },
    });
    expect(approval, `no device code on stderr:\n${run.stderr}`).toBeDefined();
    await approval;
    const report = parseReport(run);
    expect(run.code).toBe(2);
    const signIn = check(report, 'sign-in');
    expect(signIn.status).toBe('fail');
    expect(signIn.summary).toContain(`User '${signedIn}' returned by service does not match user '${asked}' in the request`);
    expect(signIn.remedy).toMatch(/--credential/);
    for (const id of ['rbac', 'sessions', 'transports']) expect(check(report, id), id).toMatchObject({ status: 'skip', summary: 'skipped: sign-in failed.' });
  });

  describe('a tenant in another cloud than --environment', () => {
    // The emulator's discovery always says microsoftonline.com (and the check trusts the Emulator environment), so
    // a small HTTPS server on 127.0.0.1, with the emulator's own leaf certificate, plays a GCC High authority.
    let authority: HttpsServer;
    let authorityUrl: string;
    const requested: string[] = [];

    beforeAll(async () => {
      const [cert, key] = await Promise.all([readFile(path.join(stateDir, 'localhost.pem'), 'utf8'), readFile(path.join(stateDir, 'localhost-key.pem'), 'utf8')]);
      authority = createHttpsServer({ cert, key }, (req, res) => {
        requested.push(req.url ?? '');
        const match = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(req.url ?? '');
        if (match === null) {
          res.writeHead(404).end();
          return;
        }
        const base = `${authorityUrl}/8f2c4a6e-0b1d-4c3e-9a7f-5d6e7f8a9b0c`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer: `${base}/v2.0`,
            token_endpoint: `${base}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            tenant_region_scope: 'USGov',
            tenant_region_sub_scope: 'DODCON',
            cloud_instance_name: 'microsoftonline.us',
          }),
        );
      });
      await new Promise<void>((resolve) => authority.listen(0, '127.0.0.1', resolve));
      authorityUrl = `https://127.0.0.1:${(authority.address() as { port: number }).port}`;
    });

    afterAll(async () => {
      authority.closeAllConnections();
      await new Promise<void>((resolve) => authority.close(() => resolve()));
    });

    it('authority fails and names the environment to use', async () => {
      const run = await doctor([
        '--json', '--environment', 'O365Default', '--authority', `${authorityUrl}/common`, '--ca-file', emu.caFile,
        '--upn', 'chris@contoso.us', '--only', 'authority', '--no-sign-in',
      ]);
      const report = parseReport(run);
      expect(validate(report), JSON.stringify(schemaErrors())).toBe(true);
      expect(run.code).toBe(2);
      expect(requested).toContain('/contoso.us/v2.0/.well-known/openid-configuration');
      const result = check(report, 'authority');
      expect(result.status).toBe('fail');
      expect(result.summary).toMatch(/^The tenant of 'contoso\.us' is in .*GCC High.* \(microsoftonline\.us\), not /);
      expect(result.remedy).toMatch(/^Run again with --environment O365USGovGCCHigh/);
      expect(result.detail).toContain('cloud_instance_name: microsoftonline.us');
    });
  });
});

describe('exo-doctor human output', () => {
  it('prints listr plain progress, then the table and the fix of every warning', async () => {
    const upn = 'automation@contoso.com';
    const run = await doctor(['--environment', 'Emulator', '--upn', upn, '--credential', '--cmdlets', 'Get-Mailbox', 'Set-NoSuchThing'], { password: passwordOf(upn) });
    expect(run.code, run.stderr).toBe(1);
    // Without a TTY listr2 falls back to plain lines, one per check, on stderr.
    for (const title of ['TCP reachability', 'TLS certificate chain', 'Sign-in', 'Permissions (RBAC)', 'Transports (REST, RPS)']) expect(run.stderr).toContain(title);
    expect(run.stderr).not.toMatch(/\u001b\[/);
    expect(run.stdout).not.toMatch(/\u001b\[/);
    for (const id of CHECK_IDS) expect(run.stdout).toContain(id);
    expect(run.stdout).toMatch(/rbac\s+│\s+WARN/);
    expect(run.stdout).toContain('What to do:');
    expect(run.stdout).toMatch(/WARN rbac: .*Set-NoSuchThing/);
    expect(run.stdout).toContain('Get-ManagementRole -Cmdlet Set-NoSuchThing');
    expect(run.stdout).toMatch(/\(exit code 1\)/);
  });

  it('prints the fix of every failure', async () => {
    const run = await doctor(['--environment', 'Emulator', '--emulator-url', emu.url, '--only', 'tcp', 'tls', 'clock-skew']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/tls\s+│\s+FAIL/);
    expect(run.stdout).toMatch(/clock-skew\s+│\s+SKIP/);
    expect(run.stdout).toMatch(/FAIL tls: The certificate chain of 127\.0\.0\.1 is not trusted/);
    expect(run.stdout).toMatch(/Fix: .*--ca-file/);
    expect(run.stdout).toContain('0 warned, 1 failed');
  });
});

describe('exo-doctor --only and --skip', () => {
  it('--only runs just the named checks, in the standard order', async () => {
    const report = parseReport(await doctor(['--json', '--environment', 'Emulator', '--only', 'tls', 'runtime', 'tcp', '--no-sign-in']));
    expect(report.results.map((r) => r.id)).toEqual(['runtime', 'tcp', 'tls']);
    expect(statuses(report)).toEqual({ runtime: 'pass', tcp: 'pass', tls: 'pass' });
    expect(report.exitCode).toBe(0);
  });

  it('--skip leaves the named checks out and runs the rest', async () => {
    const run = await doctorAs('automation@contoso.com', ['--skip', 'rbac', 'sessions', 'transports']);
    const report = parseReport(run);
    expect(run.code).toBe(0);
    expect(report.results.map((r) => r.id)).toEqual(CHECK_IDS.filter((id) => !['rbac', 'sessions', 'transports'].includes(id)));
    expect(check(report, 'sign-in').status).toBe('pass');
  });

  it.each([['--only'], ['--skip']])('%s with an unknown id exits 2 and lists the valid ids', async (option) => {
    const run = await doctor(['--json', '--environment', 'Emulator', option, 'tcp', 'signin', '--no-sign-in']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Unknown check id for ${option}: signin.`);
    expect(run.stderr).toContain(`Valid ids: ${CHECK_IDS.join(', ')}.`);
  });
});
