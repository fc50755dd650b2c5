/**
 * @exops/auth with the real @azure/msal-node against the emulator's Entra ID over real HTTPS (trusted by CA, never by
 * turning verification off): every flow the CLI offers, renewal ahead of expiry, claims challenges, the user check
 * and the persisted cache. The interactive flow runs end to end in headless Chromium.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import type { BrowserContext } from 'playwright-core';
import { chromiumSkipReason, hasChromium, launchChromiumTrusting } from '@exops/test-vectors';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExopsErrorCode, createEmulatorEnvironment, isExopsError } from '@exops/contracts';
import type { AccessToken, CloudEnvironment, TokenProvider } from '@exops/contracts';
import { startEmulator, type RunningEmulator } from '@exops/exo-emulator';
import {
  USER_MISMATCH_REMEDY,
  createCertificateTokenProvider,
  createCredentialTokenProvider,
  createDeviceCodeTokenProvider,
  createFileTokenCache,
  createInteractiveTokenProvider,
  createMemoryTokenCache,
  createSilentTokenProvider,
  createStaticKeyProvider,
  parseTokenClaims,
} from './index.js';


let emu: RunningEmulator;
let stateDir: string;
let environment: CloudEnvironment;
let network: { ca: string[] };
const quiet = (): void => undefined;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'exops-auth-integ-'));
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: false, deviceCodeIntervalSeconds: 1, mailboxes: 20 });
  environment = createEmulatorEnvironment(emu.url);
  network = { ca: [emu.caCertPem] };
});

afterAll(async () => {
  try {
    await emu?.close();
  } finally {
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  }
});

afterEach(() => {
  vi.useRealTimers();
});

function password(upn: string): string {
  const user = emu.directory.findUser(upn);
  if (user === undefined) throw new Error(`fixture user ${upn} is missing`);
  return user.password;
}

function credential(upn: string, extra: { cache?: ReturnType<typeof createMemoryTokenCache> } = {}): TokenProvider {
  return createCredentialTokenProvider({ environment, network, upn, password: password(upn), cache: extra.cache ?? createMemoryTokenCache(), output: quiet });
}

async function grants(grantType: string, upn?: string): Promise<number> {
  return (await emu.admin.tokenGrants()).filter((g) => g.grantType === grantType && (upn === undefined || g.upn === upn)).length;
}

async function expectValidFor(token: AccessToken, upn: string | undefined, kind: 'delegated' | 'app'): Promise<void> {
  const verified = await emu.verifyAccessToken(token.token);
  expect(verified).toMatchObject({ ok: true, token: { kind, ...(upn === undefined ? {} : { upn }) } });
  expect(token.kind).toBe(kind);
  expect(token.user).toBe(upn);
}

/** Moves MSAL's clock (Date) and the emulator's together; returns how to undo it. */
async function shiftBothClocks(seconds: number, state: { shifted: number }): Promise<void> {
  state.shifted += seconds;
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
  await emu.admin.shiftClock(seconds);
}

async function restoreClocks(state: { shifted: number }): Promise<void> {
  vi.useRealTimers();
  if (state.shifted !== 0) await emu.admin.shiftClock(-state.shifted);
  state.shifted = 0;
}

describe('device code (real msal-node)', () => {
  it('shows the code through onDeviceCode and signs in once the code is approved; the next call is silent', async () => {
    const shown: { userCode: string; verificationUri: string; message: string }[] = [];
    const provider = createDeviceCodeTokenProvider({
      environment,
      network,
      upn: 'admin@contoso.com',
      cache: createMemoryTokenCache(),
      output: quiet,
      onDeviceCode: (info) => {
        shown.push(info);
        void emu.admin.approveDeviceCode(info.userCode, 'admin@contoso.com');
      },
    });
    const token = await provider.getToken();
    expect(shown).toHaveLength(1);
    expect(shown[0]?.verificationUri).toBe(`${emu.url}/devicelogin`);
    expect(shown[0]?.message).toContain(shown[0]?.userCode);
    await expectValidFor(token, 'admin@contoso.com', 'delegated');
    expect(parseTokenClaims(token.token)?.amr).toContain('mfa');

    const again = await provider.getToken();
    expect(again.token).toBe(token.token);
    expect(shown).toHaveLength(1);
  });

  it('fails with the exact user mismatch text and its remedy when another user approves the code', async () => {
    const provider = createDeviceCodeTokenProvider({
      environment,
      network,
      upn: 'automation@contoso.com',
      cache: createMemoryTokenCache(),
      output: quiet,
      onDeviceCode: (info) => void emu.admin.approveDeviceCode(info.userCode, 'admin@contoso.com'),
    });
    const error = await provider.getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isExopsError(error)).toBe(true);
    if (!isExopsError(error)) return;
    expect(error.code).toBe(ExopsErrorCode.AUTH_USER_MISMATCH);
    expect(error.message).toBe(`User 'admin@contoso.com' returned by service does not match user 'automation@contoso.com' in the request`);
    expect(error.remedy).toBe(USER_MISMATCH_REMEDY);
    expect(error.remedy).toContain('--credential');
  });
});

describe('user name and password (--credential)', () => {
  it('signs in a user without MFA (automation@contoso.com) with the password grant', async () => {
    const before = await grants('password', 'automation@contoso.com');
    const token = await credential('automation@contoso.com').getToken();
    await expectValidFor(token, 'automation@contoso.com', 'delegated');
    expect(token.scopes).toContain('Exchange.Manage');
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(await grants('password', 'automation@contoso.com')).toBe(before + 1);
  });

  it('refuses the MFA user (admin@contoso.com) with AUTH_MFA_REQUIRED naming the browser and device code flows', async () => {
    const secret = password('admin@contoso.com');
    const error = await credential('admin@contoso.com').getToken().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isExopsError(error)).toBe(true);
    if (!isExopsError(error)) return;
    expect(error.code).toBe(ExopsErrorCode.AUTH_MFA_REQUIRED);
    expect(error.message).toContain('AADSTS50076');
    expect(error.message).toContain('admin@contoso.com');
    expect(error.remedy).toMatch(/browser/);
    expect(error.remedy).toContain('--device-code');
    expect(error.details?.['aadsts']).toBe(50076);
    expect(`${error.message} ${error.remedy ?? ''} ${JSON.stringify(error.details ?? {})}`).not.toContain(secret);
  });
});

describe('certificate (app-only)', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'exops-auth-cert-'));
  });
  afterAll(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  function certificateApp(): { appId: string; certificatePem: string; privateKeyPem: string } {
    const app = [...emu.directory.apps()].find((a) => a.roles.includes('Exchange.ManageAsApp') && a.roles.includes('Exchange Administrator')) as
      | { appId: string; certificatePem?: string; privateKeyPem?: string }
      | undefined;
    if (app?.certificatePem === undefined || app.privateKeyPem === undefined) throw new Error('fixture certificate app is missing');
    return { appId: app.appId, certificatePem: app.certificatePem, privateKeyPem: app.privateKeyPem };
  }

  it('signs in app-only from a PEM file (certificate + key, mode 0600, removed afterwards)', async () => {
    const app = certificateApp();
    const path = join(folder, 'app.pem');
    await writeFile(path, `${app.certificatePem.trim()}\n${app.privateKeyPem.trim()}\n`, { mode: 0o600 });
    try {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const provider = createCertificateTokenProvider({ environment, network, appId: app.appId, organization: 'contoso.onmicrosoft.com', certificate: { path }, output: quiet });
      const token = await provider.getToken();
      await expectValidFor(token, undefined, 'app');
      const verified = await emu.verifyAccessToken(token.token);
      if (verified.ok) {
        expect(verified.token.appId).toBe(app.appId);
        expect(verified.token.roles).toContain('Exchange.ManageAsApp');
      }
      expect(token.clientId).toBe(app.appId);
      // The cached app token is reused; a forced refresh asks again with a new assertion.
      const before = await grants('client_credentials');
      expect((await provider.getToken()).token).toBe(token.token);
      expect(await grants('client_credentials')).toBe(before);
      expect((await provider.getToken({ forceRefresh: true })).token).not.toBe(token.token);
      expect(await grants('client_credentials')).toBe(before + 1);
    } finally {
      await rm(path, { force: true });
    }
    expect(existsSync(path)).toBe(false);
  });

  it('signs in app-only from a password-protected PFX file made at test time', async () => {
    const app = certificateApp();
    const pfxPassword = randomBytes(12).toString('base64url');
    const pfx = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(app.privateKeyPem), [forge.pki.certificateFromPem(app.certificatePem)], pfxPassword, { algorithm: 'aes256' });
    const path = join(folder, 'app.pfx');
    await writeFile(path, Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary'), { mode: 0o600 });
    try {
      const wrong = createCertificateTokenProvider({ environment, network, appId: app.appId, organization: 'contoso.onmicrosoft.com', certificate: { path, password: 'not-it' }, output: quiet });
      await expect(wrong.getToken()).rejects.toMatchObject({ code: ExopsErrorCode.AUTH_CERTIFICATE, message: expect.stringContaining('Missing or invalid CertificatePassword') });
      const provider = createCertificateTokenProvider({ environment, network, appId: app.appId, organization: 'contoso.onmicrosoft.com', certificate: { path, password: pfxPassword }, output: quiet });
      await expectValidFor(await provider.getToken(), undefined, 'app');
    } finally {
      await rm(path, { force: true });
    }
  });
});

describe('renewal ahead of expiry and after it', () => {
  it('renews silently with the refresh token once less than 5 minutes are left, and again after expiry', async () => {
    const clocks = { shifted: 0 };
    const upn = 'automation@contoso.com';
    const provider = credential(upn);
    try {
      const first = await provider.getToken();
      const refreshesBefore = await grants('refresh_token', upn);
      const passwordsBefore = await grants('password', upn);

      // 10 minutes left: the cached token is still good.
      await shiftBothClocks(3000, clocks);
      expect((await provider.getToken()).token).toBe(first.token);

      // 4 minutes left: renewed ahead of expiry, while the old token is still accepted.
      await shiftBothClocks(360, clocks);
      expect(await emu.verifyAccessToken(first.token)).toMatchObject({ ok: true });
      const second = await provider.getToken();
      expect(second.token).not.toBe(first.token);
      expect(second.expiresOn.getTime()).toBeGreaterThan(first.expiresOn.getTime());
      await expectValidFor(second, upn, 'delegated');
      expect(await grants('refresh_token', upn)).toBe(refreshesBefore + 1);

      // Past the second token's expiry: the emulator refuses it, getToken renews silently again.
      await shiftBothClocks(3700, clocks);
      expect(await emu.verifyAccessToken(second.token)).toMatchObject({ ok: false, reason: 'expired' });
      const third = await provider.getToken();
      expect(third.token).not.toBe(second.token);
      await expectValidFor(third, upn, 'delegated');
      expect(third.expiresOn.getTime() - Date.now()).toBeGreaterThan(3000_000);
      expect(await grants('refresh_token', upn)).toBe(refreshesBefore + 2);
      // Never the password again: renewal is silent.
      expect(await grants('password', upn)).toBe(passwordsBefore);
    } finally {
      await restoreClocks(clocks);
    }
  });
});

describe('claims challenge', () => {
  it('getToken({ claims }) bypasses the cache, yields a new token, and the emulator recorded the claims', async () => {
    const upn = 'automation@contoso.com';
    const provider = credential(upn);
    const first = await provider.getToken();
    const marker = `exops-${randomBytes(6).toString('hex')}`;
    const claims = JSON.stringify({ access_token: { xms_cc: { values: ['cp1'] }, acrs: { essential: true, value: marker } } });
    const renewed = await provider.getToken({ claims });
    expect(renewed.token).not.toBe(first.token);
    await expectValidFor(renewed, upn, 'delegated');
    const recorded = (await emu.admin.claimsRequests()).filter((r) => r.claims.includes(marker));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ upn, grantType: 'refresh_token' });
  });
});

describe('file token cache', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'exops-auth-cache-'));
  });
  afterAll(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('persists a sign-in (mode 0600, encrypted) that a second provider uses silently', async () => {
    const upn = 'automation@contoso.com';
    const path = join(folder, 'exops', 'token-cache.json');
    const key = randomBytes(32);
    const notices: string[] = [];
    const first = createCredentialTokenProvider({
      environment,
      network,
      upn,
      password: password(upn),
      cache: createFileTokenCache({ path, encryption: createStaticKeyProvider(key), notice: (m) => notices.push(m) }),
      output: quiet,
    });
    const token = await first.getToken();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(folder, 'exops'))).mode & 0o777).toBe(0o700);
    const onDisk = await readFile(path, 'utf8');
    expect(onDisk).not.toContain(token.token);
    expect(onDisk).not.toContain(upn);

    const grantsBefore = (await emu.admin.tokenGrants()).length;
    const second = createSilentTokenProvider({
      environment,
      network,
      upn,
      cache: createFileTokenCache({ path, encryption: createStaticKeyProvider(key), notice: (m) => notices.push(m) }),
      output: quiet,
    });
    const silent = await second.getToken();
    expect(silent.token).toBe(token.token);
    expect(silent.user).toBe(upn);
    expect((await emu.admin.tokenGrants()).length).toBe(grantsBefore);
    expect(notices).toEqual([]);

    // Another user is not in the cache: the silent flow says how to sign in instead of prompting.
    const stranger = createSilentTokenProvider({ environment, network, upn: 'reader@contoso.com', cache: createFileTokenCache({ path, encryption: createStaticKeyProvider(key) }), output: quiet });
    await expect(stranger.getToken()).rejects.toMatchObject({ code: ExopsErrorCode.AUTH_INTERACTION_REQUIRED, remedy: expect.stringContaining('exops connect --upn reader@contoso.com') });
  });
});

const interactiveTitle = hasChromium
  ? 'interactive sign-in driven end to end by headless Chromium'
  : `interactive sign-in in headless Chromium (SKIPPED: ${chromiumSkipReason})`;

describe.skipIf(!hasChromium)(interactiveTitle, () => {
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), 'exops-auth-chromium-'));
    browser = await launchChromiumTrusting(profile, emu.leafSpkiSha256);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  it('opens the authorize page, fills user name, password and the MFA code, and MSAL redeems the code', async () => {
    const upn = 'admin@contoso.com';
    const page = await browser.newPage();
    let driving: Promise<void> | undefined;
    let authorizeUrl = '';
    const provider = createInteractiveTokenProvider({
      environment,
      network,
      upn,
      cache: createMemoryTokenCache(),
      output: quiet,
      hasDisplay: () => true,
      timeoutMs: 60_000,
      successTemplate: 'exops integration test: signed in',
      openBrowser: async (url) => {
        authorizeUrl = url;
        driving = (async () => {
          await page.goto(url);
          expect(await page.inputValue('#i0116')).toBe(upn);
          await page.click('#idSIButton9');
          await page.fill('#i0118', password(upn));
          await page.click('#idSIButton9');
          await page.waitForSelector('#idTxtBx_SAOTCC_OTC');
          await page.fill('#idTxtBx_SAOTCC_OTC', await emu.admin.waitForMfaCode(upn));
          await page.click('#idSubmit_SAOTCC_Continue');
          await page.waitForURL(/^http:\/\/localhost:\d+\//);
        })();
        // Surface a driving failure at once instead of letting MSAL wait for the timeout.
        driving.catch(() => undefined);
      },
    });
    try {
      const token = await Promise.race([
        provider.getToken(),
        new Promise<never>((_, reject) => {
          const timer = setInterval(() => {
            if (driving !== undefined) {
              clearInterval(timer);
              driving.catch(reject);
            }
          }, 50);
          timer.unref();
        }),
      ]);
      await driving;
      expect(await page.textContent('body')).toContain('exops integration test: signed in');
      const query = new URL(authorizeUrl).searchParams;
      expect(query.get('login_hint')).toBe(upn);
      expect(query.get('code_challenge_method')).toBe('S256');
      expect(new URL(query.get('redirect_uri') ?? '').hostname).toBe('localhost');
      await expectValidFor(token, upn, 'delegated');
      expect(parseTokenClaims(token.token)?.amr).toContain('mfa');
      // Cached now: the next call needs no browser.
      expect((await provider.getToken()).token).toBe(token.token);
    } finally {
      await page.close();
    }
  }, 90_000);
});
