import { describe, expect, it } from 'vitest';
import { bindArguments } from './bind-arguments.js';
import type { CmdletMetadata } from './bind-arguments.js';
import { suggest } from './did-you-mean.js';
import { parsePowerShellValue } from './parse-value.js';
import { tokenizeCommandLine } from './tokenize-line.js';

const getMailbox: CmdletMetadata = {
  name: 'Get-Mailbox',
  parameters: [
    { name: 'Identity', position: 0, type: 'MailboxIdParameter' },
    { name: 'ResultSize', type: 'Unlimited`1' },
    { name: 'Filter' },
    { name: 'RecipientTypeDetails' },
    { name: 'IncludeInactiveMailbox', isSwitch: true },
    { name: 'InactiveMailboxOnly', isSwitch: true },
  ],
};

describe('PowerShell values', () => {
  it('reads literals', () => {
    expect(parsePowerShellValue('$TRUE')).toBe(true);
    expect(parsePowerShellValue('$false')).toBe(false);
    expect(parsePowerShellValue('$null')).toBe(null);
    expect(parsePowerShellValue('42')).toBe(42);
    expect(parsePowerShellValue('-7')).toBe(-7);
    expect(parsePowerShellValue('9223372036854775807')).toBe(9223372036854775807n);
    expect(parsePowerShellValue('1.5')).toBe(1.5);
    expect(parsePowerShellValue('Unlimited')).toBe('Unlimited');
    expect(parsePowerShellValue('50GB')).toBe('50GB');
  });

  it('reads quoted strings with their escapes', () => {
    expect(parsePowerShellValue("'it''s'")).toBe("it's");
    expect(parsePowerShellValue('"a`tb ""q"""')).toBe('a\tb "q"');
    expect(parsePowerShellValue("'Chris Green'")).toBe('Chris Green');
  });

  it('reads lists, arrays and hashtables', () => {
    expect(parsePowerShellValue('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(parsePowerShellValue("'a b', 2")).toEqual(['a b', 2]);
    expect(parsePowerShellValue('@()')).toEqual([]);
    expect(parsePowerShellValue('@(1)')).toEqual([1]);
    expect(parsePowerShellValue("@{Add='x@contoso.com','y@contoso.com'; Remove=\"z@contoso.com\"}")).toEqual({
      Add: ['x@contoso.com', 'y@contoso.com'],
      Remove: 'z@contoso.com',
    });
    expect(parsePowerShellValue('@{A=@{B=1}}')).toEqual({ A: { B: 1 } });
  });

  it('names what is wrong in a bad value', () => {
    expect(() => parsePowerShellValue("'open")).toThrow(/single quote is not closed/);
    expect(() => parsePowerShellValue('@{A=1')).toThrow(/not closed with '}'/);
    expect(() => parsePowerShellValue('@{A}')).toThrow(/'=' is missing after the key 'A'/);
    expect(() => parsePowerShellValue('a,')).toThrow(/value is missing/);
  });
});

describe('command lines', () => {
  it('splits on white space outside quotes and brackets', () => {
    expect(tokenizeCommandLine(`Get-Mailbox -Identity 'Chris Green' -Filter "Name -like 'C*'"`)).toEqual([
      'Get-Mailbox', '-Identity', "'Chris Green'", '-Filter', `"Name -like 'C*'"`,
    ]);
    expect(tokenizeCommandLine("Set-Mailbox x -EmailAddresses @{Add = 'a@b.c'}  ")).toEqual(['Set-Mailbox', 'x', '-EmailAddresses', "@{Add = 'a@b.c'}"]);
    expect(() => tokenizeCommandLine("Get-Mailbox -Identity 'x")).toThrow(/unclosed ' quote/);
  });
});

describe('binding', () => {
  it('binds named, switch, colon-bound and positional parameters', () => {
    expect(bindArguments(['chris@contoso.com', '-ResultSize', '5', '-IncludeInactiveMailbox', '-Confirm:$false'], getMailbox)).toEqual({
      ResultSize: 5, IncludeInactiveMailbox: true, Confirm: false, Identity: 'chris@contoso.com',
    });
  });

  it('accepts unambiguous prefixes and aliases, and refuses ambiguous ones', () => {
    expect(bindArguments(['-Ident', 'x', '-wa', 'SilentlyContinue'], getMailbox)).toEqual({ Identity: 'x', WarningAction: 'SilentlyContinue' });
    expect(() => bindArguments(['-In'], getMailbox)).toThrow(/ambiguous. Possible matches include: -IncludeInactiveMailbox -InactiveMailboxOnly/);
  });

  it("uses PowerShell's wording and suggests a parameter", () => {
    try {
      bindArguments(['-ResultSise', '5'], getMailbox);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("A parameter cannot be found that matches parameter name 'ResultSise'.");
      expect((e as { remedy: string }).remedy).toContain('-ResultSize');
    }
    expect(() => bindArguments(['-Identity', 'a', '-Identity', 'b'], getMailbox)).toThrow(/specified more than once/);
    expect(() => bindArguments(['-Identity'], getMailbox)).toThrow(/Missing an argument for parameter 'Identity'/);
    expect(() => bindArguments(['a', 'b'], getMailbox)).toThrow(/positional parameter cannot be found that accepts argument 'b'/);
  });

  it('takes a value the shell already unquoted, spaces and all, as one string', () => {
    // `exops run Set-Mailbox -DisplayName "Jane Q. Public"`: the shell removed the quotes, the value stays whole.
    expect(bindArguments(['-DisplayName', 'Jane Q. Public'])).toEqual({ DisplayName: 'Jane Q. Public' });
    expect(bindArguments(['-Note', "@{A='b c'}"])).toEqual({ Note: { A: 'b c' } });
  });

  it('guesses switches without metadata', () => {
    expect(bindArguments(['-Force', '-Identity', 'x'])).toEqual({ Force: true, Identity: 'x' });
  });

  it('suggests close names', () => {
    expect(suggest('Get-Mailbx', ['Get-Mailbox', 'Set-Mailbox', 'Get-User'])[0]).toBe('Get-Mailbox');
    expect(suggest('zzzz', ['Get-Mailbox'])).toEqual([]);
  });
});
