import { PSObject, PSPrimitive, createPSDictionary, createPSEnum, createPSList, createPSObject, type PSValue } from '@exops/contracts';
import { describe, expect, it } from 'vitest';
import { formatRecordHuman, formatRecordJson, type ClixmlObjectRecord } from './index.js';

function record(value: PSValue, stream?: string): ClixmlObjectRecord {
  return { kind: 'clixml', origin: { input: 'x.xml', where: '' }, stream, value };
}

/** The value lines of a human block, without the 4-space indent. */
function valueLines(value: PSValue): string[] {
  return formatRecordHuman(record(value), 1).trimEnd().split('\n').slice(2).map((l) => l.slice(4));
}

describe('human output of values', () => {
  it('scalars as PowerShell prints them', () => {
    expect(valueLines(null)).toEqual(['$null']);
    expect(valueLines(true)).toEqual(['True']);
    expect(valueLines(new PSPrimitive('I64', 9007199254740993n))).toEqual(['9007199254740993']);
    expect(valueLines(new PSPrimitive('C', 97))).toEqual(['a']);
    expect(valueLines(createPSEnum('System.ConsoleColor', 'DarkYellow', 6))).toEqual(['DarkYellow']);
    expect(valueLines(new PSPrimitive('SS', 'QUJD'))).toEqual(['SecureString (encrypted: 4 base64 characters)']);
    const bytes = new PSPrimitive('BA', new Uint8Array(100));
    expect(valueLines(bytes)[0]).toMatch(/^byte\[100\] A{64}…$/);
  });

  it('objects: type name first, aligned Name : value, nested objects indented, short lists inline', () => {
    const inner = createPSObject({ Street: 'Main St 1', Zip: 12345 }, ['Address']);
    const value = createPSObject(
      { Name: 'mbx1', Aliases: createPSList(['a', 'b']), Address: inner, Empty: createPSList([]), Notes: 'line 1\r\nline 2' },
      ['Deserialized.Mailbox', 'Deserialized.System.Object'],
    );
    expect(valueLines(value)).toEqual([
      '[Deserialized.Mailbox]',
      'Name    : mbx1',
      'Aliases : {a, b}',
      'Address :',
      '    [Address]',
      '    Street : Main St 1',
      '    Zip    : 12345',
      'Empty   : {}',
      'Notes   : line 1',
      '          line 2',
    ]);
  });

  it('lists of objects as items, dictionaries as key : value', () => {
    const list = createPSList([createPSObject({ A: 1 }), 'two']);
    expect(valueLines(list)).toEqual(['- A : 1', '- two']);
    const dict = createPSDictionary([['k', 'v'], [1, createPSList(['x'])]]);
    expect(valueLines(dict)).toEqual(['[System.Collections.Hashtable]', 'k : v', '1 : {x}']);
  });

  it('an extended primitive keeps its value beside its note properties', () => {
    const value = new PSObject({ typeNames: ['System.String', 'System.Object'], toStringValue: 'hello', value: 'hello', extended: [['PSComputerName', 'srv1']] });
    expect(valueLines(value)).toEqual(['[System.String] hello', 'PSComputerName : srv1']);
  });

  it('control characters are shown as escapes, never sent to the terminal', () => {
    expect(valueLines('bell\u0007 esc\u001b[31m')).toEqual(['bell\\u0007 esc\\u001b[31m']);
  });

  it('a CLIXML stream entry names its stream', () => {
    expect(formatRecordHuman(record('oops', 'Error'), 3).split('\n')[0]).toBe('[3] CLIXML object  (stream Error)');
    expect(JSON.parse(formatRecordJson(record('oops', 'Error')))).toEqual({ stream: 'Error', data: 'oops' });
  });
});
