import { CLOUD_ENVIRONMENTS } from '@exops/contracts';
import type { DoctorContext, DoctorProbes, TokenClaimsSummary } from '../types.js';

export const NOW = new Date('2026-11-25T12:00:00.000Z');

/** Probes that answer as a healthy worldwide tenant would. Override any of them per test. */
export function healthyProbes(): DoctorProbes {
  return {
    dns: { lookup: (host) => Promise.resolve({ ok: true, addresses: [host.startsWith('login') ? '20.190.1.1' : '52.96.1.1'] }) },
    tcp: { connect: (host, port) => Promise.resolve({ ok: true, remoteAddress: `${host}:${port}`, elapsedMs: 12 }) },
    tls: {
      inspect: () =>
        Promise.resolve({
          authorized: true,
          protocol: 'TLSv1.3',
          viaProxy: false,
          chain: [
            { subject: 'CN=outlook.com, O=Microsoft Corporation', issuer: 'CN=DigiCert Cloud Services CA-1, O=DigiCert Inc', validFrom: '', validTo: 'Jan 1 2027', fingerprint256: 'AA' },
            { subject: 'CN=DigiCert Cloud Services CA-1, O=DigiCert Inc', issuer: 'CN=DigiCert Global Root CA, O=DigiCert Inc', validFrom: '', validTo: 'Jan 1 2030', fingerprint256: 'BB' },
          ],
        }),
    },
    http: {
      head: () => Promise.resolve({ status: 200, headers: { date: NOW.toUTCString() } }),
      get: () => Promise.resolve({ status: 200, headers: { date: NOW.toUTCString() }, bodyText: '{}' }),
    },
    proxy: { connect: () => Promise.resolve({ status: 200, statusText: 'Connection established' }) },
    oidc: {
      discover: (authority) =>
        Promise.resolve({
          ok: true,
          url: `${authority}/v2.0/.well-known/openid-configuration`,
          document: { issuer: 'https://login.microsoftonline.com/t/v2.0', cloud_instance_name: 'microsoftonline.com', tenant_region_scope: 'EU' },
        }),
    },
    token: { acquire: () => Promise.resolve(delegatedToken()) },
    exchange: {
      getUser: (upn) => Promise.resolve({ identity: upn, remotePowerShellEnabled: true, exoModuleEnabled: true }),
      listAllowedCmdlets: () => Promise.resolve(['Get-Mailbox', 'Set-Mailbox', 'Get-User']),
      listSessions: () => Promise.resolve([]),
      probeTransports: () => Promise.resolve({ rest: { state: 'available', status: 200 }, rps: { state: 'disabled', status: 400 } }),
    },
    os: { run: () => Promise.resolve({ exitCode: 0, stdout: '', stderr: '' }) },
  };
}

export function delegatedToken(overrides: Partial<TokenClaimsSummary> = {}): TokenClaimsSummary {
  return {
    kind: 'delegated',
    user: 'admin@contoso.com',
    tenantId: '11111111-2222-3333-4444-555555555555',
    clientId: 'fb78d390-0c51-40cd-8e17-fdbfab77341b',
    audience: 'https://outlook.office365.com',
    scopes: ['Exchange.Manage'],
    expiresOn: new Date(NOW.getTime() + 60 * 60_000),
    issuedAt: new Date(NOW.getTime() - 5_000),
    ...overrides,
  };
}

/** A Linux context on the worldwide cloud with healthy probes; override anything. */
export function fakeContext(overrides: Partial<Omit<DoctorContext, 'probes'>> & { probes?: Partial<DoctorProbes> } = {}): DoctorContext {
  const { probes, ...rest } = overrides;
  return {
    environment: CLOUD_ENVIRONMENTS.O365Default,
    upn: 'admin@contoso.com',
    tenant: undefined,
    flow: 'interactive',
    transport: 'rest',
    cmdlets: ['Get-Mailbox'],
    proxy: { url: undefined, source: 'none', noProxy: '' },
    extraCaConfigured: false,
    platform: 'linux',
    nodeVersion: '20.20.2',
    now: () => NOW,
    ...rest,
    probes: { ...healthyProbes(), ...probes },
  };
}
