import { describe, expect, it } from 'vitest';
import { listPypsrpRecordings, loadPypsrpRecording } from '@exops/test-vectors';
import {
  buildCommandResponse,
  buildConnectResponse,
  buildCreateResponse,
  buildDeleteResponse,
  buildDisconnectResponse,
  buildEnumerateResponse,
  buildFaultResponse,
  buildGetConfigResponse,
  buildGetShellResponse,
  buildInvalidSelectorsFault,
  buildPullResponse,
  buildQuotaLimitFault,
  buildReceiveResponse,
  buildReconnectResponse,
  buildSendResponse,
  buildSignalResponse,
  buildTimedOutFault,
  TIMED_OUT_TEXT,
  type WsmanConfigTree,
  type WsmanResponseContext,
  type WsmanResponseEnvelope,
  type WsmanShellProperties,
} from './response-builders.js';
import { parseWsmanResponse, type WsmanResponse } from './response-parser.js';
import type { WsmanShellInfo } from './envelope.js';
import { wsmanFaultToError } from './faults.js';
import { canonicalEnvelope } from './test-support/structure.js';
import { parseXmlDocument } from './xml.js';
import { ExopsErrorCode } from '@exops/contracts';
import { readVectorText } from '@exops/test-vectors';

function shellProps(info: WsmanShellInfo): WsmanShellProperties {
  const { properties: _p, ...rest } = info;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out as WsmanShellProperties;
}

function unflatten(config: Readonly<Record<string, string>>): WsmanConfigTree {
  const root: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(config)) {
    const keys = path.split('/');
    let node = root;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1] as string] = value;
  }
  return root as WsmanConfigTree;
}

/** Rebuilds a recorded Windows response with the server-side builders, from what it carries. */
function rebuild(res: WsmanResponse, recorded: string): WsmanResponseEnvelope | undefined {
  const ctx: WsmanResponseContext = { relatesTo: res.header.relatesTo ?? '', messageId: res.header.messageId, activityId: res.header.activityId };
  switch (res.kind) {
    case 'create':
      if (res.shell === undefined) return undefined;
      return buildCreateResponse(ctx, { address: res.address ?? '', resourceUri: res.resourceUri ?? '', shell: shellProps(res.shell) });
    case 'command':
      return buildCommandResponse(ctx, { commandId: res.commandId });
    case 'send':
      return buildSendResponse(ctx);
    case 'signal':
      return buildSignalResponse(ctx);
    case 'delete':
      return buildDeleteResponse(ctx);
    case 'disconnect':
      return buildDisconnectResponse(ctx);
    case 'reconnect':
      return buildReconnectResponse(ctx);
    case 'receive': {
      const cs = res.commandState;
      return buildReceiveResponse(ctx, {
        streams: res.streams.map((s) => ({ name: s.name, commandId: s.commandId, data: s.base64, end: s.end })),
        commandState: cs === undefined ? undefined : { commandId: cs.commandId ?? '', state: cs.state as 'Done', exitCode: cs.exitCode },
      });
    }
    case 'connect':
      return buildConnectResponse(ctx, { connectResponseXml: res.connectResponseXml, inputStreams: res.inputStreams, outputStreams: res.outputStreams });
    case 'enumerate':
      return buildEnumerateResponse(ctx, { shells: res.shells.map(shellProps), commands: res.commands, enumerationContext: res.enumerationContext, endOfSequence: res.endOfSequence });
    case 'get-config':
      return buildGetConfigResponse(ctx, unflatten(res.config));
    case 'get-shell':
      return buildGetShellResponse(ctx, shellProps(res.shell));
    case 'fault': {
      const f = res.fault;
      if (f.wsmanCode === 2150858793) return buildTimedOutFault(ctx, { machine: f.machine });
      if (f.subcode === 'InvalidSelectors') return buildInvalidSelectorsFault(ctx, { machine: f.machine, target: f.providerFaults.length === 0 ? 'command' : 'shell' });
      const provider = f.providerFaults[0];
      return buildFaultResponse(ctx, {
        code: f.code as 'Sender',
        subcode: f.subcode ?? '',
        reason: recordedReason(recorded),
        faultDetail: f.faultDetail,
        wsmanCode: f.wsmanCode,
        machine: f.machine,
        message: f.message === recordedReason(recorded).trim() ? recordedReason(recorded) : f.message,
        provider: provider === undefined ? undefined : { provider: provider.provider ?? '', path: provider.path ?? '', nested: /ProviderFault[^>]*><f:WSManFault/.test(recorded) },
      });
    }
    default:
      return undefined;
  }
}

function recordedReason(xml: string): string {
  const m = /<s:Text[^>]*>([^<]*)<\/s:Text>/.exec(xml);
  return m?.[1] ?? '';
}

describe('server response builders match the recorded Windows responses (structurally)', () => {
  const kinds = new Set<string>();
  for (const name of listPypsrpRecordings()) {
    it(name, () => {
      for (const [i, ex] of loadPypsrpRecording(name).exchanges.entries()) {
        if (ex.response === '') continue;
        const res = parseWsmanResponse(ex.response);
        const built = rebuild(res, ex.response);
        if (built === undefined) continue;
        kinds.add(res.kind);
        const recorded = canonicalEnvelope(ex.response);
        const ours = canonicalEnvelope(built.xml);
        expect(ours, `${name} #${i} (${res.kind})`).toEqual(recorded);
      }
    });
  }

  it('covered every response kind of the recordings', () => {
    expect([...kinds].sort()).toEqual(['command', 'connect', 'create', 'delete', 'disconnect', 'enumerate', 'fault', 'get-config', 'get-shell', 'receive', 'reconnect', 'send', 'signal']);
  });
});

describe('server fault builders', () => {
  const ctx: WsmanResponseContext = { relatesTo: 'uuid:9F5BDC50-0F4A-45FC-94F9-42B40948AB04', messageId: 'uuid:96BBC038-8C9C-4D2F-8319-585BDBAD3549' };

  it('writes w:TimedOut with the exact Windows text', () => {
    const recorded = loadPypsrpRecording('test_psrp_long_running_cmdlet.yml').exchanges.find((e) => e.response.includes('TimedOut'))?.response ?? '';
    const ours = buildTimedOutFault(ctx, { machine: '127.0.0.1' }).xml;
    const text = (xml: string): string[] => {
      const out: string[] = [];
      const walk = (el: ReturnType<typeof parseXmlDocument>): void => { if (el.text !== '') out.push(el.text); el.children.forEach(walk); };
      walk(parseXmlDocument(xml));
      return out.filter((t) => t.includes('OperationTimeout'));
    };
    expect(text(ours)).toEqual(text(recorded));
    expect(text(ours)[0]).toBe(TIMED_OUT_TEXT);
    const parsed = parseWsmanResponse(ours);
    expect(parsed.kind === 'fault' && parsed.fault).toMatchObject({ wsmanCode: 2150858793, subcode: 'TimedOut', code: 'Receiver', machine: '127.0.0.1' });
  });

  it('writes QuotaLimit shaped like wmi_error_v2.xml', () => {
    const ours = buildQuotaLimitFault({ relatesTo: 'uuid:1', messageId: 'uuid:B8829021-48C3-4F27-B94B-491DAC4F29B1' }, { maxShellsPerUser: 30 });
    const recorded = readVectorText('winrm-ruby/tests/spec/stubs/responses/wmi_error_v2.xml');
    const body = (xml: string): unknown => canonicalEnvelope(xml).children[1];
    expect(body(ours.xml)).toEqual(body(recorded));
    const parsed = parseWsmanResponse(ours.xml);
    if (parsed.kind !== 'fault') throw new Error(parsed.kind);
    expect(wsmanFaultToError(parsed.fault).code).toBe(ExopsErrorCode.WSMAN_QUOTA);
  });

  it('escapes fault values', () => {
    const xml = buildFaultResponse(ctx, { code: 'Sender', subcode: 'AccessDenied', reason: 'a <b> & "c"', wsmanCode: 5, machine: 'm&m' }).xml;
    const parsed = parseWsmanResponse(xml);
    if (parsed.kind !== 'fault') throw new Error(parsed.kind);
    expect(parsed.fault).toMatchObject({ reason: 'a <b> & "c"', machine: 'm&m', wsmanCode: 5, wsmanCodeName: 'AccessDenied' });
    expect(wsmanFaultToError(parsed.fault).code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
  });

  it('round-trips an unfinished Enumerate and its Pull', () => {
    const first = parseWsmanResponse(buildEnumerateResponse(ctx, { shells: [{ shellId: 'A', state: 'Connected' }], enumerationContext: 'ctx-1', endOfSequence: false }).xml);
    expect(first).toMatchObject({ kind: 'enumerate', enumerationContext: 'ctx-1', endOfSequence: false });
    const pull = parseWsmanResponse(buildPullResponse(ctx, { shells: [{ shellId: 'B', memoryUsed: '46MB' }] }).xml);
    if (pull.kind !== 'pull') throw new Error(pull.kind);
    expect(pull.endOfSequence).toBe(true);
    expect(pull.enumerationContext).toBeUndefined();
    expect(pull.shells.map((s) => [s.shellId, s.memoryUsed])).toEqual([['B', '46MB']]);
  });

  it('round-trips a Receive with bytes, End and CommandState', () => {
    const xml = buildReceiveResponse(ctx, {
      streams: [{ commandId: 'C', data: new Uint8Array([0, 1, 2, 255]) }, { name: 'stderr', commandId: 'C', data: '', end: true }],
      commandState: { commandId: 'C', state: 'Done', exitCode: 0 },
    }).xml;
    const parsed = parseWsmanResponse(xml);
    if (parsed.kind !== 'receive') throw new Error(parsed.kind);
    expect([...(parsed.streams[0]?.bytes ?? [])]).toEqual([0, 1, 2, 255]);
    expect(parsed.streams[1]).toMatchObject({ name: 'stderr', end: true, base64: '' });
    expect(parsed.commandState).toMatchObject({ commandId: 'C', state: 'Done', exitCode: 0 });
  });
});
