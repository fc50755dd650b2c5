import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { CLOUD_ENVIRONMENTS, EXO_CLIENT_IDS, ExopsErrorCode } from '@exops/contracts';
import { createInteractiveTokenProvider, createMemoryTokenCache } from './index.js';
import type { InteractiveTokenProviderOptions } from './index.js';
import { buildClientInfo, parseAuthorizeUrl, postAuthorizationResponse } from './test-support/browser-driver.js';
import { TENANT_ID, USER_OID, buildEntraError, buildTokenResponse, entraHandlers } from './test-support/entra-mock.js';
import type { RecordedTokenRequest, TokenAnswer } from './test-support/entra-mock.js';

const server = setupServer();
beforeAll(() =>
  server.listen({
    onUnhandledRequest(request, print) {
      const host = new URL(request.url).hostname;
      // The loopback redirect is MSAL's own listener: let it through.
      if (host === '127.0.0.1' || host === 'localhost') return;
      print.error();
    },
  }),
);
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const env = CLOUD_ENVIRONMENTS.O365Default;
const user = 'admin@contoso.onmicrosoft.com';

function use(answer: TokenAnswer): RecordedTokenRequest[] {
  const requests: RecordedTokenRequest[] = [];
  server.use(...entraHandlers(answer, requests));
  return requests;
}

/** A browser that signs in at once: it posts a code back to the loopback. */
function signingInBrowser(opened: string[] = []): (url: string) => Promise<void> {
  return (url) => {
    opened.push(url);
    // The sign-in page answers after the browser was opened, not inside open().
    setTimeout(() => void postAuthorizationResponse(url, { code: 'auth-code-1', client_info: buildClientInfo(USER_OID, TENANT_ID) }), 5);
    return Promise.resolve();
  };
}

function provider(overrides: Partial<InteractiveTokenProviderOptions> = {}) {
  return createInteractiveTokenProvider({
    environment: env,
    upn: user,
    cache: createMemoryTokenCache(),
    network: { proxy: false },
    hasDisplay: () => true,
    output: () => undefined,
    ...overrides,
  });
}

describe('interactive sign-in', () => {
  it('opens the authorize URL with the login hint and PKCE, and redeems the code with the verifier', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const opened: string[] = [];
    const token = await provider({ openBrowser: signingInBrowser(opened) }).getToken();
    expect(token.user).toBe(user);
    expect(opened).toHaveLength(1);
    const { url, redirectUri } = parseAuthorizeUrl(opened[0]!);
    expect(url.origin + url.pathname).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('login_hint')).toBe(user);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('client_id')).toBe(EXO_CLIENT_IDS.rest);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['https://outlook.office365.com/.default', 'offline_access']));
    expect(redirectUri.hostname).toBe('localhost');
    const redeem = requests.find((r) => r.form.get('grant_type') === 'authorization_code');
    expect(redeem?.form.get('code')).toBe('auth-code-1');
    expect(redeem?.form.get('code_verifier')?.length).toBeGreaterThanOrEqual(43);
  });

  it('fails with the ADAL user mismatch wording when the browser signs in another account', async () => {
    use(() => ({ body: buildTokenResponse({ user: 'sso@contoso.onmicrosoft.com', clientId: EXO_CLIENT_IDS.rest }) }));
    await expect(provider({ openBrowser: signingInBrowser() }).getToken()).rejects.toMatchObject({
      code: ExopsErrorCode.AUTH_USER_MISMATCH,
      message: `User 'sso@contoso.onmicrosoft.com' returned by service does not match user '${user}' in the request`,
    });
  });

  it('prints the URL and suggests device code when there is no display, and still completes', async () => {
    use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const messages: string[] = [];
    const p = provider({
      hasDisplay: () => false,
      output: (message) => {
        messages.push(message);
        const url = /https:\/\/\S+authorize\S+/.exec(message)?.[0];
        if (url !== undefined) void postAuthorizationResponse(url, { code: 'c', client_info: buildClientInfo(USER_OID, TENANT_ID) });
      },
    });
    await expect(p.getToken()).resolves.toMatchObject({ user });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('No browser can be shown here');
    expect(messages[0]).toContain('--device-code');
  });

  it('falls back to printing the URL when the browser cannot be started', async () => {
    use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const messages: string[] = [];
    const p = provider({
      openBrowser: () => Promise.reject(new Error('spawn xdg-open ENOENT')),
      output: (message) => {
        messages.push(message);
        const url = /https:\/\/\S+authorize\S+/.exec(message)?.[0];
        if (url !== undefined) void postAuthorizationResponse(url, { code: 'c', client_info: buildClientInfo(USER_OID, TENANT_ID) });
      },
    });
    await expect(p.getToken()).resolves.toMatchObject({ user });
    expect(messages[0]).toContain('The browser could not be started (spawn xdg-open ENOENT)');
  });

  it('gives up after the timeout without a display, naming device code', async () => {
    use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    await expect(provider({ hasDisplay: () => false, timeoutMs: 50 }).getToken()).rejects.toMatchObject({
      code: ExopsErrorCode.AUTH_NO_BROWSER,
      remedy: expect.stringContaining('--device-code'),
    });
  });

  it('is cancelled through an AbortSignal and closes the loopback listener', async () => {
    use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const controller = new AbortController();
    let opened = '';
    const p = provider({
      openBrowser: (url) => {
        opened = url;
        setTimeout(() => controller.abort(), 10);
        return Promise.resolve();
      },
    });
    await expect(p.getToken({ signal: controller.signal })).rejects.toMatchObject({ code: ExopsErrorCode.ABORTED });
    await new Promise((r) => setTimeout(r, 50));
    await expect(postAuthorizationResponse(opened, { code: 'late' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('reports an error the sign-in page returns', async () => {
    use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const p = provider({
      openBrowser: (url) => {
        setTimeout(() => void postAuthorizationResponse(url, { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent.' }), 5);
        return Promise.resolve();
      },
    });
    await expect(p.getToken()).rejects.toMatchObject({ code: ExopsErrorCode.AUTH_ACCESS_DENIED });
  });

  it('answers a claims challenge with one new token carrying the claims, bypassing the cache', async () => {
    const requests = use((form) => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest, refreshToken: `rt-${form.get('grant_type')}` }) }));
    const p = provider({ openBrowser: signingInBrowser() });
    const first = await p.getToken();
    const cached = await p.getToken();
    expect(cached.token).toBe(first.token);
    expect(requests).toHaveLength(1);
    const claims = JSON.stringify({ access_token: { nbf: { essential: true, value: '1700000000' } } });
    const renewed = await p.getToken({ claims });
    expect(renewed.token).not.toBe(first.token);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.form.get('grant_type')).toBe('refresh_token');
    expect(JSON.parse(requests[1]?.form.get('claims') ?? '{}')).toMatchObject(JSON.parse(claims));
  });

  it('signs in again in the browser with the claims when the refresh token cannot satisfy them', async () => {
    const opened: string[] = [];
    use((form) =>
      form.get('grant_type') === 'refresh_token'
        ? { status: 400, body: buildEntraError('interaction_required', 50076, 'Due to a configuration change made by your administrator, you must use multi-factor authentication.', 'basic_action') }
        : { body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) },
    );
    const p = provider({ openBrowser: signingInBrowser(opened) });
    await p.getToken();
    const claims = JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } });
    await p.getToken({ claims });
    expect(opened).toHaveLength(2);
    expect(JSON.parse(new URL(opened[1]!).searchParams.get('claims') ?? '{}')).toMatchObject(JSON.parse(claims));
  });

  it('renews ahead of expiry when the token has less than minValiditySeconds left', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest, expiresIn: 1000 }) }));
    const p = provider({ openBrowser: signingInBrowser() });
    await p.getToken();
    await p.getToken({ minValiditySeconds: 600 });
    expect(requests).toHaveLength(1);
    await p.getToken({ minValiditySeconds: 1200 });
    expect(requests).toHaveLength(2);
    expect(requests[1]?.form.get('grant_type')).toBe('refresh_token');
  });

  it('shares one browser sign-in between concurrent callers', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const opened: string[] = [];
    const p = provider({ openBrowser: signingInBrowser(opened) });
    const [a, b] = await Promise.all([p.getToken(), p.getToken()]);
    expect(a.token).toBe(b.token);
    expect(opened).toHaveLength(1);
    expect(requests).toHaveLength(1);
  });

  it('is refused in 21Vianet with the documented wording', () => {
    expect(() => createInteractiveTokenProvider({ environment: CLOUD_ENVIRONMENTS.O365China })).toThrow(
      expect.objectContaining({ code: ExopsErrorCode.AUTH_UNSUPPORTED_FLOW }),
    );
  });
});
