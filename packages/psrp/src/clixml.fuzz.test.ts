/**
 * Fuzzing the CLIXML readers (deterministic CI slice) and the XML attacks every one of them must refuse quickly:
 * deserializeClixml, parseClixmlDocument and the streaming parser, seeded with the Windows server's message bodies
 * from the pypsrp recordings, psrpcore's output and the `#< CLIXML` documents, mutated, plus generated token soups.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExopsErrorCode, isExopsError } from '@exops/contracts';
import { chunks, countTypedErrors, mutateBytes, mutatedFrom as mutatedFromSeeds, mutationArbitrary, typedOnly as typedOnlyCodes, type Mutation } from '@exops/test-vectors';
import { createClixmlStreamParser, deserializeClixml, parseClixmlDocument } from './index.js';
import { documentVectors, oracleMessages, recordedMessages, templateVectors } from './clixml/test-support/vectors.js';

const SEED = 0x0c11_3e01;
const CLIXML_CODES = [ExopsErrorCode.PSRP_CLIXML, ExopsErrorCode.PSRP_XML_FORBIDDEN, ExopsErrorCode.PSRP_LIMIT];

const encoder = new TextEncoder();
const recorded = recordedMessages();
// Every distinct shape matters, not every copy: keep the corpus small enough to draw from quickly.
const bodySeeds: Uint8Array[] = [
  ...recorded.filter((_, i) => i % Math.max(1, Math.floor(recorded.length / 150)) === 0).map((m) => m.data),
  ...oracleMessages().map((m) => encoder.encode(m.xml)),
];
const documentSeeds: Uint8Array[] = [...documentVectors(), ...templateVectors().map((t) => ({ ...t, xml: `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">${t.xml.replace(/^<\?xml[^>]*>/, '')}</Objs>` }))].map((d) =>
  encoder.encode(d.xml),
);

const XML_PIECES = ['<', '>', '/>', '</', '<Obj RefId="0">', '</Obj>', '<Ref RefId="0" />', '<TN RefId="0">', '<TNRef RefId="0" />', '&amp;', '&#x0;', '&#xD800;', '&bogus;', '_x000D_', '_xD800_', '<![CDATA[', ']]>', '<!--', '-->', '<?pi?>', '<!DOCTYPE x>', 'N="', '"', "'", '\u0000', '\uFFFF', 'é'];

const clixmlMutation: fc.Arbitrary<Mutation<'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'duplicateTag' | 'repeat'>> = mutationArbitrary(
  ['flip', 'truncate', 'insert', 'delete', 'splice', 'duplicateTag', 'repeat'] as const,
  fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.constantFrom(...XML_PIECES).map((s) => encoder.encode(s))),
);

const mutatedFrom = (seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> =>
  mutatedFromSeeds(seeds, clixmlMutation, (input, m, other) => mutateBytes(input, m, other, { deleteMax: 64, repeatMaxTimes: 1_024 }));

/** Random token soups: CLIXML element names, attributes, entities and XML constructs in any order. */
const soupArbitrary: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(...XML_PIECES),
      fc.constantFrom(' N="x"', ' RefId="1"', ' S="Error"', 'DCT', 'En', 'Key', 'Value', 'MS', 'Props', 'ToString', '2147483648', '-1', 'P1Y'),
      fc.constantFrom('S', 'I32', 'Obj', 'LST', 'Nil', 'B', 'DT', 'G', 'Db', 'BA', 'Objs').map((t) => `<${t}>`),
      fc.constantFrom('S', 'I32', 'Obj', 'LST', 'Nil', 'B', 'DT', 'G', 'Db', 'BA', 'Objs').map((t) => `</${t}>`),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

const typedOnly = (fn: () => void): 'ok' | 'error' => typedOnlyCodes(CLIXML_CODES, fn);

function streamAll(bytes: Uint8Array, cuts: readonly number[]): number {
  const parser = createClixmlStreamParser();
  let count = 0;
  for (const chunk of chunks(bytes, cuts)) count += parser.push(chunk).length;
  return count + parser.end().length;
}

describe('CLIXML readers under mutation', () => {
  it('has seeds from real servers and psrpcore', () => {
    expect(bodySeeds.length).toBeGreaterThan(50);
    expect(documentSeeds.length).toBe(4);
    for (const seed of documentSeeds) expect(parseClixmlDocument(Buffer.from(seed).toString('utf8')).length).toBeGreaterThan(0);
  });

  it('deserializeClixml: mutated message bodies give a value or a typed error', () => {
    expect(countTypedErrors(mutatedFrom(bodySeeds), CLIXML_CODES, (bytes) => deserializeClixml(bytes), { seed: SEED, numRuns: 3_000 })).toBeGreaterThan(500);
  });

  it('parseClixmlDocument and the stream parser: mutated documents, streamed in random chunks, agree', () => {
    let errors = 0;
    fc.assert(
      fc.property(mutatedFrom(documentSeeds), fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        let whole: number | undefined;
        if (typedOnly(() => (whole = parseClixmlDocument(Buffer.from(bytes).toString('utf8')).length)) === 'error') errors++;
        let streamed: number | undefined;
        typedOnly(() => (streamed = streamAll(bytes, cuts)));
        if (whole !== undefined && streamed !== undefined) expect(streamed).toBe(whole);
      }),
      { seed: SEED, numRuns: 1_200 },
    );
    expect(errors).toBeGreaterThan(200);
  });

  it('all three readers on generated token soups', () => {
    fc.assert(
      fc.property(soupArbitrary, (text) => {
        typedOnly(() => deserializeClixml(text));
        typedOnly(() => parseClixmlDocument(text));
        typedOnly(() => parseClixmlDocument(`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">${text}</Objs>`));
        typedOnly(() => streamAll(encoder.encode(text), [text.length >> 1]));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});

const NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"';
const doc = (inner: string): string => `<Objs Version="1.1.0.1" ${NS}>${inner}</Objs>`;

/** Each attack through each entry point: refused with `code`, a message naming the cause, in well under a second. */
function expectRefused(input: string, code: string, cause: RegExp, budgetMs = 500): void {
  const entryPoints: [string, () => unknown][] = [
    ['deserializeClixml', () => deserializeClixml(input)],
    ['parseClixmlDocument', () => parseClixmlDocument(input.startsWith('<Objs') || input.startsWith('<?xml') || input.startsWith('<!') ? input : doc(input))],
    [
      'stream parser',
      () => {
        const parser = createClixmlStreamParser();
        const wrapped = input.startsWith('<Objs') || input.startsWith('<?xml') || input.startsWith('<!') ? input : doc(input);
        // Fed in 64 KiB chunks, as a network would deliver it.
        for (let i = 0; i < wrapped.length; i += 65_536) parser.push(wrapped.slice(i, i + 65_536));
        parser.end();
      },
    ],
  ];
  for (const [name, run] of entryPoints) {
    const started = performance.now();
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    const elapsed = performance.now() - started;
    expect(isExopsError(thrown), `${name} threw ${String(thrown)}`).toBe(true);
    expect({ entry: name, code: (thrown as { code: string }).code }).toEqual({ entry: name, code });
    expect((thrown as Error).message, name).toMatch(cause);
    expect(elapsed, `${name} took ${elapsed.toFixed(0)} ms`).toBeLessThan(budgetMs);
  }
}

describe('XML attacks on every CLIXML entry point', () => {
  it('a DOCTYPE with a DTD', () => {
    expectRefused(`<?xml version="1.0"?><!DOCTYPE Objs [<!ELEMENT Objs ANY>]>${doc('<S>x</S>')}`, ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/);
  });

  it('internal entity expansion (billion laughs)', () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('');
    expectRefused(`<?xml version="1.0"?><!DOCTYPE lolz [${lol}]><S>&lol9;</S>`, ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/);
    // Without a DTD the reference is simply undefined: never expanded, never looked up.
    expect(() => deserializeClixml('<S>&lol9;</S>')).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_CLIXML, message: expect.stringMatching(/lol9|entity|reference/i) }));
  });

  it('an external entity (SYSTEM "file:///etc/passwd")', () => {
    expectRefused('<?xml version="1.0"?><!DOCTYPE S [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><S>&xxe;</S>', ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/);
  });

  it('a parameter entity', () => {
    expectRefused('<!DOCTYPE S [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]><S>x</S>', ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/);
  });

  it('a processing instruction other than the XML declaration', () => {
    expectRefused('<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?><S>x</S>', ExopsErrorCode.PSRP_XML_FORBIDDEN, /processing instruction/i);
  });

  it('100,000 levels of nesting stop at the depth limit', () => {
    const deep = `<Obj RefId="0"><LST>`.repeat(100_000) + `</LST></Obj>`.repeat(100_000);
    expectRefused(deep, ExopsErrorCode.PSRP_LIMIT, /nesting is deeper than 100|deeper than 100/);
  });

  it('100,000 attributes on one element stop at the attribute limit', () => {
    const attributes = Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ');
    expectRefused(`<S ${attributes}>x</S>`, ExopsErrorCode.PSRP_LIMIT, /more than 16 attributes/);
  });

  it('a 50 MB text node is bounded: refused over maxLength, read in under a second within it', () => {
    const text = 'x'.repeat(50 * 1024 * 1024);
    const message = `<S>${text}</S>`;
    const tight = { maxLength: 1024 * 1024 };
    let started = performance.now();
    expect(() => deserializeClixml(message, tight)).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_LIMIT, message: expect.stringMatching(/exceeds the limit of 1048576/) }));
    expect(() => parseClixmlDocument(doc(message), tight)).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_LIMIT }));
    const parser = createClixmlStreamParser(tight);
    expect(() => {
      for (let i = 0; i < message.length; i += 1 << 20) parser.push(message.slice(i, i + (1 << 20)));
    }).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_LIMIT }));
    expect(performance.now() - started).toBeLessThan(1_000);
    // Within the default 64 MiB bound the same text is legitimate data, read in linear time.
    started = performance.now();
    expect((deserializeClixml(message) as string).length).toBe(text.length);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('an unterminated element streamed for ever stops at maxLength instead of buffering without bound', () => {
    const parser = createClixmlStreamParser({ maxLength: 4 * 1024 * 1024 });
    const chunk = 'y'.repeat(1 << 20);
    parser.push(doc('').replace('</Objs>', '') + '<S>');
    let pushed = 0;
    expect(() => {
      for (; pushed < 64; pushed++) parser.push(chunk);
    }).toThrow(expect.objectContaining({ code: ExopsErrorCode.PSRP_LIMIT }));
    expect(pushed).toBeLessThanOrEqual(5);
  });
});
