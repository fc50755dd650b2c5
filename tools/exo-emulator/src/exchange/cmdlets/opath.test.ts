import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, compileFilter, matchesWildcard, type FilterValue } from './opath.js';

interface Row {
  name: string;
  type: string;
  hidden: boolean;
  addresses: string[];
  created: Date;
  forward: string | null;
}
const properties = new Map<string, (r: Row) => FilterValue>([
  ['DisplayName', (r) => r.name],
  ['RecipientTypeDetails', (r) => r.type],
  ['HiddenFromAddressListsEnabled', (r) => r.hidden],
  ['EmailAddresses', (r) => r.addresses],
  ['WhenCreated', (r) => r.created],
  ['ForwardingSmtpAddress', (r) => r.forward],
]);
const rows: Row[] = [
  { name: 'Adele Vance', type: 'UserMailbox', hidden: false, addresses: ['SMTP:adele@contoso.com'], created: new Date('2024-01-01'), forward: null },
  { name: "Sales O'Team", type: 'SharedMailbox', hidden: true, addresses: ['SMTP:sales@contoso.com', 'smtp:sales@contoso.onmicrosoft.com'], created: new Date('2025-06-01'), forward: 'smtp:x@y.com' },
  { name: 'Room 1', type: 'RoomMailbox', hidden: false, addresses: ['SMTP:room1@contoso.com'], created: new Date('2025-01-01'), forward: null },
];
const names = (filter: string) => rows.filter((r) => compileFilter(filter, properties).matches(r)).map((r) => r.name);

describe('OPATH filter subset', () => {
  it('compares with -eq -ne -like -notlike, case-insensitively', () => {
    expect(names("RecipientTypeDetails -eq 'sharedmailbox'")).toEqual(["Sales O'Team"]);
    expect(names('RecipientTypeDetails -ne "UserMailbox"')).toEqual(["Sales O'Team", 'Room 1']);
    expect(names("DisplayName -like 'a*'")).toEqual(['Adele Vance']);
    expect(names("DisplayName -like '*o*'")).toEqual(["Sales O'Team", 'Room 1']);
    expect(names("DisplayName -notlike '*o*'")).toEqual(['Adele Vance']);
    expect(names("DisplayName -eq 'Sales O''Team'")).toEqual(["Sales O'Team"]);
  });

  it('combines with -and, -or, -not and parentheses with the usual precedence', () => {
    expect(names("RecipientTypeDetails -eq 'UserMailbox' -or RecipientTypeDetails -eq 'RoomMailbox' -and DisplayName -like 'R*'")).toEqual(['Adele Vance', 'Room 1']);
    expect(names("(RecipientTypeDetails -eq 'UserMailbox' -or RecipientTypeDetails -eq 'SharedMailbox') -and -not (HiddenFromAddressListsEnabled -eq $true)")).toEqual(['Adele Vance']);
    expect(names('-not(HiddenFromAddressListsEnabled -eq $false)')).toEqual(["Sales O'Team"]);
  });

  it('reads booleans, $null, dates and multi-valued properties', () => {
    expect(names("HiddenFromAddressListsEnabled -eq 'True'")).toEqual(["Sales O'Team"]);
    expect(names('ForwardingSmtpAddress -ne $null')).toEqual(["Sales O'Team"]);
    expect(names('ForwardingSmtpAddress -eq $null')).toEqual(['Adele Vance', 'Room 1']);
    expect(names("WhenCreated -gt '2024-12-31'")).toEqual(["Sales O'Team", 'Room 1']);
    expect(names("EmailAddresses -like '*@contoso.onmicrosoft.com'")).toEqual(["Sales O'Team"]);
    expect(names("EmailAddresses -eq 'room1@contoso.com'")).toEqual(['Room 1']);
  });

  it("gives Exchange's syntax error with a position", () => {
    expect(() => compileFilter("DisplayName -eq", properties)).toThrow(FilterSyntaxError);
    expect(() => compileFilter("DisplayName -eq", properties)).toThrow(
      'Invalid filter syntax. For a description of the filter parameter syntax see the command help.\r\n"DisplayName -eq" at position 16.',
    );
    expect(() => compileFilter("(DisplayName -eq 'a'", properties)).toThrow(/at position 21\.$/);
    expect(() => compileFilter("DisplayName -eq 'a' DisplayName", properties)).toThrow(/at position 21\.$/);
    expect(() => compileFilter("DisplayName -eq 'unterminated", properties)).toThrow(/at position 17\.$/);
    expect(() => compileFilter("DisplayName -frob 'a'", properties)).toThrow(/at position 13\.$/);
  });

  it('names an unknown property', () => {
    expect(() => compileFilter("Shoe -eq 'a'", properties)).toThrow("'Shoe' is not a recognized filterable property. For a list of filterable properties see the command help.");
  });

  it('matches PowerShell wildcards', () => {
    expect(matchesWildcard('Get-Mailbox', 'get-*')).toBe(true);
    expect(matchesWildcard('Get-Mailbox', '*box')).toBe(true);
    expect(matchesWildcard('Get-Mailbox', 'Get-?ailbox')).toBe(true);
    expect(matchesWildcard('Get-Mailbox', 'Set-*')).toBe(false);
  });
});
