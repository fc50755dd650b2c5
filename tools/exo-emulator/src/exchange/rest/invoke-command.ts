/**
 * `POST /adminapi/beta/{tenant}/InvokeCommand` and `POST /adminapi/beta/{tenant}/$batch`, as the V3 module calls
 * them (reference §2): bearer token, body `{"CmdletInput":{"CmdletName","Parameters"}}`, `X-CmdletName`,
 * `Prefer: odata.maxpagesize=N`, `X-ResponseFormat: json|clixml`, `$select`, paging through `@odata.nextLink`.
 */
import { randomUUID } from 'node:crypto';
import { PSObject, psValueToJson, type CmdletParameterValue, type PSValue } from '@exops/contracts';
import { serializeClixmlDocument } from '@exops/psrp';
import type { FaultDecision, FaultInjector } from '../../faults.js';
import type { EmulatorClock, EmulatorRequest, EmulatorResponse, Route, TokenVerification, VerifiedAccessToken } from '../../types.js';
import type { DirectoryTenant, ExchangeDirectory } from '../directory.js';
import type { ExchangeCaller } from '../cmdlets/catalog-types.js';
import type { CmdletEngine } from '../cmdlets/engine.js';
import type { ExchangeErrorRecord } from '../cmdlets/error-records.js';
import { tenantPlacement } from '../cmdlets/objects.js';
import { createContinuationCodec, requestFingerprint } from './continuation.js';
import { ParameterDecodingError, decodeInvokeParameters } from './parameters.js';
import { baseHeaders, buildCmdletErrorResponse, buildErrorDetail, buildServiceErrorResponse, type ResponseContext } from './responses.js';

/** Options of {@link createRestRoutes}. */
export interface RestRoutesOptions {
  readonly directory: ExchangeDirectory;
  readonly engine: CmdletEngine;
  readonly clock: EmulatorClock;
  readonly verifyAccessToken: (token: string) => Promise<TokenVerification>;
  readonly faults?: Pick<FaultInjector, 'decide'> | undefined;
}

/** Default and maximum page size (reference §2.3, §2.8: `DefaultPageSize = 1000`). */
export const MAX_PAGE_SIZE = 1000;
/** `$batch` limit (reference §2.8). */
export const MAX_BATCH_REQUESTS = 10;
/** The Exchange Online resource's app id, the `client_id` of the 401 challenge. */
const EXCHANGE_RESOURCE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
const MANAGE_AS_APP = 'Exchange.ManageAsApp';

function header(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses `Prefer: odata.maxpagesize=N[, odata.continue-on-error]`. */
export function parsePrefer(value: string | undefined): { maxPageSize: number | undefined; continueOnError: boolean } {
  let maxPageSize: number | undefined;
  let continueOnError = false;
  for (const part of (value ?? '').split(/[,;]/)) {
    const [key = '', raw = ''] = part.trim().split('=');
    if (key.toLowerCase() === 'odata.maxpagesize') {
      const n = Number(raw);
      if (Number.isInteger(n) && n > 0) maxPageSize = Math.min(n, MAX_PAGE_SIZE);
    } else if (key.toLowerCase() === 'odata.continue-on-error') continueOnError = true;
  }
  return { maxPageSize, continueOnError };
}

/** Keeps only `$select`ed properties, in the requested order, under the same type names. */
function project(value: PSObject, select: readonly string[] | undefined): PSObject {
  if (select === undefined) return value;
  const adapted: [string, PSValue][] = [];
  for (const name of select) {
    const found = value.propertyNames().find((p) => p.toLowerCase() === name.toLowerCase());
    if (found !== undefined) adapted.push([found, value.get(found) ?? null]);
  }
  return new PSObject({ typeNames: [...value.typeNames], toStringValue: value.toStringValue, adapted });
}

type CallerResult = { readonly ok: true; readonly caller: ExchangeCaller } | { readonly ok: false; readonly response: EmulatorResponse };

/** Builds the REST routes; `invoke` and `batch` are the same handlers, for direct calls in tests. */
export function createRestRoutes(options: RestRoutesOptions): { routes: Route[]; invoke: Route['handler']; batch: Route['handler'] } {
  const { directory, engine, clock, verifyAccessToken, faults } = options;
  const continuation = createContinuationCodec();

  const responseContext = (request: EmulatorRequest, tenant: DirectoryTenant | undefined): ResponseContext => {
    const requestId = randomUUID();
    const placement = tenant === undefined ? undefined : tenantPlacement(tenant);
    return {
      requestId,
      clientRequestId: header(request, 'client-request-id') ?? requestId,
      backendTarget: placement === undefined ? 'BN0PR01MB0001.namprd01.prod.outlook.com' : `${placement.mailboxServer}.${placement.forest.split('.')[0]?.slice(0, 3).toLowerCase()}prd01.prod.outlook.com`,
      date: clock.now(),
    };
  };

  const faultResponse = (decision: FaultDecision, context: ResponseContext): EmulatorResponse | undefined => {
    if (decision.kind !== 'status') return undefined;
    const retry = decision.retryAfterSeconds === undefined ? {} : { 'retry-after': String(decision.retryAfterSeconds) };
    switch (decision.status) {
      case 429:
        return buildServiceErrorResponse(429, 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again', context, retry, 'Microsoft.Exchange.Admin.OData.Core.ThrottlingException');
      case 503:
        return buildServiceErrorResponse(503, 'The service is unavailable. Please try again after some time.', context, retry, 'Microsoft.Exchange.Data.Storage.ServerInMMException');
      default:
        return {
          status: 500,
          headers: { ...baseHeaders(context), 'x-backendhttpstatus': '500' },
          body: JSON.stringify({ error: { code: 'InternalServerError', message: 'An internal server error occurred.', details: [{ code: '0', target: '', message: 'DCOverloadedException|Microsoft.Exchange.Data.Directory.DCOverloadedException|The domain controller is overloaded. Please retry the operation.' }], innererror: { message: 'An internal server error occurred.', type: 'Microsoft.Exchange.Data.Directory.DCOverloadedException' } } }),
        };
    }
  };

  const challenge = (request: EmulatorRequest, error: string | undefined): Record<string, string> => ({
    'www-authenticate': `Bearer client_id="${EXCHANGE_RESOURCE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="${request.url.origin}/common/oauth2/authorize"${error === undefined ? '' : `, error="${error}"`}`,
  });

  const verify = async (request: EmulatorRequest, context: ResponseContext): Promise<{ ok: true; token: VerifiedAccessToken } | { ok: false; response: EmulatorResponse }> => {
    const authorization = header(request, 'authorization');
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1] === undefined) {
      return { ok: false, response: buildServiceErrorResponse(401, 'The request has no bearer access token in the Authorization header.', context, challenge(request, undefined)) };
    }
    const verification = await verifyAccessToken(match[1]);
    if (!verification.ok) {
      const text = verification.reason === 'expired' ? `The access token has expired. ${verification.message}` : `The access token is not valid (${verification.reason}). ${verification.message}`;
      return { ok: false, response: buildServiceErrorResponse(401, text.trim(), context, challenge(request, 'invalid_token')) };
    }
    return { ok: true, token: verification.token };
  };

  const checkToken = async (request: EmulatorRequest, context: ResponseContext): Promise<EmulatorResponse | undefined> => {
    const verified = await verify(request, context);
    return verified.ok ? undefined : verified.response;
  };

  const establishCaller = async (request: EmulatorRequest, tenant: DirectoryTenant, context: ResponseContext): Promise<CallerResult> => {
    const verified = await verify(request, context);
    if (!verified.ok) return verified;
    const token = verified.token;
    const home = directory.findTenant(token.tenantId);
    const sameTenant = token.tenantId === tenant.tenantId;
    const partner = !sameTenant && (home?.partnerOf ?? []).includes(tenant.tenantId);
    const connection = { connectionId: header(request, 'connection-id') ?? randomUUID(), connectionUri: request.url.origin, tokenExpiresAt: token.expiresAt, transport: 'rest' as const };
    if (token.kind === 'app') {
      const app = directory.findApp(token.appId);
      if (app === undefined || app.tenantId !== token.tenantId) {
        return { ok: false, response: buildServiceErrorResponse(401, `The application ${token.appId} isn't registered in tenant ${token.tenantId}.`, context, challenge(request, 'invalid_token')) };
      }
      if (!sameTenant) return { ok: false, response: buildServiceErrorResponse(403, `The application ${token.appId} of tenant ${token.tenantId} can't access the organization '${tenant.initialDomain}'.`, context) };
      if (!token.roles.includes(MANAGE_AS_APP) && !app.roles.includes(MANAGE_AS_APP)) {
        return {
          ok: false,
          response: buildServiceErrorResponse(401, `[FailureCategory=AuthZ-CmdletAccessDeniedException] The application ${token.appId} isn't assigned to any management roles. Please check online documentation for assigning Directory Roles to Azure AD Application.`, context),
        };
      }
      return { ok: true, caller: { kind: 'app', tenantId: tenant.tenantId, homeTenantId: token.tenantId, upn: undefined, appId: token.appId, objectId: token.objectId, roles: app.roles, connection } };
    }
    const user = token.upn === undefined ? undefined : directory.findUser(token.upn);
    if (user === undefined || user.tenantId !== token.tenantId) {
      return { ok: false, response: buildServiceErrorResponse(401, `The user '${token.upn ?? token.objectId}' in the access token doesn't exist in tenant ${token.tenantId}.`, context, challenge(request, 'invalid_token')) };
    }
    if (!sameTenant && !partner) {
      return { ok: false, response: buildServiceErrorResponse(403, `User '${user.upn}' can't access the organization '${tenant.initialDomain}': the tenant ${token.tenantId} has no partner relationship with it.`, context, {}, 'Microsoft.Exchange.Configuration.Authorization.DelegatedAccessDeniedException') };
    }
    const caller: ExchangeCaller = { kind: 'user', tenantId: tenant.tenantId, homeTenantId: token.tenantId, upn: user.upn, appId: token.appId, objectId: user.objectId, roles: user.roles, connection };
    if (partner && engine.accessOf(caller) === undefined) {
      return { ok: false, response: buildServiceErrorResponse(403, `User '${user.upn}' has no administrative role for delegated access to the organization '${tenant.initialDomain}'.`, context, {}, 'Microsoft.Exchange.Configuration.Authorization.DelegatedAccessDeniedException') };
    }
    if (!user.remotePowerShellEnabled) {
      return {
        ok: false,
        response: buildServiceErrorResponse(403, `User '${user.upn}' isn't allowed to use remote PowerShell (RemotePowerShellEnabled/EXOModuleEnabled is False), access denied.`, context, {}, 'Microsoft.Exchange.Configuration.Authorization.RemotePowerShellNotEnabledException'),
      };
    }
    return { ok: true, caller };
  };

  const invoke = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const tenantParam = params['tenant'] ?? '';
    const tenant = directory.findTenant(tenantParam);
    const context = responseContext(request, tenant);
    const decision = faults?.decide(request);
    if (decision !== undefined) {
      const injected = faultResponse(decision, context);
      if (injected !== undefined) return injected;
    }
    if (request.method.toUpperCase() !== 'POST') return buildServiceErrorResponse(405, `The HTTP method '${request.method}' is not allowed on InvokeCommand; use POST.`, context, { allow: 'POST' });
    if (tenant === undefined) {
      // The token is checked before the organization: an unauthenticated caller learns nothing about tenants.
      const unauthenticated = await checkToken(request, context);
      if (unauthenticated !== undefined) return unauthenticated;
      return buildServiceErrorResponse(404, `The organization '${tenantParam}' couldn't be found. Use the tenant id (GUID) or one of the tenant's accepted domains in the URL.`, context);
    }
    const established = await establishCaller(request, tenant, context);
    if (!established.ok) return established.response;

    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return buildServiceErrorResponse(400, 'The request body is not valid JSON. Send {"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{…}}}.', context);
    }
    const input = (body as { CmdletInput?: { CmdletName?: unknown; Parameters?: unknown } } | null)?.CmdletInput;
    if (input === undefined || input === null || typeof input.CmdletName !== 'string' || input.CmdletName.trim() === '') {
      return buildServiceErrorResponse(400, 'The request body has no "CmdletInput.CmdletName". Send {"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{…}}}.', context);
    }
    const cmdletName = input.CmdletName.trim();
    const headerName = header(request, 'x-cmdletname');
    if (headerName !== undefined && headerName.trim().toLowerCase() !== cmdletName.toLowerCase()) {
      return buildServiceErrorResponse(400, `The X-CmdletName header '${headerName}' doesn't match the cmdlet in the body '${cmdletName}'.`, context);
    }
    const format = (header(request, 'x-responseformat') ?? 'json').trim().toLowerCase();
    if (format !== 'json' && format !== 'clixml') return buildServiceErrorResponse(400, `X-ResponseFormat '${format}' isn't supported; use json or clixml.`, context);
    let parameters: Record<string, CmdletParameterValue>;
    try {
      parameters = decodeInvokeParameters(input.Parameters);
    } catch (error) {
      if (error instanceof ParameterDecodingError) return buildServiceErrorResponse(400, error.message, context);
      throw error;
    }
    const { maxPageSize } = parsePrefer(header(request, 'prefer'));
    const pageSize = maxPageSize ?? MAX_PAGE_SIZE;
    const selectText = request.url.searchParams.get('$select');
    const select = selectText === null || selectText.trim() === '' ? undefined : selectText.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const fingerprint = requestFingerprint(cmdletName, input.Parameters);
    const skipToken = request.url.searchParams.get('$skiptoken');
    let resume = { position: 0, emitted: 0 };
    if (skipToken !== null) {
      const decoded = continuation.decode(skipToken, fingerprint);
      if ('error' in decoded) return buildServiceErrorResponse(400, decoded.error, context);
      resume = decoded;
    }

    const abort = new AbortController();
    const iterator = engine.runCmdlet(established.caller, cmdletName, parameters, { signal: abort.signal, resume, select })[Symbol.asyncIterator]();
    const outputs: PSObject[] = [];
    const warnings: string[] = [];
    const errors: ExchangeErrorRecord[] = [];
    let cursor = resume;
    let more = false;
    let confirmation: string | undefined;
    // The module sends the caller's WarningAction as a header (reference §2.3); Ignore arrives as SilentlyContinue.
    const warningAction = (header(request, 'warningaction') ?? '').trim().toLowerCase();
    const silenceWarnings = warningAction === 'silentlycontinue' || warningAction === 'ignore';
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        const event = next.value;
        if (event.type === 'output') {
          if (outputs.length >= pageSize) {
            more = true;
            break;
          }
          outputs.push(project(event.value, select));
          cursor = event.cursor;
        } else if (event.type === 'warning') {
          if (!silenceWarnings) warnings.push(event.message);
        } else if (event.type === 'confirmation') confirmation = event.message;
        else if (event.type === 'error') {
          if (event.record.terminating && outputs.length === 0) return buildCmdletErrorResponse(event.record, context);
          errors.push(event.record);
          if (event.record.terminating) break;
        }
      }
    } finally {
      abort.abort();
      await iterator.return?.();
    }

    const origin = request.url.origin;
    const result: Record<string, unknown> = {
      '@odata.context': `${origin}/adminapi/beta/${tenantParam}/$metadata#Collection(Exchange.GenericHashTable)`,
    };
    if (more) {
      const next = new URL(request.url.pathname, origin);
      if (select !== undefined) next.searchParams.set('$select', select.join(','));
      next.searchParams.set('$skiptoken', continuation.encode(cursor, fingerprint));
      result['@odata.nextLink'] = next.toString();
    }
    result['@adminapi.warnings'] = warnings;
    if (confirmation !== undefined) result['@adminapi.confirmationmessage'] = confirmation;
    if (errors.length > 0) result['@adminapi.errors'] = errors.map(buildErrorDetail);
    result['value'] = format === 'clixml' ? (outputs.length === 0 ? [] : [{ _clixml: serializeClixmlDocument(outputs) }]) : outputs.map((o) => psValueToJson(o));
    return { status: 200, headers: baseHeaders(context), body: JSON.stringify(result) };
  };

  const batch = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const tenantParam = params['tenant'] ?? '';
    const tenant = directory.findTenant(tenantParam);
    const context = responseContext(request, tenant);
    const decision = faults?.decide(request);
    if (decision !== undefined) {
      const injected = faultResponse(decision, context);
      if (injected !== undefined) return injected;
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return buildServiceErrorResponse(400, 'The $batch body is not valid JSON. Send {"requests":[{"id":"0","method":"POST","url":"…/InvokeCommand","body":{…}}]}.', context);
    }
    const requests = (body as { requests?: unknown } | null)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      return buildServiceErrorResponse(400, 'The $batch body needs a non-empty "requests" array.', context);
    }
    if (requests.length > MAX_BATCH_REQUESTS) {
      return buildServiceErrorResponse(400, `The $batch request has ${requests.length} requests; the maximum is ${MAX_BATCH_REQUESTS}. Split it into several batches.`, context);
    }
    const { continueOnError } = parsePrefer(header(request, 'prefer'));
    const responses: unknown[] = [];
    for (const [index, raw] of requests.entries()) {
      const item = (raw ?? {}) as { id?: unknown; url?: unknown; method?: unknown; body?: unknown; headers?: unknown };
      const id = typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id) : String(index);
      const itemUrl = typeof item.url === 'string' ? new URL(item.url, `${request.url.origin}/adminapi/beta/${tenantParam}/`) : undefined;
      let response: EmulatorResponse;
      if (itemUrl === undefined || !/\/InvokeCommand$/i.test(itemUrl.pathname)) {
        response = buildServiceErrorResponse(400, `Batch request '${id}' must target …/InvokeCommand with a "url".`, context);
      } else if (typeof item.method === 'string' && item.method.toUpperCase() !== 'POST') {
        response = buildServiceErrorResponse(405, `Batch request '${id}' uses ${item.method}; InvokeCommand takes POST.`, context);
      } else {
        const headers: Record<string, string | string[] | undefined> = { ...request.headers };
        delete headers['content-length'];
        for (const [k, v] of Object.entries((item.headers ?? {}) as Record<string, unknown>)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
        const segments = itemUrl.pathname.split('/');
        const itemTenant = segments.at(-2) ?? tenantParam;
        response = await invoke({ method: 'POST', url: itemUrl, headers, body: Buffer.from(JSON.stringify(item.body ?? {})), remoteAddress: request.remoteAddress }, { tenant: itemTenant });
      }
      const text = response.body === undefined ? '' : response.body.toString();
      responses.push({ id, status: response.status, headers: response.headers ?? {}, body: text === '' ? null : (JSON.parse(text) as unknown) });
      if (response.status >= 400 && !continueOnError) break;
    }
    return { status: 200, headers: baseHeaders(context), body: JSON.stringify({ responses }) };
  };

  return {
    routes: [
      { method: 'POST', path: '/adminapi/beta/:tenant/InvokeCommand', handler: invoke },
      { method: 'POST', path: '/adminapi/beta/:tenant/$batch', handler: batch },
    ],
    invoke,
    batch,
  };
}
