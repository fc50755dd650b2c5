import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { CLOUD_ENVIRONMENTS, EXO_CLIENT_IDS, ExopsErrorCode, createEmulatorEnvironment } from '@exops/contracts';
import { createDeviceCodeTokenProvider, createMemoryTokenCache } from './index.js';
import type { DeviceCodeInfo } from './index.js';
import { buildEntraError, buildTokenResponse, entraHandlers } from './test-support/entra-mock.js';
import type { RecordedTokenRequest, TokenAnswer } from './test-support/entra-mock.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const env = CLOUD_ENVIRONMENTS.O365Default;
const user = 'admin@contoso.onmicrosoft.com';

function use(answer: TokenAnswer, deviceCode?: () => Record<string, unknown>): RecordedTokenRequest[] {
  const requests: RecordedTokenRequest[] = [];
  server.use(...entraHandlers(answer, requests, deviceCode));
  return requests;
}

describe('device code sign-in', () => {
  it('shows the code through the callback and returns the token with its user, tenant and scopes', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }));
    const shown: DeviceCodeInfo[] = [];
    const provider = createDeviceCodeTokenProvider({
      environment: env,
      upn: user,
      cache: createMemoryTokenCache(),
      network: { proxy: false },
      onDeviceCode: (info) => shown.push(info),
    });
    const token = await provider.getToken();
    expect(shown).toHaveLength(1);
    expect(shown[0]?.userCode).toBe('ABCD-EFGH');
    expect(shown[0]?.verificationUri).toBe('https://microsoft.com/devicelogin');
    expect(shown[0]?.message).toContain('ABCD-EFGH');
    expect(shown[0]!.expiresOn.getTime()).toBeGreaterThan(Date.now() + 800_000);
    expect(token.user).toBe(user);
    expect(token.kind).toBe('delegated');
    expect(token.clientId).toBe(EXO_CLIENT_IDS.rest);
    expect(token.tenantId).toBe('11111111-2222-3333-4444-555555555555');
    expect(token.scopes).toEqual(['Exchange.Manage']);
    expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(provider.flow).toBe('device-code');
    expect(provider.expectedUser).toBe(user);
    const poll = requests.find((r) => r.form.get('grant_type') === 'device_code' || r.form.get('grant_type')?.includes('device_code'));
    expect(poll?.form.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['https://outlook.office365.com/.default', 'offline_access']));
    expect(poll?.form.get('client_id')).toBe(EXO_CLIENT_IDS.rest);
  });

  it('uses the RPS client id when asked for the RPS protocol, and the cache on the second call', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rps }) }));
    const provider = createDeviceCodeTokenProvider({
      environment: env,
      protocol: 'rps',
      upn: user,
      cache: createMemoryTokenCache(),
      network: { proxy: false },
      onDeviceCode: () => undefined,
    });
    const first = await provider.getToken();
    const second = await provider.getToken();
    expect(first.clientId).toBe(EXO_CLIENT_IDS.rps);
    expect(second.token).toBe(first.token);
    expect(requests).toHaveLength(1);
  });

  it('keeps polling while authorization is pending', async () => {
    let polls = 0;
    use(
      () => {
        polls += 1;
        return polls < 2
          ? { status: 400, body: { error: 'authorization_pending', error_description: 'AADSTS70016: pending' } }
          : { body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) };
      },
      () => ({ user_code: 'X', device_code: 'd', verification_uri: 'https://microsoft.com/devicelogin', expires_in: 900, interval: 0, message: 'm' }),
    );
    const provider = createDeviceCodeTokenProvider({ environment: env, cache: createMemoryTokenCache(), network: { proxy: false }, onDeviceCode: () => undefined });
    const token = await provider.getToken();
    expect(polls).toBe(2);
    expect(token.user).toBe(user);
  });

  it('is cancelled through an AbortSignal while polling', async () => {
    use(() => ({ status: 400, body: { error: 'authorization_pending', error_description: 'AADSTS70016: pending' } }));
    const controller = new AbortController();
    const provider = createDeviceCodeTokenProvider({
      environment: env,
      cache: createMemoryTokenCache(),
      network: { proxy: false },
      onDeviceCode: () => setTimeout(() => controller.abort(), 20),
    });
    await expect(provider.getToken({ signal: controller.signal })).rejects.toMatchObject({ code: ExopsErrorCode.ABORTED });
  });

  it('fails with the user mismatch wording when another account signs in', async () => {
    use(() => ({ body: buildTokenResponse({ user: 'other@fabrikam.com', clientId: EXO_CLIENT_IDS.rest }) }));
    const provider = createDeviceCodeTokenProvider({ environment: env, upn: user, cache: createMemoryTokenCache(), network: { proxy: false }, onDeviceCode: () => undefined });
    const error = await provider.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ExopsErrorCode.AUTH_USER_MISMATCH,
      message: `User 'other@fabrikam.com' returned by service does not match user '${user}' in the request`,
    });
    expect((error as { remedy: string }).remedy).toMatch(/sign out.*browser.*without --upn.*--credential/is);
  });

  it('accepts the user in another letter case', async () => {
    use(() => ({ body: buildTokenResponse({ user: user.toUpperCase(), clientId: EXO_CLIENT_IDS.rest }) }));
    const provider = createDeviceCodeTokenProvider({ environment: env, upn: user, cache: createMemoryTokenCache(), network: { proxy: false }, onDeviceCode: () => undefined });
    await expect(provider.getToken()).resolves.toMatchObject({ user: user.toUpperCase() });
  });

  it('maps a declined sign-in to AUTH_ACCESS_DENIED', async () => {
    use(() => ({ status: 400, body: buildEntraError('authorization_declined', 70000, 'The user declined.') }));
    const provider = createDeviceCodeTokenProvider({ environment: env, cache: createMemoryTokenCache(), network: { proxy: false }, onDeviceCode: () => undefined });
    await expect(provider.getToken()).rejects.toMatchObject({ code: ExopsErrorCode.AUTH_ACCESS_DENIED });
  });

  it('is refused in 21Vianet, where MFA is not offered', () => {
    expect(() => createDeviceCodeTokenProvider({ environment: CLOUD_ENVIRONMENTS.O365China })).toThrow(
      expect.objectContaining({ code: ExopsErrorCode.AUTH_UNSUPPORTED_FLOW, message: expect.stringContaining("MFA authentication or federated authentication isn't available") }),
    );
  });
});

describe('a local authority (the emulator)', () => {
  it('is trusted without instance discovery and reached only at its own origin', async () => {
    const origin = 'https://127.0.0.1:8443';
    const requests: RecordedTokenRequest[] = [];
    server.use(...entraHandlers(() => ({ body: buildTokenResponse({ user, clientId: EXO_CLIENT_IDS.rest }) }), requests, undefined, origin));
    const provider = createDeviceCodeTokenProvider({
      environment: createEmulatorEnvironment(origin),
      upn: user,
      cache: createMemoryTokenCache(),
      network: { proxy: false },
      onDeviceCode: () => undefined,
    });
    await expect(provider.getToken()).resolves.toMatchObject({ user });
    expect(requests.every((r) => r.url.startsWith(`${origin}/organizations/`))).toBe(true);
  });
});
