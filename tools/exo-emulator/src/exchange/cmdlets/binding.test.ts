import { describe, expect, it } from 'vitest';
import { bindParameters } from './binding.js';
import { createCatalog } from './catalog.js';

const catalog = createCatalog();
const cmdlet = (name: string) => catalog.get(name.toLowerCase())!;
const bindError = (name: string, input: Record<string, unknown>) => {
  const result = bindParameters(cmdlet(name), input as never);
  if (result.ok) throw new Error('expected a binding error');
  return result.error;
};

describe('parameter binding', () => {
  it('binds exact names, aliases and unique prefixes, case-insensitively', () => {
    const result = bindParameters(cmdlet('Get-Mailbox'), { identity: 'x', ResultS: 'unlimited', ea: 'Stop', RecipientTypeDetails: 'SharedMailbox,RoomMailbox' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.bound.entries()]).toEqual([
      ['Identity', 'x'],
      ['ResultSize', null],
      ['ErrorAction', ['Stop']],
      ['RecipientTypeDetails', ['SharedMailbox', 'RoomMailbox']],
    ]);
    expect(result.parameterSet).toBe('Identity');
  });

  it('names an unknown parameter with PowerShell text', () => {
    expect(bindError('Get-Mailbox', { Foo: 1 })).toMatchObject({
      message: "A parameter cannot be found that matches parameter name 'Foo'.",
      fullyQualifiedErrorId: 'NamedParameterNotFound,Get-Mailbox',
      exceptionType: 'System.Management.Automation.ParameterBindingException',
      category: 'InvalidArgument',
      httpStatus: 400,
    });
  });

  it('refuses an ambiguous prefix and lists the matches', () => {
    expect(bindError('Get-Mailbox', { R: 1 }).message).toBe(
      "Parameter cannot be processed because the parameter name 'R' is ambiguous. Possible matches include: -RecipientTypeDetails -ResultSize.",
    );
  });

  it('refuses a value ResultSize cannot take', () => {
    expect(bindError('Get-Mailbox', { ResultSize: 'lots' }).message).toBe(
      'Cannot bind parameter \'ResultSize\'. Cannot convert value "lots" to type "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]". Error: "Input string was not in a correct format."',
    );
    expect(bindError('Get-Mailbox', { ResultSize: 0 }).message).toBe(
      "Cannot validate argument on parameter 'ResultSize'. The 0 argument is less than the minimum allowed range of 1. Supply an argument that is greater than or equal to 1 and then try the command again.",
    );
  });

  it('refuses a string for a Boolean parameter', () => {
    expect(bindError('Set-Mailbox', { Identity: 'x', LitigationHoldEnabled: 'yes' })).toMatchObject({
      message:
        "Cannot process argument transformation on parameter 'LitigationHoldEnabled'. Cannot convert value \"System.String\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.",
      fullyQualifiedErrorId: 'ParameterArgumentTransformationError,Set-Mailbox',
    });
  });

  it('refuses an unknown enum name with the enumerator list', () => {
    const error = bindError('Get-Mailbox', { RecipientTypeDetails: 'Mailboxy' });
    expect(error.message).toMatch(/^Cannot bind parameter 'RecipientTypeDetails'\. Cannot convert value "Mailboxy" to type "Microsoft\.Exchange\.Data\.Directory\.Recipient\.RecipientTypeDetails\[\]"\. Error: "Unable to match the identifier name Mailboxy to a valid enumerator name\. Specify one of the following enumerator names and try again:\r\nUserMailbox, LinkedMailbox, SharedMailbox/);
  });

  it('reports missing mandatory parameters, null and empty values', () => {
    expect(bindError('Set-Mailbox', { DisplayName: 'x' })).toMatchObject({
      message: 'Cannot process command because of one or more missing mandatory parameters: Identity.',
      fullyQualifiedErrorId: 'MissingMandatoryParameter,Set-Mailbox',
    });
    expect(bindError('Set-Mailbox', { Identity: null }).message).toBe("Cannot bind argument to parameter 'Identity' because it is null.");
    expect(bindError('Set-Mailbox', { Identity: '' }).message).toBe("Cannot bind argument to parameter 'Identity' because it is an empty string.");
  });

  it('refuses parameters of two sets together and a parameter given twice', () => {
    expect(bindError('Get-Mailbox', { Identity: 'a', Anr: 'b' })).toMatchObject({
      message: 'Parameter set cannot be resolved using the specified named parameters.',
      fullyQualifiedErrorId: 'AmbiguousParameterSet,Get-Mailbox',
    });
    expect(bindError('Get-Mailbox', { Identity: 'a', identity: 'b' }).fullyQualifiedErrorId).toBe('ParameterAlreadyBound,Get-Mailbox');
    expect(bindError('Get-Mailbox', { ErrorAction: 'Stop', ea: 'Stop' }).fullyQualifiedErrorId).toBe('ParameterAlreadyBound,Get-Mailbox');
  });

  it('converts quotas, addresses and hashtables', () => {
    const result = bindParameters(cmdlet('Set-Mailbox'), {
      Identity: 'x',
      ProhibitSendQuota: '50GB',
      IssueWarningQuota: 'Unlimited',
      ForwardingSmtpAddress: 'boss@contoso.com',
      EmailAddresses: { '@odata.type': '#Exchange.GenericHashTable', Add: ['smtp:alt@contoso.com'] } as never,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.bound.get('ProhibitSendQuota')).toBe(50 * 1024 ** 3);
    expect(result.bound.get('IssueWarningQuota')).toBeNull();
    expect(result.bound.get('ForwardingSmtpAddress')).toBe('smtp:boss@contoso.com');
    expect(result.bound.get('EmailAddresses')).toEqual({ add: ['smtp:alt@contoso.com'], remove: [] });
    expect(bindError('Set-Mailbox', { Identity: 'x', ForwardingSmtpAddress: 'not an address' }).message).toContain(
      'isn\'t a valid SMTP address. The domain name can\'t contain spaces and it has to have a prefix and a suffix, such as example.com.',
    );
    expect(bindError('Set-Mailbox', { Identity: 'x', ProhibitSendQuota: 'huge' }).message).toMatch(/^Cannot bind parameter 'ProhibitSendQuota'\. Cannot convert value "huge" to type "Microsoft\.Exchange\.Data\.Unlimited`1\[Microsoft\.Exchange\.Data\.ByteQuantifiedSize\]"/);
  });
});
