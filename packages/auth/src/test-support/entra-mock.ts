import { randomUUID } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import type { HttpHandler } from 'msw';

/** A JWT-shaped token built at test time (unsigned: nothing here verifies signatures). */
export function buildTestJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.c2ln`;
}

export const TENANT_ID = '11111111-2222-3333-4444-555555555555';
export const USER_OID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export interface TokenResponseOptions {
  readonly user?: string;
  readonly clientId: string;
  readonly expiresIn?: number;
  readonly scp?: string;
  readonly app?: boolean;
  readonly refreshToken?: string;
}

/** The body Entra ID's v2 token endpoint answers with. */
export function buildTokenResponse(options: TokenResponseOptions): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? 3600;
  const access = buildTestJwt({
    aud: 'https://outlook.office365.com',
    iss: `https://sts.windows.net/${TENANT_ID}/`,
    iat: now,
    nbf: now,
    exp: now + expiresIn,
    tid: TENANT_ID,
    appid: options.clientId,
    uti: randomUUID(),
    ...(options.app === true
      ? { roles: ['Exchange.ManageAsApp'], oid: randomUUID() }
      : { scp: options.scp ?? 'Exchange.Manage', upn: options.user, unique_name: options.user, oid: USER_OID }),
  });
  if (options.app === true) {
    return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: access };
  }
  const idToken = buildTestJwt({
    aud: options.clientId,
    iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    tid: TENANT_ID,
    oid: USER_OID,
    sub: 'subject',
    preferred_username: options.user,
    name: 'Test User',
    ver: '2.0',
  });
  return {
    token_type: 'Bearer',
    scope: 'https://outlook.office365.com/.default',
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: access,
    refresh_token: options.refreshToken ?? `rt-${randomUUID()}`,
    id_token: idToken,
    client_info: Buffer.from(JSON.stringify({ uid: USER_OID, utid: TENANT_ID }), 'utf8').toString('base64url'),
  };
}

/** Entra ID's error body, as the token endpoint sends it. */
export function buildEntraError(error: string, aadsts: number, text: string, suberror?: string): Record<string, unknown> {
  return {
    error,
    error_description: `AADSTS${aadsts}: ${text}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: 2026-11-25 16:00:00Z`,
    error_codes: [aadsts],
    timestamp: '2026-11-25 16:00:00Z',
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
    ...(suberror === undefined ? {} : { suberror }),
  };
}

/** A recorded token request: the form fields MSAL posted. */
export interface RecordedTokenRequest {
  readonly url: string;
  readonly form: URLSearchParams;
}

export type TokenAnswer = (form: URLSearchParams, url: string) => { status?: number; body: Record<string, unknown> };

/**
 * msw handlers for the Entra endpoints MSAL calls on the worldwide cloud: instance discovery, OpenID configuration,
 * the token and device code endpoints. `answer` decides every token request; `requests` records them.
 */
export function entraHandlers(
  answer: TokenAnswer,
  requests: RecordedTokenRequest[] = [],
  deviceCode?: () => Record<string, unknown>,
  host = 'https://login.microsoftonline.com',
): HttpHandler[] {
  return [
    http.get(`${host}/common/discovery/instance`, ({ request }) => {
      const endpoint = new URL(request.url).searchParams.get('authorization_endpoint') ?? '';
      return HttpResponse.json({
        tenant_discovery_endpoint: endpoint.replace(/oauth2\/v2\.0\/authorize$/, 'v2.0/.well-known/openid-configuration'),
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: 'login.microsoftonline.com',
            preferred_cache: 'login.windows.net',
            aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
          },
        ],
      });
    }),
    http.get(`${host}/:tenant/v2.0/.well-known/openid-configuration`, ({ params }) => {
      const tenant = String(params['tenant']);
      return HttpResponse.json({
        token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
        issuer: `${host}/{tenantid}/v2.0`,
        jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
      });
    }),
    http.post(`${host}/:tenant/oauth2/v2.0/token`, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      requests.push({ url: request.url, form });
      const { status, body } = answer(form, request.url);
      return HttpResponse.json(body, { status: status ?? 200 });
    }),
    http.post(`${host}/:tenant/oauth2/v2.0/devicecode`, () =>
      HttpResponse.json(
        deviceCode?.() ?? {
          user_code: 'ABCD-EFGH',
          device_code: 'device-code-1',
          verification_uri: 'https://microsoft.com/devicelogin',
          expires_in: 900,
          interval: 1,
          message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.',
        },
      ),
    ),
  ];
}
