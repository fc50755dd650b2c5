import { describe, expect, it } from 'vitest';
import { ExopsErrorCode } from '@exops/contracts';
import type { HttpResponse } from '@exops/contracts';
import { GENERIC_SERVER_ERROR, parseRestErrorResponse, parseServiceErrorRecord, splitServiceErrorMessage } from './errors.js';

const response = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status, headers, body: Buffer.from(body), url: 'https://x/adminapi/beta/t/InvokeCommand',
});

describe('REST errors (reference §2.6)', () => {
  it('splits ErrorId|Class|Message', () => {
    expect(splitServiceErrorMessage('Id|Ns.Cls|Text with | bar')).toEqual({ errorId: 'Id', exceptionType: 'Ns.Cls', message: 'Text with | bar' });
    expect(splitServiceErrorMessage('plain')).toEqual({ errorId: undefined, exceptionType: undefined, message: 'plain' });
  });

  it('maps a not-found detail to a cmdlet error with category and target', () => {
    const body = JSON.stringify({ error: { code: 'BadRequest', message: 'x', details: [{ code: 13, target: 'nobody', message: "8F2D|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'nobody' couldn't be found." }] } });
    const e = parseRestErrorResponse(response(400, body, { 'request-id': 'r1' }), 'Get-Mailbox');
    expect(e.code).toBe(ExopsErrorCode.EXO_CMDLET_ERROR);
    expect(e.record).toMatchObject({ category: 'ObjectNotFound', targetName: 'nobody', exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException' });
    expect(e.requestId).toBe('r1');
  });

  it('maps parameter binding, RBAC and throttling to their codes with remedies', () => {
    const binding = JSON.stringify({ error: { details: [{ message: "NamedParameterNotFound|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'Foo'." }] } });
    expect(parseRestErrorResponse(response(400, binding), 'Get-Mailbox').code).toBe(ExopsErrorCode.EXO_PARAMETER);
    const rbac = JSON.stringify({ error: { code: 'Unauthorized', message: 'User is not allowed to call Get-Mailbox', innererror: { message: 'User is not allowed to call Get-Mailbox', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' } } });
    const denied = parseRestErrorResponse(response(403, rbac), 'Get-Mailbox');
    expect(denied.code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
    expect(denied.remedy).toMatch(/role/);
    expect(parseRestErrorResponse(response(429, '{}'), 'Get-Mailbox').code).toBe(ExopsErrorCode.EXO_THROTTLED);
  });

  it('recognises remote PowerShell turned off for the user', () => {
    const body = JSON.stringify({ error: { details: [{ message: "RemotePowerShellNotEnabled|Microsoft.Exchange.Configuration.Tasks.RemotePowerShellNotEnabledException|User 'blocked.admin@contoso.com' isn't allowed to use remote PowerShell, access denied." }] } });
    const e = parseRestErrorResponse(response(403, body), 'Get-Mailbox');
    expect(e.code).toBe(ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED);
    expect(e.remedy).toContain('-RemotePowerShellEnabled $true');
  });

  it('says the generic text for a body that is not JSON, redacting secrets', () => {
    const e = parseRestErrorResponse(response(502, '<html>Bearer abc.def.123456</html>'), 'Get-Mailbox');
    expect(e.message).toContain(GENERIC_SERVER_ERROR);
    expect(e.message).not.toContain('abc.def.123456');
    expect(e.code).toBe(ExopsErrorCode.EXO_SERVICE);
  });

  it('reads @adminapi.errors items', () => {
    expect(parseServiceErrorRecord({ code: '0', message: 'E|C|M' })).toMatchObject({ message: 'M', category: 'NotSpecified', fullyQualifiedErrorId: 'E' });
  });
});
