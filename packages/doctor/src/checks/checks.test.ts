import { CLOUD_ENVIRONMENTS, ExopsError, ExopsErrorCode, createEmulatorEnvironment } from '@exops/contracts';
import { describe, expect, it } from 'vitest';
import { fakeContext, delegatedToken, NOW } from '../test-support/fakes.js';
import type { CheckOutcome, DoctorCheck, DoctorContext, TlsInspection } from '../types.js';
import { authorityCheck, environmentForDiscovery, tenantAuthority } from './authority.js';
import { clockSkewCheck } from './clock-skew.js';
import { dnsCheck } from './dns.js';
import { proxyCheck } from './proxy.js';
import { rbacCheck } from './rbac.js';
import { compareVersions, runtimeCheck } from './runtime.js';
import { sessionsCheck } from './sessions.js';
import { signInCheck } from './sign-in.js';
import { tcpCheck } from './tcp.js';
import { tlsCheck } from './tls.js';
import { transportsCheck } from './transports.js';
import { parseRegDword, parseWinrmClientAuth, winrmBasicAuthCheck } from './winrm-basic-auth.js';

async function run(check: DoctorCheck, context: DoctorContext): Promise<CheckOutcome> {
  const outcome = await check.run(context);
  if (outcome.status === 'fail' || outcome.status === 'warn') {
    expect(outcome.remedy, `${check.id} ${outcome.status} needs a remedy`).toBeTruthy();
  }
  expect(outcome.summary).not.toBe('');
  return outcome;
}

describe('runtime', () => {
  it('passes on Node 20.19 and later, with the Windows note only on Windows', async () => {
    expect((await run(runtimeCheck, fakeContext({ nodeVersion: '20.19.0' }))).status).toBe('pass');
    const win = await run(runtimeCheck, fakeContext({ nodeVersion: '24.1.0', platform: 'win32' }));
    expect(win.status).toBe('pass');
    expect(win.detail).toMatch(/PowerShell 7/);
    expect((await run(runtimeCheck, fakeContext())).detail).toBeUndefined();
  });
  it('fails before 20.19', async () => {
    const outcome = await run(runtimeCheck, fakeContext({ nodeVersion: '20.18.3' }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/20\.19\.0/);
  });
  it('compares versions numerically', () => {
    expect(compareVersions('v20.9.0', '20.19.0')).toBeLessThan(0);
    expect(compareVersions('22.0.0', '20.19.0')).toBeGreaterThan(0);
  });
});

describe('winrm-basic-auth', () => {
  const winrmOut = (basic: string): string => `Auth\n    Basic = ${basic}\n    Digest = true\n    Kerberos = true\n`;
  function osContext(
    winrm: { exitCode: number; stdout: string; stderr?: string },
    reg: { exitCode: number; stdout: string },
    localConfig: { exitCode: number; stdout: string } = { exitCode: 1, stdout: '' },
  ): DoctorContext {
    return fakeContext({
      platform: 'win32',
      probes: {
        os: {
          run: (command, args) => {
            if (command === 'reg') return Promise.resolve({ ...(args[1]?.includes('Policies') === true ? reg : localConfig), stderr: '' });
            expect([command, ...args]).toEqual(['cmd.exe', '/d', '/c', 'winrm', 'get', 'winrm/config/client/auth']);
            return Promise.resolve({ stderr: '', ...winrm });
          },
        },
      },
    });
  }

  it('skips outside Windows: exops needs no WinRM', async () => {
    const outcome = await run(winrmBasicAuthCheck, fakeContext({ platform: 'darwin' }));
    expect(outcome.status).toBe('skip');
    expect(outcome.summary).toMatch(/N\/A.*no WinRM/);
  });
  it('skips without an OS runner', async () => {
    const ctx = fakeContext({ platform: 'win32' });
    const outcome = await run(winrmBasicAuthCheck, { ...ctx, probes: { ...ctx.probes, os: undefined } } as unknown as DoctorContext);
    expect(outcome.summary).toMatch(/not available in this context/);
  });
  it('passes when Basic = true and no policy', async () => {
    const outcome = await run(winrmBasicAuthCheck, osContext({ exitCode: 0, stdout: winrmOut('true') }, { exitCode: 1, stdout: '' }));
    expect(outcome.status).toBe('pass');
  });
  it('fails when Basic = false, quoting Windows and giving the winrm set command', async () => {
    const outcome = await run(winrmBasicAuthCheck, osContext({ exitCode: 0, stdout: winrmOut('false') }, { exitCode: 1, stdout: '' }));
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toContain('Basic authentication is currently disabled in the client configuration');
    expect(outcome.remedy).toContain('winrm set winrm/config/client/auth @{Basic="true"}');
    expect(outcome.remedy).toMatch(/elevated Command Prompt/);
  });
  it('fails with the Group Policy fix when AllowBasic = 0', async () => {
    const reg = `\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Client\r\n    AllowBasic    REG_DWORD    0x0\r\n`;
    const outcome = await run(winrmBasicAuthCheck, osContext({ exitCode: 0, stdout: winrmOut('true') }, { exitCode: 0, stdout: reg }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('AllowBasic = 1');
  });
  it('names the policy when winrm reports Source="GPO"', async () => {
    const outcome = await run(winrmBasicAuthCheck, osContext({ exitCode: 0, stdout: winrmOut('false [Source="GPO"]') }, { exitCode: 1, stdout: '' }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/Group Policy/);
    expect(outcome.remedy).toMatch(/AllowBasic = 1/);
  });
  it('warns when winrm cannot be read', async () => {
    const outcome = await run(winrmBasicAuthCheck, osContext({ exitCode: 1, stdout: '', stderr: 'WSManFault Access is denied.' }, { exitCode: 1, stdout: '' }));
    expect(outcome.status).toBe('warn');
    expect(outcome.detail).toContain('Access is denied');
  });
  it('falls back to the local WSMan registry value when winrm cannot run', async () => {
    const local = { exitCode: 0, stdout: '    auth_basic    REG_DWORD    0x0\r\n' };
    const outcome = await run(winrmBasicAuthCheck, osContext({ exitCode: 1, stdout: '', stderr: 'WinRM service not running' }, { exitCode: 1, stdout: '' }, local));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('winrm set winrm/config/client/auth @{Basic="true"}');
  });
  it('parses winrm and reg output', () => {
    expect(parseWinrmClientAuth(winrmOut('false [Source="GPO"]'))).toEqual({ basic: false, source: 'GPO' });
    expect(parseWinrmClientAuth('nothing')).toBeUndefined();
    expect(parseRegDword('    AllowBasic    REG_DWORD    0x1', 'AllowBasic')).toBe(1);
  });
});

describe('dns', () => {
  it('passes when both hosts resolve', async () => {
    const outcome = await run(dnsCheck, fakeContext());
    expect(outcome.status).toBe('pass');
    expect(outcome.detail).toContain('outlook.office365.com ->');
    expect(outcome.detail).toContain('login.microsoftonline.com ->');
  });
  it('fails naming the host when a name does not exist', async () => {
    const outcome = await run(
      dnsCheck,
      fakeContext({
        probes: {
          dns: {
            lookup: (host) =>
              Promise.resolve(host.startsWith('login') ? { ok: true, addresses: ['1.2.3.4'] } : { ok: false, code: 'ENOTFOUND', message: `getaddrinfo ENOTFOUND ${host}` }),
          },
        },
      }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('outlook.office365.com');
    expect(outcome.remedy).toMatch(/--environment/);
  });
  it('fails with a DNS-server remedy on a resolver timeout', async () => {
    const outcome = await run(dnsCheck, fakeContext({ probes: { dns: { lookup: () => Promise.resolve({ ok: false, code: 'EAI_AGAIN', message: 'temporary failure' }) } } }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/DNS servers/);
  });
  it('only warns behind a proxy, which resolves the names', async () => {
    const outcome = await run(
      dnsCheck,
      fakeContext({
        proxy: { url: 'http://proxy.corp:8080', source: 'HTTPS_PROXY', noProxy: '' },
        probes: { dns: { lookup: () => Promise.resolve({ ok: false, code: 'ENOTFOUND', message: 'x' }) } },
      }),
    );
    expect(outcome.status).toBe('warn');
  });
});

describe('tcp', () => {
  it('passes when 443 and 80 connect', async () => {
    expect((await run(tcpCheck, fakeContext())).status).toBe('pass');
  });
  it('fails naming firewall or proxy when 443 times out', async () => {
    const outcome = await run(tcpCheck, fakeContext({ probes: { tcp: { connect: () => Promise.resolve({ ok: false, code: 'ETIMEDOUT', message: 'no answer' }) } } }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/firewall/);
    expect(outcome.remedy).toMatch(/firewall/);
    expect(outcome.remedy).toMatch(/HTTPS_PROXY/);
  });
  it('warns when only 80 is blocked', async () => {
    const outcome = await run(
      tcpCheck,
      fakeContext({ probes: { tcp: { connect: (_h, port) => Promise.resolve(port === 80 ? { ok: false, code: 'ECONNREFUSED', message: 'refused' } : { ok: true, remoteAddress: 'x', elapsedMs: 1 }) } } }),
    );
    expect(outcome.status).toBe('warn');
  });
  it('tests the proxy, not the host, when a proxy is used', async () => {
    const seen: string[] = [];
    const outcome = await run(
      tcpCheck,
      fakeContext({
        proxy: { url: 'http://proxy.corp:3128', source: 'HTTPS_PROXY', noProxy: '' },
        probes: { tcp: { connect: (h, p) => (seen.push(`${h}:${p}`), Promise.resolve({ ok: false, code: 'ECONNREFUSED', message: 'refused' })) } },
      }),
    );
    expect(seen).toEqual(['proxy.corp:3128']);
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/HTTPS_PROXY/);
  });
});

describe('tls', () => {
  const proxyChain: TlsInspection['chain'] = [
    { subject: 'CN=outlook.office365.com', issuer: 'CN=Contoso Inspection CA, O=Contoso', validFrom: '', validTo: '', fingerprint256: 'P1' },
    { subject: 'CN=Contoso Inspection CA, O=Contoso', issuer: 'CN=Contoso Inspection CA, O=Contoso', validFrom: '', validTo: '', fingerprint256: 'P2' },
  ];
  const tlsContext = (inspection: TlsInspection, extra: Partial<DoctorContext> = {}): DoctorContext =>
    fakeContext({ ...extra, probes: { tls: { inspect: () => Promise.resolve(inspection) } } });

  it('passes on a trusted DigiCert chain', async () => {
    const outcome = await run(tlsCheck, fakeContext());
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toMatch(/DigiCert/);
  });
  it('fails on an untrusted inspecting proxy with the --ca-file / NODE_EXTRA_CA_CERTS fix', async () => {
    const outcome = await run(tlsCheck, tlsContext({ authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN', chain: proxyChain, viaProxy: false }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/TLS-inspecting proxy/);
    expect(outcome.summary).toMatch(/Contoso Inspection CA/);
    expect(outcome.remedy).toContain('--ca-file');
    expect(outcome.remedy).toContain('NODE_EXTRA_CA_CERTS');
  });
  it('warns on a trusted inspecting proxy', async () => {
    const outcome = await run(tlsCheck, tlsContext({ authorized: true, chain: proxyChain, viaProxy: true }));
    expect(outcome.status).toBe('warn');
    expect(outcome.summary).toMatch(/TLS-inspecting proxy/);
  });
  it('fails an untrusted chain on a custom endpoint with the CA fix, without calling it a proxy', async () => {
    const outcome = await run(
      tlsCheck,
      tlsContext({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', chain: proxyChain, viaProxy: false }, { environment: createEmulatorEnvironment('https://127.0.0.1:8443') }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).not.toMatch(/proxy/);
    expect(outcome.remedy).toContain('--ca-file');
    expect(outcome.remedy).toMatch(/Never turn certificate verification off/);
  });
  it('points at the clock for an expired certificate', async () => {
    const outcome = await run(tlsCheck, tlsContext({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED', chain: [], viaProxy: false }, { environment: createEmulatorEnvironment('https://127.0.0.1:8443') }));
    expect(outcome.remedy).toMatch(/clock/);
  });
});

describe('proxy', () => {
  const withProxy = (probe?: DoctorContext['probes']['proxy'], noProxy = ''): DoctorContext =>
    fakeContext({ proxy: { url: 'http://user:secret@proxy.corp:8080', source: 'HTTPS_PROXY', noProxy }, probes: probe === undefined ? {} : { proxy: probe } });

  it('passes with "direct" when no proxy is set', async () => {
    const outcome = await run(proxyCheck, fakeContext());
    expect(outcome).toMatchObject({ status: 'pass' });
    expect(outcome.summary).toMatch(/Direct/);
  });
  it('passes when the proxy opens the tunnel, without printing its password', async () => {
    const outcome = await run(proxyCheck, withProxy());
    expect(outcome.status).toBe('pass');
    expect(JSON.stringify(outcome)).not.toContain('secret');
  });
  it('honours NO_PROXY', async () => {
    const outcome = await run(proxyCheck, withProxy({ connect: () => Promise.reject(new Error('must not be called')) }, '.office365.com'));
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toMatch(/NO_PROXY/);
  });
  it('fails on 407 with the credentials fix', async () => {
    const outcome = await run(proxyCheck, withProxy({ connect: () => Promise.resolve({ status: 407, statusText: 'Proxy Authentication Required' }) }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/user:password@proxy/);
  });
  it('fails when the proxy refuses the host', async () => {
    const outcome = await run(proxyCheck, withProxy({ connect: () => Promise.resolve({ status: 403, statusText: 'Forbidden' }) }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/allow CONNECT/);
  });
  it('fails on a malformed proxy URL', async () => {
    const outcome = await run(proxyCheck, fakeContext({ proxy: { url: 'not a url', source: 'https_proxy', noProxy: '' } }));
    expect(outcome.status).toBe('fail');
  });
});

describe('clock-skew', () => {
  const withDate = (date: string | undefined): DoctorContext =>
    fakeContext({ probes: { http: { head: () => Promise.resolve({ status: 200, headers: date === undefined ? {} : { date } }), get: () => Promise.reject(new Error('unused')) } } });

  it('passes within a minute', async () => {
    expect((await run(clockSkewCheck, withDate(new Date(NOW.getTime() - 20_000).toUTCString()))).status).toBe('pass');
  });
  it('warns over a minute', async () => {
    const outcome = await run(clockSkewCheck, withDate(new Date(NOW.getTime() - 3 * 60_000).toUTCString()));
    expect(outcome.status).toBe('warn');
    expect(outcome.summary).toMatch(/ahead of the server/);
  });
  it('fails over five minutes', async () => {
    const outcome = await run(clockSkewCheck, withDate(new Date(NOW.getTime() + 10 * 60_000).toUTCString()));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/behind the server/);
    expect(outcome.remedy).toMatch(/timedatectl|w32tm/);
  });
  it('warns without a Date header', async () => {
    expect((await run(clockSkewCheck, withDate(undefined))).status).toBe('warn');
  });
});

describe('authority', () => {
  const discovered = (doc: Record<string, string | null>, ctx: Partial<DoctorContext> = {}): DoctorContext => {
    const urls: string[] = [];
    return fakeContext({ ...ctx, probes: { oidc: { discover: (a) => (urls.push(a), Promise.resolve({ ok: true, url: a, document: doc })) } } });
  };

  it('passes when the tenant is in the chosen cloud, asking for the UPN domain', async () => {
    const seen: string[] = [];
    const ctx = fakeContext({ probes: { oidc: { discover: (a) => (seen.push(a), Promise.resolve({ ok: true, url: a, document: { cloud_instance_name: 'microsoftonline.com' } })) } } });
    expect((await run(authorityCheck, ctx)).status).toBe('pass');
    expect(seen).toEqual(['https://login.microsoftonline.com/contoso.com']);
  });
  it('catches a GCC High tenant on the worldwide endpoints and names the --environment', async () => {
    const outcome = await run(authorityCheck, discovered({ cloud_instance_name: 'microsoftonline.us', tenant_region_scope: 'USGov', tenant_region_sub_scope: 'DODCON' }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/microsoftonline\.us/);
    expect(outcome.remedy).toContain('--environment O365USGovGCCHigh');
  });
  it('tells DoD from GCC High', async () => {
    const outcome = await run(authorityCheck, discovered({ cloud_instance_name: 'microsoftonline.us', tenant_region_scope: 'USGov', tenant_region_sub_scope: 'DOD' }));
    expect(outcome.remedy).toContain('--environment O365USGovDoD');
  });
  it('catches a Germany tenant and notes the cloud is retired', async () => {
    const outcome = await run(authorityCheck, discovered({ cloud_instance_name: 'microsoftonline.de' }));
    expect(outcome.remedy).toContain('--environment O365GermanyCloud');
    expect(outcome.remedy).toMatch(/retired/);
  });
  it('fails when the tenant is unknown to the authority', async () => {
    const outcome = await run(
      authorityCheck,
      fakeContext({ probes: { oidc: { discover: (a) => Promise.resolve({ ok: false, url: a, status: 400, error: 'invalid_tenant', errorDescription: "AADSTS90002: Tenant 'contoso.com' not found." }) } } }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toContain('AADSTS90002');
    expect(outcome.remedy).toMatch(/--environment/);
  });
  it('warns on a cloud it cannot map', async () => {
    expect((await run(authorityCheck, discovered({ cloud_instance_name: 'example.invalid' }))).status).toBe('warn');
  });
  it('passes GCC (moderate) tenants on the worldwide cloud', async () => {
    expect(environmentForDiscovery({ cloud_instance_name: 'microsoftonline.com', tenant_region_scope: 'NA', tenant_region_sub_scope: 'GCC' })).toBe('O365Default');
    expect((await run(authorityCheck, discovered({ cloud_instance_name: 'microsoftonline.us' }, { environment: CLOUD_ENVIRONMENTS.O365USGovGCCHigh }))).status).toBe('pass');
  });
  it('builds tenant authorities', () => {
    expect(tenantAuthority('https://login.microsoftonline.com/organizations', 'contoso.com')).toBe('https://login.microsoftonline.com/contoso.com');
    expect(tenantAuthority('https://127.0.0.1:8443/organizations', undefined)).toBe('https://127.0.0.1:8443/organizations');
  });
});

describe('sign-in', () => {
  const withToken = (token: ReturnType<typeof delegatedToken>, ctx: Partial<DoctorContext> = {}): DoctorContext =>
    fakeContext({ ...ctx, probes: { token: { acquire: () => Promise.resolve(token) } } });

  it('passes for the right user, audience, scope and lifetime', async () => {
    const outcome = await run(signInCheck, fakeContext());
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toMatch(/admin@contoso.com/);
  });
  it('fails on the SSO mismatch with the exact text and remedies', async () => {
    const outcome = await run(signInCheck, withToken(delegatedToken({ user: 'someone@fabrikam.com' })));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain("User 'someone@fabrikam.com' returned by service does not match user 'admin@contoso.com' in the request");
    expect(outcome.remedy).toMatch(/--credential/);
    expect(outcome.remedy).toMatch(/private window/);
  });
  it('turns a user-mismatch error from the token probe into the same failure', async () => {
    const error = new ExopsError(ExopsErrorCode.AUTH_USER_MISMATCH, "User 'a@b.com' returned by service does not match user 'admin@contoso.com' in the request");
    const outcome = await run(signInCheck, fakeContext({ probes: { token: { acquire: () => Promise.reject(error) } } }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/--credential/);
  });
  it('fails on the wrong audience', async () => {
    const outcome = await run(signInCheck, withToken(delegatedToken({ audience: 'https://graph.microsoft.com' })));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('https://outlook.office365.com/.default');
  });
  it('accepts the Exchange app id as audience', async () => {
    expect((await run(signInCheck, withToken(delegatedToken({ audience: '00000002-0000-0ff1-ce00-000000000000' })))).status).toBe('pass');
  });
  it('warns on unexpected delegated scopes', async () => {
    expect((await run(signInCheck, withToken(delegatedToken({ scopes: ['User.Read'] })))).status).toBe('warn');
  });
  it('fails an app-only token without Exchange.ManageAsApp', async () => {
    const outcome = await run(signInCheck, withToken(delegatedToken({ kind: 'app', user: undefined, scopes: [] }), { upn: undefined, flow: 'certificate' }));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('Exchange.ManageAsApp');
  });
  it('passes an app-only token with Exchange.ManageAsApp', async () => {
    const outcome = await run(signInCheck, withToken(delegatedToken({ kind: 'app', user: undefined, scopes: ['Exchange.ManageAsApp'] }), { upn: undefined, flow: 'certificate' }));
    expect(outcome.status).toBe('pass');
  });
  it('fails an expired token and warns a short-lived one', async () => {
    expect((await run(signInCheck, withToken(delegatedToken({ expiresOn: new Date(NOW.getTime() - 60_000) })))).status).toBe('fail');
    expect((await run(signInCheck, withToken(delegatedToken({ expiresOn: new Date(NOW.getTime() + 60_000) })))).status).toBe('warn');
  });
  it('detects a clock behind the token issuer', async () => {
    expect((await run(signInCheck, withToken(delegatedToken({ issuedAt: new Date(NOW.getTime() + 10 * 60_000), expiresOn: new Date(NOW.getTime() + 70 * 60_000) })))).status).toBe('fail');
    expect((await run(signInCheck, withToken(delegatedToken({ issuedAt: new Date(NOW.getTime() + 2 * 60_000) })))).status).toBe('warn');
  });
});

describe('rbac', () => {
  it('passes when remote PowerShell is on and the cmdlets are allowed', async () => {
    expect((await run(rbacCheck, fakeContext())).status).toBe('pass');
  });
  it('fails when RemotePowerShellEnabled is false, with Set-User for another admin', async () => {
    const outcome = await run(
      rbacCheck,
      fakeContext({ probes: { exchange: { ...fakeContext().probes.exchange!, getUser: (upn) => Promise.resolve({ identity: upn, remotePowerShellEnabled: false }) } } }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('Set-User -Identity admin@contoso.com -RemotePowerShellEnabled $true');
    expect(outcome.remedy).toMatch(/Another Exchange admin/);
  });
  it('reads "Access is denied" from Get-User as remote PowerShell disabled', async () => {
    const outcome = await run(
      rbacCheck,
      fakeContext({ probes: { exchange: { ...fakeContext().probes.exchange!, getUser: () => Promise.reject(new Error('Access is denied.')) } } }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('-RemotePowerShellEnabled $true');
  });
  it('fails when no asked cmdlet is allowed, naming the role fix', async () => {
    const outcome = await run(
      rbacCheck,
      fakeContext({ cmdlets: ['Set-Mailbox'], probes: { exchange: { ...fakeContext().probes.exchange!, listAllowedCmdlets: () => Promise.resolve(['Get-Mailbox']) } } }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('Get-ManagementRole -Cmdlet Set-Mailbox');
    expect(outcome.remedy).toContain('Add-RoleGroupMember');
  });
  it('warns when only some are allowed', async () => {
    const outcome = await run(rbacCheck, fakeContext({ cmdlets: ['get-mailbox', 'Remove-Mailbox'] }));
    expect(outcome.status).toBe('warn');
    expect(outcome.summary).toMatch(/not Remove-Mailbox/);
  });
  it('gives the app-only remedy without a UPN', async () => {
    const outcome = await run(
      rbacCheck,
      fakeContext({ upn: undefined, flow: 'certificate', probes: { exchange: { ...fakeContext().probes.exchange!, listAllowedCmdlets: () => Promise.resolve([]) } } }),
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toMatch(/Exchange Administrator/);
  });
});

describe('sessions', () => {
  const session = (i: number, state = 'Opened') => ({
    id: `s${i}`,
    name: `exops-${i}`,
    owner: 'admin@contoso.com',
    clientIp: undefined,
    state,
    resourceUri: undefined,
    ageSeconds: 600 * i,
    idleSeconds: 30,
    createdByExops: true,
  });
  const withSessions = (n: number, state?: string): DoctorContext =>
    fakeContext({ probes: { exchange: { ...fakeContext().probes.exchange!, listSessions: () => Promise.resolve(Array.from({ length: n }, (_, i) => session(i + 1, state))) } } });

  it('passes below 3', async () => {
    expect((await run(sessionsCheck, withSessions(2))).status).toBe('pass');
  });
  it('warns at 3, listing age and state, with both removal commands', async () => {
    const outcome = await run(sessionsCheck, withSessions(3));
    expect(outcome.status).toBe('warn');
    expect(outcome.detail).toContain('exops-3 (Opened, 30 min old');
    expect(outcome.remedy).toContain('exops sessions remove --all');
    expect(outcome.remedy).toContain('Get-PSSession | Remove-PSSession');
  });
  it('fails at the cap', async () => {
    expect((await run(sessionsCheck, withSessions(5))).status).toBe('fail');
  });
  it('does not count closed sessions', async () => {
    expect((await run(sessionsCheck, withSessions(5, 'Closed'))).status).toBe('pass');
  });
});

describe('transports', () => {
  const withTransports = (rest: string, rps: string, transport: 'rest' | 'rps' = 'rest'): DoctorContext =>
    fakeContext({
      transport,
      probes: {
        exchange: {
          ...fakeContext().probes.exchange!,
          probeTransports: () => Promise.resolve({ rest: { state: rest as 'available' }, rps: { state: rps as 'available' } }),
        },
      },
    });
  it('passes with REST available and explains RPS is off', async () => {
    const outcome = await run(transportsCheck, withTransports('available', 'disabled'));
    expect(outcome.status).toBe('pass');
    expect(outcome.detail).toMatch(/1 October 2023/);
  });
  it('fails --transport rps when RPS is switched off, pointing to --transport rest', async () => {
    const outcome = await run(transportsCheck, withTransports('available', 'disabled', 'rps'));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('--transport rest');
    expect(outcome.remedy).toMatch(/2023/);
  });
  it('fails when neither answers and warns when only RPS does', async () => {
    expect((await run(transportsCheck, withTransports('unavailable', 'disabled'))).status).toBe('fail');
    expect((await run(transportsCheck, withTransports('unavailable', 'available'))).status).toBe('warn');
  });
});
