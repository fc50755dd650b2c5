import { request } from 'node:https';
import { ConfidentialClientApplication, PublicClientApplication, type AuthenticationResult } from '@azure/msal-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpsCall } from '../test-support/https.js';
import { createTrustingNetworkModule } from '../test-support/msal-network.js';
import { startTestEmulator, type TestEmulator } from '../test-support/emulator.js';

const EXO_CLIENT = 'fb78d390-0c51-40cd-8e17-fdbfab77341b';
const EXO_SCOPES = ['https://outlook.office365.com/.default'];

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  await emulator.dispose();
});
afterEach(() => {
  vi.useRealTimers();
});

function publicClient(authority = emulator.authority): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId: EXO_CLIENT, authority, knownAuthorities: [new URL(emulator.url).host] },
    system: { networkClient: createTrustingNetworkModule(emulator.caCertPem) },
  });
}

function must<T>(value: T | null): T {
  if (value === null) throw new Error('MSAL returned no result');
  return value;
}

function password(upn: string): string {
  const user = emulator.directory.findUser(upn);
  if (user === undefined) throw new Error(`fixture user ${upn} is missing`);
  return user.password;
}

/** POSTs a form over HTTPS trusting the emulator CA; returns status and HTML. */
function postForm(path: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const body = Buffer.from(new URLSearchParams(fields).toString());
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${emulator.url}${path}`,
      { method: 'POST', ca: emulator.caCertPem, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function hidden(html: string, name: string): string {
  const found = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (found?.[1] === undefined) throw new Error(`no hidden field ${name} in page: ${html.slice(0, 400)}`);
  return found[1];
}

function formAction(html: string): string {
  const found = /<form method="post" action="([^"]+)"/.exec(html);
  if (found?.[1] === undefined) throw new Error('no form on the page');
  return found[1];
}

describe('real @azure/msal-node against the emulator', () => {
  it('device code: MSAL polls until the code is approved through the admin API', async () => {
    const msal = publicClient();
    let message = '';
    const result = must(await msal.acquireTokenByDeviceCode({
      scopes: EXO_SCOPES,
      deviceCodeCallback: (response) => {
        message = response.message;
        void emulator.admin.approveDeviceCode(response.userCode, 'admin@contoso.com');
      },
    }));
    expect(message).toContain(`${emulator.url}/devicelogin`);
    expect(result.account?.username).toBe('admin@contoso.com');
    const verified = await emulator.verifyAccessToken(result.accessToken);
    expect(verified).toMatchObject({ ok: true, token: { upn: 'admin@contoso.com', kind: 'delegated', appId: EXO_CLIENT } });
    expect(result.idTokenClaims).toMatchObject({ preferred_username: 'admin@contoso.com', aud: EXO_CLIENT });
  });

  it('device code: the user signs in on /devicelogin with password and verification code, then approves', async () => {
    const msal = publicClient();
    const upn = 'admin@contoso.com';
    let pages: Promise<string> | undefined;
    const token = msal.acquireTokenByDeviceCode({
      scopes: EXO_SCOPES,
      deviceCodeCallback: (response) => {
        pages = (async () => {
          const entered = await postForm('/devicelogin', { otc: response.userCode.toLowerCase() });
          const username = await postForm(formAction(entered.body), { loginfmt: upn, flowToken: hidden(entered.body, 'flowToken') });
          const passwordPage = await postForm(formAction(username.body), { loginfmt: upn, passwd: password(upn), flowToken: hidden(username.body, 'flowToken') });
          expect(passwordPage.body).toContain('We texted your phone');
          const code = await emulator.admin.waitForMfaCode(upn);
          const wrong = await postForm(formAction(passwordPage.body), { otc: code === '000000' ? '111111' : '000000', flowToken: hidden(passwordPage.body, 'flowToken') });
          expect(wrong.body).toContain('enter the expected verification code. Please try again.');
          const consent = await postForm(formAction(wrong.body), { otc: code, flowToken: hidden(wrong.body, 'flowToken') });
          expect(consent.body).toContain('Are you trying to sign in to Microsoft Exchange REST API Based Powershell?');
          const done = await postForm('/devicelogin/confirm', { decision: 'approve', flowToken: hidden(consent.body, 'flowToken') });
          return done.body;
        })();
      },
    });
    const result = must(await token);
    expect(await pages).toContain('You have signed in to the Microsoft Exchange REST API Based Powershell application on your device');
    expect(result.account?.username).toBe(upn);
    const verified = await emulator.verifyAccessToken(result.accessToken);
    expect(verified.ok).toBe(true);
  });

  it('device code: a declined code fails MSAL with authorization_declined', async () => {
    const msal = publicClient();
    await expect(
      msal.acquireTokenByDeviceCode({
        scopes: EXO_SCOPES,
        deviceCodeCallback: (response) => {
          void emulator.admin.denyDeviceCode(response.userCode);
        },
      }),
    ).rejects.toThrow(/authorization_declined/);
  });

  it('username/password: a user without MFA gets a token; an MFA user gets AADSTS50076; a wrong password AADSTS50126', async () => {
    const msal = publicClient();
    const result = must(await msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: 'automation@contoso.com', password: password('automation@contoso.com') }));
    expect(result.account?.username).toBe('automation@contoso.com');
    await expect(msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: 'admin@contoso.com', password: password('admin@contoso.com') })).rejects.toThrow(/AADSTS50076/);
    await expect(msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: 'automation@contoso.com', password: 'not-the-password' })).rejects.toThrow(/AADSTS50126: Error validating credentials due to invalid username or password/);
  });

  it('refresh: after an hour (MSAL clock and emulator clock both moved) acquireTokenSilent redeems the refresh token', async () => {
    const msal = publicClient();
    const upn = 'reader@contoso.com';
    const first: AuthenticationResult = must(await msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: upn, password: password(upn) }));
    const account = first.account;
    if (account === null) throw new Error('MSAL returned no account');
    const grantsBefore = (await emulator.admin.tokenGrants()).filter((grant) => grant.grantType === 'refresh_token').length;

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3700_000 });
    await emulator.admin.shiftClock(3700);
    try {
      expect(await emulator.verifyAccessToken(first.accessToken)).toMatchObject({ ok: false, reason: 'expired' });
      const second = await msal.acquireTokenSilent({ account, scopes: EXO_SCOPES });
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(await emulator.verifyAccessToken(second.accessToken)).toMatchObject({ ok: true, token: { upn } });
      const grantsAfter = (await emulator.admin.tokenGrants()).filter((grant) => grant.grantType === 'refresh_token').length;
      expect(grantsAfter).toBe(grantsBefore + 1);
    } finally {
      // Both clocks go back together so later tests (client assertions carry real time) agree with the server.
      vi.useRealTimers();
      await emulator.admin.shiftClock(-3700);
    }
  });

  it('claims challenge: a token request with claims is honoured and recorded', async () => {
    const msal = publicClient();
    const upn = 'helpdesk@contoso.com';
    const claims = JSON.stringify({ access_token: { xms_cc: { values: ['cp1'] } } });
    const result = must(await msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: upn, password: password(upn), claims }));
    expect((await emulator.verifyAccessToken(result.accessToken)).ok).toBe(true);
    const recorded = await emulator.admin.claimsRequests();
    expect(recorded.some((entry) => entry.upn === upn && entry.claims.includes('xms_cc'))).toBe(true);
  });

  it('certificate: client credentials with the app certificate give an app-only Exchange token', async () => {
    const app = [...emulator.directory.apps()].find((candidate) => candidate.roles.includes('Exchange.ManageAsApp')) as
      | { appId: string; tenantId: string; privateKeyPem?: string; thumbprintSha256?: string }
      | undefined;
    if (app?.privateKeyPem === undefined || app.thumbprintSha256 === undefined) throw new Error('fixture certificate app is missing');
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: app.appId,
        authority: `${emulator.url}/contoso.onmicrosoft.com`,
        knownAuthorities: [new URL(emulator.url).host],
        clientCertificate: { thumbprintSha256: app.thumbprintSha256, privateKey: app.privateKeyPem },
      },
      system: { networkClient: createTrustingNetworkModule(emulator.caCertPem) },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: EXO_SCOPES });
    if (result === null) throw new Error('no token');
    const verified = await emulator.verifyAccessToken(result.accessToken);
    expect(verified).toMatchObject({ ok: true, token: { kind: 'app', appId: app.appId, tenantId: app.tenantId, upn: undefined } });
    if (verified.ok) expect(verified.token.roles).toContain('Exchange.ManageAsApp');
  });

  it('certificate: an assertion signed by a certificate not registered on the app is refused with AADSTS700027', async () => {
    const apps = [...emulator.directory.apps()] as { appId: string; privateKeyPem?: string; thumbprintSha256?: string }[];
    const [first, second] = apps;
    if (first === undefined || second?.privateKeyPem === undefined || second.thumbprintSha256 === undefined) throw new Error('two fixture apps expected');
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: first.appId,
        authority: `${emulator.url}/contoso.onmicrosoft.com`,
        knownAuthorities: [new URL(emulator.url).host],
        clientCertificate: { thumbprintSha256: second.thumbprintSha256, privateKey: second.privateKeyPem },
      },
      system: { networkClient: createTrustingNetworkModule(emulator.caCertPem) },
    });
    await expect(cca.acquireTokenByClientCredential({ scopes: EXO_SCOPES })).rejects.toThrow(/AADSTS700027/);
  });

  it('an unknown tenant in the authority is refused (AADSTS90002 from discovery and token endpoints)', async () => {
    const msal = publicClient(`${emulator.url}/no-such-tenant.onmicrosoft.com`);
    await expect(msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: 'automation@contoso.com', password: password('automation@contoso.com') })).rejects.toThrow();
    const response = await postForm('/no-such-tenant.onmicrosoft.com/oauth2/v2.0/token', { grant_type: 'password', client_id: EXO_CLIENT });
    expect(response.status).toBe(400);
    const body = JSON.parse(response.body) as { error: string; error_codes: number[]; error_description: string };
    expect(body.error_codes).toEqual([90002]);
    expect(body.error_description).toMatch(/^AADSTS90002: Tenant 'no-such-tenant.onmicrosoft.com' not found\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s);
  });

  it('the token MSAL obtained is accepted by the Exchange half (REST InvokeCommand), and a Graph token is not', async () => {
    const msal = publicClient();
    const upn = 'automation@contoso.com';
    const result = must(await msal.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: upn, password: password(upn) }));
    const invoke = (token: string) =>
      httpsCall(`${emulator.url}/adminapi/beta/${result.tenantId}/InvokeCommand`, emulator.caCertPem, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-anchormailbox': `UPN:${upn}` },
        body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { Identity: upn } } }),
      });
    const accepted = await invoke(result.accessToken);
    expect(accepted.status).toBe(200);
    expect(accepted.text).toContain(upn);
    const graph = must(await msal.acquireTokenByUsernamePassword({ scopes: ['https://graph.microsoft.com/.default'], username: upn, password: password(upn) }));
    expect(await emulator.verifyAccessToken(graph.accessToken)).toMatchObject({ ok: false, reason: 'wrong-audience' });
    expect((await invoke(graph.accessToken)).status).toBe(401);
  });

  it('delegated organization: a partner admin signs in to the customer tenant and gets its tenant id; a stranger is refused', async () => {
    const fabrikam = [...emulator.directory.tenants()].find((tenant) => tenant.defaultDomain === 'fabrikam.com');
    if (fabrikam === undefined) throw new Error('fixture tenant fabrikam missing');
    const approve = (upn: string) => (response: { userCode: string }) => {
      void emulator.admin.approveDeviceCode(response.userCode, upn).catch(() => emulator.admin.denyDeviceCode(response.userCode));
    };
    const partner = must(await publicClient(`${emulator.url}/fabrikam.com`).acquireTokenByDeviceCode({ scopes: EXO_SCOPES, deviceCodeCallback: approve('admin@contoso.com') }));
    expect(await emulator.verifyAccessToken(partner.accessToken)).toMatchObject({ ok: true, token: { tenantId: fabrikam.tenantId, upn: 'admin@contoso.com' } });
    const stranger = publicClient(`${emulator.url}/contoso.com`);
    await expect(stranger.acquireTokenByUsernamePassword({ scopes: EXO_SCOPES, username: 'pradeep.gupta@fabrikam.com', password: password('pradeep.gupta@fabrikam.com') })).rejects.toThrow(/AADSTS50020/);
  });
});
