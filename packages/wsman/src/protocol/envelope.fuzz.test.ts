/**
 * Fuzzing the WS-Management parsers (deterministic CI slice) and the XML attacks they must refuse quickly:
 * parseWsmanResponse and parseWsmanRequest on the real envelopes of the pypsrp recordings, the WinRM (Ruby) stubs and
 * the winrm (Go) sample requests, mutated, plus generated envelopes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExopsErrorCode, isExopsError } from '@exops/contracts';
import {
  countTypedErrors,
  listPypsrpRecordings,
  listVectorFiles,
  loadPypsrpRecording,
  mutateText,
  mutatedFrom as mutatedFromSeeds,
  mutationArbitrary,
  readVectorText,
  typedOnly as typedOnlyCodes,
  type Mutation,
} from '@exops/test-vectors';
import { parseWsmanRequest } from './request-parser.js';
import { parseWsmanResponse } from './response-parser.js';

const SEED = 0x3a5e_55ad;
// Faults are returned, not thrown; a parser may only throw envelope errors (and INVALID_ARGUMENT never on input).
const WSMAN_CODES = [ExopsErrorCode.WSMAN_ENVELOPE];

const requestSeeds: string[] = [];
const responseSeeds: string[] = [];
for (const name of listPypsrpRecordings().filter((_, i) => i % 3 === 0)) {
  for (const exchange of loadPypsrpRecording(name).exchanges.slice(0, 12)) {
    if (exchange.request.startsWith('<')) requestSeeds.push(exchange.request);
    if (exchange.response.startsWith('<')) responseSeeds.push(exchange.response);
  }
}
for (const file of listVectorFiles('winrm-ruby/tests/spec/stubs/responses')) {
  responseSeeds.push(readVectorText(`winrm-ruby/tests/spec/stubs/responses/${file}`).replace(/<%=\s*[^%]*%>/g, 'dGVzdA=='));
}

const XML_PIECES = ['<', '>', '/>', '</', '"', "'", '&amp;', '&#x110000;', '&#99999999999999999999;', '&nbsp;', '&', '<![CDATA[x]]>', '<!--c-->', '<?pi?>', ':', 'xmlns:s=""', 'xmlns=""', 's:', 'p:', '\u0000', '\uFFFE', 'é', '<w:Body>', '</s:Body>', '<rsp:Stream Name="stdout">', '</rsp:Stream>', '=', 'a="1"'];

const envelopeMutation: fc.Arbitrary<Mutation<'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'duplicateTag' | 'repeat', string>> = mutationArbitrary(
  ['flip', 'truncate', 'insert', 'delete', 'splice', 'duplicateTag', 'repeat'] as const,
  fc.oneof(fc.constantFrom(...XML_PIECES), fc.string({ maxLength: 6 })),
);

const mutatedFrom = (seeds: readonly string[]): fc.Arbitrary<string> =>
  mutatedFromSeeds(seeds, envelopeMutation, (input, m, other) => mutateText(input, m, other, { deleteMax: 64, repeatMaxTimes: 512 }));

const typedOnly = (fn: () => void): 'ok' | 'error' => typedOnlyCodes(WSMAN_CODES, fn);

describe('WS-Management parsers under mutation', () => {
  it('has seeds from real servers and clients, and parses them unmutated', () => {
    expect(requestSeeds.length).toBeGreaterThan(50);
    expect(responseSeeds.length).toBeGreaterThan(60);
    for (const seed of requestSeeds) expect(() => parseWsmanRequest(seed)).not.toThrow();
  });

  it('parseWsmanResponse: mutated responses give a typed response or WSMAN_ENVELOPE', () => {
    expect(countTypedErrors(mutatedFrom(responseSeeds), WSMAN_CODES, (xml) => parseWsmanResponse(xml), { seed: SEED, numRuns: 1_200 })).toBeGreaterThan(500);
  });

  it('parseWsmanRequest: mutated requests give a typed request or WSMAN_ENVELOPE', () => {
    expect(countTypedErrors(mutatedFrom(requestSeeds), WSMAN_CODES, (xml) => parseWsmanRequest(xml), { seed: SEED, numRuns: 1_200 })).toBeGreaterThan(500);
  });

  it('both parsers on generated envelopes and random text', () => {
    const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
      el: fc
        .tuple(
          fc.constantFrom('s:Envelope', 's:Header', 's:Body', 'a:Action', 'w:SelectorSet', 'w:Selector', 'rsp:Shell', 'rsp:ReceiveResponse', 'rsp:Stream', 's:Fault', 'x', 'p:y'),
          fc.array(fc.tuple(fc.constantFrom('Name', 'xmlns:s', 'xmlns:rsp', 'xmlns', 'CommandId', 'State', 's:mustUnderstand'), fc.string({ maxLength: 12 })), { maxLength: 3 }),
          fc.array(fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 10 }), tie('el')), { maxLength: 3 }),
        )
        .map(([name, attrs, children]) => `<${name}${attrs.map(([k, v]) => ` ${k}="${v.replace(/["<&]/g, '')}"`).join('')}>${children.join('')}</${name}>`),
    })).el;
    fc.assert(
      fc.property(fc.oneof(element, fc.string({ maxLength: 200 })), (xml) => {
        typedOnly(() => parseWsmanResponse(xml));
        typedOnly(() => parseWsmanRequest(xml));
      }),
      { seed: SEED, numRuns: 1_200 },
    );
  });
});

const ENVELOPE_OPEN = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header/><s:Body>';
const ENVELOPE_CLOSE = '</s:Body></s:Envelope>';

function expectRefused(xml: string, cause: RegExp, budgetMs = 500): void {
  for (const [name, parse] of [
    ['parseWsmanResponse', parseWsmanResponse],
    ['parseWsmanRequest', parseWsmanRequest],
  ] as const) {
    const started = performance.now();
    let thrown: unknown;
    try {
      parse(xml);
    } catch (error) {
      thrown = error;
    }
    const elapsed = performance.now() - started;
    expect(isExopsError(thrown), `${name} threw ${String(thrown)}`).toBe(true);
    expect((thrown as { code: string }).code).toBe(ExopsErrorCode.WSMAN_ENVELOPE);
    expect((thrown as Error).message, name).toMatch(cause);
    expect(elapsed, `${name} took ${elapsed.toFixed(0)} ms`).toBeLessThan(budgetMs);
  }
}

describe('XML attacks on the WS-Management parsers', () => {
  it('a DOCTYPE, billion laughs, an external entity and a parameter entity', () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('');
    expectRefused(`<?xml version="1.0"?><!DOCTYPE s:Envelope>${ENVELOPE_OPEN}${ENVELOPE_CLOSE}`, /DOCTYPE/);
    expectRefused(`<?xml version="1.0"?><!DOCTYPE lolz [${lol}]>${ENVELOPE_OPEN}&lol9;${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/);
    expectRefused(`<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ENVELOPE_OPEN}&xxe;${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/);
    expectRefused(`<!DOCTYPE e [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>${ENVELOPE_OPEN}${ENVELOPE_CLOSE}`, /DOCTYPE or entity declaration/);
    // An entity reference without a declaration is never looked up.
    expectRefused(`${ENVELOPE_OPEN}<x>&xxe;</x>${ENVELOPE_CLOSE}`, /Undefined XML entity &xxe;/);
  });

  it('100,000 levels of nesting', () => {
    expectRefused(`${ENVELOPE_OPEN}${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}${ENVELOPE_CLOSE}`, /nesting deeper than 64 levels/);
  });

  it('100,000 attributes on one element', () => {
    const attributes = Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ');
    expectRefused(`${ENVELOPE_OPEN}<x ${attributes}/>${ENVELOPE_CLOSE}`, /more than 256 attributes/);
    // A `>` inside quoted values does not split the count.
    const sneaky = Array.from({ length: 100_000 }, (_, i) => `a${i}=">"`).join(' ');
    expectRefused(`${ENVELOPE_OPEN}<x ${sneaky}/>${ENVELOPE_CLOSE}`, /more than 256 attributes/);
  });

  it('a 50 MB text node is refused by the envelope bound before parsing', () => {
    expectRefused(`${ENVELOPE_OPEN}<x>${'x'.repeat(50 * 1024 * 1024)}</x>${ENVELOPE_CLOSE}`, /above the 16777216 limit/, 100);
  });
});
