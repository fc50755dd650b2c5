import { describe, expect, it } from 'vitest';
import { createPSList, PSObject, PSPrimitive } from '@exops/contracts';
import { createOutputWriter } from './writers.js';

const mailbox = (i: number): PSObject =>
  new PSObject({
    typeNames: ['Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox', 'Deserialized.System.Object'],
    adapted: [
      ['Name', `User ${i}`], ['Alias', `user${i}`], ['Database', 'EURPR01DG001'],
      ['ProhibitSendQuota', '99 GB (106,300,440,576 bytes)'], ['ExternalDirectoryObjectId', `id-${i}`],
      ['EmailAddresses', createPSList([`SMTP:user${i}@contoso.com`, `smtp:u${i}@contoso.com`])],
      ['Size', new PSPrimitive('I64', 9007199254740993n)],
    ],
  });

function collect(format: 'table' | 'list' | 'json' | 'csv', values: PSObject[], options = {}): string {
  let out = '';
  const w = createOutputWriter(format, { write: (t) => (out += t) }, options);
  for (const v of values) w.write(v);
  w.end();
  return out;
}

describe('output writers', () => {
  it('writes JSON lines from the first object, exact digits kept', () => {
    let out = '';
    const w = createOutputWriter('json', { write: (t) => (out += t) });
    w.write(mailbox(1));
    expect(out.endsWith('\n')).toBe(true);
    const obj = JSON.parse(out) as Record<string, unknown>;
    expect(obj['Size']).toBe('9007199254740993');
    expect(obj['EmailAddresses']).toEqual(['SMTP:user1@contoso.com', 'smtp:u1@contoso.com']);
    expect(collect('json', [mailbox(1)], { select: ['Alias'] })).toBe('{"Alias":"user1"}\n');
  });

  it('writes CSV with a header from the first object and quotes as needed', () => {
    const out = collect('csv', [mailbox(1), mailbox(2)], { select: ['Name', 'EmailAddresses'] });
    expect(out.split('\n')).toEqual(['Name,EmailAddresses', 'User 1,"{SMTP:user1@contoso.com, smtp:u1@contoso.com}"', 'User 2,"{SMTP:user2@contoso.com, smtp:u2@contoso.com}"', '']);
  });

  it("writes a table with the Mailbox view's columns, sized from the first rows", () => {
    const out = collect('table', [mailbox(1), mailbox(2)]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^Name\s+Alias\s+Database\s+ProhibitSendQuota\s+ExternalDirectoryObjectId$/);
    expect(lines[1]).toMatch(/^-{4}\s+-{5}\s+-{8}/);
    expect(lines).toHaveLength(4);
  });

  it('keeps a table within the terminal width', () => {
    const out = collect('table', [mailbox(1)], { width: 60 });
    for (const line of out.trim().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(out).toContain('…');
  });

  it('writes lists with aligned names', () => {
    const out = collect('list', [mailbox(1)], { select: ['Name', 'ExternalDirectoryObjectId'] });
    expect(out).toBe('\nName                      : User 1\nExternalDirectoryObjectId : id-1\n');
  });
});
