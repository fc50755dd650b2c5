import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseClixmlDocumentEntries } from './deserialize.js';
import { serializeClixml } from './serialize.js';
import type { ClixmlEntry } from './reader.js';
import { createClixmlEntryStreamParser, createClixmlStreamParser } from './stream.js';
import { documentVectors, templateVectors } from './test-support/vectors.js';

const encoder = new TextEncoder();

// An exact, cheap fingerprint of entries (values, streams, and Ref identity through <Ref>) for the many comparisons.
function fingerprint(entries: ClixmlEntry[]): string {
  return entries.map((e) => `${e.stream ?? ''}|${serializeClixml(e.value)}`).join('\n');
}

function streamed(chunks: (string | Uint8Array)[]): ClixmlEntry[] {
  const parser = createClixmlEntryStreamParser({ refScope: 'document' });
  const out: ClixmlEntry[] = [];
  for (const chunk of chunks) out.push(...parser.push(chunk));
  out.push(...parser.end());
  return out;
}

// A document with every hard case for a split: multi-byte UTF-8 (2, 3 and 4 bytes), entities, character
// references, `_x` escapes, comments, CDATA, attributes in both quote styles, CR LF, and TNRef/Ref across objects.
const tricky =
  '\ufeff#< CLIXML\r\n<?xml version="1.0" encoding="utf-8"?>\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\r\n' +
  '<Obj RefId="0"><TN RefId="0"><T>My.Type_x002E_X</T></TN><ToString>Zoë &amp; 美咲 😀</ToString><Props>' +
  "<S N='Name'>a&lt;b&#x41;&#66;_x000D__x000A_c</S><!-- a comment --><S N=\"Cdata\"><![CDATA[<not a tag> & ]]>ok</S>" +
  '<I64 N="Big">9223372036854775807</I64><D N="Money">-1.50</D><DT N="When">2024-01-02T03:04:05.1234567+01:00</DT></Props></Obj>\r\n' +
  '<Obj RefId="1"><TNRef RefId="0" /><MS><Ref N="Again" RefId="0" /><S N="Line">x\r\ny</S></MS></Obj>\r\n' +
  '<S S="Error">oops_x000D__x000A_</S>\r\n<Nil />\r\n</Objs>\r\n';

const documents: { name: string; text: string }[] = [
  { name: 'tricky', text: tricky },
  ...documentVectors().map((d) => ({ name: d.source, text: d.xml })),
  {
    name: 'winrm-ruby templates in one document',
    text: `<Objs Version="1.1.0.1">${templateVectors().map((t) => t.xml.replace(/^<\?xml[^>]*\?>/, '')).join('\n')}</Objs>`,
  },
];

describe('createClixmlStreamParser split at every boundary', () => {
  for (const { name, text } of documents) {
    const entries = parseClixmlDocumentEntries(text);
    const expected = fingerprint(entries);

    it(`${name}: every split point of the text`, () => {
      expect(entries.length).toBeGreaterThan(1);
      expect(streamed([text])).toEqual(entries);
      for (let i = 0; i <= text.length; i++) {
        expect(fingerprint(streamed([text.slice(0, i), text.slice(i)])), `split at ${i}`).toBe(expected);
      }
    }, 120_000);

    it(`${name}: every split point of the UTF-8 bytes`, () => {
      const bytes = encoder.encode(text);
      for (let i = 0; i <= bytes.length; i++) {
        expect(fingerprint(streamed([bytes.subarray(0, i), bytes.subarray(i)])), `split at byte ${i}`).toBe(expected);
      }
    }, 120_000);
  }

  it('one byte at a time', () => {
    const bytes = encoder.encode(tricky);
    expect(streamed([...bytes].map((b) => new Uint8Array([b])))).toEqual(parseClixmlDocumentEntries(tricky));
  });

  it('random chunkings, three cuts at once', () => {
    const expected = parseClixmlDocumentEntries(tricky);
    const bytes = encoder.encode(tricky);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { minLength: 1, maxLength: 6 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i]!, end));
        expect(streamed(chunks)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('createClixmlStreamParser delivery', () => {
  it('returns each object from the push that completes it', () => {
    const parser = createClixmlStreamParser();
    expect(parser.push('<Objs><S>a</S><Obj RefId="0"><MS><I32 N="x">1</I32>')).toEqual(['a']);
    expect(parser.push('</MS></Obj')).toEqual([]);
    const [obj] = parser.push('>');
    expect(obj).toEqual(expect.objectContaining({ extended: new Map([['x', 1]]) }));
    expect(parser.push('</Objs>')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it('keeps type names across objects while forgetting objects (default object scope)', () => {
    const parser = createClixmlStreamParser();
    const values = parser.push(
      '<Objs><Obj RefId="0"><TN RefId="0"><T>A</T></TN></Obj><Obj RefId="1"><TNRef RefId="0" /></Obj></Objs>',
    );
    expect(values.map((v) => (v as { typeNames: string[] }).typeNames)).toEqual([['A'], ['A']]);
  });

  it('reads several #< CLIXML documents in a row, each its own RefId scope', () => {
    const one = '#< CLIXML\n<Objs Version="1.1.0.1"><Obj RefId="0"><TN RefId="0"><T>A</T></TN></Obj></Objs>\n';
    const two = '#< CLIXML\n<Objs Version="1.1.0.1"><Obj RefId="0"><TN RefId="0"><T>B</T></TN></Obj></Objs>\n';
    const entries = streamed([one + two]);
    expect(entries.map((e) => (e.value as { typeNames: string[] }).typeNames)).toEqual([['A'], ['B']]);
    expect(parseClixmlDocumentEntries(one + two)).toEqual(entries);
  });

  it('reads a sequence of message bodies without an <Objs> root, each with RefIds from 0', () => {
    const parser = createClixmlStreamParser();
    const values = parser.push('<Obj RefId="0"><TN RefId="0"><T>A</T></TN></Obj><Obj RefId="0"><TN RefId="0"><T>B</T></TN></Obj><S>x</S>');
    expect(values).toHaveLength(3);
    expect(parser.end()).toEqual([]);
  });

  it('accepts an empty stream and refuses pushes after end()', () => {
    const parser = createClixmlStreamParser();
    expect(parser.push('  ')).toEqual([]);
    expect(parser.end()).toEqual([]);
    expect(() => parser.push('<S>a</S>')).toThrow(/after end/);
  });

  it('reports a UTF-8 sequence cut off at the end', () => {
    const parser = createClixmlStreamParser();
    parser.push(encoder.encode('<Objs><S>a</S></Objs>'));
    parser.push(new Uint8Array([0xe7, 0xbe]));
    expect(() => parser.end()).toThrow(/ends inside a multi-byte sequence/);
  });
});
