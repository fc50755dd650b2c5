import { describe, expect, it } from 'vitest';
import { listPypsrpRecordings, loadPypsrpRecording, extractPsrpBlobs } from '@exops/test-vectors';
import { ExopsErrorCode } from '@exops/contracts';
import {
  buildCommandEnvelope,
  buildConnectEnvelope,
  buildCreateEnvelope,
  buildDeleteEnvelope,
  buildDisconnectEnvelope,
  buildEnumerateCommandsEnvelope,
  buildEnumerateShellsEnvelope,
  buildGetConfigEnvelope,
  buildGetShellEnvelope,
  buildPullEnvelope,
  buildReceiveEnvelope,
  buildReconnectEnvelope,
  buildSendEnvelope,
  buildSignalEnvelope,
  formatXsDuration,
  parseXsDuration,
  type WsmanEnvelopeContext,
  type WsmanOption,
  type WsmanRequestEnvelope,
} from './request-builders.js';
import { parseWsmanRequest, type ParsedWsmanRequest } from './request-parser.js';
import { WsmanResourceUri, WsmanSignalCode } from './namespaces.js';
import { canonicalEnvelope } from './test-support/structure.js';

/** Rebuilds a recorded request with the builders, from the parameters it carries. */
function rebuild(req: ParsedWsmanRequest): WsmanRequestEnvelope {
  const h = req.header;
  const ctx: WsmanEnvelopeContext = {
    to: h.to ?? '',
    resourceUri: h.resourceUri,
    sessionId: h.sessionId,
    locale: h.locale,
    dataLocale: h.dataLocale,
    maxEnvelopeSize: h.maxEnvelopeSize,
    operationTimeout: h.operationTimeoutSeconds,
    messageId: () => h.messageId ?? '',
  };
  const shellId = req.selectors['ShellId'] ?? '';
  const option = (name: string): WsmanOption | undefined => req.options.find((o) => o.name === name);
  const others = (...known: string[]): WsmanOption[] => req.options.filter((o) => !known.includes(o.name));
  switch (req.kind) {
    case 'create': {
      const seconds = (d: string | undefined): number | undefined => (d === undefined ? undefined : parseXsDuration(d));
      return buildCreateEnvelope(ctx, {
        shellId: req.shellId,
        creationXml: req.creationXml,
        inputStreams: req.inputStreams,
        outputStreams: req.outputStreams,
        protocolVersion: option('protocolversion')?.value ?? null,
        noProfile: option('WINRS_NOPROFILE') !== undefined,
        idleTimeOut: seconds(req.idleTimeOut),
        lifetime: seconds(req.lifetime),
        name: req.name,
        workingDirectory: req.workingDirectory,
        environment: req.environment.length === 0 ? undefined : req.environment,
        options: others('protocolversion', 'WINRS_NOPROFILE'),
      });
    }
    case 'command':
      return buildCommandEnvelope(ctx, {
        shellId,
        commandId: req.commandId,
        command: req.command,
        arguments: req.arguments,
        skipCmdShell: option('WINRS_SKIP_CMD_SHELL')?.value === 'True',
        options: others('WINRS_SKIP_CMD_SHELL'),
      });
    case 'send': {
      const s = req.streams[0];
      if (s === undefined || req.streams.length !== 1) throw new Error('one stream per Send');
      return buildSendEnvelope(ctx, { shellId, stream: s.name, commandId: s.commandId, data: s.base64, end: s.end });
    }
    case 'receive':
      return buildReceiveEnvelope(ctx, { shellId, commandId: req.commandId, streams: req.desiredStreams, keepAlive: option('WSMAN_CMDSHELL_OPTION_KEEPALIVE') !== undefined });
    case 'signal':
      return buildSignalEnvelope(ctx, { shellId, commandId: req.commandId ?? '', code: req.code });
    case 'delete':
      return buildDeleteEnvelope(ctx, { shellId });
    case 'get':
      return h.resourceUri === WsmanResourceUri.config ? buildGetConfigEnvelope(ctx) : buildGetShellEnvelope(ctx, { shellId });
    case 'disconnect':
      return buildDisconnectEnvelope(ctx, { shellId, idleTimeOut: req.idleTimeOut === undefined ? undefined : parseXsDuration(req.idleTimeOut) });
    case 'reconnect':
      return buildReconnectEnvelope(ctx, { shellId, commandId: req.commandId });
    case 'connect':
      return buildConnectEnvelope(ctx, { shellId, commandId: req.commandId, connectXml: req.connectXml, protocolVersion: option('protocolversion')?.value ?? null });
    case 'enumerate':
      return req.filterSelectors?.['ShellId'] !== undefined
        ? buildEnumerateCommandsEnvelope(ctx, { shellId: req.filterSelectors['ShellId'], maxElements: req.maxElements })
        : buildEnumerateShellsEnvelope(ctx, { maxElements: req.maxElements });
    default:
      throw new Error(`no builder for ${req.kind}`);
  }
}

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
