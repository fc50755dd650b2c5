/** The REST endpoint behind the real server: HTTPS, the identity half's real tokens, the router, the admin API. */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsCall } from '../test-support/https.js';
import { startTestEmulator, type TestEmulator } from '../test-support/emulator.js';
import { createExchangeService } from './index.js';

const EXO_CLIENT = 'fb78d390-0c51-40cd-8e17-fdbfab77341b';
let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ exchange: (context) => createExchangeService(context) });
}, 60_000);
afterAll(async () => {
  await emulator?.dispose();
});

async function tokenFor(upn: string): Promise<string> {
  const password = emulator.directory.findUser(upn)?.password ?? '';
  const response = await httpsCall(`${emulator.url}/organizations/oauth2/v2.0/token`, emulator.caCertPem, {
    form: { grant_type: 'password', client_id: EXO_CLIENT, username: upn, password, scope: 'https://outlook.office365.com/.default' },
  });
  expect(response.status).toBe(200);
  return response.json()['access_token'] as string;
}

function invoke(tenant: string, token: string, cmdlet: string, parameters: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return httpsCall(`${emulator.url}/adminapi/beta/${tenant}/InvokeCommand`, emulator.caCertPem, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-cmdletname': cmdlet, ...headers },
    body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
  });
}

describe('InvokeCommand over HTTPS with real tokens', () => {
  it('runs Get-Mailbox for a user signed in with a password, in JSON and CLIXML', async () => {
    const token = await tokenFor('automation@contoso.com');
    const json = await invoke('contoso.onmicrosoft.com', token, 'Get-Mailbox', { ResultSize: 2 });
    expect(json.status).toBe(200);
    expect(json.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const body = json.json();
    expect((body['value'] as Record<string, unknown>[]).map((m) => m['Name'])).toEqual(['admin', 'automation']);
    const clixml = await invoke('contoso.com', token, 'Get-Mailbox', { Identity: 'alex.wilber' }, { 'x-responseformat': 'clixml' });
    expect((clixml.json()['value'] as { _clixml: string }[])[0]!._clixml).toContain('Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox');
  });

  it('refuses a user whose RemotePowerShellEnabled was switched off through the admin API', async () => {
    const token = await tokenFor('alex.wilber@contoso.com');
    expect((await invoke('contoso.com', token, 'Get-Mailbox')).status).toBe(200);
    await emulator.admin.request('PATCH', '/exchange/users/alex.wilber@contoso.com', { remotePowerShellEnabled: false });
    const refused = await invoke('contoso.com', token, 'Get-Mailbox');
    expect(refused.status).toBe(403);
  });

  it('answers a token that is not the identity half\'s with 401 and a challenge', async () => {
    const response = await invoke('contoso.com', 'garbage', 'Get-Mailbox');
    expect(response.status).toBe(401);
    expect(String(response.headers['www-authenticate'])).toMatch(/^Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/);
  });
});

describe('InvokeCommand with app-only tokens (certificate client assertion)', () => {
  async function appToken(index: number): Promise<{ appId: string; token: string }> {
    const app = [...emulator.directory.apps()][index]!;
    const full = emulator.directory as unknown as { findApp(id: string): { privateKeyPem: string } };
    const key = createPrivateKey(full.findApp(app.appId).privateKeyPem);
    const thumbprint = createHash('sha256').update(new X509Certificate(app.certificatePem!).raw).digest('base64url');
    const audience = `${emulator.url}/${app.tenantId}/oauth2/v2.0/token`;
    const now = Math.floor(emulator.clock.now().getTime() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': thumbprint })
      .setIssuer(app.appId)
      .setSubject(app.appId)
      .setAudience(audience)
      .setJti(`jti-${index}-${now}`)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(key);
    const response = await httpsCall(audience, emulator.caCertPem, {
      form: {
        grant_type: 'client_credentials',
        client_id: app.appId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: 'https://outlook.office365.com/.default',
      },
    });
    expect(response.status).toBe(200);
    return { appId: app.appId, token: response.json()['access_token'] as string };
  }

  it('serves the app with Exchange.ManageAsApp and a directory role, refuses the one without a role', async () => {
    const allowed = await appToken(0);
    const ok = await invoke('contoso.onmicrosoft.com', allowed.token, 'Get-AcceptedDomain', {}, { 'x-anchormailbox': 'APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com' });
    expect(ok.status).toBe(200);
    expect((ok.json()['value'] as Record<string, unknown>[]).map((d) => d['DomainName'])).toEqual(['contoso.com', 'contoso.onmicrosoft.com']);
    const refused = await appToken(1);
    const response = await invoke('contoso.onmicrosoft.com', refused.token, 'Get-Mailbox');
    expect(response.status).toBe(401);
    expect(response.text).toContain(`The role assigned to application ${refused.appId} isn't supported in this scenario.`);
  });
});
