import { generateKeyPairSync, randomUUID, createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildAppCertificate } from '../exchange/certificate.js';
import { certificateThumbprints, verifyClientAssertion } from './client-assertion.js';

const cert = buildAppCertificate('test app', 'abcdef0123456789', new Date(Date.now() - 86400_000));
const thumbprints = certificateThumbprints(cert.certificatePem);
const CLIENT = 'c1a2b3c4-0000-4000-8000-000000000001';
const AUDIENCE = 'https://127.0.0.1:1/contoso.com/oauth2/v2.0/token';

async function assertion(options: { header?: Record<string, unknown>; claims?: Record<string, unknown>; alg?: string; key?: ReturnType<typeof createPrivateKey> } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const alg = options.alg ?? 'PS256';
  return new SignJWT({ aud: AUDIENCE, iss: CLIENT, sub: CLIENT, jti: randomUUID(), nbf: now, exp: now + 600, ...options.claims })
    .setProtectedHeader({ alg, typ: 'JWT', 'x5t#S256': thumbprints.x5tS256, ...options.header })
    .sign(options.key ?? createPrivateKey(cert.privateKeyPem));
}

const check = (text: string, now = new Date()) => verifyClientAssertion({ assertion: text, clientId: CLIENT, certificatePems: [cert.certificatePem], audiences: [AUDIENCE], now });

describe('certificate client assertions', () => {
  it('accepts PS256 with x5t#S256 and RS256 with x5t (what msal-node sends)', async () => {
    expect(await check(await assertion())).toEqual({ ok: true });
    expect(await check(await assertion({ alg: 'RS256', header: { 'x5t#S256': undefined, x5t: thumbprints.x5t } }))).toEqual({ ok: true });
  });

  it('refuses a certificate not registered on the app, a missing thumbprint and a bad signature with AADSTS700027', async () => {
    expect(await check(await assertion({ header: { 'x5t#S256': 'AAAA' } }))).toMatchObject({ ok: false, code: 700027, message: expect.stringContaining('not registered on application') });
    expect(await check(await assertion({ header: { 'x5t#S256': undefined } }))).toMatchObject({ ok: false, code: 700027 });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await check(await assertion({ key: stranger }))).toMatchObject({ ok: false, code: 700027, message: 'Client assertion contains an invalid signature.' });
  });

  it('refuses an expired assertion (AADSTS700024), a wrong audience and a wrong issuer (AADSTS50027)', async () => {
    expect(await check(await assertion(), new Date(Date.now() + 3600_000))).toMatchObject({ ok: false, code: 700024 });
    expect(await check(await assertion({ claims: { aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' } }))).toMatchObject({ ok: false, code: 50027 });
    expect(await check(await assertion({ claims: { iss: 'someone-else' } }))).toMatchObject({ ok: false, code: 50027 });
    expect(await check('garbage')).toMatchObject({ ok: false, code: 50027 });
  });
});
