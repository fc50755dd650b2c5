import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { deserializeClixml, parseClixmlDocument } from './deserialize.js';
import { createClixmlStreamParser } from './stream.js';

function failure(run: () => unknown): ExopsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ExopsError);
    return error as ExopsError;
  }
  throw new Error('expected an error');
}

function refuses(xml: string | Uint8Array, code: string, message: RegExp): void {
  const error = failure(() => deserializeClixml(xml));
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  expect(error.remedy).toBeTruthy();
}

const CLIXML = ExopsErrorCode.PSRP_CLIXML;
const FORBIDDEN = ExopsErrorCode.PSRP_XML_FORBIDDEN;
const LIMIT = ExopsErrorCode.PSRP_LIMIT;

describe('malformed XML is refused with line, column and what was expected', () => {
  it.each([
    ['truncated inside an element', '<Obj RefId="0"><MS><S N="a">x</S>', /line 1, column 34: the input ends inside <MS>/],
    ['truncated inside a tag', '<Obj RefId="0"><MS><S N="a', /unterminated value of attribute N/],
    ['truncated inside text', '<S>abc', /unterminated <S>/],
    ['truncated end tag', '<S>abc</S', /expected ">" to close <\/S/],
    ['mismatched end tag', '<Obj RefId="0"><MS></Obj>', /expected <\/MS>, found "<\/Obj>"/],
    ['mismatched primitive end tag', '<S>a</I32>', /expected <\/S>/],
    ['end tag with a longer name', '<S>a</SS>', /expected <\/S>/],
    ['unknown entity', '<S>&foo;</S>', /unknown entity &foo;/],
    ['bare ampersand', '<S>a & b</S>', /"&" that does not start an entity/],
    ['character reference to a non-XML character', '<S>&#0;</S>', /not an XML character/],
    ['malformed character reference', '<S>&#xZZ;</S>', /malformed character reference/],
    ['unknown value element', '<Foo />', /unknown element <Foo>/],
    ['unknown element in Obj', '<Obj RefId="0"><Bar /></Obj>', /unknown element <Bar>/],
    ['element inside a primitive', '<S>a<S>b</S></S>', /<S> holds a value, not elements/],
    ['text inside Obj', '<Obj RefId="0">hello</Obj>', /expected an element or end tag in <Obj>, found "hello<\/Obj>"/],
    ['two root elements', '<S>a</S><S>b</S>', /exactly one value element/],
    ['empty input', '', /empty/],
    ['whitespace only', '  \n ', /empty/],
    ['another namespace', '<S xmlns="urn:other">a</S>', /not the PowerShell namespace/],
    ['duplicate attribute', '<S N="a" N="b">x</S>', /duplicate attribute N/],
    ['"<" in an attribute value', '<S N="a<b">x</S>', /"<" is not allowed in an attribute value/],
    ['missing whitespace between attributes', '<Obj RefId="0"N="x" />', /expected whitespace/],
    ['unquoted attribute', '<Obj RefId=0 />', /a quoted value for attribute RefId/],
    ['unterminated comment', '<S>a<!-- b</S>', /unterminated comment/],
    ['Ref to an unknown object', '<Obj RefId="0"><MS><Ref N="x" RefId="9" /></MS></Obj>', /<Ref RefId="9"> refers to no earlier <Obj RefId="9">/],
    ['TNRef to unknown type names', '<Obj RefId="0"><TNRef RefId="3" /></Obj>', /<TNRef RefId="3"> refers to no earlier <TN RefId="3">/],
    ['property without a name', '<Obj RefId="0"><MS><S>x</S></MS></Obj>', /has no N \(property name\)/],
    ['dictionary entry without a value', '<Obj RefId="0"><DCT><En><S N="Key">k</S></En></DCT></Obj>', /needs both an N="Key" and an N="Value"/],
    ['non-En in a dictionary', '<Obj RefId="0"><DCT><S>k</S></DCT></Obj>', /<DCT> holds only <En> entries/],
    ['two containers', '<Obj RefId="0"><LST /><DCT /></Obj>', /more than one container/],
    ['two values', '<Obj RefId="0"><I32>1</I32><S>x</S></Obj>', /more than one value element/],
    ['Objs passed as a message', '<Objs Version="1.1.0.1"><S>a</S></Objs>', /parseClixmlDocument/],
    ['CDATA between elements', '<Obj RefId="0"><![CDATA[x]]></Obj>', /CDATA is only allowed inside text/],
  ])('%s', (_, xml, message) => {
    refuses(xml, CLIXML, message);
  });

  it('names the line and column in multi-line input', () => {
    refuses('<Obj RefId="0">\n  <MS>\n    <I32 N="a">x</I32>\n  </MS>\n</Obj>', CLIXML, /CLIXML line 3, column \d+: <I32> holds "x", which is not an integer/);
  });

  it('refuses invalid UTF-8', () => {
    refuses(new Uint8Array([0x3c, 0x53, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x53, 0x3e]), CLIXML, /not valid UTF-8/);
  });

  it('keeps an incomplete _x escape as written (PowerShell decodes leniently)', () => {
    expect(deserializeClixml('<S>_x12_x004_</S>')).toBe('_x12_x004_');
  });
});

describe('values PowerShell could not have written are refused', () => {
  it.each([
    ['<I32>12a</I32>', /<I32> holds "12a", which is not an integer/],
    ['<I32>2147483648</I32>', /between -2147483648 and 2147483647/],
    ['<I32 />', /<I32> holds "", which is not an integer/],
    ['<By>256</By>', /between 0 and 255/],
    ['<SB>-129</SB>', /between -128 and 127/],
    ['<U16>-1</U16>', /between 0 and 65535/],
    ['<C>65536</C>', /between 0 and 65535/],
    ['<I64>9223372036854775808</I64>', /between -9223372036854775808 and 9223372036854775807/],
    ['<U64>-1</U64>', /between 0 and 18446744073709551615/],
    ['<U64>1e3</U64>', /not an integer/],
    ['<Db>1.2.3</Db>', /not a floating-point number/],
    ['<Sg>0x10</Sg>', /not a floating-point number/],
    ['<D>1e5</D>', /not a decimal number/],
    ['<B>yes</B>', /not a Boolean/],
    ['<BA>AA=A</BA>', /not base64/],
    ['<BA>A</BA>', /not base64/],
    ['<G>1234</G>', /not a GUID/],
    ['<Version>1</Version>', /not a version/],
    ['<DT>2024-02-30T00:00:00Z</DT>', /within .NET DateTime range/],
    ['<DT>2023-02-29T00:00:00Z</DT>', /within .NET DateTime range/],
    ['<DT>2024-13-01T00:00:00Z</DT>', /within .NET DateTime range/],
    ['<DT>0000-01-01T00:00:00Z</DT>', /within .NET DateTime range/],
    ['<DT>2024-01-01T24:00:00Z</DT>', /within .NET DateTime range/],
    ['<DT>2024-01-01T00:00:00+15:00</DT>', /within .NET DateTime range/],
    ['<DT>yesterday</DT>', /not an xs:dateTime/],
    ['<TS>P</TS>', /not an xs:duration/],
    ['<TS>PT</TS>', /not an xs:duration/],
    ['<TS>1H</TS>', /not an xs:duration/],
    ['<SS>not base64!</SS>', /not base64/],
  ])('%s', (xml, message) => {
    refuses(xml, CLIXML, message);
  });

  it('accepts the edge values', () => {
    expect(deserializeClixml('<DT>2024-02-29T23:59:59.9999999-14:00</DT>')).toEqual(expect.objectContaining({ value: '2024-02-29T23:59:59.9999999-14:00' }));
    expect(deserializeClixml('<DT>0001-01-01T00:00:00</DT>')).toEqual(expect.objectContaining({ value: '0001-01-01T00:00:00' }));
    expect(deserializeClixml('<I32>-2147483648</I32>')).toBe(-2147483648);
    expect(deserializeClixml('<I32> 7 </I32>')).toBe(7);
    expect(deserializeClixml('<B>1</B>')).toBe(true);
    expect(deserializeClixml('<Db>INF</Db>')).toEqual(expect.objectContaining({ value: Infinity }));
    expect(deserializeClixml('<Db>-Infinity</Db>')).toEqual(expect.objectContaining({ value: -Infinity }));
    expect(deserializeClixml('<Db>NAN</Db>')).toEqual(expect.objectContaining({ value: NaN }));
    expect(deserializeClixml('<Db>1E+308</Db>')).toEqual(expect.objectContaining({ value: 1e308 }));
    expect(deserializeClixml('<BA />')).toEqual(expect.objectContaining({ value: new Uint8Array() }));
  });
});

describe('DTDs, entity declarations and processing instructions are forbidden', () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
    ']><S>&lol9;</S>';

  it('refuses billion laughs at once, before any expansion', () => {
    const started = performance.now();
    refuses(billionLaughs, FORBIDDEN, /DOCTYPE/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each([
    ['an external entity', '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><S>&xxe;</S>', /DOCTYPE/],
    ['an external DTD', '<!DOCTYPE Obj SYSTEM "http://attacker.example/x.dtd"><S>a</S>', /DOCTYPE/],
    ['a DOCTYPE inside an element', '<Obj RefId="0"><!DOCTYPE x></Obj>', /DOCTYPE/],
    ['an entity declaration inside text', '<S>a<!ENTITY x "y"></S>', /entity declaration/],
    ['a stylesheet processing instruction', '<?xml-stylesheet href="a.xsl"?><S>a</S>', /processing instruction/],
    ['a processing instruction inside text', '<S>a<?php echo 1 ?></S>', /processing instruction/],
    ['a processing instruction between elements', '<Obj RefId="0"><?x y?></Obj>', /processing instruction/],
    ['an XML declaration after the start', ' <S>a</S><?xml version="1.0"?>', /processing instruction/],
  ])('refuses %s', (_, xml, message) => {
    refuses(xml, FORBIDDEN, message);
  });

  it('accepts the XML declaration and comments', () => {
    expect(deserializeClixml('\ufeff<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><S>a<!-- d -->b</S>\n')).toBe('ab');
  });

  it('refuses a DOCTYPE in a stream as soon as it arrives', () => {
    const parser = createClixmlStreamParser();
    const error = failure(() => parser.push('<!DOCTYPE x [<!ENTITY a "'));
    expect(error.code).toBe(FORBIDDEN);
    expect(() => parser.push('<S>a</S>')).toThrow(error.message);
  });
});

describe('limits', () => {
  const nested = (depth: number): string =>
    '<Obj RefId="0"><LST>'.repeat(1) + '<Obj><LST>'.repeat(depth) + '</LST></Obj>'.repeat(depth) + '</LST></Obj>';

  it('refuses deep nesting quickly, without exhausting the stack', () => {
    const started = performance.now();
    refuses(nested(100_000), LIMIT, /deeper than 100 elements/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(() => createClixmlStreamParser().push(`<Objs>${nested(1000)}`)).toThrow(/deeper than 100 elements/);
  });

  it('reads nesting within a raised limit', () => {
    expect(() => deserializeClixml(nested(200), { maxDepth: 500 })).not.toThrow();
  });

  it('refuses huge attribute counts', () => {
    const attributes = Array.from({ length: 10_000 }, (_, i) => ` a${i}="x"`).join('');
    refuses(`<S${attributes}>x</S>`, LIMIT, /more than 16 attributes/);
  });

  it('refuses input beyond maxLength', () => {
    const error = failure(() => deserializeClixml(`<S>${'a'.repeat(1000)}</S>`, { maxLength: 100 }));
    expect(error.code).toBe(LIMIT);
    const stream = createClixmlStreamParser({ maxLength: 100 });
    expect(() => stream.push(`<Objs><S>${'a'.repeat(1000)}`)).toThrow(/longer than 100 characters/);
  });
});

describe('document and stream errors', () => {
  it('refuses a document without <Objs>', () => {
    expect(() => parseClixmlDocument('<S>a</S>')).toThrow(/expected the <Objs> root/);
    expect(() => parseClixmlDocument('')).toThrow(/document is empty/);
  });

  it('reports truncation at end()', () => {
    const parser = createClixmlStreamParser();
    expect(parser.push('<Objs>\n<S>a</S>\n<Obj RefId="1"><MS>')).toEqual(['a']);
    expect(() => parser.end()).toThrow(/truncated: the input ends inside an element that starts at line 3, column 1/);
    const unclosed = createClixmlStreamParser();
    unclosed.push('<Objs><S>a</S>');
    expect(() => unclosed.end()).toThrow(/before <\/Objs>/);
  });

  it('reports text between objects and a malformed object with its position in the whole stream', () => {
    expect(() => createClixmlStreamParser().push('<Objs><S>a</S>junk<S>b</S></Objs>')).toThrow(/unexpected text "junk/);
    const parser = createClixmlStreamParser();
    parser.push('<Objs>\n<S>a</S>\n');
    expect(() => parser.push('<S>b</S>\n<I32>x</I32>')).toThrow(/line 4, column 1\d?: <I32> holds "x"/);
  });

  it('refuses a cross-object Ref in the default object scope, and reads it in document scope', () => {
    const doc = '<Objs><Obj RefId="0"><S>x</S></Obj><Ref RefId="0" /></Objs>';
    expect(() => createClixmlStreamParser().push(doc)).toThrow(/refers to no earlier <Obj RefId="0">/);
    const parser = createClixmlStreamParser({ refScope: 'document' });
    const [a, b] = parser.push(doc);
    expect(b).toBe(a);
    const [x, y] = parseClixmlDocument(doc);
    expect(y).toBe(x);
  });
});
