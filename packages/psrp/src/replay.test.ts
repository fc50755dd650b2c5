import { afterAll, describe, expect, it } from 'vitest';
import { listPsrpRecordings, loadPsrpcoreOracle, loadPypsrpInventory } from '@exops/test-vectors';
import {
  Defragmenter,
  RunspacePoolClient,
  decodeBody,
  decodeMessage,
  guidKey,
  isEmptyGuid,
  parsePayload,
  type ClientEvent,
  type MessageTypeName,
} from './index.js';
import { psrpExchanges } from './test-support/recordings.js';

const oracle = loadPsrpcoreOracle();
const inventory = new Map(loadPypsrpInventory().files.map((f) => [f['file'] as string, f]));
const oracleByFile = new Map((oracle.replay_pypsrp_recordings as { file: string }[]).map((r) => [r.file, r as unknown as OracleReplay]));

interface OracleEvent {
  exchange: number;
  event: string;
  pipeline_id?: string | null;
  state?: string;
  data_repr?: string;
}
interface OracleReplay {
  file: string;
  events: OracleEvent[];
  errors: { exchange: number; error: string }[];
}

const EVENT_NAME: Partial<Record<MessageTypeName, string>> = {
  SESSION_CAPABILITY: 'SessionCapabilityEvent',
  APPLICATION_PRIVATE_DATA: 'ApplicationPrivateDataEvent',
  RUNSPACEPOOL_STATE: 'RunspacePoolStateEvent',
  RUNSPACEPOOL_INIT_DATA: 'RunspacePoolInitDataEvent',
  RUNSPACE_AVAILABILITY: 'RunspaceAvailabilityEvent',
  ENCRYPTED_SESSION_KEY: 'EncryptedSessionKeyEvent',
  PIPELINE_OUTPUT: 'PipelineOutputEvent',
  ERROR_RECORD: 'ErrorRecordEvent',
  WARNING_RECORD: 'WarningRecordEvent',
  VERBOSE_RECORD: 'VerboseRecordEvent',
  DEBUG_RECORD: 'DebugRecordEvent',
  INFORMATION_RECORD: 'InformationRecordEvent',
  PROGRESS_RECORD: 'ProgressRecordEvent',
  PIPELINE_STATE: 'PipelineStateEvent',
  PIPELINE_HOST_CALL: 'PipelineHostCallEvent',
  RUNSPACEPOOL_HOST_CALL: 'RunspacePoolHostCallEvent',
  USER_EVENT: 'UserEventEvent',
};

// The oracle's documented gaps: psrpcore raised instead of producing an event for these message types.
const KNOWN_GAP: { pattern: RegExp; messageType: MessageTypeName }[] = [
  { pattern: /no attribute 'decrypt'/, messageType: 'ENCRYPTED_SESSION_KEY' },
  { pattern: /^KeyError/, messageType: 'RUNSPACE_AVAILABILITY' },
  { pattern: /SerializeExtent/, messageType: 'DEBUG_RECORD' },
];

const NEW_POOL_MARKER = '<new runspace pool: second Create in this recording>';

interface Seen {
  exchange: number;
  event: string;
  messageType: MessageTypeName;
  pipeline_id: string | null;
  state?: string | undefined;
  source: ClientEvent | undefined;
}

/** Replays one recording as a client: decodes every blob both ways; returns server→client events per exchange. */
function replay(file: string): { seen: Seen[]; clientTypes: Map<string, number>; serverTypes: Map<string, number>; boms: number } {
  const seen: Seen[] = [];
  const clientTypes = new Map<string, number>();
  const serverTypes = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  let client: RunspacePoolClient | undefined;
  let toServer = new Defragmenter();
  // Counts server messages independently of the client machine (a message may span Receive responses).
  let toClient = new Defragmenter();
  const pipelines = new Map<string, Uint8Array>();
  let creates = 0;
  let boms = 0;
  for (const ex of psrpExchanges(file)) {
    const sendsPool = ex.request.some((b) => b.location === 'creationXml' || b.location === 'connectXml');
    if (sendsPool) {
      toServer = new Defragmenter();
      toClient = new Defragmenter();
    }
    for (const blob of ex.request) {
      for (const { data } of toServer.push(blob.bytes)) {
        const message = decodeMessage(data);
        expect(message.destination).toBe(2);
        bump(clientTypes, message.messageType);
        const body = message.messageType === 'END_OF_PIPELINE_INPUT' ? null : decodeBody(message.data);
        parsePayload(message.messageType, body);
        if (message.messageType === 'SESSION_CAPABILITY') {
          client = new RunspacePoolClient({ runspacePoolId: message.rpid });
          if (blob.location === 'creationXml') {
            client.open();
            creates += 1;
            if (creates > 1) seen.push({ exchange: ex.index, event: NEW_POOL_MARKER, messageType: 'SESSION_CAPABILITY', pipeline_id: null, source: undefined });
          } else {
            client.connect();
          }
          for (const pid of pipelines.values()) client.attachPipeline(pid);
        }
        if ((message.messageType === 'CREATE_PIPELINE' || message.messageType === 'GET_COMMAND_METADATA') && client !== undefined) {
          pipelines.set(guidKey(message.pid), message.pid);
          if (client.pipeline(message.pid) === undefined) client.attachPipeline(message.pid);
        }
      }
    }
    for (const blob of ex.response) {
      expect(client, `${file} exchange ${ex.index}: server data before any Create`).toBeDefined();
      for (const { data } of toClient.push(blob.bytes)) {
        const m = decodeMessage(data);
        bump(serverTypes, m.messageType);
        if (m.hasBom) boms += 1;
      }
      for (const e of client!.receive(blob.bytes)) {
        if (e.type === 'invalidMessage') throw e.error;
        const pipelineId = 'pipelineId' in e && e.pipelineId !== undefined ? e.pipelineId : null;
        const state = e.type === 'runspacePoolState' || e.type === 'pipelineState' ? e.state : undefined;
        seen.push({ exchange: ex.index, event: EVENT_NAME[e.messageType] ?? e.messageType, messageType: e.messageType, pipeline_id: pipelineId, state, source: e });
      }
    }
  }
  client?.finish();
  return { seen, clientTypes, serverTypes, boms };
}

function pythonRepr(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && /^[\x20-\x7e]*$/.test(value) && !value.includes("'") && !value.includes('\\')) return `'${value}'`;
  return undefined;
}

const files = listPsrpRecordings();


describe('replay_pypsrp_recordings', () => {
  it('covers every recording psrpcore decoded', () => {
    expect(files.length).toBeGreaterThanOrEqual(39);
    for (const r of oracle.replay_pypsrp_recordings as { file: string }[]) expect(files).toContain(r.file);
  });

  let comparedValues = 0;
  let failuresWithReason = 0;
  afterAll(() => {
    expect(failuresWithReason).toBe(6);
    // Plain string/number outputs were compared by value, not only by event type.
    expect(comparedValues).toBeGreaterThan(40);
  });

  it.each(files)('%s: every blob decodes; client types match INVENTORY; events match psrpcore', (file) => {
    const { seen, clientTypes, serverTypes, boms } = replay(file);
    const inv = inventory.get(file)!;
    expect(Object.fromEntries(clientTypes)).toEqual(inv['client_to_server']);
    expect(Object.fromEntries(serverTypes)).toEqual(inv['server_to_client']);
    expect(boms > 0).toBe(inv['bom_in_server_messages'] === true);

    const want = oracleByFile.get(file);
    if (want === undefined) return;
    // Drop what psrpcore could not decode (its documented errors), one per error, in the exchange it failed in.
    const ours = [...seen];
    for (const err of want.errors) {
      const gap = KNOWN_GAP.find((g) => g.pattern.test(err.error));
      expect(gap, `undocumented psrpcore error ${err.error}`).toBeDefined();
      const i = ours.findIndex((s) => s.exchange === err.exchange && s.messageType === gap!.messageType);
      expect(i, `${file} exchange ${err.exchange}: we should decode the ${gap!.messageType} psrpcore failed on`).toBeGreaterThanOrEqual(0);
      ours.splice(i, 1);
    }
    const shape = (e: OracleEvent | Seen): Record<string, unknown> => ({
      exchange: e.exchange,
      event: e.event,
      ...(e.event === NEW_POOL_MARKER ? {} : { pipeline_id: e.pipeline_id ?? null }),
      ...(e.state === undefined ? {} : { state: e.state }),
    });
    expect(ours.map(shape)).toEqual(want.events.map(shape));
    // Where psrpcore's repr is a plain string or number, the decoded value must be the same.
    let compared = 0;
    want.events.forEach((w, i) => {
      const src = ours[i]?.source;
      if (w.event === 'PipelineOutputEvent' && src?.type === 'output') {
        const repr = pythonRepr(src.value);
        // The oracle cuts reprs at 300 characters.
        if (repr !== undefined) compared += 1;
        if (repr !== undefined) expect(w.data_repr!.length === 300 ? repr.slice(0, 300) : repr).toBe(w.data_repr);
      }
    });
    comparedValues += compared;
    // Real Windows error records and failure reasons flatten to a message and an error id.
    for (const s of ours) {
      const e = s.source;
      if (e?.type === 'error') {
        expect(e.record.message, `${file} exchange ${s.exchange}`).not.toBe('');
        expect(e.record.fullyQualifiedErrorId).toBeTruthy();
        expect(e.record.category).toBeTruthy();
      }
      if (e?.type === 'pipelineState' && e.state === 'Failed') {
        expect(e.reason?.message, `${file} exchange ${s.exchange}: Failed without a reason`).toBeTruthy();
        failuresWithReason += 1;
      }
    }
  });
});

describe('recorded server messages', () => {
  it('GUIDs are opaque: big-endian-GUID recordings still route to their pipelines', () => {
    const be = files.filter((f) => String(inventory.get(f)?.['guid_byte_order']).startsWith('big'));
    expect(be.length).toBeGreaterThan(20);
    for (const f of be.slice(0, 5)) {
      const { seen } = replay(f);
      expect(seen.length).toBeGreaterThan(0);
    }
    expect(isEmptyGuid(new Uint8Array(16))).toBe(true);
  });
});
