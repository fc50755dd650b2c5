import { ExopsError, ExopsErrorCode } from '@exops/contracts';

/** The claims exops reads from an Entra ID token. Other claims are kept as they are. */
export interface TokenClaims {
  readonly upn?: string;
  readonly preferred_username?: string;
  readonly unique_name?: string;
  readonly tid?: string;
  readonly appid?: string;
  readonly azp?: string;
  readonly scp?: string;
  readonly roles?: readonly string[];
  readonly exp?: number;
  readonly [claim: string]: unknown;
}

/**
 * Reads the payload of a JWT without verifying it: the token came straight from the authority over TLS, and the
 * resource (Exchange) verifies the signature. Returns undefined for anything that is not a JWT with a JSON payload.
 */
export function parseTokenClaims(token: string | undefined): TokenClaims | undefined {
  if (token === undefined || token === '') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}

/** The signed-in user a token names: `upn`, then `preferred_username`, then `unique_name`. */
export function getTokenUser(claims: TokenClaims | undefined): string | undefined {
  if (claims === undefined) return undefined;
  for (const value of [claims.upn, claims.preferred_username, claims.unique_name]) {
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** The scopes a token grants: `scp` (delegated, space-separated) or `roles` (app-only). */
export function getTokenScopes(claims: TokenClaims | undefined): string[] {
  if (claims === undefined) return [];
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter((s) => s !== '');
  if (Array.isArray(claims.roles)) return claims.roles.filter((r): r is string => typeof r === 'string');
  return [];
}

/** The remedy for a user mismatch, shared by every delegated flow (reference §3.5). */
export const USER_MISMATCH_REMEDY =
  'The browser or the token cache signed in another account (single sign-on). Sign out of that account in the ' +
  'browser (or use a private window), run again without --upn to accept the signed-in account, or use --credential ' +
  'to sign in with a user name and password.';

/**
 * Fails with ADAL's wording (`AdalError.UserMismatch`, reference §3.5) when the token's user is not the one asked
 * for. The comparison ignores case, as UPNs do.
 */
export function assertExpectedUser(returned: string | undefined, requested: string | undefined): void {
  if (requested === undefined) return;
  if (returned !== undefined && returned.toLowerCase() === requested.toLowerCase()) return;
  throw new ExopsError(
    ExopsErrorCode.AUTH_USER_MISMATCH,
    `User '${returned ?? ''}' returned by service does not match user '${requested}' in the request`,
    { remedy: USER_MISMATCH_REMEDY, details: { returnedUser: returned, requestedUser: requested } },
  );
}
