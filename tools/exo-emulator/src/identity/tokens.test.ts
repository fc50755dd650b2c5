import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createEmulatorClock } from '../clock.js';
import type { IdentityDirectory } from './directory.js';
import { createSigningKey, createTokenService, v1Issuer, type SigningKey } from './tokens.js';

const TENANT = '11111111-2222-4333-8444-555555555555';
const user = { upn: 'admin@contoso.com', objectId: 'aaaaaaaa-0000-4000-8000-000000000001', tenantId: TENANT, displayName: 'MOD Administrator', password: 'x', mfaRequired: true, remotePowerShellEnabled: true, roles: ['Global Administrator'] };
const directory: IdentityDirectory = {
  findUser: (upn) => (upn === user.upn ? user : undefined),
  users: () => [user],
  tenants: () => [{ tenantId: TENANT, defaultDomain: 'contoso.com', domains: ['contoso.com', 'contoso.onmicrosoft.com'], rpsEnabled: true }],
  apps: () => [],
};
const key = createSigningKey();

function service(signingKey: SigningKey = key) {
  const clock = createEmulatorClock();
  const tokens = createTokenService({ key: signingKey, clock, directory: () => directory, origin: () => 'https://127.0.0.1:1', accessTokenLifetimeSeconds: 3600 });
  return { clock, tokens };
}

const delegated = { kind: 'delegated' as const, user, tenantId: TENANT, clientId: 'fb78d390-0c51-40cd-8e17-fdbfab77341b', clientName: 'EXO', scopes: ['Exchange.Manage'], authMethods: ['pwd', 'mfa'] };

async function signed(claims: Record<string, unknown>, signingKey: SigningKey = key): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ aud: 'https://outlook.office365.com', iss: v1Issuer(TENANT), tid: TENANT, iat: now, nbf: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
    .sign(signingKey.privateKey);
}

describe('access tokens', () => {
  it('issues v1-shaped Exchange tokens that verify, with the claims Exchange reads', async () => {
    const { tokens } = service();
    const { token, expiresIn } = await tokens.issueAccessToken(delegated, 'https://outlook.office365.com');
    expect(expiresIn).toBe(3600);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: 'https://outlook.office365.com', iss: `https://sts.windows.net/${TENANT}/`, upn: user.upn, unique_name: user.upn, preferred_username: user.upn, tid: TENANT, oid: user.objectId, appid: delegated.clientId, azp: delegated.clientId, scp: 'Exchange.Manage', amr: ['pwd', 'mfa'], wids: ['62e90394-69f5-4237-9190-012177145e10'] });
    expect(await tokens.verifyAccessToken(token)).toMatchObject({ ok: true, token: { upn: user.upn, kind: 'delegated', roles: ['Global Administrator'], scopes: ['Exchange.Manage'] } });
  });

  it('issues app-only tokens with roles and no upn', async () => {
    const { tokens } = service();
    const { token } = await tokens.issueAccessToken({ kind: 'app', appId: 'app-id', appName: 'app', tenantId: TENANT, roles: ['Exchange.ManageAsApp', 'Exchange Administrator'] }, 'https://outlook.office365.com');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims['roles']).toEqual(['Exchange.ManageAsApp']);
    expect(claims['wids']).toContain('29232cdf-9323-42fd-ade2-1d097af3e4de');
    expect(await tokens.verifyAccessToken(token)).toMatchObject({ ok: true, token: { kind: 'app', upn: undefined, appId: 'app-id', roles: ['Exchange.ManageAsApp', 'Exchange Administrator'] } });
  });

  it('refuses a token signed by another key (bad signature)', async () => {
    const { tokens } = service();
    const other = createSigningKey();
    expect(await tokens.verifyAccessToken(await signed({}, other))).toMatchObject({ ok: false, reason: 'bad-signature' });
    const forged = await signed({});
    const [header, , signature] = forged.split('.');
    const payload = Buffer.from(JSON.stringify({ aud: 'https://outlook.office365.com', tid: TENANT, upn: 'attacker@contoso.com', exp: 9999999999 })).toString('base64url');
    expect(await tokens.verifyAccessToken(`${header}.${payload}.${signature}`)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a token for another audience', async () => {
    const { tokens } = service();
    expect(await tokens.verifyAccessToken(await signed({ aud: 'https://graph.microsoft.com' }))).toMatchObject({ ok: false, reason: 'wrong-audience' });
    expect(await tokens.verifyAccessToken(await signed({ aud: '00000002-0000-0ff1-ce00-000000000000' }))).toMatchObject({ ok: true });
  });

  it('refuses an expired token once the emulator clock passes exp', async () => {
    const { tokens, clock } = service();
    const { token } = await tokens.issueAccessToken(delegated, 'https://outlook.office365.com');
    clock.shift(3599);
    expect((await tokens.verifyAccessToken(token)).ok).toBe(true);
    clock.shift(2);
    expect(await tokens.verifyAccessToken(token)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses an unknown tenant and an issuer that does not match the tenant', async () => {
    const { tokens } = service();
    const stranger = '99999999-2222-4333-8444-555555555555';
    expect(await tokens.verifyAccessToken(await signed({ tid: stranger, iss: v1Issuer(stranger) }))).toMatchObject({ ok: false, reason: 'unknown-tenant' });
    expect(await tokens.verifyAccessToken(await signed({ iss: v1Issuer(stranger) }))).toMatchObject({ ok: false, reason: 'wrong-issuer' });
  });

  it('names missing and malformed tokens', async () => {
    const { tokens } = service();
    expect(await tokens.verifyAccessToken('')).toMatchObject({ ok: false, reason: 'missing' });
    expect(await tokens.verifyAccessToken('not-a-jwt')).toMatchObject({ ok: false, reason: 'malformed' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(await tokens.verifyAccessToken(none)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});
