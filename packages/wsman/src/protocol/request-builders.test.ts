import { describe, expect, it } from 'vitest';
import { listPypsrpRecordings, loadPypsrpRecording, extractPsrpBlobs } from '@exops/test-vectors';
import { ExopsErrorCode } from '@exops/contracts';
import {
  buildDeleteEnvelope,
  buildDisconnectEnvelope,
  buildCreateEnvelope,
  buildPullEnvelope,
  buildReceiveEnvelope,
  buildSendEnvelope,
  buildSignalEnvelope,
  formatXsDuration,
  parseXsDuration,
  type WsmanEnvelopeContext,
} from './request-builders.js';
import { parseWsmanRequest } from './request-parser.js';
import { WsmanResourceUri, WsmanSignalCode } from './namespaces.js';
import { canonicalEnvelope } from './test-support/structure.js';
import { rebuildRequest as rebuild } from './test-support/rebuild-request.js';

describe('request builders reproduce every recorded request (structurally)', () => {
  for (const name of listPypsrpRecordings()) {
    it(name, () => {
      const { exchanges } = loadPypsrpRecording(name);
      for (const [i, ex] of exchanges.entries()) {
        const req = parseWsmanRequest(ex.request);
        const built = rebuild(req);
        expect(canonicalEnvelope(built.xml), `${name} #${i} (${req.kind})`).toEqual(canonicalEnvelope(ex.request));
        expect(built.messageId).toBe(req.header.messageId);
        // The PSRP blobs are carried byte for byte.
        expect(extractPsrpBlobs(built.xml).map((b) => b.base64)).toEqual(extractPsrpBlobs(ex.request).map((b) => b.base64));
      }
    });
  }
});

describe('request builders', () => {
  const ctx: WsmanEnvelopeContext = { to: 'https://outlook.office365.com/PowerShell-LiveID?BasicAuthToOAuthConversion=true&a=<b>', messageId: () => 'E4811C4E-F6ED-433E-94F9-4EFC65DC30C4' };

  it('defaults to Microsoft.Exchange, 512000, PT20S, en-US, and escapes every value', () => {
    const env = buildReceiveEnvelope(ctx, { shellId: 'A"B' });
    const req = parseWsmanRequest(env.xml);
    expect(req.header).toMatchObject({
      resourceUri: 'http://schemas.microsoft.com/powershell/Microsoft.Exchange',
      maxEnvelopeSize: 512000,
      operationTimeout: 'PT20S',
      locale: 'en-US',
      dataLocale: 'en-US',
      to: ctx.to,
      messageId: 'uuid:E4811C4E-F6ED-433E-94F9-4EFC65DC30C4',
      sessionId: undefined,
    });
    expect(req.selectors).toEqual({ ShellId: 'A"B' });
    expect(env.xml).toContain('&amp;a=&lt;b&gt;');
  });

  it('writes SessionId, OperationID and SequenceId when given', () => {
    const env = buildDeleteEnvelope({ ...ctx, sessionId: 'AECF49AF-7164-43E6-B10A-E38E8C4986AD', operationId: '11111111-2222-3333-4444-555555555555', sequenceId: 1 }, { shellId: 'S' });
    expect(parseWsmanRequest(env.xml).header).toMatchObject({ sessionId: 'AECF49AF-7164-43E6-B10A-E38E8C4986AD', operationId: '11111111-2222-3333-4444-555555555555', sequenceId: 1 });
  });

  it('writes the PSRP stop signal with the protocol typo', () => {
    const env = buildSignalEnvelope(ctx, { shellId: 'S', commandId: 'C', code: WsmanSignalCode.psrpStop });
    expect(env.xml).toContain('<rsp:Code>powershell/signal/crtl_c</rsp:Code>');
  });

  it('writes a Create with Name, IdleTimeOut and NoProfile', () => {
    const env = buildCreateEnvelope({ ...ctx, configurationName: 'JEARole' }, { shellId: 'S', creationXml: 'AAAA', name: 'exops', idleTimeOut: 600, noProfile: true });
    const req = parseWsmanRequest(env.xml);
    if (req.kind !== 'create') throw new Error(req.kind);
    expect(req).toMatchObject({ name: 'exops', idleTimeOut: 'PT600S', inputStreams: 'stdin pr', outputStreams: 'stdout', creationXml: 'AAAA' });
    expect(req.header.resourceUri).toBe('http://schemas.microsoft.com/powershell/JEARole');
    expect(req.options).toEqual([
      { name: 'protocolversion', value: '2.3', mustComply: true },
      { name: 'WINRS_NOPROFILE', value: 'TRUE', mustComply: true },
    ]);
  });

  it('writes a Pull with the enumeration context', () => {
    const req = parseWsmanRequest(buildPullEnvelope(ctx, { enumerationContext: 'ctx-1', target: 'commands' }).xml);
    expect(req).toMatchObject({ kind: 'pull', enumerationContext: 'ctx-1', maxElements: 32000 });
    expect(req.header.resourceUri).toBe(WsmanResourceUri.command);
  });

  it('writes a Disconnect with IdleTimeOut and BufferMode', () => {
    const req = parseWsmanRequest(buildDisconnectEnvelope(ctx, { shellId: 'S', idleTimeOut: 240, bufferMode: 'Block' }).xml);
    expect(req).toMatchObject({ kind: 'disconnect', idleTimeOut: 'PT240S', bufferMode: 'Block' });
  });

  it('rejects missing ids and bad sizes with INVALID_ARGUMENT', () => {
    expect(() => buildSendEnvelope(ctx, { shellId: '', data: '' })).toThrow(expect.objectContaining({ code: ExopsErrorCode.INVALID_ARGUMENT }));
    expect(() => buildDeleteEnvelope({ ...ctx, maxEnvelopeSize: 100 }, { shellId: 'S' })).toThrow(/8192/);
    expect(() => buildDeleteEnvelope({ ...ctx, to: '' }, { shellId: 'S' })).toThrow(/to/);
  });

  it('formats and parses xs:durations', () => {
    expect(formatXsDuration(20)).toBe('PT20S');
    expect(formatXsDuration(180.5)).toBe('PT180.500S');
    expect(parseXsDuration('PT7200.000S')).toBe(7200);
    expect(parseXsDuration('P0DT0H0M9S')).toBe(9);
    expect(parseXsDuration('P1DT2H3M4.5S')).toBe(93784.5);
    expect(parseXsDuration('PT2147483.647S')).toBe(2147483.647);
    expect(parseXsDuration('-PT1S')).toBe(-1);
    expect(parseXsDuration('P')).toBeUndefined();
    expect(parseXsDuration('20')).toBeUndefined();
  });
});
