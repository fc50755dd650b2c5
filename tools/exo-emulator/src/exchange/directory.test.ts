import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDirectory } from './directory.js';
import { collect, createTestClock, createTestService, outputsOf, warningsOf } from './test-support/fixtures.js';

const baseTime = new Date('2024-01-01T00:00:00Z');

describe('fixture directory', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = createDirectory({ seed: 's1', mailboxCount: 200, baseTime });
    const b = createDirectory({ seed: 's1', mailboxCount: 200, baseTime });
    const c = createDirectory({ seed: 's2', mailboxCount: 200, baseTime });
    expect(a.tenants()).toEqual(b.tenants());
    const contoso = a.findTenant('contoso.com');
    expect(contoso).toBeDefined();
    for (const i of [0, 7, 13, 29, 150, 199]) {
      expect(a.mailboxes(contoso!.tenantId).get(i)).toEqual(b.mailboxes(contoso!.tenantId).get(i));
    }
    expect(c.findTenant('contoso.com')!.tenantId).not.toBe(contoso!.tenantId);
    expect(a.findUser('admin@contoso.com')!.password).toBe(b.findUser('admin@contoso.com')!.password);
    expect(a.findUser('admin@contoso.com')!.password).not.toBe(c.findUser('admin@contoso.com')!.password);
  });

  it('has the documented tenants, partner relation and RPS switch', () => {
    const d = createDirectory({ seed: 'x', mailboxCount: 50, baseTime });
    const [contoso, fabrikam, northwind] = d.tenants();
    expect(contoso).toMatchObject({ name: 'contoso', defaultDomain: 'contoso.com', domains: ['contoso.com', 'contoso.onmicrosoft.com'], rpsEnabled: true });
    expect(contoso!.partnerOf).toEqual([fabrikam!.tenantId]);
    expect(fabrikam).toMatchObject({ defaultDomain: 'fabrikam.com', rpsEnabled: true });
    expect(northwind).toMatchObject({ defaultDomain: 'northwindtraders.com', rpsEnabled: false });
    expect(d.findTenant(contoso!.tenantId.toUpperCase())).toBe(contoso);
  });

  it('has the named users with their roles and flags', () => {
    const d = createDirectory({ seed: 'x', mailboxCount: 50, baseTime });
    const summary = d.users().map((u) => [u.upn, u.roles.join('+'), u.mfaRequired, u.remotePowerShellEnabled]);
    expect(summary).toEqual([
      ['admin@contoso.com', 'Global Administrator', true, true],
      ['automation@contoso.com', 'Exchange Administrator', false, true],
      ['reader@contoso.com', 'Global Reader', false, true],
      ['helpdesk@contoso.com', 'Exchange Recipient Administrator', false, true],
      ['blocked.admin@contoso.com', 'Exchange Administrator', false, false],
      ['megan.bowen@contoso.com', '', true, true],
      ['alex.wilber@contoso.com', '', false, true],
      ['admin@fabrikam.com', 'Global Administrator', true, true],
      ['pradeep.gupta@fabrikam.com', '', false, true],
      ['admin@northwindtraders.com', 'Global Administrator', false, true],
    ]);
    expect(d.findUser('alex.wilber')?.upn).toBe('alex.wilber@contoso.com');
    expect(d.findUser('ALEX.WILBER@CONTOSO.ONMICROSOFT.COM')?.upn).toBe('alex.wilber@contoso.com');
    expect(d.findUser('nobody@contoso.com')).toBeUndefined();
  });

  it('lets flags flip live, visible through findUser and the mailbox', () => {
    const d = createDirectory({ seed: 'x', mailboxCount: 50, baseTime });
    const user = d.findUser('alex.wilber@contoso.com')!;
    user.remotePowerShellEnabled = false;
    user.mfaRequired = true;
    expect(d.findUser('alex.wilber@contoso.com')).toMatchObject({ remotePowerShellEnabled: false, mfaRequired: true });
    const located = d.locateUser('alex.wilber@contoso.com')!;
    expect(located.set.get(located.index).remotePowerShellEnabled).toBe(false);
  });

  it('finds generated users and resolves every identity form', () => {
    const d = createDirectory({ seed: 'x', mailboxCount: 50, baseTime });
    const set = d.mailboxes(d.findTenant('contoso.com')!.tenantId);
    const r = set.get(42);
    for (const id of [r.name, r.alias.toUpperCase(), r.displayName, r.primarySmtpAddress, `smtp:${r.alias}@contoso.onmicrosoft.com`, r.guid, r.exchangeGuid, r.externalDirectoryObjectId]) {
      expect(set.resolve(id), id).toBe(42);
    }
    expect(set.resolve('someone.else42')).toBeUndefined();
    expect(set.resolve('x@contoso.com')).toBeUndefined();
    expect(d.findUser(r.userPrincipalName)?.objectId).toBe(r.externalDirectoryObjectId);
  });

  it('mixes mailbox types', () => {
    const d = createDirectory({ seed: 'x', mailboxCount: 200, baseTime });
    const set = d.mailboxes(d.findTenant('contoso.com')!.tenantId);
    const kinds = new Set(Array.from({ length: 200 }, (_, i) => set.get(i).recipientTypeDetails));
    expect([...kinds].sort()).toEqual(['EquipmentMailbox', 'RoomMailbox', 'SharedMailbox', 'UserMailbox']);
  });

  it('refuses a mailbox count below the named users', () => {
    expect(() => createDirectory({ seed: 'x', mailboxCount: 3, baseTime })).toThrow(/mailboxCount must be a whole number from 7/);
  });

  it('gives the certificate app a working certificate and key', () => {
    const d = createDirectory({ seed: 'x', mailboxCount: 50, baseTime });
    const [app, noRole] = d.apps();
    expect(app!.roles).toEqual(['Exchange.ManageAsApp', 'Exchange Administrator']);
    expect(noRole!.roles).toEqual(['Exchange.ManageAsApp']);
    const cert = new X509Certificate(app!.certificatePem!);
    expect(cert.checkPrivateKey(createPrivateKey(app!.privateKeyPem!))).toBe(true);
    expect(cert.fingerprint256.replace(/:/g, '')).toBe(app!.thumbprintSha256);
    expect(app!.certificatePem).toBe(d.findApp(app!.appId.toUpperCase())!.certificatePem);
    expect(JSON.stringify(app)).not.toContain('PRIVATE KEY');
  });
});

describe('a million mailboxes', () => {
  it('costs nothing to create and answers small queries fast', async () => {
    const started = performance.now();
    const service = createTestService({ mailboxCount: 1_000_000, clock: createTestClock() });
    expect(performance.now() - started).toBeLessThan(500);
    const caller = service.callerFor('admin@contoso.com');
    const events = await collect(service.engine.runCmdlet(caller, 'Get-Mailbox', { ResultSize: 5 }));
    expect(outputsOf(events)).toHaveLength(5);
    expect(warningsOf(events)).toEqual(['There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.']);
    const last = service.directory.mailboxes(caller.tenantId).get(999_999);
    const byGuid = await collect(service.engine.runCmdlet(caller, 'Get-Mailbox', { Identity: last.guid }));
    expect(outputsOf(byGuid).map((o) => o.get('Name'))).toEqual([last.name]);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
