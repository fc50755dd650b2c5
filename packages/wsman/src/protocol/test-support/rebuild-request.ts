/** Rebuilds a recorded request with our builders, from the operation and arguments it carries. */
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
  buildReceiveEnvelope,
  buildReconnectEnvelope,
  buildSendEnvelope,
  buildSignalEnvelope,
  parseXsDuration,
  type WsmanEnvelopeContext,
  type WsmanOption,
  type WsmanRequestEnvelope,
} from '../request-builders.js';
import type { ParsedWsmanRequest } from '../request-parser.js';
import { WsmanResourceUri } from '../namespaces.js';

/**
 * The request our builders write for the operation and arguments of `req` (a parsed recorded request). The PSRP
 * payloads (`creationXml`, `rsp:Arguments`, Send data, `connectXml`) are taken from `req`: replace them in `req` first
 * to carry other bytes.
 */
export function rebuildRequest(req: ParsedWsmanRequest): WsmanRequestEnvelope {
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
