/**
 * The Entra ID half of the emulator: OIDC discovery, JWKS, the authorize endpoint with its sign-in pages (username,
 * password, verification code), the device code endpoint and `/devicelogin`, and the token endpoint with the grants
 * MSAL uses (authorization_code + PKCE, refresh_token, device_code, password, client_credentials with a certificate).
 * Everything it remembers (codes, refresh tokens, device codes, pending MFA codes) lives in memory.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { EmulatorClock, EmulatorRequest, EmulatorResponse, Route, TokenVerification } from '../types.js';
import { JWT_BEARER_ASSERTION_TYPE, verifyClientAssertion } from './client-assertion.js';
import { findApp, findTenant, type DirectoryTenant, type DirectoryUser, type IdentityDirectory } from './directory.js';
import { AADSTS, buildEntraError, entraErrorResponse, jsonResponse, type AadstsCode, type OAuthErrorName } from './entra-errors.js';
import {
  renderDeviceCodeEntryPage,
  renderDeviceConsentPage,
  renderDeviceDonePage,
  renderErrorPage,
  renderFormPostPage,
  renderPasswordPage,
  renderUsernamePage,
  renderVerificationCodePage,
} from './pages.js';
import { EXCHANGE_APP_ID, EXCHANGE_RESOURCE, buildJwks, type SigningKey, type TokenService } from './tokens.js';

/** A public (native) client the emulator knows: the Exchange Online PowerShell first-party apps, plus any added. */
export interface PublicClient {
  readonly clientId: string;
  readonly displayName: string;
}

/** Microsoft's first-party clients for Exchange Online PowerShell (reference 1.5). */
export const FIRST_PARTY_CLIENTS: readonly PublicClient[] = [
  { clientId: 'fb78d390-0c51-40cd-8e17-fdbfab77341b', displayName: 'Microsoft Exchange REST API Based Powershell' },
  { clientId: 'a0c73c16-a7e3-4564-9a95-2bdf47383716', displayName: 'Microsoft Exchange Online Remote PowerShell' },
];

/** Resources the emulator issues tokens for (everything else is AADSTS500011). */
export const KNOWN_RESOURCES: readonly string[] = [EXCHANGE_RESOURCE, 'https://ps.compliance.protection.outlook.com', 'https://graph.microsoft.com'];

/** A verification code waiting for a user to type it (read by tests through `GET /_admin/mfa-codes`). */
export interface PendingMfaCode {
  readonly upn: string;
  readonly code: string;
  readonly issuedAt: string;
}

/** A device code waiting for its user. */
export interface PendingDeviceCode {
  readonly userCode: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: string;
  readonly status: 'pending' | 'approved' | 'denied' | 'redeemed';
}

/** One token request that carried a `claims` parameter (a claims challenge being answered). */
export interface ClaimsRequestRecord {
  readonly grantType: string;
  readonly clientId: string;
  readonly upn: string | undefined;
  readonly claims: string;
  readonly at: string;
}

/** One successful token grant (no token values), for assertions such as "MSAL refreshed". */
export interface TokenGrantRecord {
  readonly grantType: string;
  readonly clientId: string;
  readonly upn: string | undefined;
  readonly tenantId: string;
  readonly resource: string;
  readonly at: string;
}

/** Options of {@link createIdentityService}. */
export interface IdentityServiceOptions {
  readonly directory: () => IdentityDirectory;
  readonly clock: EmulatorClock;
  readonly tokens: TokenService;
  readonly signingKey: SigningKey;
  /** The emulator's origin, read lazily (the port is known after listen). */
  readonly origin: () => string;
  /** Seconds MSAL waits between device code polls. Entra says 5; tests use 1. */
  readonly deviceCodeIntervalSeconds?: number;
  readonly deviceCodeLifetimeSeconds?: number;
  /** Refresh tokens expire after this much inactivity (Entra: 90 days). */
  readonly refreshTokenLifetimeSeconds?: number;
  readonly publicClients?: readonly PublicClient[];
}

/** The identity half: its routes, its admin routes (relative to `/_admin`) and what tests read. */
export interface IdentityService {
  readonly routes: Route[];
  readonly adminRoutes: Route[];
  verifyAccessToken(token: string): Promise<TokenVerification>;
  pendingMfaCodes(upn?: string): PendingMfaCode[];
  pendingDeviceCodes(): PendingDeviceCode[];
  /** Approves a device code as if `upn` had signed in (and passed MFA) on `/devicelogin`. */
  approveDeviceCode(userCode: string, upn: string): { ok: true } | { ok: false; message: string };
  denyDeviceCode(userCode: string): { ok: true } | { ok: false; message: string };
  claimsRequests(): ClaimsRequestRecord[];
  tokenGrants(): TokenGrantRecord[];
  /** Revokes every refresh token of a user (as "Revoke sessions" in Entra does). */
  revokeRefreshTokens(upn: string): number;
}

type TenantScope = { readonly kind: 'multi'; readonly segment: string } | { readonly kind: 'tenant'; readonly segment: string; readonly tenant: DirectoryTenant };

interface AuthorizeParams {
  readonly redirectUri: string;
  readonly responseMode: 'query' | 'form_post';
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly scopes: readonly string[];
  readonly clientInfo: boolean;
}

interface SignInFlow {
  readonly id: string;
  readonly kind: 'authorize' | 'device';
  readonly scope: TenantScope;
  readonly client: PublicClient;
  readonly loginHint: string | undefined;
  readonly authorize: AuthorizeParams | undefined;
  readonly deviceCode: string | undefined;
  stage: 'username' | 'password' | 'mfa' | 'consent' | 'done';
  user: DirectoryUser | undefined;
  tenantId: string | undefined;
  mfaCode: string | undefined;
  mfaIssuedAt: Date | undefined;
  readonly expiresAt: number;
}

interface AuthCodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string | undefined;
  readonly user: DirectoryUser;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly nonce: string | undefined;
  readonly authMethods: readonly string[];
  readonly expiresAt: number;
  redeemed: boolean;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly upn: string;
  readonly tenantId: string;
  readonly authMethods: readonly string[];
  readonly expiresAt: number;
}

interface DeviceCodeGrant {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly client: PublicClient;
  readonly scope: TenantScope;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  user: DirectoryUser | undefined;
  tenantId: string | undefined;
  authMethods: readonly string[];
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const AUTH_CODE_LIFETIME_MS = 10 * 60_000;
const SIGN_IN_FLOW_LIFETIME_MS = 30 * 60_000;
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function form(request: EmulatorRequest): URLSearchParams {
  const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (request.body.length === 0) return new URLSearchParams();
  if (type !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  return new URLSearchParams(request.body.toString('utf8'));
}

function html(status: number, body: string): EmulatorResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store, no-cache',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
    },
    body,
  };
}

function splitScopes(text: string | null): string[] {
  return (text ?? '').split(/\s+/).filter((scope) => scope !== '');
}

/** `https://outlook.office365.com/.default` -> the resource `https://outlook.office365.com`; OIDC scopes have none. */
function resourceOf(scope: string): string | undefined {
  if (OIDC_SCOPES.has(scope.toLowerCase())) return undefined;
  const at = scope.lastIndexOf('/');
  if (at <= 0) return undefined;
  const resource = scope.slice(0, at);
  return resource.toLowerCase() === EXCHANGE_APP_ID ? EXCHANGE_RESOURCE : resource;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Loopback and native-client redirect URIs a public client may use (Entra allows any port on loopback, RFC 8252 7.3). */
function isAllowedRedirectUri(uri: string, origin: string): boolean {
  if (uri === 'urn:ietf:wg:oauth:2.0:oob') return true;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return false;
  }
  if (parsed.protocol === 'http:' && (parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]')) return true;
  const nativeClient = /^\/(common|organizations)\/oauth2\/nativeclient$/i;
  if (parsed.origin === 'https://login.microsoftonline.com' && nativeClient.test(parsed.pathname)) return true;
  return parsed.origin === origin && nativeClient.test(parsed.pathname);
}

function phoneHint(upn: string): string {
  const digits = createHash('sha256').update(upn.toLowerCase()).digest().readUInt16BE(0) % 100;
  return `+X XXXXXXXX${String(digits).padStart(2, '0')}`;
}

/** Creates the identity half. */
export function createIdentityService(options: IdentityServiceOptions): IdentityService {
  const { clock, tokens } = options;
  const directory = options.directory;
  const origin = options.origin;
  const interval = options.deviceCodeIntervalSeconds ?? 5;
  const deviceLifetimeMs = (options.deviceCodeLifetimeSeconds ?? 900) * 1000;
  const refreshLifetimeMs = (options.refreshTokenLifetimeSeconds ?? 90 * 24 * 3600) * 1000;
  const publicClients = [...FIRST_PARTY_CLIENTS, ...(options.publicClients ?? [])];

  const flows = new Map<string, SignInFlow>();
  const authCodes = new Map<string, AuthCodeGrant>();
  const refreshTokens = new Map<string, RefreshGrant>();
  const deviceCodes = new Map<string, DeviceCodeGrant>();
  const claimsLog: ClaimsRequestRecord[] = [];
  const grantLog: TokenGrantRecord[] = [];

  const now = (): number => clock.now().getTime();
  const findPublicClient = (clientId: string): PublicClient | undefined => publicClients.find((client) => client.clientId.toLowerCase() === clientId.toLowerCase());

  const error = (errorName: OAuthErrorName, code: AadstsCode, request: EmulatorRequest, message?: string, extra: { suberror?: string; claims?: string } = {}): EmulatorResponse =>
    entraErrorResponse({
      error: errorName,
      code,
      at: clock.now(),
      origin: origin(),
      correlationId: String(request.headers['client-request-id'] ?? request.url.searchParams.get('client-request-id') ?? ''),
      ...(message !== undefined ? { message } : {}),
      ...extra,
    });

  const errorPage = (code: AadstsCode, message?: string): EmulatorResponse => {
    const body = buildEntraError({ error: 'invalid_request', code, at: clock.now(), origin: origin(), ...(message !== undefined ? { message } : {}) });
    return html(400, renderErrorPage({ description: body.error_description }));
  };

  const resolveTenantScope = (segment: string): TenantScope | undefined => {
    const lower = segment.toLowerCase();
    if (lower === 'organizations' || lower === 'common') return { kind: 'multi', segment: lower };
    const tenant = findTenant(directory(), segment);
    return tenant === undefined ? undefined : { kind: 'tenant', segment, tenant };
  };

  const unknownTenantMessage = (segment: string): string =>
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;

  /** The tenant a user's token is for under this authority, or the AADSTS50020 text when the user may not sign in there. */
  const tenantForUser = (scope: TenantScope, user: DirectoryUser): { ok: true; tenantId: string } | { ok: false; message: string } => {
    if (scope.kind === 'multi') return { ok: true, tenantId: user.tenantId };
    if (scope.tenant.tenantId === user.tenantId) return { ok: true, tenantId: user.tenantId };
    // Delegated administration: a partner tenant's admins sign in to a customer tenant it manages.
    const home = findTenant(directory(), user.tenantId);
    if (home?.partnerOf?.includes(scope.tenant.tenantId) === true) return { ok: true, tenantId: scope.tenant.tenantId };
    return {
      ok: false,
      message: `User account '${user.upn}' from identity provider 'https://sts.windows.net/${user.tenantId}/' does not exist in tenant '${scope.tenant.defaultDomain}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    };
  };

  const recordClaims = (params: URLSearchParams, grantType: string, clientId: string, upn: string | undefined): void => {
    const claims = params.get('claims');
    if (claims !== null && claims !== '') claimsLog.push({ grantType, clientId, upn, claims, at: clock.now().toISOString() });
  };

  /** Builds the token response for a user (access, refresh when offline_access, id token when openid, client_info). */
  const userTokenResponse = async (args: {
    grantType: string;
    client: PublicClient;
    user: DirectoryUser;
    tenantId: string;
    scopes: readonly string[];
    authMethods: readonly string[];
    nonce: string | undefined;
    clientInfo: boolean;
    request: EmulatorRequest;
  }): Promise<EmulatorResponse> => {
    const resourceScopes = args.scopes.filter((scope) => resourceOf(scope) !== undefined);
    const resources = [...new Set(resourceScopes.map((scope) => resourceOf(scope) ?? ''))];
    if (resources.length > 1) {
      return error('invalid_scope', 70011, args.request, `The provided value for the input parameter 'scope' is not valid. The scope '${args.scopes.join(' ')}' asks for more than one resource; request one resource per token.`);
    }
    const resource = resources[0] ?? 'https://graph.microsoft.com';
    if (!KNOWN_RESOURCES.some((known) => known.toLowerCase() === resource.toLowerCase())) {
      return error('invalid_resource', 500011, args.request, `The resource principal named ${resource} was not found in the tenant named ${args.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
    }
    const permission = resource === EXCHANGE_RESOURCE ? 'Exchange.Manage' : resource === 'https://graph.microsoft.com' ? 'User.Read' : 'Compliance.Manage';
    const granted = resourceScopes.length === 0 ? [permission] : resourceScopes.map((scope) => scope.slice(resource.length + 1)).map((name) => (name === '.default' ? permission : name));
    const { token, expiresIn } = await tokens.issueAccessToken(
      { kind: 'delegated', user: args.user, tenantId: args.tenantId, clientId: args.client.clientId, clientName: args.client.displayName, scopes: granted, authMethods: args.authMethods },
      resource,
    );
    const responseScopes = [...new Set([...resourceScopes, ...granted.map((name) => `${resource}/${name}`)])];
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: responseScopes.join(' '),
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: token,
    };
    const lowerScopes = args.scopes.map((scope) => scope.toLowerCase());
    if (lowerScopes.includes('offline_access')) {
      const refreshToken = `0.emu.${randomToken(48)}`;
      refreshTokens.set(refreshToken, { clientId: args.client.clientId, upn: args.user.upn, tenantId: args.tenantId, authMethods: args.authMethods, expiresAt: now() + refreshLifetimeMs });
      body['refresh_token'] = refreshToken;
    }
    if (lowerScopes.includes('openid')) {
      body['id_token'] = await tokens.issueIdToken({ user: args.user, tenantId: args.tenantId, clientId: args.client.clientId, nonce: args.nonce });
    }
    if (args.clientInfo) {
      body['client_info'] = Buffer.from(JSON.stringify({ uid: args.user.objectId, utid: args.user.tenantId })).toString('base64url');
    }
    grantLog.push({ grantType: args.grantType, clientId: args.client.clientId, upn: args.user.upn, tenantId: args.tenantId, resource, at: clock.now().toISOString() });
    return jsonResponse(200, body);
  };

  const discovery = (segment: string, version: 'v1' | 'v2'): EmulatorResponse => {
    const scope = resolveTenantScope(segment);
    if (scope === undefined) {
      return jsonResponse(400, buildEntraError({ error: 'invalid_request', code: 90002, message: unknownTenantMessage(segment), at: clock.now(), origin: origin() }));
    }
    const base = origin();
    const path = scope.kind === 'multi' ? scope.segment : scope.tenant.tenantId;
    const issuerTenant = scope.kind === 'multi' ? '{tenantid}' : scope.tenant.tenantId;
    const v2 = version === 'v2';
    return jsonResponse(200, {
      token_endpoint: v2 ? `${base}/${path}/oauth2/v2.0/token` : `${base}/${path}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${base}/${path}/discovery/v2.0/keys` : `${base}/common/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${base}/${issuerTenant}/v2.0` : `https://sts.windows.net/${issuerTenant}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: v2 ? `${base}/${path}/oauth2/v2.0/authorize` : `${base}/${path}/oauth2/authorize`,
      device_authorization_endpoint: v2 ? `${base}/${path}/oauth2/v2.0/devicecode` : `${base}/${path}/oauth2/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/${path}/oauth2/v2.0/logout` : `${base}/${path}/oauth2/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: scope.kind === 'tenant' ? 'NA' : null,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  };

  const jwks = (): EmulatorResponse => jsonResponse(200, buildJwks(options.signingKey, `${origin()}/{tenantid}/v2.0`));

  const instanceDiscovery = (request: EmulatorRequest): EmulatorResponse => {
    const host = new URL(origin()).host;
    const authorizeEndpoint = request.url.searchParams.get('authorization_endpoint');
    let tenant = 'common';
    if (authorizeEndpoint !== null) {
      try {
        tenant = new URL(authorizeEndpoint).pathname.split('/')[1] ?? 'common';
      } catch {
        return jsonResponse(400, buildEntraError({ error: 'invalid_request', code: 9002313, at: clock.now(), origin: origin(), message: `Invalid request. The authorization_endpoint '${authorizeEndpoint}' is not a URL.` }));
      }
    }
    return jsonResponse(200, {
      tenant_discovery_endpoint: `${origin()}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host, host.replace('127.0.0.1', 'localhost')] }],
    });
  };

  // ---- sign-in pages -------------------------------------------------------------------------------------------------

  const loginAction = (flow: SignInFlow): string => `/${flow.scope.segment}/login`;
  const mfaAction = (flow: SignInFlow): string => `/${flow.scope.segment}/SAS/ProcessAuth`;

  const activeFlow = (params: URLSearchParams): SignInFlow | undefined => {
    const flow = flows.get(params.get('flowToken') ?? '');
    if (flow === undefined || flow.expiresAt < now() || flow.stage === 'done') return undefined;
    return flow;
  };

  const expiredFlowPage = (): EmulatorResponse =>
    html(400, renderErrorPage({ description: 'Your session has timed out or the sign-in was already completed. Start the sign-in again from your application.' }));

  /** After the last credential step: an authorization code to the redirect URI, or the device consent page. */
  const completeSignIn = (flow: SignInFlow, user: DirectoryUser, tenantId: string): EmulatorResponse => {
    const authMethods = user.mfaRequired ? ['pwd', 'mfa'] : ['pwd'];
    if (flow.kind === 'device') {
      flow.stage = 'consent';
      flow.user = user;
      flow.tenantId = tenantId;
      return html(200, renderDeviceConsentPage({ action: '/devicelogin/confirm', flowToken: flow.id, appName: flow.client.displayName, upn: user.upn }));
    }
    const params = flow.authorize;
    if (params === undefined) return expiredFlowPage();
    flow.stage = 'done';
    flows.delete(flow.id);
    const code = `1.emu.${randomToken(64)}`;
    authCodes.set(code, {
      clientId: flow.client.clientId,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      user,
      tenantId,
      scopes: params.scopes,
      nonce: params.nonce,
      authMethods,
      expiresAt: now() + AUTH_CODE_LIFETIME_MS,
      redeemed: false,
    });
    const fields: Record<string, string> = { code };
    if (params.clientInfo) fields['client_info'] = Buffer.from(JSON.stringify({ uid: user.objectId, utid: user.tenantId })).toString('base64url');
    if (params.state !== undefined) fields['state'] = params.state;
    fields['session_state'] = createHash('sha256').update(`${user.objectId}:${flow.id}`).digest('hex').slice(0, 32);
    return redirectWith(params, fields);
  };

  const redirectWith = (params: AuthorizeParams, fields: Readonly<Record<string, string>>): EmulatorResponse => {
    if (params.responseMode === 'form_post') return html(200, renderFormPostPage({ action: params.redirectUri, fields }));
    const target = new URL(params.redirectUri);
    for (const [name, value] of Object.entries(fields)) target.searchParams.set(name, value);
    return { status: 302, headers: { location: target.toString(), 'cache-control': 'no-store' } };
  };

  const newFlow = (kind: SignInFlow['kind'], scope: TenantScope, client: PublicClient, loginHint: string | undefined, authorize: AuthorizeParams | undefined, deviceCode: string | undefined): SignInFlow => {
    const flow: SignInFlow = {
      id: randomToken(32),
      kind,
      scope,
      client,
      loginHint,
      authorize,
      deviceCode,
      stage: 'username',
      user: undefined,
      tenantId: undefined,
      mfaCode: undefined,
      mfaIssuedAt: undefined,
      expiresAt: now() + SIGN_IN_FLOW_LIFETIME_MS,
    };
    flows.set(flow.id, flow);
    return flow;
  };

  const authorize = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const segment = params['tenant'] ?? '';
    const query = request.url.searchParams;
    const scope = resolveTenantScope(segment);
    if (scope === undefined) return errorPage(90002, unknownTenantMessage(segment));
    const clientId = query.get('client_id') ?? '';
    const client = findPublicClient(clientId);
    if (client === undefined) {
      return errorPage(700016, `Application with identifier '${clientId}' was not found in the directory '${segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!isAllowedRedirectUri(redirectUri, origin())) {
      return errorPage(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${client.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`);
    }
    const responseModeText = query.get('response_mode') ?? 'query';
    const responseMode = responseModeText === 'form_post' ? 'form_post' : 'query';
    const state = query.get('state') ?? undefined;
    const fail = (errorName: string, code: AadstsCode, message: string): EmulatorResponse => {
      const body = buildEntraError({ error: errorName as OAuthErrorName, code, message, at: clock.now(), origin: origin() });
      return redirectWith(
        { redirectUri, responseMode, state, nonce: undefined, codeChallenge: undefined, scopes: [], clientInfo: false },
        { error: body.error, error_description: body.error_description, ...(state !== undefined ? { state } : {}) },
      );
    };
    if (responseModeText !== 'query' && responseModeText !== 'form_post') {
      return fail('invalid_request', 9002313, `Invalid request. response_mode '${responseModeText}' is not supported by this emulator; use query or form_post.`);
    }
    if (query.get('response_type') !== 'code') {
      return fail('unsupported_response_type', 9002313, `Invalid request. response_type must be 'code' (authorization code flow with PKCE); got '${query.get('response_type') ?? ''}'.`);
    }
    const codeChallenge = query.get('code_challenge') ?? undefined;
    const method = query.get('code_challenge_method') ?? (codeChallenge !== undefined ? 'plain' : undefined);
    if (codeChallenge !== undefined && method !== 'S256') {
      return fail('invalid_request', 9002313, `Invalid request. code_challenge_method '${method ?? ''}' is not supported; use S256 (RFC 7636 4.2).`);
    }
    const scopes = splitScopes(query.get('scope'));
    if (scopes.length === 0) return fail('invalid_request', 70011, "The provided request must include a 'scope' input parameter.");
    const loginHint = query.get('login_hint') ?? undefined;
    const flow = newFlow('authorize', scope, client, loginHint, { redirectUri, responseMode, state, nonce: query.get('nonce') ?? undefined, codeChallenge, scopes, clientInfo: query.get('client_info') === '1' }, undefined);
    return html(200, renderUsernamePage({ action: loginAction(flow), flowToken: flow.id, loginHint, appName: client.displayName }));
  };

  /** The username and password steps (Entra posts both to `/{tenant}/login`). */
  const login = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const fields = form(request);
    const flow = activeFlow(fields);
    if (flow === undefined) return expiredFlowPage();
    const upnText = (fields.get('loginfmt') ?? '').trim();
    const password = fields.get('passwd');
    if (password === null) {
      const user = upnText === '' ? undefined : directory().findUser(upnText);
      if (user === undefined) {
        return html(200, renderUsernamePage({
          action: loginAction(flow),
          flowToken: flow.id,
          loginHint: upnText,
          appName: flow.client.displayName,
          error: upnText === '' ? 'Enter a valid email address, phone number, or Skype name.' : "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
        }));
      }
      const allowed = tenantForUser(flow.scope, user);
      if (!allowed.ok) return errorPage(50020, allowed.message);
      flow.stage = 'password';
      flow.user = user;
      flow.tenantId = allowed.tenantId;
      return html(200, renderPasswordPage({ action: loginAction(flow), flowToken: flow.id, upn: user.upn }));
    }
    const user = flow.user;
    if (flow.stage !== 'password' || user === undefined || flow.tenantId === undefined) return expiredFlowPage();
    if (!safeEqual(password, user.password)) {
      return html(200, renderPasswordPage({
        action: loginAction(flow),
        flowToken: flow.id,
        upn: user.upn,
        error: "Your account or password is incorrect. If you don't remember your password, reset it now.",
      }));
    }
    if (user.mfaRequired) {
      flow.stage = 'mfa';
      flow.mfaCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
      flow.mfaIssuedAt = clock.now();
      return html(200, renderVerificationCodePage({ action: mfaAction(flow), flowToken: flow.id, upn: user.upn, phoneHint: phoneHint(user.upn) }));
    }
    return completeSignIn(flow, user, flow.tenantId);
  };

  const processAuth = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const fields = form(request);
    const flow = activeFlow(fields);
    if (flow === undefined || flow.stage !== 'mfa' || flow.user === undefined || flow.tenantId === undefined || flow.mfaCode === undefined) return expiredFlowPage();
    const code = (fields.get('otc') ?? '').trim();
    if (!safeEqual(code, flow.mfaCode)) {
      return html(200, renderVerificationCodePage({
        action: mfaAction(flow),
        flowToken: flow.id,
        upn: flow.user.upn,
        phoneHint: phoneHint(flow.user.upn),
        error: "You didn't enter the expected verification code. Please try again.",
      }));
    }
    flow.mfaCode = undefined;
    return completeSignIn(flow, flow.user, flow.tenantId);
  };

  // ---- device code ---------------------------------------------------------------------------------------------------

  const newUserCode = (): string => {
    for (;;) {
      let code = '';
      for (let i = 0; i < 9; i++) code += USER_CODE_ALPHABET[randomInt(0, USER_CODE_ALPHABET.length)];
      if (![...deviceCodes.values()].some((grant) => grant.userCode === code)) return code;
    }
  };

  const findByUserCode = (userCode: string): DeviceCodeGrant | undefined => {
    const wanted = userCode.replace(/[\s-]/g, '').toUpperCase();
    return [...deviceCodes.values()].find((grant) => grant.userCode === wanted);
  };

  const deviceCodeEndpoint = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const segment = params['tenant'] ?? '';
    const scope = resolveTenantScope(segment);
    if (scope === undefined) return error('invalid_request', 90002, request, unknownTenantMessage(segment));
    const fields = form(request);
    const clientId = fields.get('client_id') ?? '';
    if (clientId === '') return error('invalid_request', 900144, request);
    const client = findPublicClient(clientId);
    if (client === undefined) {
      return error('unauthorized_client', 700016, request, `Application with identifier '${clientId}' was not found in the directory '${segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const scopes = splitScopes(fields.get('scope'));
    if (scopes.length === 0) return error('invalid_request', 70011, request);
    const deviceCode = `DAQABAAEAAA.emu.${randomToken(96)}`;
    const userCode = newUserCode();
    deviceCodes.set(deviceCode, { deviceCode, userCode, client, scope, scopes, expiresAt: now() + deviceLifetimeMs, status: 'pending', user: undefined, tenantId: undefined, authMethods: [] });
    const verificationUri = `${origin()}/devicelogin`;
    return jsonResponse(200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: Math.round(deviceLifetimeMs / 1000),
      interval,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  };

  const deviceLoginPage = async (): Promise<EmulatorResponse> => html(200, renderDeviceCodeEntryPage({ action: '/devicelogin' }));

  const deviceLoginSubmit = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const otc = (form(request).get('otc') ?? '').trim();
    const grant = findByUserCode(otc);
    if (grant === undefined || grant.status !== 'pending' || grant.expiresAt < now()) {
      return html(200, renderDeviceCodeEntryPage({ action: '/devicelogin', error: otc === '' ? 'Enter the code displayed on your app or device.' : "That code didn't work. Check the code and try again." }));
    }
    const flow = newFlow('device', grant.scope, grant.client, undefined, undefined, grant.deviceCode);
    return html(200, renderUsernamePage({ action: loginAction(flow), flowToken: flow.id, appName: grant.client.displayName }));
  };

  const deviceLoginConfirm = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const fields = form(request);
    const flow = activeFlow(fields);
    if (flow === undefined || flow.kind !== 'device' || flow.stage !== 'consent' || flow.user === undefined || flow.tenantId === undefined) return expiredFlowPage();
    const grant = deviceCodes.get(flow.deviceCode ?? '');
    flow.stage = 'done';
    flows.delete(flow.id);
    if (grant === undefined || grant.status !== 'pending' || grant.expiresAt < now()) return expiredFlowPage();
    const approved = fields.get('decision') === 'approve';
    grant.status = approved ? 'approved' : 'denied';
    grant.user = flow.user;
    grant.tenantId = flow.tenantId;
    grant.authMethods = flow.user.mfaRequired ? ['pwd', 'mfa'] : ['pwd'];
    return html(200, renderDeviceDonePage({ approved, appName: flow.client.displayName }));
  };

  // ---- token endpoint ------------------------------------------------------------------------------------------------

  const tokenEndpoint = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const segment = params['tenant'] ?? '';
    const scope = resolveTenantScope(segment);
    if (scope === undefined) return error('invalid_request', 90002, request, unknownTenantMessage(segment));
    const fields = form(request);
    const grantType = fields.get('grant_type') ?? '';
    const clientId = fields.get('client_id') ?? '';
    // The v1 endpoint names the resource instead of scopes.
    const v1Resource = fields.get('resource');
    const scopes = v1Resource !== null ? [`${v1Resource.replace(/\/$/, '')}/.default`, ...splitScopes(fields.get('scope'))] : splitScopes(fields.get('scope'));
    const clientInfo = fields.get('client_info') === '1';

    if (grantType === 'client_credentials') return clientCredentials(request, scope, fields, clientId, scopes);
    if (clientId === '') return error('invalid_request', 900144, request);
    const client = findPublicClient(clientId);
    if (client === undefined) {
      if (findApp(directory(), clientId) !== undefined) {
        return error('invalid_client', 700016, request, `Application '${clientId}' is a confidential client registered for app-only access; it may only use grant_type=client_credentials with a certificate assertion.`);
      }
      return error('unauthorized_client', 700016, request, `Application with identifier '${clientId}' was not found in the directory '${segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }

    switch (grantType) {
      case 'authorization_code': {
        const code = fields.get('code') ?? '';
        const grant = authCodes.get(code);
        if (grant === undefined) return error('invalid_grant', 9002313, request, 'Invalid request. Request is malformed or invalid. The authorization code is not one this emulator issued.');
        if (grant.redeemed) return error('invalid_grant', 54005, request);
        if (grant.expiresAt < now()) return error('invalid_grant', 70008, request);
        if (grant.clientId.toLowerCase() !== clientId.toLowerCase()) return error('invalid_grant', 9002313, request, `Invalid request. The authorization code was issued to client '${grant.clientId}', not '${clientId}'.`);
        if ((fields.get('redirect_uri') ?? '') !== grant.redirectUri) {
          return error('invalid_grant', 50011, request, `The redirect URI '${fields.get('redirect_uri') ?? ''}' does not match the redirect URI of the authorization request.`);
        }
        if (grant.codeChallenge !== undefined) {
          const verifier = fields.get('code_verifier') ?? '';
          const computed = createHash('sha256').update(verifier).digest('base64url');
          if (verifier === '' || !safeEqual(computed, grant.codeChallenge)) return error('invalid_grant', 501481, request);
        }
        grant.redeemed = true;
        recordClaims(fields, grantType, clientId, grant.user.upn);
        return userTokenResponse({ grantType, client, user: grant.user, tenantId: grant.tenantId, scopes: scopes.length > 0 ? scopes : grant.scopes, authMethods: grant.authMethods, nonce: grant.nonce, clientInfo, request });
      }
      case 'refresh_token': {
        const presented = fields.get('refresh_token') ?? '';
        const grant = refreshTokens.get(presented);
        if (grant === undefined) return error('invalid_grant', 9002313, request, 'Invalid request. Request is malformed or invalid. The refresh token is not one this emulator issued, or it was already used (refresh tokens rotate).');
        if (grant.expiresAt < now()) {
          refreshTokens.delete(presented);
          return error('invalid_grant', 700082, request, `The refresh token has expired due to inactivity. The token was issued on ${new Date(grant.expiresAt - refreshLifetimeMs).toISOString()} and was inactive for ${Math.round(refreshLifetimeMs / 86_400_000)}.00:00:00.`);
        }
        if (grant.clientId.toLowerCase() !== clientId.toLowerCase()) return error('invalid_grant', 9002313, request, `Invalid request. The refresh token was issued to client '${grant.clientId}', not '${clientId}'.`);
        const user = directory().findUser(grant.upn);
        if (user === undefined) return error('invalid_grant', 50034, request, `The user account ${grant.upn} does not exist in the directory anymore.`);
        refreshTokens.delete(presented);
        recordClaims(fields, grantType, clientId, user.upn);
        return userTokenResponse({ grantType, client, user, tenantId: grant.tenantId, scopes, authMethods: grant.authMethods, nonce: undefined, clientInfo, request });
      }
      case 'urn:ietf:params:oauth:grant-type:device_code':
      case 'device_code': {
        const grant = deviceCodes.get(fields.get('device_code') ?? fields.get('code') ?? '');
        if (grant === undefined || grant.client.clientId.toLowerCase() !== clientId.toLowerCase()) {
          return error('invalid_grant', 9002313, request, 'Invalid request. Request is malformed or invalid. The device code is not one this emulator issued to this client.');
        }
        if (grant.status === 'redeemed') return error('invalid_grant', 54005, request, 'OAuth2 device code was already redeemed, please start a new device code sign-in.');
        if (grant.expiresAt < now()) return error('expired_token', 70019, request);
        if (grant.status === 'denied') return error('authorization_declined', 70000, request, 'The end user declined the authorization request (device code sign-in was cancelled on /devicelogin).');
        if (grant.status === 'pending' || grant.user === undefined || grant.tenantId === undefined) return error('authorization_pending', 70016, request);
        grant.status = 'redeemed';
        recordClaims(fields, 'device_code', clientId, grant.user.upn);
        return userTokenResponse({ grantType: 'device_code', client, user: grant.user, tenantId: grant.tenantId, scopes: scopes.length > 0 ? scopes : grant.scopes, authMethods: grant.authMethods, nonce: undefined, clientInfo, request });
      }
      case 'password': {
        const username = fields.get('username') ?? '';
        const password = fields.get('password') ?? '';
        const user = directory().findUser(username);
        if (user === undefined) {
          return error('invalid_grant', 50034, request, `The user account {EUII Hidden} does not exist in the ${scope.kind === 'tenant' ? scope.tenant.tenantId : segment} directory. To sign into this application, the account must be added to the directory.`);
        }
        const allowed = tenantForUser(scope, user);
        if (!allowed.ok) return error('invalid_grant', 50020, request, allowed.message);
        if (!safeEqual(password, user.password)) return error('invalid_grant', 50126, request);
        if (user.mfaRequired) {
          const policy = createHash('sha256').update(`mfa-policy:${user.tenantId}`).digest('hex');
          const claims = JSON.stringify({ access_token: { capolids: { essential: true, values: [`${policy.slice(0, 8)}-${policy.slice(8, 12)}-4${policy.slice(13, 16)}-a${policy.slice(17, 20)}-${policy.slice(20, 32)}`] } } });
          return error('invalid_grant', 50076, request, undefined, { suberror: 'basic_action', claims });
        }
        recordClaims(fields, grantType, clientId, user.upn);
        return userTokenResponse({ grantType, client, user, tenantId: allowed.tenantId, scopes, authMethods: ['pwd'], nonce: undefined, clientInfo, request });
      }
      case '':
        return error('invalid_request', 9002313, request, "Invalid request. The request body must contain the following parameter: 'grant_type'.");
      default:
        return error('unsupported_grant_type', 70003, request, `The app requested an unsupported grant type '${grantType}'.`);
    }
  };

  const clientCredentials = async (request: EmulatorRequest, scope: TenantScope, fields: URLSearchParams, clientIdField: string, scopes: readonly string[]): Promise<EmulatorResponse> => {
    const assertionType = fields.get('client_assertion_type');
    const assertion = fields.get('client_assertion');
    if (fields.get('client_secret') !== null) {
      return error('invalid_client', 700027, request, 'Client secrets are not accepted by this emulator; Exchange Online app-only access uses a certificate. Send client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer with a certificate-signed client_assertion.');
    }
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE || assertion === null || assertion === '') {
      return error('invalid_client', 90014, request, "The request body must contain the following parameters: 'client_assertion' and 'client_assertion_type' (urn:ietf:params:oauth:client-assertion-type:jwt-bearer).");
    }
    let clientId = clientIdField;
    if (clientId === '') {
      try {
        const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
        clientId = typeof payload.iss === 'string' ? payload.iss : '';
      } catch {
        clientId = '';
      }
    }
    const app = findApp(directory(), clientId);
    const tenantName = scope.kind === 'tenant' ? scope.tenant.tenantId : scope.segment;
    if (app === undefined || scope.kind !== 'tenant' || scope.tenant.tenantId !== app.tenantId) {
      return error('unauthorized_client', 700016, request, `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.${scope.kind === 'multi' ? " App-only tokens need the tenant id or domain in the authority, not 'organizations' or 'common'." : ''}`);
    }
    const base = origin();
    const audiences = [scope.segment, app.tenantId].flatMap((tenant) => [`${base}/${tenant}/oauth2/v2.0/token`, `${base}/${tenant}/oauth2/token`]);
    const checked = await verifyClientAssertion({ assertion, clientId: app.appId, certificatePems: app.certificatePem === undefined ? [] : [app.certificatePem], audiences, now: clock.now() });
    if (!checked.ok) return error('invalid_client', checked.code, request, checked.message);
    const resourceScopes = scopes.filter((item) => resourceOf(item) !== undefined);
    const resource = resourceScopes.length === 1 ? resourceOf(resourceScopes[0] ?? '') : undefined;
    if (resource === undefined || !(resourceScopes[0] ?? '').endsWith('/.default')) {
      return error('invalid_scope', 70011, request, `The provided value for the input parameter 'scope' is not valid. The scope ${scopes.join(' ')} is not valid. The client credentials flow takes exactly one scope of the form <resource>/.default, e.g. ${EXCHANGE_RESOURCE}/.default.`);
    }
    if (!KNOWN_RESOURCES.some((known) => known.toLowerCase() === resource.toLowerCase())) {
      return error('invalid_resource', 500011, request, `The resource principal named ${resource} was not found in the tenant named ${tenantName}.`);
    }
    recordClaims(fields, 'client_credentials', app.appId, undefined);
    const { token, expiresIn } = await tokens.issueAccessToken({ kind: 'app', appId: app.appId, appName: app.displayName, tenantId: app.tenantId, roles: app.roles }, resource);
    grantLog.push({ grantType: 'client_credentials', clientId: app.appId, upn: undefined, tenantId: app.tenantId, resource, at: clock.now().toISOString() });
    return jsonResponse(200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
  };

  const logout = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const after = request.url.searchParams.get('post_logout_redirect_uri');
    if (after !== null && isAllowedRedirectUri(after, origin())) return { status: 302, headers: { location: after } };
    return html(200, renderDeviceDonePage({ approved: false, appName: 'your account' }).replace('Sign in canceled', 'You signed out of your account'));
  };

  // ---- admin ---------------------------------------------------------------------------------------------------------

  const pendingMfaCodes = (upn?: string): PendingMfaCode[] =>
    [...flows.values()]
      .filter((flow) => flow.stage === 'mfa' && flow.mfaCode !== undefined && flow.user !== undefined && flow.expiresAt >= now())
      .filter((flow) => upn === undefined || flow.user?.upn.toLowerCase() === upn.toLowerCase())
      .map((flow) => ({ upn: flow.user?.upn ?? '', code: flow.mfaCode ?? '', issuedAt: (flow.mfaIssuedAt ?? clock.now()).toISOString() }));

  const pendingDeviceCodes = (): PendingDeviceCode[] =>
    [...deviceCodes.values()]
      .filter((grant) => grant.status !== 'redeemed' && grant.expiresAt >= now())
      .map((grant) => ({ userCode: grant.userCode, clientId: grant.client.clientId, scopes: grant.scopes, expiresAt: new Date(grant.expiresAt).toISOString(), status: grant.status }));

  const approveDeviceCode = (userCode: string, upn: string): { ok: true } | { ok: false; message: string } => {
    const grant = findByUserCode(userCode);
    if (grant === undefined || grant.expiresAt < now()) return { ok: false, message: `No device code '${userCode}' is waiting; start a device code sign-in first (GET /_admin/device-codes lists them).` };
    if (grant.status !== 'pending') return { ok: false, message: `Device code '${userCode}' was already ${grant.status}.` };
    const user = directory().findUser(upn);
    if (user === undefined) return { ok: false, message: `No user '${upn}' in the emulator directory.` };
    const allowed = tenantForUser(grant.scope, user);
    if (!allowed.ok) return { ok: false, message: allowed.message };
    grant.status = 'approved';
    grant.user = user;
    grant.tenantId = allowed.tenantId;
    grant.authMethods = user.mfaRequired ? ['pwd', 'mfa'] : ['pwd'];
    return { ok: true };
  };

  const denyDeviceCode = (userCode: string): { ok: true } | { ok: false; message: string } => {
    const grant = findByUserCode(userCode);
    if (grant === undefined || grant.expiresAt < now()) return { ok: false, message: `No device code '${userCode}' is waiting.` };
    if (grant.status !== 'pending') return { ok: false, message: `Device code '${userCode}' was already ${grant.status}.` };
    grant.status = 'denied';
    return { ok: true };
  };

  const revokeRefreshTokens = (upn: string): number => {
    let count = 0;
    for (const [token, grant] of refreshTokens) {
      if (grant.upn.toLowerCase() === upn.toLowerCase()) {
        refreshTokens.delete(token);
        count++;
      }
    }
    return count;
  };

  const jsonBody = (request: EmulatorRequest): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(request.body.toString('utf8') || '{}');
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const badRequest = (message: string): EmulatorResponse => jsonResponse(400, { error: message });

  const adminRoutes: Route[] = [
    { method: 'GET', path: '/mfa-codes', handler: async (request) => jsonResponse(200, { codes: pendingMfaCodes(request.url.searchParams.get('upn') ?? undefined) }) },
    { method: 'GET', path: '/device-codes', handler: async () => jsonResponse(200, { deviceCodes: pendingDeviceCodes() }) },
    {
      method: 'POST',
      path: '/device-codes/approve',
      handler: async (request) => {
        const body = jsonBody(request);
        if (typeof body?.['userCode'] !== 'string' || typeof body['upn'] !== 'string') return badRequest('Send JSON {"userCode": "<code>", "upn": "<user>"}.');
        const result = approveDeviceCode(body['userCode'], body['upn']);
        return result.ok ? jsonResponse(200, { approved: true }) : jsonResponse(409, { error: result.message });
      },
    },
    {
      method: 'POST',
      path: '/device-codes/deny',
      handler: async (request) => {
        const body = jsonBody(request);
        if (typeof body?.['userCode'] !== 'string') return badRequest('Send JSON {"userCode": "<code>"}.');
        const result = denyDeviceCode(body['userCode']);
        return result.ok ? jsonResponse(200, { denied: true }) : jsonResponse(409, { error: result.message });
      },
    },
    {
      method: 'GET',
      path: '/identity/users',
      handler: async () =>
        jsonResponse(200, {
          users: [...directory().users()].map((user) => ({ upn: user.upn, tenantId: user.tenantId, displayName: user.displayName, mfaRequired: user.mfaRequired, roles: user.roles })),
        }),
    },
    {
      method: 'GET',
      path: '/identity/users/password',
      handler: async (request) => {
        const upn = request.url.searchParams.get('upn') ?? '';
        const user = directory().findUser(upn);
        return user === undefined ? jsonResponse(404, { error: `No user '${upn}' in the emulator directory.` }) : jsonResponse(200, { upn: user.upn, password: user.password });
      },
    },
    { method: 'GET', path: '/claims-requests', handler: async () => jsonResponse(200, { requests: claimsLog }) },
    { method: 'GET', path: '/token-grants', handler: async () => jsonResponse(200, { grants: grantLog }) },
    {
      method: 'POST',
      path: '/refresh-tokens/revoke',
      handler: async (request) => {
        const body = jsonBody(request);
        if (typeof body?.['upn'] !== 'string') return badRequest('Send JSON {"upn": "<user>"}.');
        return jsonResponse(200, { revoked: revokeRefreshTokens(body['upn']) });
      },
    },
  ];

  const routes: Route[] = [
    { method: 'GET', path: '/common/discovery/instance', handler: async (request) => instanceDiscovery(request) },
    { method: 'GET', path: '/common/discovery/keys', handler: async () => jwks() },
    {
      method: 'GET',
      path: '/error',
      handler: async (request) => {
        const code = Number(request.url.searchParams.get('code'));
        const text = (AADSTS as Record<number, string>)[code];
        return html(text === undefined ? 404 : 200, renderErrorPage({ description: text === undefined ? 'Unknown error code.' : `AADSTS${code}: ${text}` }));
      },
    },
    { method: 'GET', path: '/devicelogin', handler: deviceLoginPage },
    { method: 'POST', path: '/devicelogin', handler: deviceLoginSubmit },
    { method: 'POST', path: '/devicelogin/confirm', handler: deviceLoginConfirm },
    { method: 'GET', path: '/:tenant/v2.0/.well-known/openid-configuration', handler: async (_request, params) => discovery(params['tenant'] ?? '', 'v2') },
    { method: 'GET', path: '/:tenant/.well-known/openid-configuration', handler: async (_request, params) => discovery(params['tenant'] ?? '', 'v1') },
    { method: 'GET', path: '/:tenant/discovery/v2.0/keys', handler: async () => jwks() },
    { method: 'GET', path: '/:tenant/discovery/keys', handler: async () => jwks() },
    { method: 'GET', path: '/:tenant/oauth2/v2.0/authorize', handler: authorize },
    { method: 'GET', path: '/:tenant/oauth2/authorize', handler: authorize },
    { method: 'POST', path: '/:tenant/login', handler: login },
    { method: 'POST', path: '/:tenant/SAS/ProcessAuth', handler: processAuth },
    { method: 'POST', path: '/:tenant/oauth2/v2.0/token', handler: tokenEndpoint },
    { method: 'POST', path: '/:tenant/oauth2/token', handler: tokenEndpoint },
    { method: 'POST', path: '/:tenant/oauth2/v2.0/devicecode', handler: deviceCodeEndpoint },
    { method: 'POST', path: '/:tenant/oauth2/devicecode', handler: deviceCodeEndpoint },
    { method: 'GET', path: '/:tenant/oauth2/v2.0/logout', handler: logout },
  ];

  return {
    routes,
    adminRoutes,
    verifyAccessToken: (token) => tokens.verifyAccessToken(token),
    pendingMfaCodes,
    pendingDeviceCodes,
    approveDeviceCode,
    denyDeviceCode,
    claimsRequests: () => [...claimsLog],
    tokenGrants: () => [...grantLog],
    revokeRefreshTokens,
  };
}
