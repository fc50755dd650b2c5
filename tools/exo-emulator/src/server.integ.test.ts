import { createHash, randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from './server.js';
import { readEmulatorState } from './state-file.js';
import { startTestEmulator, type TestEmulator } from './test-support/emulator.js';
import { httpsCall } from './test-support/https.js';

const EXO_CLIENT = 'fb78d390-0c51-40cd-8e17-fdbfab77341b';
const logLines: string[] = [];
let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ host: '0.0.0.0', bodyLimitBytes: 64 * 1024, log: (line) => logLines.push(line), writeStateFile: true });
});
afterAll(async () => {
  await emulator.dispose();
});

const call = (path: string, options: Parameters<typeof httpsCall>[2] = {}) => httpsCall(`${emulator.url}${path}`, emulator.caCertPem, options);

function password(upn: string): string {
  return emulator.directory.findUser(upn)?.password ?? '';
}

function hidden(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
}

/** Runs the authorize pages for a non-MFA user and returns the authorization code. */
async function authorizationCode(verifier: string, redirectUri = 'http://localhost:5555'): Promise<string> {
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ client_id: EXO_CLIENT, response_type: 'code', redirect_uri: redirectUri, scope: 'https://outlook.office365.com/.default openid profile offline_access', code_challenge: challenge, code_challenge_method: 'S256', state: 'st', response_mode: 'query' });
  const start = await call(`/organizations/oauth2/v2.0/authorize?${query.toString()}`);
  expect(start.status).toBe(200);
  const upn = 'automation@contoso.com';
  const passwordPage = await call('/organizations/login', { form: { loginfmt: upn, flowToken: hidden(start.text, 'flowToken') } });
  const done = await call('/organizations/login', { form: { loginfmt: upn, passwd: password(upn), flowToken: hidden(passwordPage.text, 'flowToken') } });
  expect(done.status).toBe(302);
  const location = new URL(String(done.headers['location']));
  expect(location.origin).toBe(new URL(redirectUri).origin);
  expect(location.searchParams.get('state')).toBe('st');
  return location.searchParams.get('code') ?? '';
}

describe('the emulator server', () => {
  it('writes a state file clients can read, pointing at the running emulator', async () => {
    const state = await readEmulatorState(emulator.stateDir);
    expect(state).toMatchObject({ url: emulator.url, port: emulator.port, pid: process.pid, caFile: emulator.caFile });
  });

  it('serves the OIDC discovery MSAL reads, per tenant and for organizations', async () => {
    const organizations = (await call('/organizations/v2.0/.well-known/openid-configuration')).json();
    expect(organizations).toMatchObject({ issuer: `${emulator.url}/{tenantid}/v2.0`, token_endpoint: `${emulator.url}/organizations/oauth2/v2.0/token`, authorization_endpoint: `${emulator.url}/organizations/oauth2/v2.0/authorize` });
    const tenantId = emulator.directory.findUser('admin@contoso.com')?.tenantId ?? '';
    const byDomain = (await call('/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration')).json();
    expect(byDomain['issuer']).toBe(`${emulator.url}/${tenantId}/v2.0`);
    expect(byDomain['token_endpoint']).toBe(`${emulator.url}/${tenantId}/oauth2/v2.0/token`);
    const v1 = (await call('/contoso.com/.well-known/openid-configuration')).json();
    expect(v1['issuer']).toBe(`https://sts.windows.net/${tenantId}/`);
    const keys = (await call(`/${tenantId}/discovery/v2.0/keys`)).json<{ keys: { kid: string; kty: string; x5c: string[] }[] }>();
    expect(keys.keys[0]).toMatchObject({ kty: 'RSA' });
    const instance = (await call('/common/discovery/instance?api-version=1.1&authorization_endpoint=' + encodeURIComponent(`${emulator.url}/organizations/oauth2/v2.0/authorize`))).json();
    expect(instance['tenant_discovery_endpoint']).toBe(`${emulator.url}/organizations/v2.0/.well-known/openid-configuration`);
    const unknown = await call('/nope.example/v2.0/.well-known/openid-configuration');
    expect(unknown.status).toBe(400);
    expect(unknown.json()['error_codes']).toEqual([90002]);
  });

  it('authorization code: PKCE is verified, a code redeems once, and expires after ten minutes', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorizationCode(verifier);
    const redeem = (codeValue: string, codeVerifier: string) =>
      call('/organizations/oauth2/v2.0/token', { form: { grant_type: 'authorization_code', client_id: EXO_CLIENT, code: codeValue, code_verifier: codeVerifier, redirect_uri: 'http://localhost:5555', scope: 'https://outlook.office365.com/.default openid offline_access', client_info: '1' } });
    const wrong = await redeem(code, 'not-the-verifier');
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    const good = await redeem(code, verifier);
    expect(good.status).toBe(200);
    const body = good.json<{ access_token: string; refresh_token: string; id_token: string; client_info: string; token_type: string; expires_in: number }>();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(JSON.parse(Buffer.from(body.client_info, 'base64url').toString())).toEqual({ uid: emulator.directory.findUser('automation@contoso.com')?.objectId, utid: emulator.directory.findUser('automation@contoso.com')?.tenantId });
    expect((await redeem(code, verifier)).json()['error_codes']).toEqual([54005]);

    const refreshed = await call('/organizations/oauth2/v2.0/token', { form: { grant_type: 'refresh_token', client_id: EXO_CLIENT, refresh_token: body.refresh_token, scope: 'https://outlook.office365.com/.default offline_access' } });
    expect(refreshed.status).toBe(200);
    const reused = await call('/organizations/oauth2/v2.0/token', { form: { grant_type: 'refresh_token', client_id: EXO_CLIENT, refresh_token: body.refresh_token, scope: 'https://outlook.office365.com/.default' } });
    expect(reused.json()).toMatchObject({ error: 'invalid_grant' });

    const late = await authorizationCode(verifier);
    await emulator.admin.shiftClock(601);
    expect((await redeem(late, verifier)).json()['error_codes']).toEqual([70008]);
    await emulator.admin.shiftClock(-601);
  });

  it('authorize refuses an unknown client and a foreign redirect URI on an error page', async () => {
    const unknownClient = await call('/organizations/oauth2/v2.0/authorize?client_id=00000000-0000-0000-0000-000000000000&response_type=code&redirect_uri=http://localhost&scope=openid');
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.text).toContain('AADSTS700016');
    const badRedirect = await call(`/organizations/oauth2/v2.0/authorize?client_id=${EXO_CLIENT}&response_type=code&redirect_uri=https://evil.example/&scope=openid`);
    expect(badRedirect.text).toContain('AADSTS50011');
    expect(badRedirect.text).not.toContain('<script');
  });

  it('answers JSON 404 and 405 with the allowed methods', async () => {
    const missing = await call('/no/such/endpoint');
    expect(missing.status).toBe(404);
    const wrongMethod = await call('/devicelogin', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, POST');
  });

  it('refuses a body over the limit with 413 before reading it all', async () => {
    const response = await call('/organizations/oauth2/v2.0/token', { body: Buffer.alloc(65 * 1024, 0x61), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(413);
  });

  it('applies faults set through the admin API: status with Retry-After, latency, reset; never to /_admin', async () => {
    await emulator.admin.setFaults({ rules: [{ kind: 'http-429', pathPrefix: '/organizations/v2.0', count: 1, retryAfterSeconds: 7 }] });
    const throttled = await call('/organizations/v2.0/.well-known/openid-configuration');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect((await call('/organizations/v2.0/.well-known/openid-configuration')).status).toBe(200);

    await emulator.admin.setFaults({ latency: 150 });
    const begun = Date.now();
    await call('/common/discovery/keys');
    expect(Date.now() - begun).toBeGreaterThanOrEqual(140);

    await emulator.admin.setFaults({ rules: [{ kind: 'reset', pathPrefix: '/common/discovery/keys' }] });
    await expect(call('/common/discovery/keys')).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect((await emulator.admin.faults()).stats[0]).toMatchObject({ fired: 1 });
    await emulator.admin.clearFaults();
    expect((await call('/common/discovery/keys')).status).toBe(200);
  });

  it('shifts the clock through the admin API', async () => {
    const before = await emulator.admin.now();
    const after = await emulator.admin.shiftClock(3600);
    expect(after.getTime() - before.getTime()).toBeGreaterThanOrEqual(3600_000);
    await emulator.admin.shiftClock(-3600);
  });

  it('logs requests without passwords, codes or tokens', async () => {
    const upn = 'automation@contoso.com';
    const secret = password(upn);
    const token = await call('/organizations/oauth2/v2.0/token?code=abcdef123456', { form: { grant_type: 'password', client_id: EXO_CLIENT, username: upn, password: secret, scope: 'https://outlook.office365.com/.default' } });
    const accessToken = token.json()['access_token'] as string;
    expect(accessToken).toMatch(/^eyJ/);
    const joined = logLines.join('\n');
    expect(joined).toContain('POST /organizations/oauth2/v2.0/token');
    expect(joined).not.toContain(secret);
    expect(joined).not.toContain('abcdef123456');
    expect(joined).not.toContain(accessToken.slice(0, 40));
  });

  it('answers the admin API only on loopback', async () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && !address.internal && address.family === 'IPv4');
    if (external === undefined) return;
    const remote = await httpsCall(`https://${external.address}:${emulator.port}/_admin/clock`, emulator.caCertPem, { servername: 'localhost' });
    expect(remote.status).toBe(403);
    const publicEndpoint = await httpsCall(`https://${external.address}:${emulator.port}/common/discovery/keys`, emulator.caCertPem, { servername: 'localhost' });
    expect(publicEndpoint.status).toBe(200);
  });
});
