import { parseClixmlDocument } from '@exops/psrp';
import { PSObject } from '@exops/contracts';
import { describe, expect, it } from 'vitest';
import type { FaultDecision } from '../../faults.js';
import { bodyOf, createTestService, invokeRequest, type TestService } from '../test-support/fixtures.js';

const invokeRoute = (service: TestService) => service.routes.find((r) => r.path.endsWith('/InvokeCommand'))!.handler;
const batchRoute = (service: TestService) => service.routes.find((r) => r.path.endsWith('/$batch'))!.handler;

async function call(service: TestService, ...args: Parameters<typeof invokeRequest>) {
  const { request, params } = invokeRequest(...args);
  return invokeRoute(service)(request, params);
}

describe('InvokeCommand: success shapes', () => {
  const service = createTestService();
  const token = service.tokenFor({ upn: 'admin@contoso.com' });

  it('answers JSON with the OData envelope and diagnostic headers', async () => {
    const response = await call(service, 'contoso.onmicrosoft.com', token, 'Get-Mailbox', { Identity: 'alex.wilber', ErrorAction: 'Stop' }, { headers: { 'client-request-id': 'req-1' } });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'client-request-id': 'req-1', 'odata-version': '4.0' });
    expect(response.headers!['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers!['x-calculatedbetarget']).toMatch(/\.namprd01\.prod\.outlook\.com$/);
    expect(response.headers!['date']).toBe('Sun, 01 Mar 2026 12:00:00 GMT');
    const body = bodyOf(response);
    expect(Object.keys(body)).toEqual(['@odata.context', '@adminapi.warnings', 'value']);
    expect(body['@odata.context']).toBe('https://127.0.0.1:4443/adminapi/beta/contoso.onmicrosoft.com/$metadata#Collection(Exchange.GenericHashTable)');
    const [mailbox] = body['value'] as Record<string, unknown>[];
    expect(mailbox).toMatchObject({
      Name: 'alex.wilber',
      PrimarySmtpAddress: 'alex.wilber@contoso.com',
      RecipientTypeDetails: 'UserMailbox',
      EmailAddresses: ['SMTP:alex.wilber@contoso.com', 'smtp:alex.wilber@contoso.onmicrosoft.com'],
      LitigationHoldEnabled: false,
    });
    expect(mailbox!['WhenCreated']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
  });

  it('answers CLIXML in value[0]._clixml with the same property set as JSON (reference §2.5)', async () => {
    const json = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 3 }));
    const clixml = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 3 }, { headers: { 'x-responseformat': 'clixml' } }));
    const value = clixml['value'] as { _clixml: string }[];
    expect(value).toHaveLength(1);
    expect(value[0]!._clixml).toMatch(/^<Objs Version="1\.1\.0\.1" xmlns="http:\/\/schemas\.microsoft\.com\/powershell\/2004\/04">/);
    const objects = parseClixmlDocument(value[0]!._clixml) as PSObject[];
    expect(objects).toHaveLength(3);
    expect(objects[0]!.typeNames[0]).toBe('Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox');
    const jsonRows = json['value'] as Record<string, unknown>[];
    expect(objects.map((o) => o.propertyNames())).toEqual(jsonRows.map((r) => Object.keys(r)));
    expect(objects.map((o) => o.get('Name'))).toEqual(jsonRows.map((r) => r['Name']));
    expect(clixml['@adminapi.warnings']).toEqual(json['@adminapi.warnings']);
    expect(json['@adminapi.warnings']).toEqual(['There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.']);
  });

  it('honours $select and decodes the module parameter encoding', async () => {
    const { request, params } = invokeRequest('contoso.com', token, 'Get-Mailbox', {}, {
      url: 'https://127.0.0.1:4443/adminapi/beta/contoso.com/InvokeCommand?$select=PrimarySmtpAddress,Name',
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { Filter: "RecipientTypeDetails -eq 'SharedMailbox'", 'RecipientTypeDetails@odata.type': '#Collection(String)', RecipientTypeDetails: ['SharedMailbox'], ResultSize: 'Unlimited', Archive: false } } }),
    });
    const body = bodyOf(await invokeRoute(service)(request, params));
    const rows = body['value'] as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => Object.keys(r).join() === 'PrimarySmtpAddress,Name')).toBe(true);
  });

  it('runs Set-Mailbox with a GenericHashTable and returns no objects', async () => {
    const response = await call(service, 'contoso.com', token, 'Set-Mailbox', { Identity: 'megan.bowen', EmailAddresses: { '@odata.type': '#Exchange.GenericHashTable', Add: 'smtp:mb@contoso.com' } as never });
    expect(response.status).toBe(200);
    expect(bodyOf(response)['value']).toEqual([]);
    const again = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { Identity: 'mb@contoso.com' }));
    expect((again['value'] as Record<string, unknown>[])[0]!['Name']).toBe('megan.bowen');
  });
});

describe('InvokeCommand: paging', () => {
  it('pages 100,000 results through @odata.nextLink with nothing lost or repeated', async () => {
    const service = createTestService({ mailboxCount: 100_000 });
    const token = service.tokenFor({ upn: 'admin@contoso.com' });
    let url: string | undefined = 'https://127.0.0.1:4443/adminapi/beta/contoso.com/InvokeCommand?$select=Guid';
    const seen = new Set<string>();
    let pages = 0;
    const warnings: unknown[] = [];
    while (url !== undefined) {
      const response = await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 'Unlimited' }, { url, headers: { prefer: 'odata.maxpagesize=1000' } });
      expect(response.status).toBe(200);
      const body = bodyOf(response);
      for (const row of body['value'] as { Guid: string }[]) {
        expect(seen.has(row.Guid)).toBe(false);
        seen.add(row.Guid);
      }
      warnings.push(...(body['@adminapi.warnings'] as unknown[]));
      url = body['@odata.nextLink'] as string | undefined;
      if (url !== undefined) expect(url).toMatch(/^https:\/\/127\.0\.0\.1:4443\/adminapi\/beta\/contoso\.com\/InvokeCommand\?%24select=Guid&%24skiptoken=/);
      pages++;
    }
    expect(seen.size).toBe(100_000);
    expect(pages).toBe(100);
    expect(warnings).toEqual([]);
  }, 60_000);

  it('stops at a numeric ResultSize across pages and warns on the last page', async () => {
    const service = createTestService({ mailboxCount: 60 });
    const token = service.tokenFor({ upn: 'admin@contoso.com' });
    const pages: Record<string, unknown>[] = [];
    let url: string | undefined = 'https://127.0.0.1:4443/adminapi/beta/contoso.com/InvokeCommand?$select=Name';
    while (url !== undefined) {
      const body = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 25 }, { url, headers: { prefer: 'odata.maxpagesize=10' } }));
      pages.push(body);
      url = body['@odata.nextLink'] as string | undefined;
    }
    expect(pages.map((p) => (p['value'] as unknown[]).length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => (p['@adminapi.warnings'] as unknown[]).length)).toEqual([0, 0, 1]);
  });

  it('refuses a skiptoken reused with another body or altered', async () => {
    const service = createTestService({ mailboxCount: 60 });
    const token = service.tokenFor({ upn: 'admin@contoso.com' });
    const first = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 'Unlimited' }, { headers: { prefer: 'odata.maxpagesize=10' } }));
    const next = first['@odata.nextLink'] as string;
    const other = await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 20 }, { url: next });
    expect(other.status).toBe(400);
    expect(bodyOf(other)).toMatchObject({ error: { code: 'BadRequest', message: 'The continuation token ($skiptoken) belongs to a different request: POST the same body to the nextLink.' } });
    const forged = await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 'Unlimited' }, { url: next.replace(/skiptoken=./, 'skiptoken=A') });
    expect(forged.status).toBe(400);
  });
});

describe('InvokeCommand: errors', () => {
  const service = createTestService();
  const token = service.tokenFor({ upn: 'admin@contoso.com' });

  it('answers a binding error with 400 and the service error shape', async () => {
    const response = await call(service, 'contoso.com', token, 'Get-Mailbox', { Foo: 1 });
    expect(response.status).toBe(400);
    expect(response.headers!['x-exceptiontype']).toBe('ParameterBindingException');
    expect(bodyOf(response)).toEqual({
      error: {
        code: 'BadRequest',
        message: "A parameter cannot be found that matches parameter name 'Foo'.",
        details: [{ code: '5', target: 'Foo', message: "NamedParameterNotFound|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'Foo'." }],
        innererror: {
          message: "A parameter cannot be found that matches parameter name 'Foo'.",
          type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
          internalexception: { message: "A parameter cannot be found that matches parameter name 'Foo'.", type: 'System.Management.Automation.ParameterBindingException' },
        },
      },
    });
  });

  it('answers a missing object with 404 and ManagementObjectNotFoundException', async () => {
    const response = await call(service, 'contoso.com', token, 'Get-Mailbox', { Identity: 'ghost@contoso.com' });
    expect(response.status).toBe(404);
    const detail = (bodyOf(response)['error'] as { details: { message: string }[] }).details[0]!;
    expect(detail.message).toBe("ManagementObjectNotFound|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'ghost@contoso.com' couldn't be found on 'NAMPR01A001DC03.NAMPR01A001.prod.outlook.com'.");
  });

  it('answers 401 with a Bearer challenge for a missing, unknown or expired token', async () => {
    const missing = await call(service, 'contoso.com', undefined, 'Get-Mailbox');
    expect(missing.status).toBe(401);
    expect(missing.headers!['www-authenticate']).toMatch(/^Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@\*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https:\/\/127\.0\.0\.1:4443\/common\/oauth2\/authorize"$/);
    const bogus = await call(service, 'contoso.com', 'not-a-token', 'Get-Mailbox');
    expect(bogus.status).toBe(401);
    expect(bogus.headers!['www-authenticate']).toMatch(/error="invalid_token"$/);
    const shortLived = service.tokenFor({ upn: 'admin@contoso.com' }, { expiresInSeconds: 60 });
    service.clock.shift(61);
    const expired = await call(service, 'contoso.com', shortLived, 'Get-Mailbox');
    expect(expired.status).toBe(401);
    expect(bodyOf(expired)).toMatchObject({ error: { code: 'Unauthorized', message: expect.stringMatching(/^The access token has expired\./) } });
    service.clock.shift(-61);
  });

  it('answers RBAC refusals like the service (401, "User is not allowed to call …")', async () => {
    const reader = service.tokenFor({ upn: 'reader@contoso.com' });
    const response = await call(service, 'contoso.com', reader, 'Set-Mailbox', { Identity: 'alex.wilber', DisplayName: 'x' });
    expect(response.status).toBe(401);
    expect(bodyOf(response)).toEqual({
      error: { code: 'Unauthorized', message: 'User is not allowed to call Set-Mailbox', innererror: { message: 'User is not allowed to call Set-Mailbox', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' } },
    });
  });

  it('refuses a user with RemotePowerShellEnabled false (403)', async () => {
    const blocked = service.tokenFor({ upn: 'blocked.admin@contoso.com' });
    const response = await call(service, 'contoso.com', blocked, 'Get-Mailbox');
    expect(response.status).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'Forbidden', innererror: { type: 'Microsoft.Exchange.Configuration.Authorization.RemotePowerShellNotEnabledException' } } });
  });

  it('answers an unknown tenant with 404, a bad body with 400, a header mismatch with 400', async () => {
    expect((await call(service, 'nowhere.example', token, 'Get-Mailbox')).status).toBe(404);
    expect((await call(service, 'nowhere.example', 'not-a-token', 'Get-Mailbox')).status).toBe(401);
    expect((await call(service, 'contoso.com', token, 'Get-Mailbox', {}, { body: '{not json' })).status).toBe(400);
    expect((await call(service, 'contoso.com', token, 'Get-Mailbox', {}, { body: '{"CmdletInput":{}}' })).status).toBe(400);
    const mismatch = await call(service, 'contoso.com', token, 'Get-Mailbox', {}, { headers: { 'x-cmdletname': 'Get-User' } });
    expect(mismatch.status).toBe(400);
    expect(bodyOf(mismatch)).toMatchObject({ error: { message: "The X-CmdletName header 'Get-User' doesn't match the cmdlet in the body 'Get-Mailbox'." } });
    expect((await call(service, 'contoso.com', token, 'Get-Mailbox', {}, { headers: { 'x-responseformat': 'xml' } })).status).toBe(400);
    expect((await call(service, 'contoso.com', token, 'Get-Nothing')).status).toBe(400);
  });

  it('answers injected faults: 429 with Retry-After, 503, 500', async () => {
    const decisions: FaultDecision[] = [
      { kind: 'status', delayMs: 0, status: 429, retryAfterSeconds: 3 },
      { kind: 'status', delayMs: 0, status: 503, retryAfterSeconds: 5 },
      { kind: 'status', delayMs: 0, status: 500, retryAfterSeconds: undefined },
    ];
    const faulty = createTestService({ faults: { decide: () => decisions.shift() } });
    const t = faulty.tokenFor({ upn: 'admin@contoso.com' });
    const throttled = await call(faulty, 'contoso.com', t, 'Get-Mailbox');
    expect(throttled.status).toBe(429);
    expect(throttled.headers!['retry-after']).toBe('3');
    expect(bodyOf(throttled)).toMatchObject({ error: { code: 'TooManyRequests', message: 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again' } });
    const unavailable = await call(faulty, 'contoso.com', t, 'Get-Mailbox');
    expect([unavailable.status, unavailable.headers!['retry-after']]).toEqual([503, '5']);
    const failed = await call(faulty, 'contoso.com', t, 'Get-Mailbox');
    expect(failed.status).toBe(500);
    expect(JSON.stringify(bodyOf(failed))).toContain('DCOverloadedException');
    expect((await call(faulty, 'contoso.com', t, 'Get-Mailbox', { ResultSize: 1 })).status).toBe(200);
  });
});

describe('InvokeCommand: tenants and apps', () => {
  const service = createTestService();

  it('lets a partner admin manage the customer tenant (DelegatedOrg) and refuses the reverse', async () => {
    const partner = service.tokenFor({ upn: 'admin@contoso.com' });
    const response = await call(service, 'fabrikam.onmicrosoft.com', partner, 'Get-Mailbox', { Identity: 'pradeep.gupta' });
    expect(response.status).toBe(200);
    expect((bodyOf(response)['value'] as Record<string, unknown>[])[0]!['PrimarySmtpAddress']).toBe('pradeep.gupta@fabrikam.com');
    const customer = service.tokenFor({ upn: 'admin@fabrikam.com' });
    const refused = await call(service, 'contoso.com', customer, 'Get-Mailbox');
    expect(refused.status).toBe(403);
    expect(bodyOf(refused)).toMatchObject({ error: { code: 'Forbidden' } });
    const nonAdmin = service.tokenFor({ upn: 'alex.wilber@contoso.com' });
    expect((await call(service, 'fabrikam.com', nonAdmin, 'Get-Mailbox')).status).toBe(403);
    const northwind = await call(service, 'northwindtraders.com', partner, 'Get-Mailbox');
    expect(northwind.status).toBe(403);
  });

  it('serves the certificate app and refuses the app without a directory role', async () => {
    const [app, noRole] = service.directory.apps();
    const ok = await call(service, 'contoso.onmicrosoft.com', service.tokenFor({ appId: app!.appId }), 'Get-AcceptedDomain');
    expect(ok.status).toBe(200);
    expect((bodyOf(ok)['value'] as unknown[]).length).toBe(2);
    const refused = await call(service, 'contoso.onmicrosoft.com', service.tokenFor({ appId: noRole!.appId }), 'Get-Mailbox');
    expect(refused.status).toBe(401);
    expect((bodyOf(refused)['error'] as { message: string }).message).toMatch(/^The role assigned to application .* isn't supported in this scenario\./);
  });
});

describe('$batch', () => {
  const service = createTestService();
  const token = service.tokenFor({ upn: 'admin@contoso.com' });
  const batch = (requests: unknown[], prefer?: string) =>
    batchRoute(service)(
      {
        method: 'POST',
        url: new URL('https://127.0.0.1:4443/adminapi/beta/contoso.com/$batch'),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(prefer === undefined ? {} : { prefer }) },
        body: Buffer.from(JSON.stringify({ requests })),
        remoteAddress: '127.0.0.1',
      },
      { tenant: 'contoso.com' },
    );
  const item = (id: string, identity: string) => ({
    id,
    method: 'POST',
    url: 'https://127.0.0.1:4443/adminapi/beta/contoso.com/InvokeCommand',
    headers: { 'X-CmdletName': 'Get-Mailbox' },
    body: { CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { Identity: identity } } },
  });

  it('runs each request and reports its status, continuing on error when asked', async () => {
    const response = await batch([item('1', 'alex.wilber'), item('2', 'ghost'), item('3', 'megan.bowen')], 'odata.continue-on-error');
    expect(response.status).toBe(200);
    const responses = bodyOf(response)['responses'] as { id: string; status: number; body: Record<string, unknown> }[];
    expect(responses.map((r) => [r.id, r.status])).toEqual([['1', 200], ['2', 404], ['3', 200]]);
    expect((responses[2]!.body['value'] as Record<string, unknown>[])[0]!['Name']).toBe('megan.bowen');
  });

  it('stops at the first failure without continue-on-error, and refuses more than 10 requests', async () => {
    const stopped = bodyOf(await batch([item('1', 'ghost'), item('2', 'alex.wilber')]))['responses'] as unknown[];
    expect(stopped).toHaveLength(1);
    const tooMany = await batch(Array.from({ length: 11 }, (_, i) => item(String(i), 'alex.wilber')));
    expect(tooMany.status).toBe(400);
    expect(bodyOf(tooMany)).toMatchObject({ error: { message: 'The $batch request has 11 requests; the maximum is 10. Split it into several batches.' } });
  });
});

describe('InvokeCommand: ShouldProcess and WarningAction', () => {
  it('answers Confirm=true with a confirmation message and changes nothing until Confirm=false', async () => {
    const service = createTestService();
    const token = service.tokenFor({ upn: 'admin@contoso.com' });
    const ask = bodyOf(await call(service, 'contoso.com', token, 'Set-Mailbox', { Identity: 'alex.wilber', DisplayName: 'Alex New', Confirm: true }));
    expect(ask['@adminapi.confirmationmessage']).toBe('Are you sure you want to perform this action?\r\nSetting mailbox "alex.wilber".');
    expect(service.directory.findUser('alex.wilber@contoso.com')!.displayName).toBe('Alex Wilber');
    const done = bodyOf(await call(service, 'contoso.com', token, 'Set-Mailbox', { Identity: 'alex.wilber', DisplayName: 'Alex New', Confirm: false }));
    expect(done['@adminapi.confirmationmessage']).toBeUndefined();
    const [row] = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { Identity: 'alex.wilber' }))['value'] as Record<string, unknown>[];
    expect(row!['DisplayName']).toBe('Alex New');
  });

  it('drops warnings when the WarningAction header says SilentlyContinue', async () => {
    const service = createTestService();
    const token = service.tokenFor({ upn: 'admin@contoso.com' });
    const body = bodyOf(await call(service, 'contoso.com', token, 'Get-Mailbox', { ResultSize: 1 }, { headers: { warningaction: 'SilentlyContinue' } }));
    expect(body['@adminapi.warnings']).toEqual([]);
  });
});
