/**
 * The Exchange half's admin routes, relative to `/_admin` (the server mounts them there, loopback only): list and
 * kill sessions, flip a user's RemotePowerShellEnabled and MFA, flip a tenant's rpsEnabled, read the fixture.
 * Nothing here returns a password or a private key.
 */
import type { EmulatorRequest, EmulatorResponse, Route } from '../types.js';
import type { ExchangeDirectory, DirectoryUser, DirectoryTenant } from './directory.js';
import type { SessionRegistry } from './sessions.js';

const json = (status: number, value: unknown): EmulatorResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(value),
});
const problem = (status: number, message: string): EmulatorResponse => json(status, { error: message });

function publicUser(user: DirectoryUser): Record<string, unknown> {
  return {
    upn: user.upn,
    objectId: user.objectId,
    tenantId: user.tenantId,
    displayName: user.displayName,
    mfaRequired: user.mfaRequired,
    remotePowerShellEnabled: user.remotePowerShellEnabled,
    roles: user.roles,
  };
}

function publicTenant(tenant: DirectoryTenant): Record<string, unknown> {
  return { ...tenant };
}

function readJson(request: EmulatorRequest): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(request.body.toString('utf8') || '{}');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the admin routes over the directory and the session registry. Route parameters arrive percent-decoded (the server's router decodes them). */
export function createExchangeAdminRoutes(directory: ExchangeDirectory, sessions: SessionRegistry): Route[] {
  const patchUser = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const upn = params['upn'] ?? '';
    const user = directory.findUser(upn);
    if (user === undefined) return problem(404, `No user '${upn}' in the emulator directory.`);
    const body = readJson(request);
    if (body === undefined) return problem(400, 'Send a JSON object such as {"remotePowerShellEnabled": false} or {"mfaRequired": true}.');
    const allowed = ['remotePowerShellEnabled', 'exoModuleEnabled', 'mfaRequired'];
    for (const [key, value] of Object.entries(body)) {
      if (!allowed.includes(key)) return problem(400, `Unknown field '${key}'; the fields are ${allowed.join(', ')}.`);
      if (typeof value !== 'boolean') return problem(400, `Field '${key}' must be true or false.`);
    }
    const rps = (body['remotePowerShellEnabled'] ?? body['exoModuleEnabled']) as boolean | undefined;
    if (rps !== undefined) user.remotePowerShellEnabled = rps;
    if (typeof body['mfaRequired'] === 'boolean') user.mfaRequired = body['mfaRequired'];
    return json(200, publicUser(user));
  };
  const patchTenant = async (request: EmulatorRequest, params: Readonly<Record<string, string>>): Promise<EmulatorResponse> => {
    const key = params['tenant'] ?? '';
    const tenant = directory.findTenant(key);
    if (tenant === undefined) return problem(404, `No tenant '${key}' (use its id or one of its domains).`);
    const body = readJson(request);
    if (body === undefined || typeof body['rpsEnabled'] !== 'boolean' || Object.keys(body).length !== 1) {
      return problem(400, 'Send {"rpsEnabled": true} or {"rpsEnabled": false}.');
    }
    tenant.rpsEnabled = body['rpsEnabled'];
    return json(200, publicTenant(tenant));
  };
  return [
    {
      method: 'GET',
      path: '/sessions',
      handler: async (request) => json(200, { cap: sessions.cap, budget: sessions.budget, sessions: sessions.list(request.url.searchParams.get('user') ?? undefined) }),
    },
    {
      method: 'DELETE',
      path: '/sessions/:id',
      handler: async (_request, params) => {
        const id = params['id'] ?? '';
        return sessions.kill(id) ? { status: 204 } : problem(404, `No open session '${id}'.`);
      },
    },
    {
      method: 'DELETE',
      path: '/sessions',
      handler: async (request) => {
        const user = request.url.searchParams.get('user') ?? undefined;
        const killed = sessions.list(user).filter((s) => sessions.kill(s.id)).length;
        return json(200, { killed });
      },
    },
    { method: 'GET', path: '/exchange/users', handler: async () => json(200, { users: directory.users().map(publicUser) }) },
    {
      method: 'GET',
      path: '/exchange/users/:upn',
      handler: async (_request, params) => {
        const user = directory.findUser(params['upn'] ?? '');
        return user === undefined ? problem(404, `No user '${params['upn'] ?? ''}'.`) : json(200, publicUser(user));
      },
    },
    { method: 'PATCH', path: '/exchange/users/:upn', handler: patchUser },
    { method: 'POST', path: '/exchange/users/:upn', handler: patchUser },
    { method: 'GET', path: '/exchange/tenants', handler: async () => json(200, { tenants: directory.tenants().map(publicTenant) }) },
    { method: 'PATCH', path: '/exchange/tenants/:tenant', handler: patchTenant },
    { method: 'POST', path: '/exchange/tenants/:tenant', handler: patchTenant },
    {
      method: 'GET',
      path: '/exchange/apps',
      handler: async () => json(200, { apps: directory.apps().map((a) => ({ appId: a.appId, tenantId: a.tenantId, displayName: a.displayName, roles: a.roles, thumbprintSha1: a.thumbprintSha1, thumbprintSha256: a.thumbprintSha256 })) }),
    },
  ];
}
