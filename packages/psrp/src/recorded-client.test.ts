import { describe, expect, it } from 'vitest';
import { listPsrpRecordings, loadPypsrpInventory } from '@exops/test-vectors';
import {
  Defragmenter,
  RunspacePoolServer,
  buildCreatePipeline,
  buildGetCommandMetadata,
  buildHostInfo,
  buildHostResponse,
  buildInitRunspacePool,
  buildSessionCapability,
  buildSetRunspaces,
  decodeBody,
  decodeMessage,
  deserializeClixml,
  encodeBody,
  parseCreatePipeline,
  parseHostInfo,
  parsePayload,
  serializeClixml,
  type ParsedCommand,
  type PipelineCommand,
  type PsrpPayload,
  type ServerEvent,
} from './index.js';
import type { PSObject, PSValue } from '@exops/contracts';
import { psrpExchanges } from './test-support/recordings.js';

const files = listPsrpRecordings();
const inventory = new Map(loadPypsrpInventory().files.map((f) => [f['file'] as string, f]));

/** Every client→server payload of a recording, in order, with its raw body. */
function clientPayloads(file: string): { payload: PsrpPayload; body: PSValue }[] {
  const out: { payload: PsrpPayload; body: PSValue }[] = [];
  let d = new Defragmenter();
  for (const ex of psrpExchanges(file)) {
    if (ex.request.some((b) => b.location === 'creationXml' || b.location === 'connectXml')) d = new Defragmenter();
    for (const blob of ex.request) {
      for (const { data } of d.push(blob.bytes)) {
        const m = decodeMessage(data);
        const body = m.messageType === 'END_OF_PIPELINE_INPUT' ? null : decodeBody(m.data);
        out.push({ payload: parsePayload(m.messageType, body), body });
      }
    }
  }
  return out;
}

const canonical = (v: PSValue): string => serializeClixml(deserializeClixml(serializeClixml(v)));

/** Our builder's options for a command pypsrp sent (merge fields expressed as merged-to-output streams). */
function asOptions(c: ParsedCommand): PipelineCommand {
  const merged = (v: number | undefined): boolean => v === 1;
  return {
    command: c.command,
    isScript: c.isScript,
    ...(c.useLocalScope === undefined ? {} : { useLocalScope: c.useLocalScope }),
    parameters: c.parameters.map((p) => (p.name === undefined ? { value: p.value } : { name: p.name, value: p.value })),
    mergeStreams: { error: merged(c.merge.error) || c.merge.myResult === 2, warning: merged(c.merge.warning), verbose: merged(c.merge.verbose), debug: merged(c.merge.debug), information: merged(c.merge.information) },
  };
}

describe('what real clients sent, through our parsers and builders', () => {
  it.each(files)('%s: every client message parses, and our builders express the same content', (file) => {
    for (const { payload, body } of clientPayloads(file)) {
      switch (payload.messageType) {
        case 'SESSION_CAPABILITY':
          expect(payload.value.protocolVersion).toMatch(/^2\.[123]$/);
          expect(decodeRoundTrip(buildSessionCapability(payload.value))).toEqual(payload.value);
          break;
        case 'INIT_RUNSPACEPOOL': {
          const v = payload.value;
          const rebuilt = parsePayload('INIT_RUNSPACEPOOL', deserializeClixml(encodeBody(buildInitRunspacePool({
            minRunspaces: v.minRunspaces,
            maxRunspaces: v.maxRunspaces,
            hostInfo: buildHostInfo(parseHostInfo(v.hostInfo)),
            applicationArguments: v.applicationArguments,
          }))));
          expect(rebuilt.value).toMatchObject({ minRunspaces: v.minRunspaces, maxRunspaces: v.maxRunspaces, threadOptions: v.threadOptions, apartmentState: v.apartmentState });
          // HostInfo with console data survives our parse → build round trip exactly.
          expect(canonical((rebuilt.value as { hostInfo: PSObject }).hostInfo)).toBe(canonical(v.hostInfo));
          break;
        }
        case 'CREATE_PIPELINE': {
          const v = payload.value;
          const version = v.statements.some((s) => s.some((c) => c.merge.information !== undefined)) ? '2.3' : v.statements.some((s) => s.some((c) => c.merge.error !== undefined)) ? '2.2' : '2.1';
          const rebuilt = parseCreatePipeline(deserializeClixml(encodeBody(buildCreatePipeline({
            statements: v.statements.map((s) => s.map(asOptions)),
            noInput: v.noInput,
            addToHistory: v.addToHistory,
            isNested: v.isNested,
            remoteStreamOptions: v.remoteStreamOptions,
            ...(v.history === undefined ? {} : { history: v.history }),
            redirectShellErrorOutputPipe: v.redirectShellErrorOutputPipe,
          }, version))));
          const strip = (p: typeof v) => ({ ...p, hostInfo: null, statements: p.statements.map((s) => s.map((c) => ({ ...c, parameters: c.parameters.map((x) => ({ name: x.name, value: canonical(x.value) })), merge: { ...c.merge, previousResults: 0, myResult: c.merge.myResult === 2 ? 2 : 0, toResult: c.merge.toResult === 1 && c.merge.myResult === 2 ? 1 : 0 } }))) });
          expect(strip(rebuilt)).toEqual(strip(v));
          break;
        }
        case 'GET_COMMAND_METADATA': {
          const v = payload.value;
          expect(canonical(buildGetCommandMetadata({ names: v.names, commandType: v.commandType, ...(v.namespace === undefined ? {} : { namespace: v.namespace }) }))).toBe(canonical(body));
          break;
        }
        case 'SET_MAX_RUNSPACES':
        case 'SET_MIN_RUNSPACES':
          expect(parsePayload(payload.messageType, deserializeClixml(encodeBody(buildSetRunspaces(payload.messageType === 'SET_MAX_RUNSPACES' ? 'max' : 'min', payload.value))))).toEqual(payload);
          break;
        case 'PIPELINE_HOST_RESPONSE':
        case 'RUNSPACEPOOL_HOST_RESPONSE': {
          const v = payload.value;
          if (v.error === undefined) expect(canonical(buildHostResponse({ callId: v.callId, methodId: v.methodId, result: v.result ?? null }))).toBe(canonical(body));
          break;
        }
        default:
          break;
      }
    }
  });

  it('GET_COMMAND_METADATA and the key-exchange, host-response and runspace messages appear in the recordings', () => {
    const seen = new Set(files.flatMap((f) => clientPayloads(f).map((p) => p.payload.messageType)));
    for (const t of ['GET_COMMAND_METADATA', 'PUBLIC_KEY', 'PIPELINE_HOST_RESPONSE', 'SET_MAX_RUNSPACES', 'SET_MIN_RUNSPACES', 'GET_AVAILABLE_RUNSPACES', 'RESET_RUNSPACE_STATE', 'CONNECT_RUNSPACEPOOL', 'PIPELINE_INPUT', 'END_OF_PIPELINE_INPUT']) {
      expect(seen, t).toContain(t);
    }
  });
});

function decodeRoundTrip(obj: PSObject): unknown {
  return parsePayload('SESSION_CAPABILITY', deserializeClixml(encodeBody(obj))).value;
}

describe('our server machine accepts what real clients sent', () => {
  it.each(files)('%s', (file) => {
    let server: RunspacePoolServer | undefined;
    const events: ServerEvent[] = [];
    for (const ex of psrpExchanges(file)) {
      for (const blob of ex.request) {
        if (blob.location === 'creationXml' || blob.location === 'connectXml') server = new RunspacePoolServer();
        const got = server!.receive(blob.bytes);
        for (const e of got) if (e.type === 'invalidMessage') throw e.error;
        events.push(...got);
        for (const e of got) if (e.type === 'createPipeline' || e.type === 'getCommandMetadata') e.pipeline.setState('Running');
      }
    }
    const want = inventory.get(file)!['client_to_server'] as Record<string, number>;
    const total = Object.values(want).reduce((a, b) => a + b, 0);
    expect(events.length).toBe(total);
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e.messageType ?? '?', (byType.get(e.messageType ?? '?') ?? 0) + 1);
    expect(Object.fromEntries(byType)).toEqual(want);
  });
});
