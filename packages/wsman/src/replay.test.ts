/**
 * The replay harness: every PSRP recording of real Windows traffic (pypsrp's tests), driven through OUR client. For
 * each exchange the request is rebuilt by our WSMan builders, with PSRP bytes produced by our RunspacePoolClient and
 * ClientPipeline state machines for the semantic content the recorded client sent; it must equal the recorded request
 * structurally (GUIDs, MessageID, To and header order normalized; PSRP compared as decoded messages). The recorded
 * response then goes through parseWsmanResponse into the same client, whose events and states must advance as the
 * recording implies. Where our client differs from pypsrp on purpose, the test asserts the difference.
 */
import { describe, expect, it } from 'vitest';
import { extractPsrpBlobs, listPsrpRecordings, loadPypsrpInventory, loadPypsrpRecording, type RecordedExchange } from '@exops/test-vectors';
import {
  ApartmentState,
  ClientPipeline,
  PSThreadOptions,
  Destination,
  PSRP_STOP_SIGNAL,
  RunspacePoolClient,
  WSMAN_TERMINATE_SIGNAL,
  decodeBody,
  decodeMessage,
  deserializeClixml,
  encodeFragments,
  encodeMessage,
  guidKey,
  parseFragments,
  parseHostInfo,
  buildHostInfo,
  parsePayload,
  serializeClixml,
  toGuidBytes,
  type ClientEvent,
  type Fragment,
  type MessageTypeName,
  type PsrpMessage,
  type PsrpPayload,
  type SessionCapability,
} from '@exops/psrp';
import type { PSValue } from '@exops/contracts';
import { parseWsmanRequest, type ParsedWsmanRequest } from './protocol/request-parser.js';
import { parseWsmanResponse } from './protocol/response-parser.js';
import { rebuildRequest } from './protocol/test-support/rebuild-request.js';
import { canonicalEnvelope, type CanonicalElement } from './protocol/test-support/structure.js';
import { parseXmlDocument, type XmlElement } from './protocol/xml.js';

const POWERSHELL_URI = 'http://schemas.microsoft.com/powershell/';
const OLD_PYPSRP_STOP_SIGNAL = 'powershell/signal/ctrl_c';
const inventory = new Map(loadPypsrpInventory().files.map((f) => [f['file'] as string, f]));

/** One client→server PSRP message of a recording, with the exchanges its fragments travelled in. */
interface RecordedClientMessage {
  readonly message: PsrpMessage;
  readonly body: PSValue;
  readonly payload: PsrpPayload;
  /** Exchange index of each fragment, in fragment order. */
  readonly exchanges: readonly number[];
  readonly fragmentSize: number;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function decodePayload(message: PsrpMessage): { body: PSValue; payload: PsrpPayload } {
  const body = message.messageType === 'END_OF_PIPELINE_INPUT' ? null : decodeBody(message.data);
  return { body, payload: parsePayload(message.messageType, body) };
}

/** Reassembles fragments (per ObjectId) into messages, remembering where each fragment came from. */
class Reassembler {
  readonly #open = new Map<bigint, { blobs: Uint8Array[]; from: number[]; size: number }>();
  push(fragment: Fragment, from: number, size: number): { message: PsrpMessage; from: number[]; size: number } | undefined {
    const entry = this.#open.get(fragment.objectId) ?? { blobs: [], from: [], size };
    entry.blobs.push(fragment.blob);
    entry.from.push(from);
    this.#open.set(fragment.objectId, entry);
    if (!fragment.end) return undefined;
    this.#open.delete(fragment.objectId);
    return { message: decodeMessage(concat(entry.blobs)), from: entry.from, size: entry.size };
  }
}

/** Every client message of the recording, by the exchange its first fragment is in. */
function recordedClientMessages(exchanges: readonly RecordedExchange[]): Map<number, RecordedClientMessage[]> {
  const out = new Map<number, RecordedClientMessage[]>();
  let r = new Reassembler();
  exchanges.forEach((ex, i) => {
    // WinRS (cmd shell) streams carry raw bytes, not PSRP.
    if (!(parseWsmanRequest(ex.request).header.resourceUri ?? '').startsWith(POWERSHELL_URI)) return;
    for (const blob of extractPsrpBlobs(ex.request)) {
      if (blob.location === 'creationXml' || blob.location === 'connectXml') r = new Reassembler();
      const bytes = new Uint8Array(Buffer.from(blob.base64, 'base64'));
      for (const f of parseFragments(bytes)) {
        const done = r.push(f, i, 21 + f.blob.length);
        if (done === undefined) continue;
        const m: RecordedClientMessage = { message: done.message, ...decodePayload(done.message), exchanges: done.from, fragmentSize: done.size };
        const list = out.get(done.from[0]!) ?? [];
        list.push(m);
        out.set(done.from[0]!, list);
      }
    }
  });
  return out;
}

/** Server messages of one response, decoded independently of our client (the expectation). */
function recordedServerMessages(response: string, reassembler: Reassembler): PsrpMessage[] {
  const out: PsrpMessage[] = [];
  for (const blob of extractPsrpBlobs(response)) {
    for (const f of parseFragments(new Uint8Array(Buffer.from(blob.base64, 'base64')))) {
      const done = reassembler.push(f, 0, 0);
      if (done !== undefined) out.push(done.message);
    }
  }
  return out;
}

/** The structure of an envelope with the PSRP payload text set aside (compared as messages instead). */
function canonicalWithoutPayload(xml: string): CanonicalElement {
  const PAYLOAD = new Set(['creationXml', 'Arguments', 'Stream', 'connectXml']);
  const strip = (el: CanonicalElement): CanonicalElement => ({
    ...el,
    text: PAYLOAD.has(el.tag.slice(el.tag.indexOf('}') + 1)) ? '<psrp>' : el.text,
    children: el.children.map(strip),
  });
  return strip(canonicalEnvelope(xml));
}

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;

interface ClixmlNode {
  readonly tag: string;
  readonly attrs: string;
  readonly text: string;
  readonly children: readonly ClixmlNode[];
}

const byAttrs = (a: ClixmlNode, b: ClixmlNode): number => (a.attrs < b.attrs ? -1 : a.attrs > b.attrs ? 1 : 0);

/**
 * A CLIXML value as comparable structure: re-serialized by our serializer (so Ref/TNRef reuse and RefIds are
 * renumbered the same way on both sides), RefIds dropped, GUIDs zeroed, and the named members of `MS` and `Props`
 * sorted (PowerShell reads them by name; pypsrp and we write them in different orders).
 */
function structure(v: PSValue | undefined): ClixmlNode | string {
  if (v === undefined) return '<undefined>';
  const canon = (el: XmlElement): ClixmlNode => {
    const children = el.children.map(canon);
    if (el.local === 'MS' || el.local === 'Props') children.sort(byAttrs);
    return {
      tag: el.local,
      attrs: el.attributes.filter((a) => a.local !== 'RefId').map((a) => `${a.local}=${a.value}`).join(' '),
      text: el.text.replace(GUID, '0'),
      children,
    };
  };
  return canon(parseXmlDocument(`<root>${serializeClixml(deserializeClixml(serializeClixml(v)))}</root>`));
}

/**
 * pypsrp's spellings that differ from PowerShell's, rewritten in the recorded structure to ours, each one noted so the
 * test states the difference instead of hiding it: pypsrp types ApartmentState as
 * `System.Management.Automation.Runspaces.ApartmentState` with ToString `UNKNOWN`; PowerShell (and [MS-PSRP] 2.2.3.7)
 * use `System.Threading.ApartmentState` and `Unknown`. pypsrp names the call id of SET_MAX/SET_MIN_RUNSPACES `CI`;
 * PowerShell writes `ci` ([MS-PSRP] 2.2.2.8) and reads it case-insensitively.
 */
function withPypsrpSpellingsFixed(node: ClixmlNode | string, notes: Set<string>): ClixmlNode | string {
  if (typeof node === 'string') return node;
  const fix = (el: ClixmlNode, inApartment: boolean): ClixmlNode => {
    const isApartment = inApartment || (el.tag === 'Obj' && el.attrs === 'N=ApartmentState');
    let text = el.text;
    if (el.tag === 'T' && text === 'System.Management.Automation.Runspaces.ApartmentState') {
      notes.add('pypsrp ApartmentState type name');
      text = 'System.Threading.ApartmentState';
    }
    if (isApartment && el.tag === 'ToString' && text === 'UNKNOWN') {
      notes.add('pypsrp ApartmentState ToString UNKNOWN');
      text = 'Unknown';
    }
    let attrs = el.attrs;
    if (el.tag === 'I64' && attrs === 'N=CI') {
      notes.add('pypsrp call id property CI');
      attrs = 'N=ci';
    }
    const children = el.children.map((c) => fix(c, isApartment));
    if (el.tag === 'MS' || el.tag === 'Props') children.sort(byAttrs);
    return { ...el, attrs, text, children };
  };
  return fix(node, false);
}

/** Semantic view of a payload for comparison; the fields pypsrp fills differently on purpose are listed apart. */
function semantic(p: PsrpPayload, body: PSValue): unknown {
  switch (p.messageType) {
    case 'INIT_RUNSPACEPOOL':
      return { ...p.value, hostInfo: structure(p.value.hostInfo), applicationArguments: structure(p.value.applicationArguments ?? undefined) };
    case 'CREATE_PIPELINE':
      return {
        ...p.value,
        hostInfo: structure(p.value.hostInfo ?? undefined),
        statements: p.value.statements.map((s) =>
          s.map((c) => ({
            ...c,
            parameters: c.parameters.map((x) => ({ name: x.name, value: structure(x.value) })),
            // pypsrp writes merge values PowerShell ignores (previousResults on every command, toResult without
            // myResult); our builder writes only the effective merges. The effect is compared, not the noise.
            merge: { ...c.merge, previousResults: 0, myResult: c.merge.myResult === 2 ? 2 : 0, toResult: c.merge.toResult === 1 && c.merge.myResult === 2 ? 1 : 0 },
          })),
        ),
      };
    case 'PIPELINE_INPUT':
    case 'GET_COMMAND_METADATA':
    case 'PIPELINE_HOST_RESPONSE':
    case 'RUNSPACEPOOL_HOST_RESPONSE':
      return structure(body);
    default:
      return p.value;
  }
}

/** The name of an enum value the recording carried (our builders take names). */
function nameOf<T extends Record<string, number>>(values: T, value: number): keyof T & string {
  const name = Object.keys(values).find((k) => values[k] === value);
  if (name === undefined) throw new Error(`no name for value ${value}`);
  return name as keyof T & string;
}

/** The 16 bytes a recording used for a GUID string (31 recordings wrote them big-endian). */
function recordedGuidBytes(id: string, bigEndian: boolean): Uint8Array {
  return bigEndian ? new Uint8Array(Buffer.from(id.replace(/-/g, ''), 'hex')) : toGuidBytes(id);
}

interface Outcome {
  readonly exchanges: number;
  psrpRequests: number;
  clientMessages: number;
  serverMessages: number;
  readonly events: ClientEvent[];
  readonly poolStates: string[];
  readonly pipelineStates: string[];
  readonly notes: string[];
  /** pypsrp spellings the comparison rewrote (see withPypsrpSpellingsFixed). */
  readonly quirks: Set<string>;
  /** How the recording's client wrote the RPID of each pool, against the ShellId the server gave it. */
  readonly rpidByteOrder: Set<'little-endian' | 'big-endian'>;
  /** Client messages carrying a SecureString (encrypted with a session key only the recording's client could read). */
  secureStringMessages: number;
}

/** Drives one recording through our builders and client; throws (with the exchange) on the first difference. */
function drive(name: string, tamper: (exchanges: readonly RecordedExchange[]) => readonly RecordedExchange[] = (e) => e): Outcome {
  const exchanges = tamper(loadPypsrpRecording(name).exchanges);
  const bigEndian = String(inventory.get(name)?.['guid_byte_order'] ?? '').startsWith('big-endian');
  const clientMessages = recordedClientMessages(exchanges);
  const completedIn = new Map<number, RecordedClientMessage[]>();
  for (const m of [...clientMessages.values()].flat()) {
    const end = m.exchanges[m.exchanges.length - 1]!;
    completedIn.set(end, [...(completedIn.get(end) ?? []), m]);
  }
  let ourReassembler = new Reassembler();
  const pools = new Map<string, RunspacePoolClient>();
  const serverReassemblers = new Map<RunspacePoolClient, Reassembler>();
  const outcome: Outcome = { exchanges: exchanges.length, psrpRequests: 0, clientMessages: 0, serverMessages: 0, events: [], poolStates: [], pipelineStates: [], notes: [], quirks: new Set(), rpidByteOrder: new Set(), secureStringMessages: 0 };
  let capability: SessionCapability | undefined;
  let pending: RunspacePoolClient | undefined;
  /** Our fragments waiting for a later exchange (a message pypsrp split between Command and Send). */
  const carried = new Map<number, Uint8Array[]>();

  const poolFor = (shellId: string | undefined): RunspacePoolClient | undefined => (shellId === undefined ? undefined : pools.get(shellId.toUpperCase()));

  /** Our bytes for the recorded client messages starting in this exchange. */
  function ourBytes(i: number, pool: RunspacePoolClient | undefined): Uint8Array[] {
    const out: Uint8Array[] = [...(carried.get(i) ?? [])];
    carried.delete(i);
    const place = (m: RecordedClientMessage, bytes: Uint8Array | readonly Uint8Array[]): void => {
      const fragments = bytes instanceof Uint8Array ? [bytes] : bytes;
      fragments.forEach((f, k) => {
        const at = m.exchanges[Math.min(k, m.exchanges.length - 1)]!;
        if (at === i) out.push(f);
        else carried.set(at, [...(carried.get(at) ?? []), f]);
      });
    };
    for (const m of clientMessages.get(i) ?? []) {
      outcome.clientMessages++;
      const p = m.payload;
      const pipelineOf = (): ClientPipeline => {
        const found = pool?.pipeline(m.message.pid);
        if (found === undefined) throw new Error(`${p.messageType} for a pipeline our client does not know`);
        return found;
      };
      switch (p.messageType) {
        case 'SESSION_CAPABILITY':
          capability = p.value;
          break;
        case 'INIT_RUNSPACEPOOL': {
          const v = p.value;
          pending = new RunspacePoolClient({
            runspacePoolId: m.message.rpid,
            ...(capability === undefined ? {} : { capability }),
            minRunspaces: v.minRunspaces,
            maxRunspaces: v.maxRunspaces,
            threadOptions: nameOf(PSThreadOptions, v.threadOptions),
            apartmentState: nameOf(ApartmentState, v.apartmentState),
            hostInfo: buildHostInfo(parseHostInfo(v.hostInfo)),
            applicationArguments: v.applicationArguments ?? null,
          });
          out.push(pending.open());
          break;
        }
        case 'CONNECT_RUNSPACEPOOL': {
          pending = new RunspacePoolClient({ runspacePoolId: m.message.rpid, ...(capability === undefined ? {} : { capability }) });
          out.push(pending.connect(p.value));
          break;
        }
        case 'CREATE_PIPELINE': {
          const v = p.value;
          const pipeline = pool!.createPipeline({
            pipelineId: m.message.pid,
            statements: v.statements.map((s) =>
              s.map((c) => ({
                command: c.command,
                isScript: c.isScript,
                ...(c.useLocalScope === undefined ? {} : { useLocalScope: c.useLocalScope }),
                parameters: c.parameters.map((x) => (x.name === undefined ? { value: x.value } : { name: x.name, value: x.value })),
                mergeStreams: {
                  error: c.merge.error === 1 || c.merge.myResult === 2,
                  warning: c.merge.warning === 1,
                  verbose: c.merge.verbose === 1,
                  debug: c.merge.debug === 1,
                  information: c.merge.information === 1,
                },
              })),
            ),
            noInput: v.noInput,
            addToHistory: v.addToHistory,
            isNested: v.isNested,
            apartmentState: nameOf(ApartmentState, v.apartmentState),
            remoteStreamOptions: v.remoteStreamOptions,
            ...(v.history === undefined ? {} : { history: v.history }),
            ...(v.hostInfo === undefined ? {} : { hostInfo: buildHostInfo(parseHostInfo(v.hostInfo)) }),
            redirectShellErrorOutputPipe: v.redirectShellErrorOutputPipe,
          });
          place(m, pipeline.start({ maxFragmentSize: m.fragmentSize }));
          break;
        }
        case 'GET_COMMAND_METADATA': {
          const v = p.value;
          const pipeline = pool!.getCommandMetadata({
            pipelineId: m.message.pid,
            names: v.names,
            commandType: v.commandType,
            ...(v.namespace === undefined ? {} : { namespace: v.namespace }),
            ...(v.argumentList === undefined ? {} : { argumentList: v.argumentList }),
          });
          place(m, pipeline.start({ maxFragmentSize: m.fragmentSize }));
          break;
        }
        case 'PIPELINE_INPUT':
          place(m, pipelineOf().sendInput([m.body]));
          break;
        case 'END_OF_PIPELINE_INPUT':
          place(m, pipelineOf().endInput());
          break;
        case 'PIPELINE_HOST_RESPONSE':
        case 'RUNSPACEPOOL_HOST_RESPONSE': {
          const v = p.value;
          // No recorded host response carries an error record; fail loudly if one ever does, rather than guess.
          if (v.error !== undefined) throw new Error(`${p.messageType} with an error record has no driver here`);
          const response = { callId: v.callId, methodId: v.methodId, result: v.result ?? null };
          place(m, p.messageType === 'PIPELINE_HOST_RESPONSE' ? pipelineOf().respondToHostCall(response) : pool!.respondToHostCall(response));
          break;
        }
        case 'SET_MAX_RUNSPACES':
        case 'SET_MIN_RUNSPACES': {
          const sent = p.messageType === 'SET_MAX_RUNSPACES' ? pool!.setMaxRunspaces(p.value.value) : pool!.setMinRunspaces(p.value.value);
          place(m, sent.bytes);
          break;
        }
        case 'GET_AVAILABLE_RUNSPACES':
          place(m, pool!.getAvailableRunspaces().bytes);
          break;
        case 'RESET_RUNSPACE_STATE':
          place(m, pool!.resetRunspaceState().bytes);
          break;
        case 'PUBLIC_KEY':
          // The public half is in the recording; the private half never was, so ENCRYPTED_SESSION_KEY stays opaque.
          place(m, pool!.sendPublicKey(p.value));
          break;
        default:
          throw new Error(`client message ${p.messageType} has no driver in our client`);
      }
    }
    return out;
  }

  exchanges.forEach((ex, i) => {
    const where = `${name} #${i}`;
    const req = parseWsmanRequest(ex.request);
    if (!(req.header.resourceUri ?? '').startsWith(POWERSHELL_URI) && req.header.resourceUri !== undefined && !req.header.resourceUri.includes('wsman/1/config') && !req.header.resourceUri.includes('windows/shell')) {
      throw new Error(`${where}: unexpected resource ${req.header.resourceUri}`);
    }
    const winrs = (req.header.resourceUri ?? '').endsWith('windows/shell/cmd');
    const pool = req.kind === 'create' || (req.kind === 'connect' && req.commandId === undefined) ? undefined : poolFor(req.selectors['ShellId']);

    // 1. The request, built by us.
    let ours: ParsedWsmanRequest = req;
    const recordedBlobs = extractPsrpBlobs(ex.request);
    if (!winrs && (recordedBlobs.length > 0 || carried.has(i) || clientMessages.has(i))) {
      outcome.psrpRequests++;
      const bytes = ourBytes(i, pool);
      const base64 = Buffer.from(concat(bytes)).toString('base64');
      // Compare our messages with the recorded ones as they complete (decoded, not as bytes: ObjectIds and RefIds differ).
      if (req.kind === 'create' || req.kind === 'connect') ourReassembler = new Reassembler();
      const recorded = completedIn.get(i) ?? [];
      const mine = bytes.flatMap((run) => parseFragments(run)).flatMap((f) => ourReassembler.push(f, 0, 0)?.message ?? []);
      expect(mine.map((m) => m.messageType), `${where}: message types`).toEqual(recorded.map((m) => m.message.messageType));
      mine.forEach((m, k) => {
        const r = recorded[k]!;
        expect(m.destination, `${where}: destination`).toBe(Destination.SERVER);
        expect(guidKey(m.rpid), `${where}: RPID`).toBe(guidKey(r.message.rpid));
        expect(guidKey(m.pid), `${where}: PID`).toBe(guidKey(r.message.pid));
        const d = decodePayload(m);
        if (JSON.stringify(structure(r.body)).includes('"tag":"SS"')) outcome.secureStringMessages++;
        expect(semantic(d.payload, d.body), `${where}: ${m.messageType} content`).toEqual(semantic(r.payload, r.body));
        if (m.messageType !== 'CREATE_PIPELINE') expect(structure(d.body), `${where}: ${m.messageType} CLIXML`).toEqual(withPypsrpSpellingsFixed(structure(r.body), outcome.quirks));
      });
      switch (req.kind) {
        case 'create':
          ours = { ...req, creationXml: base64 };
          break;
        case 'connect':
          ours = { ...req, connectXml: req.connectXml === undefined ? undefined : base64 };
          break;
        case 'command':
          ours = { ...req, arguments: req.arguments.length === 0 ? [] : [base64] };
          break;
        case 'send':
          ours = { ...req, streams: req.streams.map((s) => ({ ...s, base64 })) };
          break;
        default:
          throw new Error(`${where}: PSRP data in a ${req.kind} request`);
      }
    }
    if (req.kind === 'signal' && !winrs) {
      const pipeline = pool?.pipeline(recordedGuidBytes(req.commandId ?? '', bigEndian));
      if (req.code === WSMAN_TERMINATE_SIGNAL) {
        if (pipeline !== undefined) pool!.removePipeline(pipeline.idBytes);
      } else {
        // Old pypsrp spelled the stop code as the word; PowerShell's own client (and ours) sends the protocol's typo.
        expect(req.code, `${where}: signal code`).toBe(OLD_PYPSRP_STOP_SIGNAL);
        expect(pipeline?.stop().signal).toBe(PSRP_STOP_SIGNAL);
        outcome.notes.push(`signal ${OLD_PYPSRP_STOP_SIGNAL} recorded, ours ${PSRP_STOP_SIGNAL}`);
        ours = { ...req, code: PSRP_STOP_SIGNAL };
      }
    }
    const built = rebuildRequest(ours);
    const expected = canonicalWithoutPayload(ex.request);
    if (ours !== req && req.kind === 'signal') {
      expect(canonicalWithoutPayload(built.xml.replace(PSRP_STOP_SIGNAL, OLD_PYPSRP_STOP_SIGNAL)), `${where}: envelope`).toEqual(expected);
    } else {
      expect(canonicalWithoutPayload(built.xml), `${where}: envelope`).toEqual(expected);
    }

    // 2. The recorded response, into our client.
    if (ex.directives['http_error'] !== undefined || ex.directives['auth_error'] !== undefined) {
      // pypsrp's runner raised a connection or auth error here instead of answering: there is no response to feed.
      expect(ex.response.trim(), `${where}: simulated error`).toBe('');
      outcome.notes.push(`#${i}: simulated ${ex.directives['http_error'] !== undefined ? 'connection' : 'auth'} error`);
      return;
    }
    const res = parseWsmanResponse(ex.response);
    if (winrs) return;
    if (req.kind === 'create' && res.kind === 'create') {
      expect(pending, `${where}: a Create without INIT_RUNSPACEPOOL`).toBeDefined();
      // The RPID is the ShellId the client proposed; a server may assign another ShellId and keep the RPID.
      const proposed = req.shellId ?? res.shellId;
      if (proposed.toUpperCase() !== res.shellId.toUpperCase()) outcome.notes.push(`#${i}: server assigned ShellId ${res.shellId} for proposed ${proposed}`);
      const rpid = guidKey(pending!.idBytes);
      expect([guidKey(toGuidBytes(proposed)), guidKey(recordedGuidBytes(proposed, true))], `${where}: RPID is the proposed ShellId`).toContain(rpid);
      outcome.rpidByteOrder.add(rpid === guidKey(toGuidBytes(proposed)) ? 'little-endian' : 'big-endian');
      pools.set(res.shellId.toUpperCase(), pending!);
      serverReassemblers.set(pending!, new Reassembler());
      pending = undefined;
      return;
    }
    const target = req.kind === 'connect' && req.commandId === undefined ? pending : pool;
    if (req.kind === 'connect' && req.commandId === undefined && target !== undefined) {
      pools.set((req.selectors['ShellId'] ?? '').toUpperCase(), target);
      serverReassemblers.set(target, new Reassembler());
      pending = undefined;
    }
    if ((req.kind === 'connect' || req.kind === 'reconnect') && req.commandId !== undefined && target !== undefined && target.pipeline(recordedGuidBytes(req.commandId, bigEndian)) === undefined) {
      target.attachPipeline(recordedGuidBytes(req.commandId, bigEndian));
    }
    let streams: Uint8Array[] = [];
    switch (res.kind) {
      case 'receive':
        streams = res.streams.map((s) => s.bytes);
        break;
      case 'connect':
        if (res.connectResponseXml !== undefined) streams = [new Uint8Array(Buffer.from(res.connectResponseXml, 'base64'))];
        break;
      case 'disconnect':
        target?.disconnected();
        break;
      case 'reconnect':
        if (req.kind === 'reconnect' && req.commandId === undefined) target?.reconnected();
        break;
      case 'delete':
        target?.close();
        break;
      default:
        break;
    }
    if (streams.length === 0) return;
    expect(target, `${where}: a response for a shell our client does not have`).toBeDefined();
    const want = recordedServerMessages(ex.response, serverReassemblers.get(target!)!);
    const events = streams.flatMap((b) => target!.receive(b));
    outcome.serverMessages += want.length;
    outcome.events.push(...events);
    const invalid = events.filter((e) => e.type === 'invalidMessage');
    expect(invalid.map((e) => `${e.messageType}: ${e.error.message}`), `${where}: messages our client rejected`).toEqual([]);
    expect(events.map((e) => e.messageType), `${where}: one event per server message`).toEqual(want.map((m) => m.messageType));
    for (const e of events) {
      if (e.type === 'runspacePoolState') outcome.poolStates.push(String(e.state));
      if (e.type === 'pipelineState') outcome.pipelineStates.push(String(e.state));
    }
    const lastPool = events.filter((e) => e.type === 'runspacePoolState').pop();
    if (lastPool?.type === 'runspacePoolState') expect(target!.state, `${where}: pool state`).toBe(lastPool.state);
    // The pool attached by Connect opens with the RUNSPACEPOOL_STATE of the next Receive, not with the init data.
    if (events.some((e) => e.type === 'runspacePoolInitData')) expect(target!.state, `${where}: connected pool`).toBe('Connecting');
    for (const e of events) {
      if (e.type !== 'pipelineState') continue;
      const last = events.filter((x) => x.type === 'pipelineState' && x.pipelineId === e.pipelineId).pop();
      if (last === e) expect(target!.pipeline(e.pipelineId)?.state ?? target!.pipeline(recordedGuidBytes(e.pipelineId, false))?.state, `${where}: pipeline state`).toBe(e.state);
    }
  });
  return outcome;
}

const recordings = listPsrpRecordings();

describe('replay: our wsman + psrp client against every PSRP recording of real Windows traffic', () => {
  it('covers every PSRP recording', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(40);
  });

  it.each(recordings)('%s', (name) => {
    const o = drive(name);
    const inv = inventory.get(name)!;
    const serverTypes = Object.keys((inv['server_to_client'] ?? {}) as Record<string, number>);
    const clientTypes = Object.keys((inv['client_to_server'] ?? {}) as Record<string, number>);
    expect(o.psrpRequests).toBeGreaterThan(0);
    expect(o.clientMessages).toBe(Object.values(inv['client_to_server'] as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(o.events.length).toBe(o.serverMessages);
    if (serverTypes.includes('RUNSPACEPOOL_STATE')) expect(o.poolStates).toContain('Opened');
    // Every RUNSPACE_AVAILABILITY answers a call id our client issued (ours count from 1 like pypsrp's).
    for (const e of o.events) if (e.type === 'runspaceAvailability') expect(e.request, `call ${e.callId}`).toBeDefined();

    // pypsrp < 0.3.1 wrote header GUIDs big-endian; our client keeps the 16 bytes it is given, so it drives both.
    const bigEndian = String(inv['guid_byte_order']).startsWith('big-endian');
    expect([...o.rpidByteOrder]).toEqual([bigEndian ? 'big-endian' : 'little-endian']);

    // Differences from pypsrp, asserted rather than skipped.
    const signals = (inv['signal_codes'] ?? []) as string[];
    expect(o.notes.some((n) => n.startsWith(`signal ${OLD_PYPSRP_STOP_SIGNAL}`))).toBe(signals.includes(OLD_PYPSRP_STOP_SIGNAL));
    const quirks = ['pypsrp ApartmentState ToString UNKNOWN', 'pypsrp ApartmentState type name'];
    if (clientTypes.some((t) => t === 'SET_MAX_RUNSPACES' || t === 'SET_MIN_RUNSPACES')) quirks.push('pypsrp call id property CI');
    expect([...o.quirks].sort()).toEqual(quirks.sort());
    // The key exchange: our client surfaces ENCRYPTED_SESSION_KEY, but the session key is encrypted to the recording
    // client's private key, which was never recorded. SecureStrings the recording's client sent after it are carried
    // as recorded ciphertext; the rest of those recordings is driven by our client.
    if (serverTypes.includes('ENCRYPTED_SESSION_KEY')) expect(o.events.some((e) => e.type === 'encryptedSessionKey')).toBe(true);
    if (o.secureStringMessages > 0) expect(serverTypes).toContain('ENCRYPTED_SESSION_KEY');
  });
});

/** The recording with the creationXml of its first exchange re-encoded after `edit` changed each message's CLIXML. */
function withCreationXmlEdited(edit: (type: MessageTypeName, xml: string) => string) {
  return (exchanges: readonly RecordedExchange[]): RecordedExchange[] => {
    const [first, ...rest] = exchanges;
    const [blob] = extractPsrpBlobs(first!.request);
    const messages = parseFragments(new Uint8Array(Buffer.from(blob!.base64, 'base64'))).map((f) => decodeMessage(f.blob));
    const edited = messages.flatMap((m, k) => {
      const data = edit(m.messageType, Buffer.from(m.data).toString('utf8'));
      return encodeFragments(BigInt(k + 1), encodeMessage({ destination: m.destination, messageType: m.messageType, rpid: m.rpid, pid: m.pid, data }));
    });
    const base64 = Buffer.from(concat(edited)).toString('base64');
    return [{ ...first!, request: first!.request.replace(blob!.base64, base64) }, ...rest];
  };
}

describe('the harness fails on a difference', () => {
  it('an element our builders do not write makes the envelope differ', () => {
    const extra = (exchanges: readonly RecordedExchange[]) =>
      exchanges.map((e, i) => (i === 0 ? { ...e, request: e.request.replace('</rsp:Shell>', '<rsp:Extra>1</rsp:Extra></rsp:Shell>') } : e));
    expect(() => drive('test_psrp_open_runspace.yml', extra)).toThrow(/#0: envelope/);
  });

  it('a CLIXML member our client does not send makes the PSRP message differ', () => {
    const extra = withCreationXmlEdited((type, xml) => (type === 'INIT_RUNSPACEPOOL' ? xml.replace('<MS>', '<MS><S N="Extra">x</S>') : xml));
    expect(() => drive('test_psrp_open_runspace.yml', extra)).toThrow(/#0: INIT_RUNSPACEPOOL CLIXML/);
  });

  it('the unmodified re-encoding still passes (the edit above is the only cause)', () => {
    expect(drive('test_psrp_open_runspace.yml', withCreationXmlEdited((_, xml) => xml)).poolStates).toContain('Opened');
  });

  it('a member type that differs makes the PSRP message differ', () => {
    const changed = withCreationXmlEdited((type, xml) => (type === 'SESSION_CAPABILITY' ? xml.replace(/<Version N="protocolversion">/i, '<S N="protocolversion">').replace(/(<S N="protocolversion">[^<]*)<\/Version>/, '$1</S>') : xml));
    expect(() => drive('test_psrp_open_runspace.yml', changed)).toThrow(/#0: SESSION_CAPABILITY/);
  });
});
