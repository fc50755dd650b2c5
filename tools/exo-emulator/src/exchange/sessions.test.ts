import { describe, expect, it } from 'vitest';
import { SessionLimitError, createSessionRegistry } from './sessions.js';
import { bodyOf, createTestClock, createTestService } from './test-support/fixtures.js';

const POLICY = '8f8ab1d5-ed23-46bd-9a19-ff1fdbcc7c6e';

describe('session registry', () => {
  it('refuses a session past the cap with the service text and budget snapshot', () => {
    const registry = createSessionRegistry({ clock: createTestClock(), cap: 3, budget: { count: 10, windowSeconds: 60 }, policyGuid: POLICY });
    for (let i = 0; i < 3; i++) registry.open('Admin@contoso.com', { transport: 'rps' });
    let error: unknown;
    try {
      registry.open('admin@contoso.com', { transport: 'rps' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SessionLimitError);
    const limit = error as SessionLimitError;
    expect(limit.code).toBe('EXOPS_EXO_SESSION_CAP');
    const lines = limit.message.split('\r\n');
    expect(lines[0]).toMatch(
      /^\[AuthZRequestId=[0-9a-f-]{36}\]\[FailureCategory=AuthZ-AuthorizationException\] Fail to create a runspace because you have exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency\. Please close existing runspace and try again\.$/,
    );
    expect(lines[1]).toBe(`Policy: CN=GlobalThrottlingPolicy_${POLICY},CN=Global Settings,CN=ExchangeLabs,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=NAMPR01A001,DC=prod,DC=outlook,DC=com; `);
    expect(lines).toContain('BudgetType: WSMan');
    expect(lines).toContain('ActiveRunspaces: 3/3');
    expect(lines).toContain('RunSpacesRemaining: 7/10');
    expect(lines).toContain('MaxRunspacesTimePeriod: 60');
    expect(registry.open('alex.wilber@contoso.com', { transport: 'rps' }).owner).toBe('alex.wilber@contoso.com');
  });

  it('defaults to 5 sessions and a budget of 5 per 60 s, with the wait in seconds', () => {
    const clock = createTestClock();
    const registry = createSessionRegistry({ clock, policyGuid: POLICY });
    expect([registry.cap, registry.budget]).toEqual([5, { count: 5, windowSeconds: 60 }]);
    const opened = [];
    for (let i = 0; i < 5; i++) {
      opened.push(registry.open('u@contoso.com', { transport: 'rps' }));
      clock.shift(10);
    }
    for (const s of opened) registry.close(s.id);
    // 5 created at t=0,10,20,30,40; now t=50: the first leaves the window at t=60.
    expect(() => registry.open('u@contoso.com', { transport: 'rps' })).toThrow(
      /\] Fail to create runspace because you have exceeded your budget to create runspace\. Please wait for 10 seconds\.\r\n/,
    );
    clock.shift(11);
    expect(registry.open('u@contoso.com', { transport: 'rps' }).transport).toBe('rps');
  });

  it('lists ages from the clock, kills sessions and tells listeners', () => {
    const clock = createTestClock();
    const registry = createSessionRegistry({ clock, policyGuid: POLICY });
    const session = registry.open('u@contoso.com', { transport: 'rps', name: 'exops-1', clientIp: '127.0.0.1' });
    clock.shift(90);
    registry.touch(session.id);
    clock.shift(30);
    expect(registry.list()).toEqual([expect.objectContaining({ id: session.id, name: 'exops-1', ageSeconds: 120, idleSeconds: 30 })]);
    const killed: string[] = [];
    registry.onKill((id) => killed.push(id));
    expect(registry.kill(session.id.toLowerCase())).toBe(true);
    expect(registry.kill(session.id)).toBe(false);
    expect(killed).toEqual([session.id]);
    expect(registry.list()).toEqual([]);
  });

  it('refuses a nonsensical cap', () => {
    expect(() => createSessionRegistry({ clock: createTestClock(), cap: 0, policyGuid: POLICY })).toThrow(/sessionCap must be a whole number >= 1/);
  });
});

describe('admin routes', () => {
  const service = createTestService({ sessionCap: 2 });
  const route = (method: string, path: string) => service.adminRoutes.find((r) => r.method === method && r.path === path)!.handler;
  const request = (method: string, path: string, body?: unknown) => ({
    method,
    url: new URL(`https://127.0.0.1:4443/_admin${path}`),
    headers: {},
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
    remoteAddress: '127.0.0.1',
  });

  it('lists and kills sessions', async () => {
    const s = service.sessions.open('admin@contoso.com', { transport: 'rps' });
    const listed = bodyOf(await route('GET', '/sessions')(request('GET', '/sessions'), {}));
    expect(listed).toMatchObject({ cap: 2, sessions: [{ id: s.id, owner: 'admin@contoso.com', ageSeconds: 0 }] });
    expect((await route('DELETE', '/sessions/:id')(request('DELETE', `/sessions/${s.id}`), { id: s.id })).status).toBe(204);
    expect((await route('DELETE', '/sessions/:id')(request('DELETE', `/sessions/${s.id}`), { id: s.id })).status).toBe(404);
  });

  it('flips user flags and tenant RPS, never showing passwords', async () => {
    const flipped = await route('PATCH', '/exchange/users/:upn')(request('PATCH', '/exchange/users/alex.wilber@contoso.com', { exoModuleEnabled: false, mfaRequired: true }), { upn: 'alex.wilber@contoso.com' });
    expect(bodyOf(flipped)).toMatchObject({ upn: 'alex.wilber@contoso.com', remotePowerShellEnabled: false, mfaRequired: true });
    expect(service.directory.findUser('alex.wilber@contoso.com')!.remotePowerShellEnabled).toBe(false);
    expect((await route('PATCH', '/exchange/users/:upn')(request('PATCH', '/x', { shoe: 1 }), { upn: 'alex.wilber@contoso.com' })).status).toBe(400);
    const tenant = await route('PATCH', '/exchange/tenants/:tenant')(request('PATCH', '/x', { rpsEnabled: false }), { tenant: 'contoso.com' });
    expect(bodyOf(tenant)).toMatchObject({ defaultDomain: 'contoso.com', rpsEnabled: false });
    const users = await route('GET', '/exchange/users')(request('GET', '/exchange/users'), {});
    expect(String(users.body)).not.toContain('password');
    const apps = await route('GET', '/exchange/apps')(request('GET', '/exchange/apps'), {});
    expect(String(apps.body)).not.toContain('PRIVATE');
  });
});
