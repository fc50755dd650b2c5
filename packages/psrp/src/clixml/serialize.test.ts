import { describe, expect, it } from 'vitest';
import { PSObject, PSPrimitive, createPSDictionary, createPSEnum, createPSList, type PSValue } from '@exops/contracts';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import { createClixmlPropertySet } from './property-set.js';
import { serializeClixml, serializeClixmlDocument } from './serialize.js';
import { formatDouble, formatSingle } from './number-format.js';

interface SerializeCase { name: string; python: string; clixml: string }
interface EscapeCase { input: string; clixml: string }

const oracle = loadPsrpcoreOracle();

// The JS value of each psrpcore input (its `python` field), built by hand from the oracle's repr.
const inputs: Record<string, PSValue> = {
  string: 'hello',
  string_escape: 'a\nb_x0041_c\u0000\u{1F600}',
  string_empty: '',
  int32: 42,
  int32_neg: -2147483648,
  int64: new PSPrimitive('I64', 1099511627776n),
  bool_true: true,
  bool_false: false,
  null: null,
  bytes: new PSPrimitive('BA', new Uint8Array([0, 1, 255])),
  double: new PSPrimitive('Db', 1.5),
  single: new PSPrimitive('Sg', 1.5),
  decimal: new PSPrimitive('D', '12.34'),
  uint16: new PSPrimitive('U16', 7),
  uint32: new PSPrimitive('U32', 4294967295),
  uint64: new PSPrimitive('U64', 18446744073709551615n),
  int16: new PSPrimitive('I16', -5),
  byte: new PSPrimitive('By', 254),
  sbyte: new PSPrimitive('SB', -127),
  char: new PSPrimitive('C', 97),
  guid: new PSPrimitive('G', '11111111-2222-3333-4444-555555555555'),
  version: new PSPrimitive('Version', '5.1.17763.1'),
  datetime_utc: new PSPrimitive('DT', '2024-01-02T03:04:05.123456Z'),
  datetime_offset: new PSPrimitive('DT', '2024-01-02T03:04:05+10:00'),
  timespan: new PSPrimitive('TS', 'P1DT2H3.5S'),
  timespan_zero: new PSPrimitive('TS', 'PT0S'),
  uri: new PSPrimitive('URI', 'https://outlook.office365.com/powershell-liveid/'),
  scriptblock: new PSPrimitive('SBK', 'Get-Date'),
  list: createPSList([1, 'two', null]),
  dict: createPSDictionary([['a', 1], ['b', createPSList([true, false])]]),
  pscustomobject: new PSObject({
    typeNames: ['System.Management.Automation.PSCustomObject', 'System.Object'],
    extended: [['Name', 'x'], ['Value', 1]],
  }),
  enum_runspacepoolstate: createPSEnum('System.Management.Automation.Runspaces.RunspacePoolState', 'Opened', 2),
  pslist: createPSList([1, 2]),
};

describe('serializeClixml against psrpcore', () => {
  const cases = oracle['clixml_serialize'] as SerializeCase[];

  it('has an input for every oracle case', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(inputs).sort());
  });

  for (const c of cases) {
    it(`writes ${c.name} byte for byte`, () => {
      expect(serializeClixml(inputs[c.name]!)).toBe(c.clixml);
    });
  }

  for (const c of oracle['string_escape'] as EscapeCase[]) {
    it(`escapes ${JSON.stringify(c.input)}`, () => {
      expect(serializeClixml(c.input)).toBe(c.clixml);
    });
  }
});

describe('serializeClixml references', () => {
  it('writes <Ref> for a repeated PSObject instance and <TNRef> for a repeated type-name list', () => {
    const none = createPSEnum('System.Management.Automation.Runspaces.PipelineResultTypes', 'None', 0);
    const cmd = new PSObject({ extended: [['MergeMyResult', none], ['MergeToResult', none]] });
    const other = createPSEnum('System.Management.Automation.Runspaces.PipelineResultTypes', 'Error', 2);
    const list = createPSList([cmd, other]);
    expect(serializeClixml(list)).toBe(
      '<Obj RefId="0"><TN RefId="0"><T>System.Collections.ArrayList</T><T>System.Object</T></TN><LST>' +
        '<Obj RefId="1"><MS><Obj RefId="2" N="MergeMyResult"><I32>0</I32><TN RefId="1">' +
        '<T>System.Management.Automation.Runspaces.PipelineResultTypes</T><T>System.Enum</T><T>System.ValueType</T>' +
        '<T>System.Object</T></TN><ToString>None</ToString></Obj><Ref RefId="2" N="MergeToResult" /></MS></Obj>' +
        '<Obj RefId="3"><I32>2</I32><TNRef RefId="1" /><ToString>Error</ToString></Obj></LST></Obj>',
    );
  });

  it('terminates on a cycle with a <Ref>', () => {
    const a = new PSObject({ typeNames: ['A'] });
    a.extended.set('Self', a);
    expect(serializeClixml(a)).toBe('<Obj RefId="0"><TN RefId="0"><T>A</T></TN><MS><Ref RefId="0" N="Self" /></MS></Obj>');
  });

  it('matches psrpcore CREATE_PIPELINE message bodies', () => {
    // psrpcore's SESSION_CAPABILITY body, rebuilt from JS values.
    const capability = new PSObject({
      extended: [
        ['PSVersion', new PSPrimitive('Version', '2.0')],
        ['protocolversion', new PSPrimitive('Version', '2.3')],
        ['SerializationVersion', new PSPrimitive('Version', '1.1.0.1')],
      ],
    });
    expect(serializeClixml(capability)).toBe(
      '<Obj RefId="0"><MS><Version N="PSVersion">2.0</Version><Version N="protocolversion">2.3</Version>' +
        '<Version N="SerializationVersion">1.1.0.1</Version></MS></Obj>',
    );
  });
});

describe('serializeClixml details', () => {
  it('escapes property names, type names and ToString, and XML-escapes attributes', () => {
    const obj = new PSObject({ typeNames: ['A_xB'], toStringValue: 'a<b\n', extended: [['x"y_x\t', 1]] });
    expect(serializeClixml(obj)).toBe(
      '<Obj RefId="0"><TN RefId="0"><T>A_x005F_xB</T></TN><MS><I32 N="x&quot;y_x005F_x_x0009_">1</I32></MS>' +
        '<ToString>a&lt;b_x000A_</ToString></Obj>',
    );
  });

  it('writes a nested property set as <MS N=…>', () => {
    const obj = new PSObject({ extended: [['Property1', 'x'], ['Set1', createClixmlPropertySet([['P2', 2]])]] });
    expect(serializeClixml(obj)).toBe('<Obj RefId="0"><MS><S N="Property1">x</S><MS N="Set1"><I32 N="P2">2</I32></MS></MS></Obj>');
  });

  it('writes STK, QUE, IE and empty containers', () => {
    const stack = new PSObject({ typeNames: ['System.Collections.Stack', 'System.Object'], container: { kind: 'STK', items: [3, 2] } });
    const queue = new PSObject({ container: { kind: 'QUE', items: [] } });
    const ie = new PSObject({ container: { kind: 'IE', items: ['a'] } });
    const dct = createPSDictionary([]);
    expect(serializeClixml(stack)).toBe(
      '<Obj RefId="0"><TN RefId="0"><T>System.Collections.Stack</T><T>System.Object</T></TN><STK><I32>3</I32><I32>2</I32></STK></Obj>',
    );
    expect(serializeClixml(queue)).toBe('<Obj RefId="0"><QUE /></Obj>');
    expect(serializeClixml(ie)).toBe('<Obj RefId="0"><IE><S>a</S></IE></Obj>');
    expect(serializeClixml(dct)).toBe('<Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT /></Obj>');
  });

  it('writes the remaining primitives', () => {
    expect(serializeClixml(new PSPrimitive('XD', '<a/>'))).toBe('<XD>&lt;a/&gt;</XD>');
    expect(serializeClixml(new PSPrimitive('SS', 'AAH/'))).toBe('<SS>AAH/</SS>');
    expect(serializeClixml(new PSPrimitive('TS', '-P1DT2H'))).toBe('<TS>-P1DT2H</TS>');
    expect(serializeClixml(new PSPrimitive('I64', -(2n ** 63n)))).toBe('<I64>-9223372036854775808</I64>');
    expect(serializeClixml(2.5)).toBe('<Db>2.5</Db>');
    expect(serializeClixml(2 ** 31)).toBe('<Db>2147483648</Db>');
  });

  it('refuses values the tag cannot hold', () => {
    expect(() => serializeClixml(new PSPrimitive('By', 256))).toThrow(/<By>/);
    expect(() => serializeClixml(new PSPrimitive('I64', 2n ** 63n))).toThrow(/<I64>/);
    expect(() => serializeClixml(new PSPrimitive('G', 'nope'))).toThrow(/<G>/);
    expect(() => serializeClixml(new PSPrimitive('DT', '2024-02-30T00:00:00Z'))).toThrow(/<DT>/);
    expect(() => serializeClixml(new PSPrimitive('D', '1e5'))).toThrow(/<D>/);
  });

  it('writes a standalone document with one RefId scope', () => {
    const a = createPSList([1]);
    expect(serializeClixmlDocument([a, a, 'x'])).toBe(
      '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">' +
        '<Obj RefId="0"><TN RefId="0"><T>System.Collections.ArrayList</T><T>System.Object</T></TN><LST><I32>1</I32></LST></Obj>' +
        '<Ref RefId="0" /><S>x</S></Objs>',
    );
  });
});

describe('.NET number formatting', () => {
  it.each([
    [1.5, '1.5'], [0, '0'], [-0, '-0'], [1e15, '1E+15'], [1e14, '100000000000000'], [0.0001, '0.0001'], [0.00001, '1E-05'],
    [123456789012345680000, '1.2345678901234568E+20'], [NaN, 'NaN'], [Infinity, 'INF'], [-Infinity, '-INF'],
    [5e-324, '5E-324'], [1.7976931348623157e308, '1.7976931348623157E+308'], [-12.34, '-12.34'],
  ])('Double %s → %s', (value, text) => {
    expect(formatDouble(value)).toBe(text);
  });

  it.each([
    [1.5, '1.5'], [0.1, '0.1'], [16777216, '1.6777216E+07'], [1234567, '1234567'], [3.4028234663852886e38, '3.4028235E+38'],
  ])('Single %s → %s', (value, text) => {
    expect(formatSingle(value)).toBe(text);
  });
});
