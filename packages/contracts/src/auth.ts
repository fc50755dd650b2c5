/** What a sign-in yields, as the transports see it. The raw token never leaves this value except into a header. */
export interface AccessToken {
  /** The bearer token. Never log, print or store it outside the token cache. */
  readonly token: string;
  readonly expiresOn: Date;
  /** The signed-in user (the token's `upn` or `preferred_username`); undefined for app-only tokens. */
  readonly user: string | undefined;
  readonly tenantId: string;
  /** `scp` (delegated) or `roles` (app-only) of the token. */
  readonly scopes: readonly string[];
  readonly kind: 'delegated' | 'app';
  /** The client (application) id the token was issued to. */
  readonly clientId: string;
}

/** The sign-in flows exops offers. */
export type SignInFlow = 'interactive' | 'device-code' | 'credential' | 'certificate' | 'silent' | 'static';

export interface TokenRequest {
  /** Skip the cache and ask the authority again. */
  readonly forceRefresh?: boolean;
  /** A claims challenge from a 401 `WWW-Authenticate` header (CAE / step-up), passed to the authority as is. */
  readonly claims?: string;
  /** Renew when the cached token has fewer seconds left than this (default 300). */
  readonly minValiditySeconds?: number;
  readonly signal?: AbortSignal;
}

/** Anything that yields Exchange Online access tokens. `@exops/auth` implements it over MSAL. */
export interface TokenProvider {
  readonly flow: SignInFlow;
  /** The user asked for (`--upn`), checked against every token; undefined for app-only. */
  readonly expectedUser: string | undefined;
  getToken(request?: TokenRequest): Promise<AccessToken>;
}

/** A token provider that always returns the same token (tests, `--access-token`). */
export function createStaticTokenProvider(token: AccessToken): TokenProvider {
  return {
    flow: 'static',
    expectedUser: token.user,
    getToken: () => Promise.resolve(token),
  };
}

/** The RPS Basic header: `Basic base64("<upn>:Bearer <token>")` (reference §1.3). */
export function buildRpsAuthorizationHeader(token: AccessToken, user: string | undefined = token.user): string {
  // App-only tokens have no UPN; the modules sent the SystemMailbox anchor or the app id. Any non-empty name works
  // because BasicAuthToOAuthConversion makes the server read only the Bearer part.
  const name = user ?? `app:${token.clientId}`;
  return `Basic ${Buffer.from(`${name}:Bearer ${token.token}`, 'utf8').toString('base64')}`;
}

/** The REST header: `Bearer <token>`. */
export function buildBearerAuthorizationHeader(token: AccessToken): string {
  return `Bearer ${token.token}`;
}
