/**
 * `exops decode` reads files people attach to bug reports: every XML attack must be refused quickly with a typed
 * error naming the cause, whether the XML arrives as an envelope, a CLIXML document or inside a YAML recording.
 */
import { describe, expect, it } from 'vitest';
import { ExopsErrorCode, isExopsError } from '@exops/contracts';
import { decodeCapture } from './decode-capture.js';

const ENVELOPE_OPEN = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:Action s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse</a:Action></s:Header><s:Body>';
const ENVELOPE_CLOSE = '</s:Body></s:Envelope>';
const OBJS_OPEN = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">';
const LOL = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('');

function decodeAll(name: string, text: string): unknown {
  try {
    const records = [...decodeCapture([{ name, bytes: Buffer.from(text, 'utf8') }])];
    return records;
  } catch (error) {
    return error;
  }
}

function expectRefused(name: string, text: string, codes: readonly string[], cause: RegExp, budgetMs = 1_000): void {
  const started = performance.now();
  const thrown = decodeAll(name, text);
  const elapsed = performance.now() - started;
  expect(isExopsError(thrown), `${name}: ${String(thrown)}`).toBe(true);
  expect(codes).toContain((thrown as { code: string }).code);
  expect((thrown as Error).message).toMatch(cause);
  expect(elapsed, `${name} took ${elapsed.toFixed(0)} ms`).toBeLessThan(budgetMs);
}

const yamlRecording = (response: string): string => `messages:\n- request: ''\n  response: '${response.replace(/'/g, "''")}'\n`;

describe('exops decode refuses XML attacks', () => {
  const envelopeAttacks: [string, string, RegExp][] = [
    ['DOCTYPE', `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ELEMENT x ANY>]>${ENVELOPE_OPEN}${ENVELOPE_CLOSE}`, /DOCTYPE \(DTD\)|DOCTYPE or entity declaration/],
    ['billion laughs', `<!DOCTYPE lolz [${LOL}]>${ENVELOPE_OPEN}<x>&lol9;</x>${ENVELOPE_CLOSE}`, /DOCTYPE \(DTD\)|DOCTYPE or entity declaration/],
    ['external entity', `<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ENVELOPE_OPEN}<x>&xxe;</x>${ENVELOPE_CLOSE}`, /DOCTYPE \(DTD\)|DOCTYPE or entity declaration/],
    ['parameter entity', `<!DOCTYPE e [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>${ENVELOPE_OPEN}${ENVELOPE_CLOSE}`, /DOCTYPE \(DTD\)|DOCTYPE or entity declaration/],
    ['100,000 levels', `${ENVELOPE_OPEN}${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}${ENVELOPE_CLOSE}`, /nesting deeper than 64/],
    ['100,000 attributes', `${ENVELOPE_OPEN}<x ${Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ')}/>${ENVELOPE_CLOSE}`, /more than 256 attributes/],
  ];
  const ENVELOPE_CODES = [ExopsErrorCode.WSMAN_ENVELOPE, ExopsErrorCode.INVALID_ARGUMENT];

  for (const [attack, xml, cause] of envelopeAttacks) {
    it(`an envelope with ${attack}, as a file and inside a YAML recording`, () => {
      expectRefused(`${attack}.xml`, xml, ENVELOPE_CODES, cause);
      expectRefused(`${attack}.yml`, yamlRecording(xml), ENVELOPE_CODES, cause);
    });
  }

  const clixmlAttacks: [string, string, string, RegExp][] = [
    ['DOCTYPE', `#< CLIXML\n<?xml version="1.0"?><!DOCTYPE Objs [<!ELEMENT Objs ANY>]>${OBJS_OPEN}<S>x</S></Objs>`, ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/],
    ['DOCTYPE (no CLIXML marker)', `<?xml version="1.0"?><!DOCTYPE Objs [<!ELEMENT Objs ANY>]>${OBJS_OPEN}<S>x</S></Objs>`, ExopsErrorCode.INVALID_ARGUMENT, /DOCTYPE \(DTD\)/],
    ['billion laughs', `#< CLIXML\n<!DOCTYPE lolz [${LOL}]>${OBJS_OPEN}<S>&lol9;</S></Objs>`, ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/],
    ['external entity', `#< CLIXML\n<!DOCTYPE S [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${OBJS_OPEN}<S>&xxe;</S></Objs>`, ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/],
    ['parameter entity', `#< CLIXML\n<!DOCTYPE S [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>${OBJS_OPEN}</Objs>`, ExopsErrorCode.PSRP_XML_FORBIDDEN, /DOCTYPE/],
    ['100,000 levels', `#< CLIXML\n${OBJS_OPEN}${'<Obj RefId="0"><LST>'.repeat(100_000)}${'</LST></Obj>'.repeat(100_000)}</Objs>`, ExopsErrorCode.PSRP_LIMIT, /deeper than 100/],
    ['100,000 attributes', `#< CLIXML\n${OBJS_OPEN}<S ${Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ')}>x</S></Objs>`, ExopsErrorCode.PSRP_LIMIT, /more than 16 attributes/],
  ];
  for (const [attack, xml, code, cause] of clixmlAttacks) {
    it(`a CLIXML document with ${attack}`, () => {
      expectRefused(`${attack}.clixml`, xml, [code], cause);
    });
  }

  it('a 50 MB text node is bounded: an envelope is refused by its size bound, a CLIXML document is read in linear time', () => {
    const text = 'x'.repeat(50 * 1024 * 1024);
    // A file of 50 MB is read once (UTF-8 decode, envelope split: ~0.5 s alone, more on a loaded machine) before the bound applies.
    expectRefused('big.xml', `${ENVELOPE_OPEN}<x>${text}</x>${ENVELOPE_CLOSE}`, [ExopsErrorCode.WSMAN_ENVELOPE, ExopsErrorCode.INVALID_ARGUMENT], /above the 16777216 limit|too large|limit/, 3_000);
    const started = performance.now();
    const records = decodeAll('big.clixml', `#< CLIXML\n${OBJS_OPEN}<S>${text}</S></Objs>`);
    expect(Array.isArray(records), String(records)).toBe(true);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
