import { PSObject } from '@exops/contracts';
import { describe, expect, it } from 'vitest';
import { collect, createTestService, errorsOf, outputsOf, warningsOf } from '../test-support/fixtures.js';

const MORE = 'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

describe('Get-Mailbox', () => {
  const service = createTestService({ mailboxCount: 1200 });
  const admin = service.callerFor('admin@contoso.com');
  const run = async (parameters: Record<string, unknown>, caller = admin) => collect(service.engine.runCmdlet(caller, 'Get-Mailbox', parameters as never));
  // Counting tests ask for two properties, as REST's $select does, to stay fast on a busy machine.
  const count = async (parameters: Record<string, unknown>) => collect(service.engine.runCmdlet(admin, 'Get-Mailbox', parameters as never, { select: ['Name', 'RecipientTypeDetails'] }));

  it('returns 1000 by default with the ResultSize warning, all with Unlimited and progress', async () => {
    const events = await count({});
    expect(outputsOf(events)).toHaveLength(1000);
    expect(warningsOf(events)).toEqual([MORE]);
    const all = await count({ ResultSize: 'Unlimited' });
    expect(outputsOf(all)).toHaveLength(1200);
    expect(warningsOf(all)).toEqual([]);
    expect(all.some((e) => e.type === 'progress')).toBe(true);
    expect(all.at(-1)).toMatchObject({ type: 'progress', record: { completed: true, percentComplete: 100 } });
  });

  it('returns a realistic Mailbox object', async () => {
    const [mailbox] = outputsOf(await run({ Identity: 'alex.wilber@contoso.com' }));
    expect(mailbox!.typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox');
    expect(mailbox!.typeNames).toContain('Deserialized.Microsoft.Exchange.Data.Directory.ADPresentationObject');
    expect(mailbox!.propertyNames().length).toBeGreaterThan(120);
    expect(mailbox!.get('PrimarySmtpAddress')).toBe('alex.wilber@contoso.com');
    expect(mailbox!.get('RecipientTypeDetails')).toBe('UserMailbox');
    expect(mailbox!.get('ProhibitSendQuota')).toBe('99 GB (106,300,440,576 bytes)');
    expect((mailbox!.get('EmailAddresses') as PSObject).container).toEqual({ kind: 'LST', items: ['SMTP:alex.wilber@contoso.com', 'smtp:alex.wilber@contoso.onmicrosoft.com'] });
    expect(mailbox!.get('WhenCreated')).toMatchObject({ tag: 'DT' });
    expect(mailbox!.get('Guid')).toMatchObject({ tag: 'G' });
    expect(mailbox!.toString()).toBe('alex.wilber');
  });

  it('filters by Filter, RecipientTypeDetails, Anr and wildcard identity', async () => {
    const shared = outputsOf(await count({ RecipientTypeDetails: 'SharedMailbox', ResultSize: 'Unlimited' }));
    expect(shared.length).toBeGreaterThan(10);
    expect(shared.every((m) => m.get('RecipientTypeDetails') === 'SharedMailbox')).toBe(true);
    const filtered = outputsOf(await count({ Filter: "RecipientTypeDetails -eq 'RoomMailbox' -and DisplayName -like 'Building*'", ResultSize: 'Unlimited' }));
    expect(filtered.length).toBe(24);
    expect(outputsOf(await run({ Anr: 'megan' })).map((m) => m.get('Name'))).toEqual(['megan.bowen']);
    expect(outputsOf(await run({ Identity: 'room*', ResultSize: 3 })).map((m) => m.get('Name'))).toEqual(['room13', 'room63', 'room113']);
  });

  it('sorts with SortBy', async () => {
    const sorted = outputsOf(await run({ SortBy: 'DisplayName', ResultSize: 5 })).map((m) => m.get('DisplayName') as string);
    expect(sorted).toEqual([...sorted].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(errorsOf(await run({ SortBy: 'Shoe' }))[0]!.message).toMatch(/^Cannot bind parameter 'SortBy' to the target/);
  });

  it('reports a missing mailbox as ManagementObjectNotFoundException', async () => {
    const [error] = errorsOf(await run({ Identity: 'ghost' }));
    expect(error).toMatchObject({
      message: "The operation couldn't be performed because object 'ghost' couldn't be found on 'NAMPR01A001DC03.NAMPR01A001.prod.outlook.com'.",
      exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      category: 'NotSpecified',
      terminating: true,
      httpStatus: 404,
    });
    expect(error!.fullyQualifiedErrorId).toMatch(/^\[FailureCategory=Cmdlet-ManagementObjectNotFoundException\] [0-9A-F]{8},Microsoft\.Exchange\.Management\.RecipientTasks\.GetMailbox$/);
  });

  it('wraps a bad filter in the binding error', async () => {
    const [error] = errorsOf(await run({ Filter: 'Alias -eq' }));
    expect(error!.message).toBe(
      'Cannot bind parameter \'Filter\' to the target. Exception setting "Filter": "Invalid filter syntax. For a description of the filter parameter syntax see the command help.\r\n"Alias -eq" at position 10."',
    );
  });

  it('scopes a user without admin roles to their own mailbox', async () => {
    const alex = service.callerFor('alex.wilber@contoso.com');
    expect(outputsOf(await run({}, alex)).map((m) => m.get('Name'))).toEqual(['alex.wilber']);
    expect(errorsOf(await run({ Identity: 'admin' }, alex))[0]!.errorId).toBe('ManagementObjectNotFound');
    expect(errorsOf(await collect(service.engine.runCmdlet(alex, 'Set-Mailbox', { Identity: 'alex.wilber', DisplayName: 'A' })))[0]).toMatchObject({ message: 'User is not allowed to call Set-Mailbox', httpStatus: 401 });
  });

  it('silences warnings with WarningAction SilentlyContinue', async () => {
    expect(warningsOf(await run({ ResultSize: 1, WarningAction: 'SilentlyContinue' }))).toEqual([]);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    let count = 0;
    for await (const event of service.engine.runCmdlet(admin, 'Get-Mailbox', { ResultSize: 'Unlimited' }, { signal: controller.signal })) {
      if (event.type === 'output' && ++count === 10) controller.abort();
    }
    expect(count).toBe(10);
  });
});

describe('Set-Mailbox', () => {
  it('changes properties, stamps WhenChanged and finds the mailbox by its new alias', async () => {
    const service = createTestService();
    const admin = service.callerFor('admin@contoso.com');
    const events = await collect(
      service.engine.runCmdlet(admin, 'Set-Mailbox', {
        Identity: 'alex.wilber',
        DisplayName: 'Alex W.',
        Alias: 'alexw',
        ProhibitSendQuota: '60GB',
        IssueWarningQuota: '55GB',
        LitigationHoldEnabled: true,
        ForwardingSmtpAddress: 'boss@contoso.com',
        CustomAttribute3: 'blue',
        EmailAddresses: { Add: ['smtp:alex.alt@contoso.com'] },
      }),
    );
    expect(events).toEqual([]);
    service.clock.shift(60);
    const [m] = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-Mailbox', { Identity: 'alexw' })));
    expect(m!.get('DisplayName')).toBe('Alex W.');
    expect(m!.get('ProhibitSendQuota')).toBe('60 GB (64,424,509,440 bytes)');
    expect(m!.get('LitigationHoldEnabled')).toBe(true);
    expect(m!.get('ForwardingSmtpAddress')).toBe('smtp:boss@contoso.com');
    expect(m!.get('CustomAttribute3')).toBe('blue');
    expect((m!.get('EmailAddresses') as PSObject).container).toMatchObject({ items: expect.arrayContaining(['smtp:alex.alt@contoso.com']) });
    expect(String((m!.get('WhenChangedUTC') as { value: string }).value)).toBe('2026-03-01T12:00:00.0000000Z');
  });

  it('validates quotas, aliases, domains and warns on no change', async () => {
    const service = createTestService();
    const admin = service.callerFor('automation@contoso.com');
    const set = async (parameters: Record<string, unknown>) => collect(service.engine.runCmdlet(admin, 'Set-Mailbox', { Identity: 'megan.bowen', ...parameters } as never));
    expect(errorsOf(await set({ IssueWarningQuota: '99.5GB' }))[0]!.message).toBe(
      "The value of property 'IssueWarningQuota' must be less than or equal to that of property 'ProhibitSendQuota'. IssueWarningQuota: 99.5 GB (106,837,311,488 bytes), ProhibitSendQuota: 99 GB (106,300,440,576 bytes).",
    );
    expect(errorsOf(await set({ ProhibitSendReceiveQuota: '150GB' }))[0]!.message).toMatch(/exceeds the maximum allowed for this mailbox, 100 GB/);
    expect(errorsOf(await set({ Alias: 'bad alias' }))[0]!.message).toMatch(/^Property expression "bad alias" isn't valid\./);
    expect(errorsOf(await set({ Alias: 'alex.wilber' }))[0]!.message).toContain('is being used by another recipient object');
    expect(errorsOf(await set({ EmailAddresses: { Add: 'smtp:m@elsewhere.com' } }))[0]!.message).toBe("You can't use the domain elsewhere.com because it's not an accepted domain for your organization.");
    expect(errorsOf(await set({ EmailAddresses: ['smtp:m@contoso.com'] }))[0]!.message).toMatch(/exactly one primary SMTP address/);
    expect(warningsOf(await set({ DisplayName: 'Megan Bowen' }))).toEqual(["The command completed successfully but no settings of 'megan.bowen' have been modified."]);
    expect(errorsOf(await set({ RetainDeletedItemsFor: '45.00:00:00' }))[0]!.message).toMatch(/between 00:00:00 and 30.00:00:00/);
  });

  it('is refused for a Global Reader', async () => {
    const service = createTestService();
    const reader = service.callerFor('reader@contoso.com');
    expect(errorsOf(await collect(service.engine.runCmdlet(reader, 'Set-Mailbox', { Identity: 'megan.bowen', DisplayName: 'x' })))[0]!.message).toBe('User is not allowed to call Set-Mailbox');
    expect(outputsOf(await collect(service.engine.runCmdlet(reader, 'Get-Mailbox', { ResultSize: 2 })))).toHaveLength(2);
  });
});

describe('Get-User and Set-User', () => {
  it('shows and flips RemotePowerShellEnabled through EXOModuleEnabled', async () => {
    const service = createTestService();
    const admin = service.callerFor('admin@contoso.com');
    const [before] = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-User', { Identity: 'blocked.admin' })));
    expect(before!.typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.User');
    expect(before!.get('RemotePowerShellEnabled')).toBe(false);
    expect(await collect(service.engine.runCmdlet(admin, 'Set-User', { Identity: 'blocked.admin', EXOModuleEnabled: true }))).toEqual([]);
    expect(service.directory.findUser('blocked.admin@contoso.com')!.remotePowerShellEnabled).toBe(true);
    const disabled = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-User', { Filter: 'RemotePowerShellEnabled -eq $false' })));
    expect(disabled).toEqual([]);
    await collect(service.engine.runCmdlet(admin, 'Set-User', { Identity: 'megan.bowen', Department: 'Sales', Title: 'Lead' }));
    const [megan] = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-User', { Identity: 'megan.bowen@contoso.com' })));
    expect([megan!.get('Department'), megan!.get('Title')]).toEqual(['Sales', 'Lead']);
  });
});

describe('Get-Recipient', () => {
  it('returns ReducedRecipient objects with a narrower property set', async () => {
    const service = createTestService();
    const [r] = outputsOf(await collect(service.engine.runCmdlet(service.callerFor('admin@contoso.com'), 'Get-Recipient', { ResultSize: 1, RecipientType: 'UserMailbox' })));
    expect(r!.typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.ReducedRecipient');
    expect(r!.propertyNames().length).toBeLessThan(90);
    expect(r!.get('PrimarySmtpAddress')).toBe('admin@contoso.com');
  });
});

describe('organization cmdlets', () => {
  const service = createTestService();
  const admin = service.callerFor('admin@contoso.com');

  it('Get-AcceptedDomain lists the domains, Default marked', async () => {
    const domains = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-AcceptedDomain', {})));
    expect(domains.map((d) => [d.get('DomainName'), d.get('Default'), d.get('InitialDomain'), d.get('DomainType')])).toEqual([
      ['contoso.com', true, false, 'Authoritative'],
      ['contoso.onmicrosoft.com', false, true, 'Authoritative'],
    ]);
    expect(domains[0]!.typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain');
    expect(errorsOf(await collect(service.engine.runCmdlet(admin, 'Get-AcceptedDomain', { Identity: 'nope.com' })))[0]!.errorId).toBe('ManagementObjectNotFound');
  });

  it('Get-OrganizationConfig returns one OrganizationConfig', async () => {
    const [org] = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-OrganizationConfig', {})));
    expect(org!.typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.OrganizationConfig');
    expect(org!.get('Name')).toBe('contoso.onmicrosoft.com');
    expect(org!.get('OAuth2ClientProfileEnabled')).toBe(true);
  });

  it('Get-ConnectionInformation describes the connection', async () => {
    const caller = { ...admin, connection: { connectionId: 'c0ffee00-0000-4000-8000-000000000001', connectionUri: 'https://127.0.0.1:4443', tokenExpiresAt: new Date('2026-03-01T13:00:00Z'), transport: 'rest' as const } };
    const [info] = outputsOf(await collect(service.engine.runCmdlet(caller, 'Get-ConnectionInformation', {})));
    expect([info!.get('ConnectionId'), info!.get('UserPrincipalName'), info!.get('TokenStatus'), info!.get('TenantID')]).toEqual([
      'c0ffee00-0000-4000-8000-000000000001',
      'admin@contoso.com',
      'Active',
      admin.tenantId,
    ]);
  });

  it('Get-Command lists what the role allows, with parameters', async () => {
    const names = async (upn: string, parameters: Record<string, unknown> = {}) =>
      outputsOf(await collect(service.engine.runCmdlet(service.callerFor(upn), 'Get-Command', parameters as never))).map((c) => c.get('Name'));
    expect(await names('admin@contoso.com')).toEqual(['Get-AcceptedDomain', 'Get-Command', 'Get-ConnectionInformation', 'Get-Mailbox', 'Get-OrganizationConfig', 'Get-Recipient', 'Get-User', 'Set-Mailbox', 'Set-User']);
    expect(await names('reader@contoso.com', { Verb: 'Set' })).toEqual([]);
    expect(await names('alex.wilber@contoso.com')).toEqual(['Get-Command', 'Get-ConnectionInformation', 'Get-Mailbox', 'Get-Recipient', 'Get-User']);
    expect(await names('admin@contoso.com', { Name: '*-Mailbox' })).toEqual(['Get-Mailbox', 'Set-Mailbox']);
    const [info] = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-Command', { Name: 'Get-Mailbox' })));
    expect(info!.typeNames[0]).toBe('Deserialized.System.Management.Automation.CmdletInfo');
    const parameters = info!.get('Parameters') as PSObject;
    const entries = parameters.container?.kind === 'DCT' ? parameters.container.entries : [];
    const resultSize = entries.find(([k]) => k === 'ResultSize')?.[1] as PSObject;
    expect(resultSize.get('ParameterType')).toBe('Microsoft.Exchange.Data.Unlimited`1[System.UInt32]');
    expect(entries.map(([k]) => k)).toContain('ErrorAction');
  });
});

describe('engine errors', () => {
  const service = createTestService();
  it('says an unknown cmdlet is not recognized', async () => {
    const [error] = errorsOf(await collect(service.engine.runCmdlet(service.callerFor('admin@contoso.com'), 'Get-Mailboxx', {})));
    expect(error!.message).toBe(
      "The term 'Get-Mailboxx' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
    );
  });
  it('refuses an app whose service principal has no directory role', async () => {
    const [, noRole] = service.directory.apps();
    const caller = { kind: 'app' as const, tenantId: noRole!.tenantId, homeTenantId: noRole!.tenantId, upn: undefined, appId: noRole!.appId, objectId: noRole!.appId, roles: noRole!.roles };
    expect(errorsOf(await collect(service.engine.runCmdlet(caller, 'Get-Mailbox', {})))[0]!.message).toBe(
      `The role assigned to application ${noRole!.appId} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.`,
    );
  });
});

describe('recipient views', () => {
  const service = createTestService({ mailboxCount: 200 });
  const admin = service.callerFor('admin@contoso.com');
  const names = async (cmdlet: string, parameters: Record<string, unknown>) =>
    outputsOf(await collect(service.engine.runCmdlet(admin, cmdlet, parameters as never, { select: ['Name', 'ArchiveStatus', 'LitigationHoldEnabled'] })));

  it('has no soft-deleted, inactive, public folder or group mailboxes and no VIPs', async () => {
    for (const view of ['SoftDeletedMailbox', 'InactiveMailboxOnly', 'PublicFolder', 'GroupMailbox', 'Migration']) expect(await names('Get-Mailbox', { [view]: true })).toEqual([]);
    expect(await names('Get-User', { IsVIP: true })).toEqual([]);
  });

  it('lists archive-enabled mailboxes with -Archive', async () => {
    const archived = await names('Get-Mailbox', { Archive: true, ResultSize: 'Unlimited' });
    expect(archived.length).toBeGreaterThan(0);
    expect(archived.every((m) => m.get('ArchiveStatus') === 'Active')).toBe(true);
  });

  it('knows the tenant OU and refuses another', async () => {
    expect(await names('Get-Mailbox', { OrganizationalUnit: 'contoso.onmicrosoft.com', ResultSize: 2 })).toHaveLength(2);
    expect(errorsOf(await collect(service.engine.runCmdlet(admin, 'Get-Mailbox', { OrganizationalUnit: 'elsewhere.onmicrosoft.com' })))[0]!.errorId).toBe('ManagementObjectNotFound');
  });

  it('adds -Properties to Get-Recipient', async () => {
    const [r] = outputsOf(await collect(service.engine.runCmdlet(admin, 'Get-Recipient', { Identity: 'alex.wilber', Properties: ['ProhibitSendQuota', 'LitigationHoldEnabled'] })));
    expect(r!.get('ProhibitSendQuota')).toBe('99 GB (106,300,440,576 bytes)');
  });
});
