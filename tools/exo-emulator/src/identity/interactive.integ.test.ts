import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicClientApplication } from '@azure/msal-node';
import type { BrowserContext } from 'playwright-core';
import { chromiumSkipReason, hasChromium, launchChromiumTrusting } from '@exops/test-vectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustingNetworkModule } from '../test-support/msal-network.js';
import { startTestEmulator, type TestEmulator } from '../test-support/emulator.js';

const EXO_CLIENT = 'fb78d390-0c51-40cd-8e17-fdbfab77341b';
const EXO_SCOPES = ['https://outlook.office365.com/.default'];

const title = hasChromium
  ? 'interactive sign-in in headless Chromium through MSAL acquireTokenInteractive'
  : `interactive sign-in in headless Chromium (SKIPPED: ${chromiumSkipReason})`;

describe.skipIf(!hasChromium)(title, () => {
  let emulator: TestEmulator;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    profile = await mkdtemp(join(tmpdir(), 'exo-emulator-chromium-'));
    browser = await launchChromiumTrusting(profile, emulator.leafSpkiSha256);
  });

  afterAll(async () => {
    await browser?.close();
    await emulator?.dispose();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  it('signs in with user name, password and the verification code, and MSAL redeems the code with PKCE', async () => {
    const upn = 'admin@contoso.com';
    const user = emulator.directory.findUser(upn);
    if (user === undefined) throw new Error('fixture admin missing');
    const msal = new PublicClientApplication({
      auth: { clientId: EXO_CLIENT, authority: emulator.authority, knownAuthorities: [new URL(emulator.url).host] },
      system: { networkClient: createTrustingNetworkModule(emulator.caCertPem) },
    });
    const page = await browser.newPage();
    let driving: Promise<void> | undefined;
    let authorizeUrl = '';
    const result = await msal.acquireTokenInteractive({
      scopes: EXO_SCOPES,
      loginHint: upn,
      successTemplate: 'exops test: signed in',
      openBrowser: async (url) => {
        authorizeUrl = url;
        driving = (async () => {
          await page.goto(url);
          expect(await page.inputValue('#i0116')).toBe(upn);
          await page.click('#idSIButton9');
          await page.fill('#i0118', 'wrong password');
          await page.click('#idSIButton9');
          await page.waitForSelector('#passwordError');
          await page.fill('#i0118', user.password);
          await page.click('#idSIButton9');
          await page.waitForSelector('#idTxtBx_SAOTCC_OTC');
          const code = await emulator.admin.waitForMfaCode(upn);
          await page.fill('#idTxtBx_SAOTCC_OTC', code);
          await page.click('#idSubmit_SAOTCC_Continue');
          await page.waitForURL(/^http:\/\/localhost:\d+\//);
        })();
      },
    });
    await driving;
    expect(await page.textContent('body')).toContain('exops test: signed in');
    const query = new URL(authorizeUrl).searchParams;
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('response_mode')).toBe('form_post');
    expect(result.account?.username).toBe(upn);
    const verified = await emulator.verifyAccessToken(result.accessToken);
    expect(verified).toMatchObject({ ok: true, token: { upn, kind: 'delegated' } });
    await page.close();
  });
});
