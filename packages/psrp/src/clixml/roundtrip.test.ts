import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PSObject, createPSEnum, createPSList } from '@exops/contracts';
import { deserializeClixml, parseClixmlDocument } from './deserialize.js';
import { serializeClixml, serializeClixmlDocument } from './serialize.js';
import { psValueArbitrary } from './test-support/arbitraries.js';
import { saxesDeserialize, saxesDocument } from './test-support/saxes-reference.js';

/** The same document as other writers may format it: indentation, comments, character references, quote style. */
function reformat(xml: string, variant: number): string {
  switch (variant) {
    case 0:
      return xml.replace(/></g, '>\r\n  <');
    case 1:
      return xml.replace(/></g, '>\n\t<!-- a comment -->\n<');
    case 2:
      // No element or attribute name of CLIXML contains a lower-case "a", so this touches only text and values.
      return xml.replace(/&[^;]*;|a/g, (m) => (m === 'a' ? '&#97;' : m));
    case 3:
      return xml.replace(/<[^>]+>/g, (tag) => tag.replace(/="([^"]*)"/g, (_, v: string) => `='${v.replace(/'/g, '&apos;')}'`));
    default:
      return xml.replace(/^<(\w+)/, `<?xml version="1.0" encoding="utf-8"?>\n<$1 xmlns="http://schemas.microsoft.com/powershell/2004/04"`);
  }
}

describe('serialize → deserialize round trip (fast-check)', () => {
  it('gives back an equal value and the same XML', () => {
    fc.assert(
      fc.property(psValueArbitrary, (value) => {
        const xml = serializeClixml(value);
        const back = deserializeClixml(xml);
        expect(back).toEqual(value);
        expect(serializeClixml(back)).toBe(xml);
      }),
      { numRuns: 500 },
    );
  });

  it('reads what saxes reads, however the XML is formatted', () => {
    fc.assert(
      fc.property(psValueArbitrary, fc.integer({ min: 0, max: 4 }), (value, variant) => {
        const xml = reformat(serializeClixml(value), variant);
        const ours = deserializeClixml(xml);
        expect(ours).toEqual(saxesDeserialize(xml));
        expect(ours).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips documents, and reads them as saxes does', () => {
    fc.assert(
      fc.property(fc.array(psValueArbitrary, { maxLength: 5 }), (values) => {
        const xml = serializeClixmlDocument(values);
        expect(parseClixmlDocument(xml)).toEqual(values);
        expect(parseClixmlDocument(reformat(xml, 0))).toEqual(saxesDocument(reformat(xml, 0)));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps object identity through <Ref>, cycles included', () => {
    const none = createPSEnum('My.Enum', 'None', 0);
    const self = new PSObject({ typeNames: ['Node'] });
    self.extended.set('Me', self);
    self.extended.set('A', none);
    self.extended.set('B', none);
    const list = deserializeClixml(serializeClixml(createPSList([self, none, self]))) as PSObject;
    const items = list.container!.kind === 'DCT' ? [] : list.container!.items;
    const node = items[0] as PSObject;
    expect(items[2]).toBe(node);
    expect(node.extended.get('Me')).toBe(node);
    expect(node.extended.get('A')).toBe(items[1]);
    expect(node.extended.get('B')).toBe(items[1]);
  });
});
