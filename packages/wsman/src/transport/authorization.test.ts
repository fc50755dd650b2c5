import { describe, expect, it } from 'vitest';
import { ExopsErrorCode, createStaticTokenProvider } from '@exops/contracts';
import {
  DEFAULT_RPS_PS_VERSION,
  buildAuthFailureError,
  buildBasicAuthorizationHeader,
  buildRpsConnectionUri,
  createRpsAuthorization,
  inferCredentialKind,
  secretsOfAuthorization,
} from './authorization.js';

function fakeJwt(): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ upn: 'admin@contoso.com', n: Math.random() })}.c2ln`;
}

describe('buildRpsConnectionUri', () => {
  it('adds BasicAuthToOAuthConversion and PSVersion, keeping existing parameters', () => {
    const uri = buildRpsConnectionUri('https://ps.outlook.com/powershell-liveid?DelegatedOrg=fabrikam.onmicrosoft.com');
    expect(uri).toBe(`https://ps.outlook.com/powershell-liveid?DelegatedOrg=fabrikam.onmicrosoft.com&BasicAuthToOAuthConversion=true&PSVersion=${DEFAULT_RPS_PS_VERSION}`);
  });

  it('does not duplicate parameters already present, whatever their case', () => {
    const uri = buildRpsConnectionUri('https://outlook.office365.com/powershell-liveid/?basicauthtooauthconversion=false&psversion=7.4.0', { delegatedOrg: 'contoso.com' });
    expect(uri).toBe('https://outlook.office365.com/powershell-liveid/?basicauthtooauthconversion=true&psversion=7.4.0&DelegatedOrg=contoso.com');
  });

  it('omits PSVersion on request', () => {
    expect(buildRpsConnectionUri('https://outlook.office365.com/powershell-liveid/', { psVersion: false })).toBe(
      'https://outlook.office365.com/powershell-liveid/?BasicAuthToOAuthConversion=true',
    );
  });

  it('rejects a relative URI', () => {
    expect(() => buildRpsConnectionUri('/powershell-liveid')).toThrow(/not a valid connection URI/);
  });
});

describe('authorization headers', () => {
  it('builds plain Basic and refuses a colon in the user', () => {
    expect(buildBasicAuthorizationHeader('CONTOSO\\admin', 'p:ss wörd')).toBe(`Basic ${Buffer.from('CONTOSO\\admin:p:ss wörd').toString('base64')}`);
    expect(() => buildBasicAuthorizationHeader('a:b', 'x')).toThrow(/colon/);
  });

  it('wraps the provider token as RPS Basic, asking the provider each time', async () => {
    const token = fakeJwt();
    const expiresOn = new Date(Date.now() + 3600_000);
    const auth = createRpsAuthorization(
      createStaticTokenProvider({ token, expiresOn, user: 'admin@contoso.com', tenantId: 't', scopes: [], kind: 'delegated', clientId: 'c' }),
    );
    const value = await auth();
    expect(typeof value === 'object' && value.value).toBe(`Basic ${Buffer.from(`admin@contoso.com:Bearer ${token}`).toString('base64')}`);
    expect(typeof value === 'object' && value.expiresOn).toBe(expiresOn);
    expect(typeof value === 'object' && value.kind).toBe('rps-oauth');
  });

  it('lists every secret form of a header and infers its kind', () => {
    const token = fakeJwt();
    const header = `Basic ${Buffer.from(`u@x:Bearer ${token}`).toString('base64')}`;
    expect(secretsOfAuthorization(header)).toEqual(expect.arrayContaining([header, header.slice(6), `u@x:Bearer ${token}`, `Bearer ${token}`, token]));
    expect(inferCredentialKind(header)).toBe('rps-oauth');
    expect(inferCredentialKind(buildBasicAuthorizationHeader('u', 'password'))).toBe('basic');
    expect(inferCredentialKind(`Bearer ${token}`)).toBe('other');
  });
});

describe('buildAuthFailureError', () => {
  const base = { url: 'https://outlook.office365.com/powershell-liveid/?BasicAuthToOAuthConversion=true', headers: {}, body: '' };

  it('gives 403 access denied with the reference remedies for RPS', () => {
    const token = fakeJwt();
    const e = buildAuthFailureError({ ...base, status: 403, body: `Forbidden for ${token}`, credential: { value: `Basic ${Buffer.from(`u:Bearer ${token}`).toString('base64')}` } });
    expect(e.code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
    expect(e.remedy).toMatch(/RemotePowerShellEnabled/);
    expect(e.remedy).toMatch(/Security Defaults/);
    expect(JSON.stringify(e.toJSON())).not.toContain(token);
  });

  it('tells an expired token from a denial, by clock or by the server', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const credential = { value: 'Basic dTpCZWFyZXIgeHh4eHh4', expiresOn: new Date('2026-01-01T11:59:00Z') };
    expect(buildAuthFailureError({ ...base, status: 401, credential, now }).code).toBe(ExopsErrorCode.AUTH_TOKEN_EXPIRED);
    expect(buildAuthFailureError({ ...base, status: 401, credential: { ...credential, expiresOn: new Date('2026-01-01T13:00:00Z') }, now }).code).toBe(
      ExopsErrorCode.AUTH_ACCESS_DENIED,
    );
    expect(buildAuthFailureError({ ...base, status: 401, body: 'IDX10223: Lifetime validation failed. The token is expired.' }).code).toBe(ExopsErrorCode.AUTH_TOKEN_EXPIRED);
    // A 403 is a denial even with an old token: renewing would not help.
    expect(buildAuthFailureError({ ...base, status: 403, credential, now }).code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
  });

  it('keeps the HTML body as text and the X- diagnostic headers', () => {
    const e = buildAuthFailureError({
      ...base,
      status: 401,
      headers: { 'x-feserver': 'AM0PR01CA0001', 'content-type': 'text/html', 'www-authenticate': 'Basic realm="x"' },
      body: '<html><head><style>p{}</style></head><body><p>Access&nbsp;is denied &amp; logged.</p></body></html>',
    });
    expect(e.details?.['serverText']).toBe('Access&nbsp;is denied & logged.');
    expect(e.details?.['diagnostics']).toEqual({ 'x-feserver': 'AM0PR01CA0001' });
    expect(e.remedy).toMatch(/credential/);
  });
});
