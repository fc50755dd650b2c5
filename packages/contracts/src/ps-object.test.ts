import { describe, expect, it } from 'vitest';
import { PS_JSON_CYCLE_MARKER, createPSDictionary, createPSEnum, createPSList, PSObject, PSPrimitive, psValueToDisplayString, psValueToJson } from './ps-object.js';

describe('psValueToJson', () => {
  it('keeps digits: exact integers as numbers, larger ones and decimals as strings', () => {
    expect(psValueToJson(new PSPrimitive('I64', 9007199254740991n))).toBe(9007199254740991);
    expect(psValueToJson(new PSPrimitive('U64', 18446744073709551615n))).toBe('18446744073709551615');
    expect(psValueToJson(new PSPrimitive('D', '-1.50'))).toBe('-1.50');
    expect(psValueToJson(new PSPrimitive('Db', Number.NaN))).toBe('NaN');
    expect(psValueToJson(new PSPrimitive('BA', new Uint8Array([1, 2])))).toBe('AQI=');
    expect(psValueToJson(new PSPrimitive('SS', 'abc'))).toEqual({ '@secureString': 'abc' });
    expect(psValueToJson(new PSPrimitive('C', 97))).toBe('a');
  });

  it('maps objects, enums, lists and dictionaries', () => {
    const obj = new PSObject({
      typeNames: ['T'],
      adapted: [['Name', 'a'], ['Size', 1]],
      extended: [['Extra', true], ['Name', 'ignored']],
    });
    expect(psValueToJson(obj)).toEqual({ Name: 'a', Size: 1, Extra: true });
    expect(Object.keys(psValueToJson(obj, { typed: true }) as object)[0]).toBe('@types');
    expect(psValueToJson(createPSEnum('E', 'Opened', 2))).toBe('Opened');
    expect(psValueToJson(createPSList(['a', null]))).toEqual(['a', null]);
    expect(psValueToJson(createPSDictionary([['k', 1]]))).toEqual({ k: 1 });
  });

  it('resolves properties adapted first, then case-insensitively', () => {
    const obj = new PSObject({ adapted: [['Alias', 'x']], extended: [['Alias', 'y'], ['Other', 2]] });
    expect(obj.get('Alias')).toBe('x');
    expect(obj.get('other')).toBe(2);
    expect(obj.propertyNames()).toEqual(['Alias', 'Other']);
    expect(psValueToDisplayString(createPSList(['a', 'b']))).toBe('{a, b}');
  });
});

describe('psValueToJson safety', () => {
  it('maps a cycle to a marker instead of overflowing the stack', () => {
    const self = new PSObject({ extended: [['Name', 'x']] });
    self.extended.set('Self', self);
    expect(psValueToJson(self)).toEqual({ Name: 'x', Self: PS_JSON_CYCLE_MARKER });
  });

  it('refuses exponential <Ref> expansion', () => {
    let node = new PSObject({ extended: [['Leaf', 1]] });
    for (let i = 0; i < 40; i += 1) node = new PSObject({ extended: [['a', node], ['b', node]] });
    expect(() => psValueToJson(node)).toThrow(/expands to more than/);
    const shared = new PSObject({ extended: [['v', 1]] });
    expect(psValueToJson(new PSObject({ extended: [['a', shared], ['b', shared]] }))).toEqual({ a: { v: 1 }, b: { v: 1 } });
  });

  it('keeps a value or list that comes with properties', () => {
    const str = new PSObject({ typeNames: ['System.String'], toStringValue: 'hello', value: 'hello', extended: [['PSComputerName', 'srv1']] });
    expect(psValueToJson(str)).toEqual({ '@value': 'hello', PSComputerName: 'srv1' });
    const list = new PSObject({ container: { kind: 'LST', items: [1, 2] }, extended: [['Count', 2]] });
    expect(psValueToJson(list)).toEqual({ '@value': [1, 2], Count: 2 });
  });
});
