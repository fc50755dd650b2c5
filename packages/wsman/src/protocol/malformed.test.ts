import { describe, expect, it } from 'vitest';
import { loadPypsrpRecording } from '@exops/test-vectors';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { parseWsmanRequest } from './request-parser.js';
import { parseWsmanResponse } from './response-parser.js';
import { decodeXmlText, escapeXml, parseXmlDocument } from './xml.js';

const open = loadPypsrpRecording('test_psrp_open_runspace.yml').exchanges;
const createRequest = open[0]?.request ?? '';
const createResponse = open[0]?.response ?? '';
const receiveResponse = open[1]?.response ?? '';

function envelopeError(fn: () => unknown, pattern: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ExopsError);
  expect((thrown as ExopsError).code).toBe(ExopsErrorCode.WSMAN_ENVELOPE);
  expect((thrown as ExopsError).message).toMatch(pattern);
  expect((thrown as ExopsError).remedy).toBeTruthy();
}

describe('malformed input', () => {
  it('truncated XML, at several cut points', () => {
    for (const cut of [10, 200, Math.floor(createResponse.length / 2), createResponse.length - 5]) {
      envelopeError(() => parseWsmanResponse(createResponse.slice(0, cut)), /not well-formed XML/);
      envelopeError(() => parseWsmanRequest(createRequest.slice(0, cut)), /not well-formed XML/);
    }
  });

  it('empty input', () => {
    envelopeError(() => parseWsmanResponse(''), /empty/);
    envelopeError(() => parseWsmanResponse('   \n'), /empty/);
  });

  it('no Body', () => {
    const noBody = createResponse.replace(/<s:Body>[^]*<\/s:Body>/, '');
    envelopeError(() => parseWsmanResponse(noBody), /no Body/);
  });

  it('not a SOAP 1.2 envelope', () => {
    envelopeError(() => parseWsmanResponse('<html><body>Bad gateway</body></html>'), /not a SOAP Envelope/);
    envelopeError(() => parseWsmanResponse('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'), /not SOAP 1\.2/);
  });

  it('unknown action', () => {
    envelopeError(() => parseWsmanResponse(createResponse.replace('transfer/CreateResponse', 'transfer/Bogus')), /Unknown WS-Management response action .*Bogus/);
    envelopeError(() => parseWsmanRequest(createRequest.replace('transfer/Create<', 'transfer/Bogus<')), /Unknown WS-Management request action .*Bogus/);
    envelopeError(() => parseWsmanRequest(createRequest.replace(/<wsa:Action[^]*?<\/wsa:Action>/, '')), /no wsa:Action/);
  });

  it('no Action and an unknown body', () => {
    const xml = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body><x/></s:Body></s:Envelope>';
    envelopeError(() => parseWsmanResponse(xml), /no wsa:Action/);
  });

  it('DOCTYPE and entity declarations are refused', () => {
    const dtd = `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x "${'a'.repeat(10)}">]>${createResponse}`;
    envelopeError(() => parseWsmanResponse(dtd), /DOCTYPE or entity declaration/);
    envelopeError(() => parseWsmanRequest(`<!doctype x>${createRequest}`), /DOCTYPE/);
  });

  it('undefined entities are refused, predefined ones decoded', () => {
    envelopeError(() => decodeXmlText('a &lol; b'), /Undefined XML entity &lol;/);
    expect(decodeXmlText('&lt;&amp;&gt;&quot;&apos;&#65;&#x42;')).toBe('<&>"\'AB');
    expect(decodeXmlText(escapeXml('<a b="c">\'&\r\n\t'))).toBe('<a b="c">\'&\r\n\t');
    expect(() => escapeXml('a\u0001b')).toThrow(/U\+0001/);
  });

  it('huge input is refused before parsing', () => {
    const huge = createResponse.replace('</s:Body>', `<x>${'A'.repeat(17 * 1024 * 1024)}</x></s:Body>`);
    envelopeError(() => parseWsmanResponse(huge), /above the 16777216 limit/);
    envelopeError(() => parseWsmanResponse(createResponse, { maxLength: 1000 }), /above the 1000 limit/);
  });

  it('absurd nesting', () => {
    const deep = (n: number): string => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${'<a>'.repeat(n)}${'</a>'.repeat(n)}</s:Body></s:Envelope>`;
    envelopeError(() => parseWsmanResponse(deep(40)), /no wsa:Action/);
    envelopeError(() => parseWsmanResponse(deep(100_000)), /nesting deeper than 64/);
  });

  it('an undeclared prefix', () => {
    envelopeError(() => parseXmlDocument('<q:a/>'), /prefix "q:"/);
  });

  it('non-base64 stream data', () => {
    envelopeError(() => parseWsmanResponse(receiveResponse.replace(/(<rsp:Stream[^>]*>)[^<]{4}/, '$1!!!!')), /not base64/);
  });

  it('a CommandResponse without CommandId and a fault action without a Fault', () => {
    const cmd = loadPypsrpRecording('test_psrp_error_failed.yml').exchanges.find((e) => e.response.includes('CommandResponse'))?.response ?? '';
    envelopeError(() => parseWsmanResponse(cmd.replace(/<rsp:CommandId>[^<]*<\/rsp:CommandId>/, '')), /no rsp:CommandId/);
    envelopeError(() => parseWsmanResponse(createResponse.replace('http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse', 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault')), /holds no s:Fault/);
  });

  it('a request missing the body its Action needs', () => {
    envelopeError(() => parseWsmanRequest(createRequest.replace(/<s:Body>[^]*<\/s:Body>/, '<s:Body/>')), /no rsp:Shell/);
  });

  it('keeps CDATA literal and ignores comments', () => {
    const el = parseXmlDocument('<!-- lead --><a>x<![CDATA[a&b<c]]>&amp;<!-- c&d --></a>');
    expect(el.text).toBe('xa&b<c&');
  });

  it('non-base64 Send data on the server side', () => {
    const send = loadPypsrpRecording('test_psrp_with_input.yml').exchanges.find((e) => e.request.includes('/Send<'))?.request ?? '';
    envelopeError(() => parseWsmanRequest(send.replace(/(<rsp:Stream[^>]*>)[^<]{4}/, '$1$$$$')), /not base64/);
  });

  it('accepts a UTF-8 BOM decoded as U+FEFF', () => {
    expect(parseWsmanResponse(`\uFEFF${createResponse}`).kind).toBe('create');
  });
});
