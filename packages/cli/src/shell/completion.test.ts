import { describe, expect, it } from 'vitest';
import type { CmdletMetadata } from '../params/index.js';
import { completeLine } from './completion.js';

const catalog = new Map<string, CmdletMetadata>([
  ['Get-Mailbox', { name: 'Get-Mailbox', parameters: [{ name: 'Identity' }, { name: 'ResultSize' }, { name: 'RecipientTypeDetails' }] }],
  ['Get-MailboxStatistics', { name: 'Get-MailboxStatistics', parameters: [{ name: 'Identity' }] }],
  ['Set-Mailbox', { name: 'Set-Mailbox', parameters: [{ name: 'Identity' }] }],
]);

describe('shell completion', () => {
  it('completes cmdlet names in first position', () => {
    expect(completeLine('get-mail', catalog)).toEqual([['Get-Mailbox', 'Get-MailboxStatistics'], 'get-mail']);
    expect(completeLine('ex', catalog)).toEqual([['exit'], 'ex']);
  });

  it("completes the cmdlet's parameters, skipping those already given", () => {
    expect(completeLine('Get-Mailbox -Identity x -R', catalog)).toEqual([['-ResultSize', '-RecipientTypeDetails'], '-R']);
    expect(completeLine('Get-Mailbox -Identity x -I', catalog)[0]).toEqual([]);
    expect(completeLine('Get-Mailbox -Ver', catalog)[0]).toEqual(['-Verbose']);
  });

  it('offers nothing for values', () => {
    expect(completeLine('Get-Mailbox -Identity ch', catalog)).toEqual([[], 'ch']);
  });
});
