import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { CLOUD_ENVIRONMENTS, EXO_CLIENT_IDS, ExopsErrorCode } from '@exops/contracts';
import {
  createCredentialTokenProvider,
  createDeviceCodeTokenProvider,
  createMemoryTokenCache,
  createSilentTokenProvider,
  createTokenProvider,
} from './index.js';
import type { AuthLogLevel, TokenCacheStore } from './index.js';
import { buildEntraError, buildTokenResponse, entraHandlers } from './test-support/entra-mock.js';
import type { RecordedTokenRequest, TokenAnswer } from './test-support/entra-mock.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const env = CLOUD_ENVIRONMENTS.O365Default;
const user = 'admin@contoso.onmicrosoft.com';
const password = 'correct horse battery staple';

function use(answer: TokenAnswer): RecordedTokenRequest[] {
  const requests: RecordedTokenRequest[] = [];
  server.use(...entraHandlers(answer, requests));
  return requests;
}

async function signInWithDeviceCode(cache: TokenCacheStore, who = user): Promise<void> {
  await createDeviceCodeTokenProvider({ environment: env, upn: who, cache, network: { proxy: false }, onDeviceCode: () => undefined }).getToken();
}

describe('credential sign-in (--credential)', () => {
  it('signs in with the password grant and returns the user', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const provider = createCredentialTokenProvider({ environment: env, upn: user, password, cache: createMemoryTokenCache(), network: { proxy: false } });
    await expect(provider.getToken()).resolves.toMatchObject({ user, kind: 'delegated' });
    const grant = requests.find((r) => r.form.get('grant_type') === 'password');
    expect(grant?.form.get('username')).toBe(user);
    expect(grant?.form.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['https://outlook.office365.com/.default', 'offline_access']));
    expect(provider.flow).toBe('credential');
  });

  it.each([
    ['invalid_grant', 50076, 'basic_action'],
    ['invalid_grant', 50079, undefined],
    ['interaction_required', 50158, undefined],
  ])('turns %s AADSTS%i into AUTH_MFA_REQUIRED naming the interactive and device code flows', async (error, aadsts, suberror) => {
    use(() => ({
      status: 400,
      body: buildEntraError(error, aadsts, 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.', suberror),
    }));
    const provider = createCredentialTokenProvider({ environment: env, upn: user, password, cache: createMemoryTokenCache(), network: { proxy: false } });
    const failure = (await provider.getToken().catch((e: unknown) => e)) as { code: string; message: string; remedy: string; details: Record<string, unknown> };
    expect(failure.code).toBe(ExopsErrorCode.AUTH_MFA_REQUIRED);
    expect(failure.message).toContain(`AADSTS${aadsts}`);
    expect(failure.message).not.toContain('Trace ID');
    expect(failure.remedy).toMatch(/browser/);
    expect(failure.remedy).toMatch(/--device-code/);
    expect(failure.details['aadsts']).toBe(aadsts);
    expect(JSON.stringify(failure)).not.toContain(password);
  });

  it('reports a wrong password without echoing it', async () => {
    use(() => ({ status: 400, body: buildEntraError('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.') }));
    const provider = createCredentialTokenProvider({ environment: env, upn: user, password, cache: createMemoryTokenCache(), network: { proxy: false } });
    const failure = await provider.getToken().catch((e: unknown) => e as Error);
    expect(failure).toMatchObject({ code: ExopsErrorCode.AUTH_FAILED, message: `Invalid user name or password for '${user}'.` });
  });

  it('never hands the token or the password to the log sink', async () => {
    use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const lines: [AuthLogLevel, string][] = [];
    const provider = createCredentialTokenProvider({
      environment: env,
      upn: user,
      password,
      cache: createMemoryTokenCache(),
      network: { proxy: false },
      log: (level, message) => lines.push([level, message]),
    });
    const token = await provider.getToken();
    expect(lines.length).toBeGreaterThan(0);
    for (const [, line] of lines) {
      expect(line).not.toContain(token.token);
      expect(line).not.toContain(password);
    }
  });

  it('is offered in 21Vianet (no MFA there) through createTokenProvider', async () => {
    const provider = createTokenProvider({ flow: 'credential', environment: CLOUD_ENVIRONMENTS.O365China, upn: user, password, cache: false });
    expect(provider.flow).toBe('credential');
  });
});

describe('silent sign-in (cache only)', () => {
  it('fails with AUTH_INTERACTION_REQUIRED naming the sign-in command when nothing is cached', async () => {
    use(() => ({ body: {} }));
    const provider = createSilentTokenProvider({ environment: env, upn: user, cache: createMemoryTokenCache(), network: { proxy: false }, signInCommand: 'exops login' });
    await expect(provider.getToken()).rejects.toMatchObject({
      code: ExopsErrorCode.AUTH_INTERACTION_REQUIRED,
      message: `There is no cached sign-in for '${user}'.`,
      remedy: expect.stringContaining(`exops login --upn ${user}`),
    });
  });

  it('returns the cached token another flow stored, without a request', async () => {
    const cache = createMemoryTokenCache();
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    await signInWithDeviceCode(cache);
    const before = requests.length;
    const token = await createSilentTokenProvider({ environment: env, upn: user.toUpperCase(), cache, network: { proxy: false } }).getToken();
    expect(token.user).toBe(user);
    expect(requests).toHaveLength(before);
  });

  it('refreshes near expiry, and reports a refresh that needs the user', async () => {
    const cache = createMemoryTokenCache();
    const requests = use((form) =>
      form.get('grant_type') === 'refresh_token'
        ? { status: 400, body: buildEntraError('invalid_grant', 700082, 'The refresh token has expired due to inactivity.') }
        : { body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest, expiresIn: 120 }) },
    );
    await signInWithDeviceCode(cache);
    const provider = createSilentTokenProvider({ environment: env, upn: user, cache, network: { proxy: false } });
    const failure = await provider.getToken().catch((e: unknown) => e);
    expect(requests.at(-1)?.form.get('grant_type')).toBe('refresh_token');
    expect(failure).toMatchObject({
      code: ExopsErrorCode.AUTH_INTERACTION_REQUIRED,
      message: expect.stringContaining('AADSTS700082'),
      remedy: expect.stringContaining('exops connect'),
    });
  });

  it('asks for --upn when several users are cached', async () => {
    const cache = createMemoryTokenCache();
    let next = user;
    use(() => ({ body: buildTokenResponse({ user: next, clientId: EXO_CLIENT_IDS.rest }) }));
    await signInWithDeviceCode(cache, user);
    next = 'second@contoso.onmicrosoft.com';
    // Each account needs its own object id for MSAL to keep both.
    server.use(
      ...entraHandlers(() => {
        const body = buildTokenResponse({ user: next, clientId: EXO_CLIENT_IDS.rest });
        body['client_info'] = Buffer.from(JSON.stringify({ uid: 'ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee', utid: '11111111-2222-3333-4444-555555555555' })).toString('base64url');
        return { body };
      }),
    );
    await signInWithDeviceCode(cache, next);
    await expect(createSilentTokenProvider({ environment: env, cache, network: { proxy: false } }).getToken()).rejects.toMatchObject({
      code: ExopsErrorCode.AUTH_INTERACTION_REQUIRED,
      remedy: expect.stringContaining('--upn'),
    });
  });
});

describe('credential sign-in after the cached sign-in lapsed', () => {
  it('falls back from a refresh needing the user to the password grant', async () => {
    const cache = createMemoryTokenCache();
    const requests = use((form) =>
      form.get('grant_type') === 'refresh_token'
        ? { status: 400, body: buildEntraError('interaction_required', 50076, 'MFA needed for the refresh.') }
        : { body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest, expiresIn: 120 }) },
    );
    await signInWithDeviceCode(cache);
    const token = await createCredentialTokenProvider({ environment: env, upn: user, password, cache, network: { proxy: false } }).getToken();
    expect(token.user).toBe(user);
    expect(requests.map((r) => r.form.get('grant_type'))).toEqual([expect.stringContaining('device_code'), 'refresh_token', 'password']);
  });
});
