/**
 * Errors as Entra ID's v2.0 endpoints return them: `{ error, error_description, error_codes, timestamp, trace_id,
 * correlation_id, error_uri }` where the description starts with `AADSTS<code>: ` and ends with the trace, correlation
 * and timestamp lines. The message texts are the service's own wording where it is known.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from '../types.js';

/** The AADSTS codes the emulator produces, with the service's message text. */
export const AADSTS = {
  50011: 'The redirect URI specified in the request does not match the redirect URIs configured for the application.',
  50020: 'User account from identity provider does not exist in tenant and cannot access the application in that tenant.',
  50034: 'The user account does not exist in the directory. To sign into this application, the account must be added to the directory.',
  50076:
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'.",
  50126: 'Error validating credentials due to invalid username or password.',
  54005: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  70000: 'The request was denied because one or more scopes requested are unauthorized or expired. The user must first sign in and grant the client application access to the requested scope.',
  70008: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  70011: 'The provided request must include a \'scope\' input parameter. The provided value for the input parameter \'scope\' is not valid.',
  70016: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  70019: 'Verification code expired.',
  50027: 'JWT token is invalid or malformed.',
  90002: 'Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.',
  90014: 'The required field is missing from the credential. Ensure that you have all the necessary parameters for the login request.',
  70003: 'The app requested an unsupported grant type.',
  500011: 'The resource principal was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.',
  501481: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  700016: "Application was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
  700027: 'The certificate with identifier used to sign the client assertion is not registered on application.',
  700024: 'Client assertion is not within its valid time range.',
  700082: 'The refresh token has expired due to inactivity.',
  900144: "The request body must contain the following parameter: 'client_id'.",
  9002313: 'Invalid request. Request is malformed or invalid.',
} as const;

/** An AADSTS code the emulator knows. */
export type AadstsCode = keyof typeof AADSTS;

/** The OAuth error an AADSTS failure is reported under. */
export type OAuthErrorName =
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'unsupported_response_type'
  | 'unsupported_grant_type'
  | 'authorization_pending'
  | 'authorization_declined'
  | 'expired_token'
  | 'bad_verification_code'
  | 'interaction_required';

/** The JSON body of an Entra error. */
export interface EntraErrorBody {
  readonly error: OAuthErrorName;
  readonly error_description: string;
  readonly error_codes: readonly number[];
  readonly timestamp: string;
  readonly trace_id: string;
  readonly correlation_id: string;
  readonly error_uri: string;
  readonly suberror?: string;
  readonly claims?: string;
}

/** Formats the timestamp as Entra does: `2026-11-25 16:52:21Z`. */
export function formatEntraTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Options of {@link buildEntraError}. */
export interface EntraErrorOptions {
  readonly error: OAuthErrorName;
  readonly code: AadstsCode;
  /** Replaces the table's text when the message names the request's values (tenant, app, URI). */
  readonly message?: string;
  readonly at: Date;
  readonly origin: string;
  readonly correlationId?: string | undefined;
  readonly suberror?: string;
  readonly claims?: string;
}

/** Builds the JSON body of an Entra error. */
export function buildEntraError(options: EntraErrorOptions): EntraErrorBody {
  const traceId = randomUUID();
  const correlationId = options.correlationId !== undefined && /^[0-9a-f-]{36}$/i.test(options.correlationId) ? options.correlationId : randomUUID();
  const timestamp = formatEntraTimestamp(options.at);
  const text = options.message ?? AADSTS[options.code];
  return {
    error: options.error,
    error_description: `AADSTS${options.code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [options.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${options.origin}/error?code=${options.code}`,
    ...(options.suberror !== undefined ? { suberror: options.suberror } : {}),
    ...(options.claims !== undefined ? { claims: options.claims } : {}),
  };
}

/** The HTTP status Entra uses for an OAuth error: 401 for a bad client, 400 otherwise. */
export function entraErrorStatus(error: OAuthErrorName): number {
  return error === 'invalid_client' ? 401 : 400;
}

/** A JSON response carrying the error, with the headers Entra sends (no caching). */
export function entraErrorResponse(options: EntraErrorOptions): EmulatorResponse {
  return jsonResponse(entraErrorStatus(options.error), buildEntraError(options));
}

/** A JSON response that no cache keeps, as every token endpoint reply must be (RFC 6749 5.1). */
export function jsonResponse(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache', ...headers },
    body: JSON.stringify(body),
  };
}
