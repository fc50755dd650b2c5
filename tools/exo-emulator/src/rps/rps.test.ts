import { describe, expect, it } from 'vitest';
import { PSObject } from '@exops/contracts';
import { parseFragments } from '@exops/psrp';
import type { ClientEvent } from '@exops/psrp';
import { createRpsRoutes } from './routes.js';
import { RpsDriver, decodeServerBlobs } from './test-support/rps-driver.js';
import { createRpsFixture, type RpsFixture } from './test-support/rps-fixture.js';

const MAILBOX_TYPE = 'Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox';

function driverFor(fixture: RpsFixture, alias: string, extra: Partial<ConstructorParameters<typeof RpsDriver>[0]> = {}): RpsDriver {
  const upn = fixture.upnOf(alias);
  return new RpsDriver({ handle: fixture.endpoint.handle, upn, token: fixture.tokenFor(upn), ...extra });
}

function ofType<T extends ClientEvent['type']>(events: readonly ClientEvent[], type: T): Extract<ClientEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}

async function openOk(driver: RpsDriver): Promise<ClientEvent[]> {
  const { create, receive, events } = await driver.open();
  expect(create.http.status).toBe(200);
  expect(receive.wsman.kind).toBe('receive');
  return events;
}

describe('RPS endpoint: a full client round trip with our own psrp and wsman pieces', () => {
  it('opens a runspace pool in one Receive with Exchange private data', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    const events = await openOk(driver);
    expect(events.map((e) => e.type)).toEqual(['sessionCapability', 'applicationPrivateData', 'runspacePoolState']);
    expect(driver.pool?.state).toBe('Opened');
    expect([...(driver.pool?.applicationPrivateData?.entries.keys() ?? [])].sort()).toEqual(['ImplicitRemoting', 'PSVersionTable', 'SupportedVersions']);
    expect(fixture.exchange.sessions.list(driver.options.upn).map((s) => s.id)).toEqual([driver.shellId]);
    expect(decodeServerBlobs(driver.receivedBlobs)).toEqual(['SESSION_CAPABILITY', 'APPLICATION_PRIVATE_DATA', 'RUNSPACEPOOL_STATE']);
  });

  it('runs Get-Mailbox -ResultSize 5: five Mailbox objects, the warning, Completed and CommandState Done', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const { pipeline, reply } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 5 } }]] });
    expect(reply.wsman.kind === 'command' && reply.wsman.commandId).toBe(pipeline.id.toUpperCase());
    const { events, replies } = await driver.receiveAll(pipeline.id.toUpperCase());
    const outputs = ofType(events, 'output').map((e) => e.value);
    expect(outputs).toHaveLength(5);
    for (const value of outputs) {
      expect(value).toBeInstanceOf(PSObject);
      expect((value as PSObject).typeNames[0]).toBe(MAILBOX_TYPE);
    }
    expect(ofType(events, 'warning').length).toBeGreaterThan(0);
    expect(ofType(events, 'pipelineState').at(-1)?.state).toBe('Completed');
    expect(pipeline.state).toBe('Completed');
    const last = replies.at(-1)?.wsman;
    expect(last?.kind === 'receive' && last.commandState?.state).toBe('Done');
    expect(last?.kind === 'receive' && last.commandState?.exitCode).toBe(0);
    const terminate = await driver.signal(pipeline.id.toUpperCase(), 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate');
    expect(terminate.wsman.kind).toBe('signal');
    // Every message decodes, Windows-style: BOM, destination client, fragments within 32 768 bytes.
    expect(decodeServerBlobs(driver.receivedBlobs)).toContain('PIPELINE_STATE');
    for (const blob of driver.receivedBlobs) for (const f of parseFragments(blob)) expect(f.blob.length + 21).toBeLessThanOrEqual(32768);
  });

  it('writes an unknown identity to the error stream and completes; an unknown cmdlet fails the pipeline', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const first = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { Identity: 'nobody-here@contoso.com' } }]] });
    const { events } = await driver.receiveAll(first.pipeline.id.toUpperCase());
    const errors = ofType(events, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.record.message).toMatch(/couldn't be found/);
    expect(errors[0]?.record.fullyQualifiedErrorId).toMatch(/ManagementObjectNotFoundException/);
    expect(ofType(events, 'pipelineState').at(-1)?.state).toBe('Completed');

    const second = await driver.command({ statements: [[{ command: 'Get-Nothing' }]] });
    const failed = await driver.receiveAll(second.pipeline.id.toUpperCase());
    const state = ofType(failed.events, 'pipelineState').at(-1);
    expect(state?.state).toBe('Failed');
    expect(state?.reason?.message).toMatch(/is not recognized as the name of a cmdlet/);
  });

  it('streams a large output over several Receives within MaxEnvelopeSize, pulling only what each Receive needs', async () => {
    const fixture = createRpsFixture({ mailboxCount: 5000 });
    const driver = driverFor(fixture, 'admin', { maxEnvelopeSize: 153600 });
    await openOk(driver);
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 300 } }]] });
    const { events, replies } = await driver.receiveAll(pipeline.id.toUpperCase(), 1000);
    expect(ofType(events, "output")).toHaveLength(300);
    expect(replies.length).toBeGreaterThan(3);
    for (const r of replies) expect(Buffer.byteLength(r.xml)).toBeLessThanOrEqual(153600);
  });

  it('stops a running pipeline with powershell/signal/crtl_c: PIPELINE_STATE Stopped, then Done', async () => {
    const fixture = createRpsFixture({ mailboxCount: 20000 });
    const driver = driverFor(fixture, 'admin', { maxEnvelopeSize: 153600 });
    await openOk(driver);
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 'Unlimited' } }]] });
    const commandId = pipeline.id.toUpperCase();
    const firstPart = await driver.receive(commandId);
    expect(firstPart.reply.wsman.kind === 'receive' && firstPart.reply.wsman.commandState).toBeUndefined();
    const signal = await driver.signal(commandId, pipeline.stop().signal);
    expect(signal.wsman.kind).toBe('signal');
    const { events } = await driver.receiveAll(commandId);
    expect(ofType(events, 'pipelineState').at(-1)?.state).toBe('Stopped');
    const delivered = ofType([...firstPart.events, ...events], 'output').length;
    expect(delivered).toBeLessThan(100);
    // Pulled from the engine only what the one Receive needed (plus the event that overflowed it).
    expect(fixture.pulled()).toBeLessThanOrEqual(delivered + 2);
  });

  it('takes a CREATE_PIPELINE split over Command and Send (400-byte fragments)', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const pipeline = driver.pool?.createPipeline({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 2 } }]] });
    if (pipeline === undefined) throw new Error('no pool');
    const fragments = pipeline.start({ maxFragmentSize: 400 });
    expect(fragments.length).toBeGreaterThan(2);
    const commandId = pipeline.id.toUpperCase();
    const command = await driver.post(
      (await import('@exops/wsman')).buildCommandEnvelope(driver.ctx, { shellId: driver.shellId, commandId, arguments: Buffer.from(fragments[0] as Uint8Array).toString('base64') }).xml,
    );
    expect(command.wsman.kind === 'command' && command.wsman.commandId).toBe(commandId);
    const early = await driver.receive(commandId);
    expect(early.reply.wsman.kind === 'fault' && early.reply.wsman.fault.subcode).toBe('TimedOut');
    await driver.send(commandId, Buffer.concat(fragments.slice(1)));
    const { events } = await driver.receiveAll(commandId);
    expect(ofType(events, 'output')).toHaveLength(2);
  });

  it('closes (not stops) a pipeline on any other signal code, as the real plug-in does', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 5 } }]] });
    await driver.signal(pipeline.id.toUpperCase(), 'powershell/signal/ctrl_c');
    const after = await driver.receive(pipeline.id.toUpperCase());
    expect(after.reply.wsman.kind === 'fault' && after.reply.wsman.fault.subcode).toBe('InvalidSelectors');
  });

  it('feeds pipeline input sent after the Command: one run per input object bound to Identity', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const upn = fixture.upnOf('megan.bowen');
    const { pipeline } = await driver.command({ statements: [[{ command: 'Get-Mailbox' }]], input: [upn, fixture.upnOf('alex.wilber')] });
    const send = await driver.send(pipeline.id.toUpperCase(), pipeline.initialInput());
    expect(send.wsman.kind).toBe('send');
    const { events } = await driver.receiveAll(pipeline.id.toUpperCase());
    expect(ofType(events, 'output')).toHaveLength(2);
  });

  it('Delete closes the pool and frees the session slot; later requests on the shell get InvalidSelectors', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const deleted = await driver.delete();
    expect(deleted.wsman.kind).toBe('delete');
    expect(fixture.exchange.sessions.list(driver.options.upn)).toHaveLength(0);
    const again = await driver.receive();
    expect(again.reply.http.status).toBe(500);
    expect(again.reply.wsman.kind === 'fault' && again.reply.wsman.fault.message).toMatch(/\[FailureCategory=WSMan-InvalidShellID\].*shell was not found on the server/);
  });

  it('answers an empty long-poll with the w:TimedOut fault 2150858793 and HTTP 500', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    const { reply } = await driver.receive();
    expect(reply.http.status).toBe(500);
    expect(reply.wsman.kind === 'fault' && [reply.wsman.fault.subcode, reply.wsman.fault.wsmanCode]).toEqual(['TimedOut', 2150858793]);
  });

  it('Get returns the shell; Enumerate lists the caller\'s own shells only', async () => {
    const fixture = createRpsFixture();
    const admin = driverFor(fixture, 'admin');
    const admin2 = driverFor(fixture, 'admin');
    const other = driverFor(fixture, 'automation');
    await openOk(admin);
    await openOk(admin2);
    await openOk(other);
    const got = await admin.get();
    expect(got.wsman.kind === 'get-shell' && got.wsman.shell.shellId).toBe(admin.shellId);
    const listed = await admin.enumerate();
    expect(listed.wsman.kind).toBe('enumerate');
    if (listed.wsman.kind !== 'enumerate') return;
    expect(listed.wsman.shells.map((s) => s.shellId).sort()).toEqual([admin.shellId, admin2.shellId].sort());
    for (const s of listed.wsman.shells) {
      expect(s.owner).toBe(admin.options.upn);
      expect(s.resourceUri).toBe('http://schemas.microsoft.com/powershell/Microsoft.Exchange');
      expect(s.state).toBe('Connected');
      expect(s.idleTimeOut).toBe('PT900.000S');
    }
    const peek = new RpsDriver({ ...other.options });
    peek.pool = admin.pool;
    const foreign = await peek.get();
    expect(foreign.wsman.kind === 'fault' && foreign.wsman.fault.subcode).toBe('InvalidSelectors');
  });
});

describe('RPS endpoint: refusals', () => {
  it('refuses the 6th shell with the MaxConcurrency text on the first Receive, and the budget after that', async () => {
    const fixture = createRpsFixture();
    const drivers: RpsDriver[] = [];
    for (let i = 0; i < 5; i++) {
      const d = driverFor(fixture, 'admin');
      await openOk(d);
      drivers.push(d);
    }
    const sixth = driverFor(fixture, 'admin');
    const { create, receive } = await sixth.open();
    expect(create.http.status).toBe(200);
    expect(receive.http.status).toBe(500);
    const fault = receive.wsman.kind === 'fault' ? receive.wsman.fault : undefined;
    expect(fault?.message).toMatch(/Fail to create a runspace because you have exceeded the maximum number of connections allowed : 5 for the policy party : MaxConcurrency/);
    expect(fault?.providerFaults[0]?.provider).toBe('microsoft.exchange');
    expect(fixture.exchange.sessions.list(sixth.options.upn)).toHaveLength(5);
    // The refused shell answers the refusal again, is not listed, and can be deleted.
    const again = await sixth.receive();
    expect(again.reply.wsman.kind === 'fault' && again.reply.wsman.fault.message).toMatch(/MaxConcurrency/);
    expect((await sixth.delete()).wsman.kind).toBe('delete');
    await drivers[0]?.delete();
    const seventh = driverFor(fixture, 'admin');
    const budget = await seventh.open();
    expect(budget.receive.wsman.kind === 'fault' && budget.receive.wsman.fault.message).toMatch(/exceeded your budget to create runspace\. Please wait for \d+ seconds/);
    fixture.clock.shift(61);
    const eighth = driverFor(fixture, 'admin');
    await openOk(eighth);
  });

  it('refuses a user with RemotePowerShellEnabled=false on Create with Access is denied (WSManFault 5)', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'blocked.admin');
    const create = await driver.create();
    expect(create.http.status).toBe(500);
    const fault = create.wsman.kind === 'fault' ? create.wsman.fault : undefined;
    expect([fault?.subcode, fault?.wsmanCode, fault?.reason]).toEqual(['AccessDenied', 5, 'Access is denied.']);
    expect(fault?.message).toBe(`user ${driver.options.upn} is not allowed to use remote Powershell, access denied`);
    expect(fixture.exchange.sessions.list(driver.options.upn)).toHaveLength(0);
  });

  it('refuses a tenant with RPS switched off on Create with a clear text', async () => {
    const fixture = createRpsFixture();
    const admin = fixture.exchange.directory.users().find((u) => u.upn.toLowerCase().includes('northwind') && u.roles.includes('Global Administrator'));
    const driver = new RpsDriver({ handle: fixture.endpoint.handle, upn: admin?.upn ?? '', token: fixture.tokenFor(admin?.upn ?? '') });
    const create = await driver.create();
    expect(create.http.status).toBe(500);
    const fault = create.wsman.kind === 'fault' ? create.wsman.fault : undefined;
    expect([fault?.subcode, fault?.wsmanCode]).toEqual(['AccessDenied', 5]);
    expect(fault?.message).toMatch(/^Access is denied\. Remote PowerShell \(RPS\) is disabled for this tenant/);
  });

  it('answers 401 Access is denied with a Basic challenge: no conversion flag, a plain password, a user mismatch, an expired token', async () => {
    const fixture = createRpsFixture();
    const upn = fixture.upnOf('admin');
    const token = fixture.tokenFor(upn);
    const noFlag = new RpsDriver({ handle: fixture.endpoint.handle, upn, token });
    noFlag.url.search = '';
    const cases: [RpsDriver, Record<string, string> | undefined][] = [
      [noFlag, undefined],
      [new RpsDriver({ handle: fixture.endpoint.handle, upn, token }), { authorization: `Basic ${Buffer.from(`${upn}:P@ssw0rd`).toString('base64')}` }],
      [new RpsDriver({ handle: fixture.endpoint.handle, upn: fixture.upnOf('automation'), token }), undefined],
      [new RpsDriver({ handle: fixture.endpoint.handle, upn, token: fixture.tokenFor(upn, -1) }), undefined],
      [new RpsDriver({ handle: fixture.endpoint.handle, upn, token }), {}],
    ];
    for (const [driver, headers] of cases) {
      driver.pool = undefined;
      const reply = await driver.post('<s:Envelope/>', headers ?? { authorization: driver.authorization() });
      expect(reply.http.status).toBe(401);
      expect(reply.http.headers?.['www-authenticate']).toBe('Basic realm="outlook.office365.com"');
      expect(String(reply.http.body)).toMatch(/^Access is denied\./);
    }
  });

  it('drops the shell when its token expired: the old token gets 401, a new token finds the shell gone', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    fixture.clock.shift(3601);
    const old = await driver.receive();
    expect(old.reply.http.status).toBe(401);
    driver.token = fixture.tokenFor(driver.options.upn);
    const renewed = await driver.receive();
    expect(renewed.reply.wsman.kind === 'fault' && renewed.reply.wsman.fault.message).toMatch(/WSMan-InvalidShellID/);
    expect(fixture.exchange.sessions.list(driver.options.upn)).toHaveLength(0);
    await openOk(driverFor(fixture, 'admin'));
  });

  it('expires idle shells after 15 minutes', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    fixture.clock.shift(901);
    driver.token = fixture.tokenFor(driver.options.upn);
    const gone = await driver.get();
    expect(gone.wsman.kind === 'fault' && gone.wsman.fault.subcode).toBe('InvalidSelectors');
  });

  it('honours DelegatedOrg for a partner and refuses it without a partner relation', async () => {
    const fixture = createRpsFixture();
    const partner = driverFor(fixture, 'admin', { query: '&DelegatedOrg=fabrikam.com' });
    await openOk(partner);
    const { pipeline } = await partner.command({ statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 2 } }]] });
    const { events } = await partner.receiveAll(pipeline.id.toUpperCase());
    const outputs = ofType(events, 'output').map((e) => e.value as PSObject);
    expect(outputs).toHaveLength(2);
    expect(String(outputs[0]?.get('PrimarySmtpAddress'))).toMatch(/fabrikam/i);

    const fabrikamAdmin = fixture.exchange.directory.users().find((u) => /fabrikam/i.test(u.upn) && u.roles.includes('Global Administrator'));
    const upn = fabrikamAdmin?.upn ?? '';
    const stranger = new RpsDriver({ handle: fixture.endpoint.handle, upn, token: fixture.tokenFor(upn), query: '&DelegatedOrg=contoso.com' });
    const refused = await stranger.create();
    expect(refused.wsman.kind === 'fault' && refused.wsman.fault.message).toMatch(/has no partner relationship/);
  });

  it('answers a wrong ResourceURI like Windows does for an unknown configuration', async () => {
    const fixture = createRpsFixture();
    const driver = driverFor(fixture, 'admin', { resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell' });
    const create = await driver.create();
    expect(create.wsman.kind === 'fault' && create.wsman.fault.message).toBe(
      'The WS-Management service cannot process the request. Cannot find the Microsoft.PowerShell session configuration in the WSMan: drive on the outlook.office365.com computer.',
    );
  });

  it('drops the shell on an injected shell-lost fault', async () => {
    let lose = false;
    const fixture = createRpsFixture({ faults: { decide: () => (lose ? { kind: 'shell-lost', delayMs: 0 } : undefined) } });
    const driver = driverFor(fixture, 'admin');
    await openOk(driver);
    lose = true;
    const lost = await driver.receive();
    expect(lost.reply.wsman.kind === 'fault' && lost.reply.wsman.fault.subcode).toBe('InvalidSelectors');
    expect(fixture.exchange.sessions.list(driver.options.upn)).toHaveLength(0);
  });

  it('serves /PowerShell-LiveID and /PowerShell as POST routes', () => {
    const fixture = createRpsFixture();
    const routes = createRpsRoutes({ exchange: fixture.exchange, verifyAccessToken: async () => ({ ok: false, reason: 'missing', message: '' }), clock: fixture.clock });
    expect(routes.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/PowerShell-LiveID'],
      ['POST', '/PowerShell'],
    ]);
  });
});
