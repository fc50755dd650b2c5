/**
 * Who calls the RPS endpoint, established as Exchange Online did it (reference §1.3, §1.4): `Authorization: Basic
 * base64("<upn>:Bearer <jwt>")` on a URL with `BasicAuthToOAuthConversion=true`, the token checked on every request,
 * `DelegatedOrg` honoured for partners only.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, TokenVerification, VerifiedAccessToken } from '../types.js';
import type { ExchangeCaller } from '../exchange/cmdlets/catalog-types.js';
import type { CmdletEngine } from '../exchange/cmdlets/engine.js';
import type { DirectoryTenant, DirectoryUser, ExchangeDirectory } from '../exchange/directory.js';
import { RPS_DISABLED_TEXT, delegatedNoRoleText, delegatedOrgRefusedText, delegatedOrgUnknownText, remotePowerShellNotEnabledText } from './texts.js';

/** Query parameters, keys lower-case. WinRM URLs separate them with `&` or `;` (AADInternals used `;`). */
export function parseRpsQuery(url: URL): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of url.search.replace(/^\?/, '').split(/[&;]/)) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const decode = (text: string): string => {
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return text;
      }
    };
    out.set(decode(at < 0 ? part : part.slice(0, at)).toLowerCase(), decode(at < 0 ? '' : part.slice(at + 1)));
  }
  return out;
}

/** Why the HTTP layer refused a request (every reason answers 401 "Access is denied", as the service did). */
export type RpsAuthFailure =
  | 'no-basic-header'
  | 'no-oauth-conversion'
  | 'not-a-bearer-password'
  | 'token-rejected'
  | 'token-expired'
  | 'user-mismatch'
  | 'unknown-user';

/** A caller the service accepted at the HTTP layer. */
export interface RpsIdentity {
  readonly token: VerifiedAccessToken;
  /** Session-registry owner: the UPN for users, the app id for app-only tokens, lower-case. */
  readonly owner: string;
  /** `rsp:Owner` as shown in shell listings. */
  readonly ownerDisplay: string;
  readonly user: DirectoryUser | undefined;
}

export type RpsAuthResult = { readonly ok: true; readonly identity: RpsIdentity } | { readonly ok: false; readonly failure: RpsAuthFailure; readonly detail: string };

function header(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Checks the Basic-wrapped OAuth token of one request. */
export async function authenticateRpsRequest(
  request: EmulatorRequest,
  query: ReadonlyMap<string, string>,
  directory: ExchangeDirectory,
  verifyAccessToken: (token: string) => Promise<TokenVerification>,
): Promise<RpsAuthResult> {
  const authorization = header(request, 'authorization');
  const match = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) return { ok: false, failure: 'no-basic-header', detail: 'The request has no Basic Authorization header.' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const userName = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  if ((query.get('basicauthtooauthconversion') ?? '').toLowerCase() !== 'true') {
    return { ok: false, failure: 'no-oauth-conversion', detail: 'Basic authentication is switched off; add BasicAuthToOAuthConversion=true to the URL and send "Bearer <token>" as the password.' };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(password);
  if (bearer?.[1] === undefined) return { ok: false, failure: 'not-a-bearer-password', detail: 'The Basic password is not "Bearer <access token>".' };
  const verification = await verifyAccessToken(bearer[1]);
  if (!verification.ok) {
    return { ok: false, failure: verification.reason === 'expired' ? 'token-expired' : 'token-rejected', detail: `The access token was refused (${verification.reason}).` };
  }
  const token = verification.token;
  if (token.kind === 'app') {
    return { ok: true, identity: { token, owner: token.appId.toLowerCase(), ownerDisplay: token.appId, user: undefined } };
  }
  if (token.upn === undefined || userName.trim().toLowerCase() !== token.upn.toLowerCase()) {
    return { ok: false, failure: 'user-mismatch', detail: `The Basic user name does not match the token's user.` };
  }
  const user = directory.findUser(token.upn);
  if (user === undefined || user.tenantId !== token.tenantId) return { ok: false, failure: 'unknown-user', detail: `The token's user is not in its tenant.` };
  return { ok: true, identity: { token, owner: user.upn.toLowerCase(), ownerDisplay: user.upn, user } };
}

/** Why the service refused to open a runspace for an authenticated caller. */
export type RpsOpenRefusal =
  /** WinRM's AccessDenied fault (WSManFault Code 5); `text` is the detail under "Access is denied." when there is one. */
  | { readonly kind: 'access-denied'; readonly text?: string }
  /** An exception of Exchange's authorization module, reported by the PowerShell plug-in. */
  | { readonly kind: 'authz'; readonly text: string };

export type RpsCallerResult = { readonly ok: true; readonly caller: ExchangeCaller; readonly tenant: DirectoryTenant } | { readonly ok: false; readonly refusal: RpsOpenRefusal };

/**
 * The organization a session runs against and the caller the cmdlet engine sees; checked at Create (RPS switched off,
 * RemotePowerShellEnabled, partner relation), as Exchange's authorization plug-in did when it built the runspace.
 */
export function resolveRpsCaller(identity: RpsIdentity, query: ReadonlyMap<string, string>, directory: ExchangeDirectory, engine: CmdletEngine, connectionUri: string): RpsCallerResult {
  const { token, user } = identity;
  const home = directory.findTenant(token.tenantId);
  if (home === undefined) return { ok: false, refusal: { kind: 'access-denied' } };
  const delegated = query.get('delegatedorg');
  let tenant = home;
  if (delegated !== undefined && delegated.trim() !== '') {
    const target = directory.findTenant(delegated.trim());
    if (target === undefined) return { ok: false, refusal: { kind: 'authz', text: delegatedOrgUnknownText(delegated.trim()) } };
    if (target.tenantId !== home.tenantId) {
      const partner = token.kind === 'delegated' && (home.partnerOf ?? []).includes(target.tenantId);
      if (!partner) return { ok: false, refusal: { kind: 'authz', text: delegatedOrgRefusedText(identity.ownerDisplay, target.initialDomain, home.tenantId) } };
    }
    tenant = target;
  }
  if (!tenant.rpsEnabled) return { ok: false, refusal: { kind: 'access-denied', text: RPS_DISABLED_TEXT } };
  // reference §3.2: a user with RemotePowerShellEnabled=false saw "Access is denied"; the detail is the plug-in's log line.
  if (user !== undefined && !user.remotePowerShellEnabled) return { ok: false, refusal: { kind: 'access-denied', text: remotePowerShellNotEnabledText(user.upn) } };
  const connection = { connectionId: randomUUID(), connectionUri, tokenExpiresAt: token.expiresAt, transport: 'rps' as const };
  let caller: ExchangeCaller;
  if (token.kind === 'app') {
    const app = directory.findApp(token.appId);
    if (app === undefined || app.tenantId !== token.tenantId) return { ok: false, refusal: { kind: 'access-denied' } };
    caller = { kind: 'app', tenantId: tenant.tenantId, homeTenantId: token.tenantId, upn: undefined, appId: token.appId, objectId: token.objectId, roles: app.roles, connection };
  } else {
    if (user === undefined) return { ok: false, refusal: { kind: 'access-denied' } };
    caller = { kind: 'user', tenantId: tenant.tenantId, homeTenantId: token.tenantId, upn: user.upn, appId: token.appId, objectId: user.objectId, roles: user.roles, connection };
    if (tenant.tenantId !== home.tenantId && engine.accessOf(caller) === undefined) {
      return { ok: false, refusal: { kind: 'authz', text: delegatedNoRoleText(user.upn, tenant.initialDomain) } };
    }
  }
  return { ok: true, caller, tenant };
}
