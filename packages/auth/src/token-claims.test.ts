import { describe, expect, it } from 'vitest';
import { CLOUD_ENVIRONMENTS, ExopsErrorCode, createEmulatorEnvironment } from '@exops/contracts';
import { assertExpectedUser, buildAuthority, buildExchangeScopes, getTokenUser, hasDisplay, parseTokenClaims } from './index.js';
import { getTokenScopes } from './token-claims.js';
import { buildTestJwt } from './test-support/entra-mock.js';

describe('token claims', () => {
  it('reads the payload and the user in upn, preferred_username, unique_name order', () => {
    const claims = parseTokenClaims(buildTestJwt({ preferred_username: 'p@x', unique_name: 'u@x', scp: 'A B' }));
    expect(getTokenUser(claims)).toBe('p@x');
    expect(getTokenUser(parseTokenClaims(buildTestJwt({ upn: 'upn@x', preferred_username: 'p@x' })))).toBe('upn@x');
    expect(getTokenScopes(claims)).toEqual(['A', 'B']);
    expect(getTokenScopes(parseTokenClaims(buildTestJwt({ roles: ['Exchange.ManageAsApp'] })))).toEqual(['Exchange.ManageAsApp']);
  });

  it('returns undefined for anything that is not a JWT', () => {
    expect(parseTokenClaims('opaque')).toBeUndefined();
    expect(parseTokenClaims('a.b.c')).toBeUndefined();
    expect(parseTokenClaims(undefined)).toBeUndefined();
  });

  it('checks the user case-insensitively, with the exact ADAL wording', () => {
    expect(() => assertExpectedUser('Admin@Contoso.com', 'admin@contoso.com')).not.toThrow();
    expect(() => assertExpectedUser('x@y', undefined)).not.toThrow();
    expect(() => assertExpectedUser('b@contoso.com', 'a@contoso.com')).toThrow(
      expect.objectContaining({
        code: ExopsErrorCode.AUTH_USER_MISMATCH,
        message: "User 'b@contoso.com' returned by service does not match user 'a@contoso.com' in the request",
      }),
    );
  });
});

describe('authority and scopes', () => {
  it('replaces the tenant segment and builds the .default scope', () => {
    expect(buildAuthority(CLOUD_ENVIRONMENTS.O365Default)).toBe('https://login.microsoftonline.com/organizations');
    expect(buildAuthority(CLOUD_ENVIRONMENTS.O365USGovGCCHigh, 'contoso.onmicrosoft.us')).toBe('https://login.microsoftonline.us/contoso.onmicrosoft.us');
    expect(buildAuthority(createEmulatorEnvironment('https://127.0.0.1:8443'), 'contoso.onmicrosoft.com')).toBe('https://127.0.0.1:8443/contoso.onmicrosoft.com');
    expect(buildExchangeScopes(CLOUD_ENVIRONMENTS.O365USGovDoD, true)).toEqual(['https://outlook-dod.office365.us/.default', 'offline_access']);
    expect(buildExchangeScopes(CLOUD_ENVIRONMENTS.O365Default, false)).toEqual(['https://outlook.office365.com/.default']);
  });
});

describe('hasDisplay', () => {
  it('is false over SSH and on Linux without DISPLAY or WAYLAND_DISPLAY', () => {
    expect(hasDisplay({}, 'linux')).toBe(false);
    expect(hasDisplay({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'freebsd')).toBe(true);
    expect(hasDisplay({ DISPLAY: ':0', SSH_CONNECTION: '1 2 3 4' }, 'linux')).toBe(false);
    expect(hasDisplay({}, 'darwin')).toBe(true);
    expect(hasDisplay({ SSH_CONNECTION: '1 2 3 4' }, 'win32')).toBe(false);
  });
});
