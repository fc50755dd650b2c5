import { describe, expect, it } from 'vitest';
import { PSObject, createPSObject } from '@exops/contracts';
import { loadPsrpcoreOracle } from '@exops/test-vectors';
import {
  RunspacePoolClient,
  RunspacePoolServer,
  buildCreatePipeline,
  decodeMessage,
  encodeBody,
  encodeFragments,
  encodeMessage,
  guidToBytes,
  parseFragments,
  type ClientEvent,
  type ServerEvent,
} from './index.js';

const oracle = loadPsrpcoreOracle();
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

const RPID = oracle.client_open.runspace_pool_id as string;
const PID = oracle.client_create_pipeline.pipeline_id as string;

// psrpcore's camel-cased event class names, for our event types.
const PSRPCORE_EVENT: Record<ClientEvent['type'], string> = {
  sessionCapability: 'SessionCapabilityEvent',
  applicationPrivateData: 'ApplicationPrivateDataEvent',
  runspacePoolState: 'RunspacePoolStateEvent',
  runspacePoolInitData: 'RunspacePoolInitDataEvent',
  runspaceAvailability: 'RunspaceAvailabilityEvent',
  userEvent: 'UserEventEvent',
  encryptedSessionKey: 'EncryptedSessionKeyEvent',
  publicKeyRequest: 'PublicKeyRequestEvent',
  hostCall: 'HostCallEvent',
  output: 'PipelineOutputEvent',
  error: 'ErrorRecordEvent',
  warning: 'WarningRecordEvent',
  verbose: 'VerboseRecordEvent',
  debug: 'DebugRecordEvent',
  information: 'InformationRecordEvent',
  progress: 'ProgressRecordEvent',
  pipelineState: 'PipelineStateEvent',
  invalidMessage: '(invalid message)',
};

/** A client opened against psrpcore's recorded server reply. */
function openedClient(): RunspacePoolClient {
  const client = new RunspacePoolClient({ runspacePoolId: RPID });
  client.open();
  client.receive(b64(oracle.loopback_open.server_to_client_base64));
  return client;
}

describe('client encoders reproduce psrpcore byte for byte', () => {
  it('client_open: creationXml (SESSION_CAPABILITY + INIT_RUNSPACEPOOL)', () => {
    const client = new RunspacePoolClient({ runspacePoolId: RPID, minRunspaces: 1, maxRunspaces: 1 });
    const bytes = client.open();
    expect(bytes.length).toBe(oracle.client_open.total_bytes);
    expect(Buffer.from(bytes).toString('base64')).toBe(oracle.client_open.creationXml_base64);
    const fragments = parseFragments(bytes);
    expect(fragments).toHaveLength(oracle.client_open.fragments.length);
    fragments.forEach((f, i) => {
      const want = oracle.client_open.fragments[i];
      const msg = decodeMessage(f.blob);
      expect(hex(msg.rpid)).toBe(want.message.header_hex.slice(16, 48));
      expect(text(msg.data)).toBe(want.message.data);
      expect(msg.hasBom).toBe(false);
    });
    expect(client.state).toBe('Opening');
  });

  it('client_create_pipeline: two statements through Cmds + ExtraCmds, merge fields for protocol 2.3', () => {
    const client = openedClient();
    expect(client.state).toBe('Opened');
    expect(client.protocolVersion).toBe('2.3');
    const pipeline = client.createPipeline({
      pipelineId: PID,
      statements: [
        [{ command: 'Get-Mailbox', parameters: [{ name: 'ResultSize', value: 1 }, { name: 'Identity', value: 'user@contoso.com' }] }],
        [{ command: "Write-Output 'hi'", isScript: true }],
      ],
    });
    const fragments = pipeline.start();
    const want = oracle.client_create_pipeline;
    expect(fragments).toHaveLength(want.fragments.length);
    expect(text(decodeMessage(parseFragments(fragments[0]!)[0]!.blob).data)).toBe(want.fragments[0].message.data);
    expect(Buffer.from(fragments[0]!).toString('base64')).toBe(want.arguments_base64);
    expect(pipeline.state).toBe('Running');
  });

  it('client_fragmented_create_pipeline: 400-byte fragments, one ObjectId, S / - / - / E', () => {
    const want = oracle.client_fragmented_create_pipeline;
    // psrpcore built this one before negotiation: only the merge fields every protocol version knows.
    const body = buildCreatePipeline({ statements: [[{ command: "'x' * 200", isScript: true }]] }, undefined);
    const message = encodeMessage({ destination: 2, messageType: 'CREATE_PIPELINE', rpid: guidToBytes(RPID), pid: guidToBytes(PID), data: encodeBody(body) });
    const fragments = encodeFragments(3n, message, want.max_fragment_size);
    expect(fragments.map((f) => Buffer.from(f).toString('base64'))).toEqual(want.chunks.map((c: { base64: string }) => c.base64));
    for (const f of fragments) expect(f.length).toBeLessThanOrEqual(400);
  });
});

describe('loopback_open', () => {
  it('our server decodes psrpcore client bytes and answers with the same messages psrpcore sent', () => {
    const server = new RunspacePoolServer();
    const events = server.receive(b64(oracle.client_open.creationXml_base64));
    expect(events.map((e) => e.type)).toEqual(['sessionCapability', 'initRunspacePool']);
    expect(oracle.loopback_open.server_saw).toEqual(['SessionCapabilityEvent', 'InitRunspacePoolEvent']);
    const init = events[1] as Extract<ServerEvent, { type: 'initRunspacePool' }>;
    expect(init.init).toMatchObject({ minRunspaces: 1, maxRunspaces: 1, threadOptions: 0, apartmentState: 2 });
    expect(server.state).toBe('Opened');
    const out = server.takeOutgoing();
    expect(Buffer.concat(out).toString('base64')).toBe(oracle.loopback_open.server_to_client_base64);
    const decoded = out.flatMap((f) => parseFragments(f)).map((f) => decodeMessage(f.blob));
    expect(decoded.map((m) => text(m.data))).toEqual(oracle.loopback_open.server_fragments.map((f: { message: { data: string } }) => f.message.data));
  });

  it('our client decodes psrpcore server bytes into the same events and state', () => {
    const client = new RunspacePoolClient({ runspacePoolId: RPID });
    client.open();
    const events = client.receive(b64(oracle.loopback_open.server_to_client_base64));
    expect(events.map((e) => PSRPCORE_EVENT[e.type])).toEqual(oracle.loopback_open.client_events);
    expect(client.state).toBe(oracle.loopback_open.client_state);
    expect(client.applicationPrivateData?.entries.has('PSVersionTable')).toBe(true);
    client.finish();
  });
});

describe('loopback_pipeline', () => {
  const payload = oracle.loopback_pipeline.payloads[0];
  const serverBytes = b64(payload.base64);

  it('our client decodes psrpcore server pipeline bytes into the same events', () => {
    const client = openedClient();
    const pipeline = client.createPipeline({ pipelineId: PID, statements: [[{ command: 'x', isScript: true }]] });
    pipeline.start();
    const events = client.receive(serverBytes);
    const want = oracle.loopback_pipeline.client_events as { event: string; pipeline_id: string; data_repr: string }[];
    expect(events.map((e) => PSRPCORE_EVENT[e.type])).toEqual(want.map((e) => e.event));
    for (const e of events) expect('pipelineId' in e && e.pipelineId).toBe(PID);
    expect(events[1]).toMatchObject({ type: 'output', value: 'hi' });
    expect(events[2]).toMatchObject({ type: 'output', value: 42 });
    const obj = (events[3] as { value: PSObject }).value;
    expect(obj.get('Name')).toBe('mbx1');
    expect(obj.get('PrimarySmtpAddress')).toBe('user@contoso.com');
    expect(events[4]).toMatchObject({ type: 'error', record: { message: 'boom', fullyQualifiedErrorId: 'MyError', category: 'NotSpecified', exceptionType: 'System.Exception' } });
    expect(events[5]).toMatchObject({ type: 'warning', message: 'warn' });
    expect(events[6]).toMatchObject({ type: 'verbose', message: 'verb' });
    expect(events[7]).toMatchObject({ type: 'debug', message: 'dbg' });
    expect(events[8]).toMatchObject({ type: 'information', record: { messageData: 'info', source: 'source', tags: [] } });
    expect(events[9]).toMatchObject({
      type: 'progress',
      record: { activity: 'activity', activityId: 1, statusDescription: 'status', currentOperation: undefined, parentActivityId: -1, percentComplete: 50, secondsRemaining: -1, completed: false },
    });
    expect(events[10]).toMatchObject({ type: 'pipelineState', state: 'Completed' });
    expect(pipeline.state).toBe(oracle.loopback_pipeline.final_pipeline_state);
    expect(pipeline.finished).toBe(true);
  });

  it('our server produces the same bytes psrpcore produced for every stream', () => {
    const server = new RunspacePoolServer();
    server.receive(b64(oracle.client_open.creationXml_base64));
    server.takeOutgoing();
    const [created] = server.receive(b64(oracle.client_create_pipeline.arguments_base64));
    expect(created?.type).toBe('createPipeline');
    const c = created as Extract<ServerEvent, { type: 'createPipeline' }>;
    expect(c.command.statements.map((s) => s.map((cmd) => cmd.command))).toEqual([['Get-Mailbox'], ["Write-Output 'hi'"]]);
    expect(c.command.statements[0]![0]!.parameters).toEqual([
      { name: 'ResultSize', value: 1 },
      { name: 'Identity', value: 'user@contoso.com' },
    ]);
    expect(c.command.statements[1]![0]!.isScript).toBe(true);
    expect(c.command.noInput).toBe(true);
    const p = c.pipeline;
    expect(p.id).toBe(PID);
    p.setState('Running');
    p.writeOutput('hi');
    p.writeOutput(42);
    p.writeOutput(createPSObject({ Name: 'mbx1', PrimarySmtpAddress: 'user@contoso.com' }, ['System.Management.Automation.PSCustomObject', 'System.Object']));
    p.writeError({ message: 'boom', fullyQualifiedErrorId: 'MyError' });
    p.writeWarning('warn');
    p.writeVerbose('verb');
    p.writeDebug('dbg');
    p.writeInformation({
      messageData: 'info',
      source: 'source',
      timeGenerated: '2024-01-02T03:04:05Z',
      user: 'CONTOSO\\admin',
      computer: 'EXCH01',
      processId: 1234,
      nativeThreadId: 5678,
      managedThreadId: 9,
    });
    p.writeProgress({ activity: 'activity', activityId: 1, statusDescription: 'status', percentComplete: 50 });
    p.complete();
    expect(server.hasOutgoing()).toBe(false);
    const out = p.takeOutgoing();
    const got = out.flatMap((f) => parseFragments(f)).map((f) => text(decodeMessage(f.blob).data));
    expect(got).toEqual(payload.fragments.map((f: { message: { data: string } }) => f.message.data));
    expect(Buffer.concat(out).toString('base64')).toBe(payload.base64);
  });
});
