import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode, PSObject, PSPrimitive, createPSObject, type CmdletParameters } from '@exops/contracts';
import {
  HostMethodIdentifier,
  PSRP_STOP_SIGNAL,
  RunspacePoolClient,
  RunspacePoolServer,
  buildDefaultHostResponse,
  decodeMessage,
  encodeFragments,
  encodeMessage,
  guidToBytes,
  hostMethodExpectsResponse,
  parseFragments,
  toCommandStreamEvent,
  type ClientEvent,
  type ServerEvent,
} from './index.js';

function expectCode(fn: () => unknown, code: string, pattern: RegExp): ExopsError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ExopsError);
  const e = caught as ExopsError;
  expect(e.code).toBe(code);
  expect(e.remedy).toBeTruthy();
  expect(e.message).toMatch(pattern);
  return e;
}

/** One `invalidMessage` event in place of the bad message, with the code, a remedy and the pattern. */
function expectInvalid(events: readonly (ClientEvent | ServerEvent)[], code: string, pattern: RegExp): ExopsError {
  expect(events).toHaveLength(1);
  const e = events[0]!;
  expect(e.type).toBe('invalidMessage');
  const error = (e as Extract<ClientEvent, { type: 'invalidMessage' }>).error;
  expect(error.code).toBe(code);
  expect(error.remedy).toBeTruthy();
  expect(error.message).toMatch(pattern);
  return error;
}

const join = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Our client against our server, bytes only in between. */
function pair(options: { maxFragmentSize?: number; serverFragmentSize?: number; writeBom?: boolean } = {}) {
  const client = new RunspacePoolClient({ ...(options.maxFragmentSize === undefined ? {} : { maxFragmentSize: options.maxFragmentSize }), applicationArguments: { tenant: 'contoso' } });
  const server = new RunspacePoolServer({
    ...(options.serverFragmentSize === undefined ? {} : { maxFragmentSize: options.serverFragmentSize }),
    ...(options.writeBom === undefined ? {} : { writeBom: options.writeBom }),
  });
  const serverEvents = server.receive(client.open());
  const clientEvents = client.receive(join(server.takeOutgoing()));
  return { client, server, serverEvents, clientEvents };
}

describe('client ↔ server', () => {
  it('opens a pool: capability negotiation, application data, Opened', () => {
    const { client, server, serverEvents, clientEvents } = pair();
    expect(serverEvents.map((e) => e.type)).toEqual(['sessionCapability', 'initRunspacePool']);
    const init = serverEvents[1] as Extract<ServerEvent, { type: 'initRunspacePool' }>;
    const args = init.init.applicationArguments!;
    expect(args.container?.kind === 'DCT' && args.container.entries).toEqual([['tenant', 'contoso']]);
    expect(clientEvents.map((e) => e.type)).toEqual(['sessionCapability', 'applicationPrivateData', 'runspacePoolState']);
    expect(client.state).toBe('Opened');
    expect(server.state).toBe('Opened');
    expect(client.protocolVersion).toBe('2.3');
    expect(server.protocolVersion).toBe('2.3');
    expect(server.id).toBe(client.id);
  });

  it('runs Get-Mailbox with input, every stream, and a large output split into ≤ 32 768-byte fragments', () => {
    const { client, server } = pair({ writeBom: true });
    const pipeline = client.createPipeline({
      statements: [[{ command: 'Get-Mailbox', parameters: { ResultSize: 'Unlimited', Identity: 'user@contoso.com' } }, { command: 'Select-Object', parameters: [{ value: 'Name' }, { name: 'First', value: 5 }] }]],
      noInput: false,
    });
    const [created] = server.receive(join(pipeline.start()));
    expect(created?.type).toBe('createPipeline');
    const cmd = (created as Extract<ServerEvent, { type: 'createPipeline' }>).command;
    expect(cmd.noInput).toBe(false);
    expect(cmd.statements[0]!.map((c) => c.command)).toEqual(['Get-Mailbox', 'Select-Object']);
    expect(cmd.statements[0]![1]!.parameters).toEqual([
      { name: undefined, value: 'Name' },
      { name: 'First', value: 5 },
    ]);
    expect(cmd.statements[0]![0]!.merge).toMatchObject({ myResult: 0, error: 0, information: 0 });

    const inputEvents = server.receive(pipeline.sendInput(['a', 2n, [1, 2]], { end: true }));
    expect(inputEvents.map((e) => e.type)).toEqual(['pipelineInput', 'pipelineInput', 'pipelineInput', 'endOfPipelineInput']);
    expect((inputEvents[1] as { value: PSPrimitive }).value).toEqual(new PSPrimitive('I64', 2n));
    expectCode(() => pipeline.endInput(), ExopsErrorCode.PSRP_STATE, /already ended/);

    const sp = server.pipeline(pipeline.id)!;
    const big = 'x'.repeat(100_000);
    sp.writeOutput(createPSObject({ Name: 'mbx1', Notes: big }));
    sp.writeError({ message: "The operation couldn't be performed because object 'nobody' couldn't be found.", fullyQualifiedErrorId: 'ManagementObjectNotFound', category: 'ObjectNotFound', targetName: 'nobody', exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException' });
    sp.writeWarning('w');
    sp.writeVerbose('v');
    sp.writeDebug('d');
    sp.writeInformation({ messageData: 'i', tags: ['t1'], timeGenerated: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)) });
    sp.writeProgress({ activity: 'a', percentComplete: 10, completed: true });
    sp.complete();
    const fragments = sp.takeOutgoing();
    for (const f of fragments) expect(f.length).toBeLessThanOrEqual(32_768);
    expect(fragments.length).toBeGreaterThan(4);
    expect(decodeMessage(parseFragments(fragments.at(-1)!)[0]!.blob).hasBom).toBe(true);

    const events = fragments.flatMap((f) => client.receive(f));
    expect(events.map((e) => e.type)).toEqual(['output', 'error', 'warning', 'verbose', 'debug', 'information', 'progress', 'pipelineState']);
    expect(((events[0] as { value: PSObject }).value).get('Notes')).toBe(big);
    expect(events[1]).toMatchObject({
      record: { category: 'ObjectNotFound', targetName: 'nobody', fullyQualifiedErrorId: 'ManagementObjectNotFound', exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException' },
    });
    expect(events[5]).toMatchObject({ record: { messageData: 'i', tags: ['t1'] } });
    expect(events[6]).toMatchObject({ record: { completed: true, percentComplete: 10 } });
    expect(events.map(toCommandStreamEvent).filter((e) => e !== undefined)).toHaveLength(7);
    expect(pipeline.state).toBe('Completed');
    expectCode(() => sp.writeOutput(1), ExopsErrorCode.PSRP_STATE, /already ended/);
  });

  it('sends input given at creation after the Command, and takes the contracts\' CmdletParameters as parameters', () => {
    const { client, server } = pair();
    const parameters: CmdletParameters = { Identity: 'bob', Members: ['a', 'b'], Since: new Date(Date.UTC(2024, 0, 1)), Extra: { k: 1n } };
    const p = client.createPipeline({ statements: [[{ command: 'ForEach-Object', parameters }]], input: ['x', 'y'] });
    expectCode(() => p.initialInput(), ExopsErrorCode.PSRP_STATE, /not started/);
    const [created] = server.receive(join(p.start())) as Extract<ServerEvent, { type: 'createPipeline' }>[];
    expect(created!.command.noInput).toBe(false);
    expect(created!.command.statements[0]![0]!.parameters.map((x) => x.name)).toEqual(['Identity', 'Members', 'Since', 'Extra']);
    expect(server.receive(p.initialInput()).map((e) => e.type)).toEqual(['pipelineInput', 'pipelineInput', 'endOfPipelineInput']);
    expectCode(() => p.initialInput(), ExopsErrorCode.PSRP_STATE, /without input/);
  });

  it('sends PIPELINE_STATE Failed with its reason, and Stopped after the crtl_c signal', () => {
    const { client, server } = pair();
    const a = client.createPipeline({ statements: [[{ command: 'Get-Mailbox' }]] });
    server.receive(join(a.start()));
    server.pipeline(a.id)!.fail({ message: 'boom', fullyQualifiedErrorId: 'X', category: 'InvalidOperation' });
    const [failed] = client.receive(join(server.takeOutgoing(a.id)));
    expect(failed).toMatchObject({ type: 'pipelineState', state: 'Failed', reason: { message: 'boom', fullyQualifiedErrorId: 'X', category: 'InvalidOperation' } });
    expect(a.reason?.message).toBe('boom');

    const b = client.createPipeline({ statements: [[{ command: 'Start-Sleep', parameters: { Seconds: 60 } }]] });
    server.receive(join(b.start()));
    expect(b.stop()).toEqual({ signal: PSRP_STOP_SIGNAL });
    expect(PSRP_STOP_SIGNAL).toBe('powershell/signal/crtl_c');
    expect(b.state).toBe('Stopping');
    server.pipeline(b.id)!.stopped();
    client.receive(join(server.takeOutgoing(b.id)));
    expect(b.state).toBe('Stopped');
  });

  it('answers host calls: values for getters, an error for prompts, nothing for Write*', () => {
    const { client, server } = pair();
    const p = client.createPipeline({ statements: [[{ command: 'Read-Host', isScript: true }]] });
    server.receive(join(p.start()));
    const sp = server.pipeline(p.id)!;
    const nameCall = sp.hostCall(HostMethodIdentifier.GetName);
    sp.hostCall(HostMethodIdentifier.WriteLine2, ['hello']);
    sp.hostCall(HostMethodIdentifier.ReadLine);
    const calls = client.receive(join(sp.takeOutgoing())) as Extract<ClientEvent, { type: 'hostCall' }>[];
    expect(calls.map((c) => c.call.methodName)).toEqual(['GetName', 'WriteLine2', 'ReadLine']);
    expect(calls[1]!.call.parameters).toEqual(['hello']);
    const answers = calls.map((c) => client.answerHostCall(c));
    expect(answers[1]).toBeUndefined();
    const responses = server.receive(join([answers[0]!, answers[2]!])) as Extract<ServerEvent, { type: 'hostResponse' }>[];
    expect(responses[0]!.response).toMatchObject({ callId: nameCall, methodId: 1, result: 'exops' });
    expect(responses[1]!.response.error?.message).toMatch(/non-interactively/);
    expect(responses[1]!.response.error?.fullyQualifiedErrorId).toBe('RemoteHostExecutionException');
    expect(responses[1]!.pipeline?.id).toBe(p.id);

    // A pool host call goes back as RUNSPACEPOOL_HOST_RESPONSE.
    server.hostCall(HostMethodIdentifier.GetVersion);
    const [poolCall] = client.receive(join(server.takeOutgoing()));
    const reply = client.answerHostCall(poolCall as Extract<ClientEvent, { type: 'hostCall' }>)!;
    const [poolResponse] = server.receive(reply);
    expect(poolResponse).toMatchObject({ type: 'hostResponse', messageType: 'RUNSPACEPOOL_HOST_RESPONSE', pipeline: undefined });
  });

  it('matches RUNSPACE_AVAILABILITY to SET_MAX / GET_AVAILABLE / RESET requests by call id', () => {
    const { client, server } = pair();
    const setMax = client.setMaxRunspaces(5);
    const available = client.getAvailableRunspaces();
    const reset = client.resetRunspaceState();
    const seen = server.receive(join([setMax.bytes, available.bytes, reset.bytes]));
    expect(seen).toMatchObject([
      { type: 'setMaxRunspaces', request: { value: 5, callId: setMax.callId } },
      { type: 'getAvailableRunspaces', callId: available.callId },
      { type: 'resetRunspaceState', callId: reset.callId },
    ]);
    server.respondRunspaceAvailability(setMax.callId, true);
    server.respondRunspaceAvailability(available.callId, 4n);
    server.respondRunspaceAvailability(reset.callId, true);
    expect(client.receive(join(server.takeOutgoing()))).toMatchObject([
      { type: 'runspaceAvailability', request: 'setMaxRunspaces', value: true },
      { type: 'runspaceAvailability', request: 'getAvailableRunspaces', value: 4n },
      { type: 'runspaceAvailability', request: 'resetRunspaceState', value: true },
    ]);
  });

  it('carries the key exchange and user events', () => {
    const { client, server } = pair();
    server.requestPublicKey();
    expect(client.receive(join(server.takeOutgoing()))).toMatchObject([{ type: 'publicKeyRequest' }]);
    expect(server.receive(client.sendPublicKey('BgIAAACkAABSU0Ex'))).toMatchObject([{ type: 'publicKey', publicKey: 'BgIAAACkAABSU0Ex' }]);
    server.sendEncryptedSessionKey('AQIAABBmAAAApAAA');
    server.sendUserEvent({ eventIdentifier: 1, sourceIdentifier: 'src', timeGenerated: '2024-01-02T03:04:05Z', sender: null, sourceArgs: null, messageData: 'm', computerName: 'EXCH01', runspaceId: client.id });
    expect(client.receive(join(server.takeOutgoing()))).toMatchObject([
      { type: 'encryptedSessionKey', encryptedSessionKey: 'AQIAABBmAAAApAAA' },
      { type: 'userEvent', event: { sourceIdentifier: 'src', messageData: 'm', runspaceId: client.id } },
    ]);
  });

  it('GET_COMMAND_METADATA goes through Command like a pipeline; a reconnected command is attached, not re-created', () => {
    const { client, server } = pair();
    const meta = client.getCommandMetadata({ names: ['Get-Mailbox', 'Set-*'], commandType: 8 });
    const [request] = server.receive(join(meta.start()));
    expect(request).toMatchObject({ type: 'getCommandMetadata', request: { names: ['Get-Mailbox', 'Set-*'], commandType: 8 } });
    const sp = (request as Extract<ServerEvent, { type: 'getCommandMetadata' }>).pipeline;
    sp.writeOutput(1);
    sp.complete();
    expect(client.receive(join(sp.takeOutgoing())).map((e) => e.type)).toEqual(['output', 'pipelineState']);
    client.removePipeline(meta.id);
    expect(client.pipeline(meta.id)).toBeUndefined();

    // After Disconnect/Reconnect the client follows a command it did not create in this session.
    const running = client.createPipeline({ statements: [[{ command: 'Get-Mailbox' }]] });
    server.receive(join(running.start()));
    client.disconnected();
    expect(client.state).toBe('Disconnected');
    const other = new RunspacePoolClient({ runspacePoolId: client.id });
    const attached = other.attachPipeline(running.id);
    expect(attached.state).toBe('Running');
    expectCode(() => attached.start(), ExopsErrorCode.PSRP_STATE, /already started/);
    server.pipeline(running.id)!.writeOutput('still here');
    expect(other.receive(join(server.takeOutgoing(running.id)))).toMatchObject([{ type: 'output', value: 'still here', pipelineId: running.id }]);
    client.reconnected();
    expect(client.state).toBe('Opened');
  });

  it('connects to a disconnected pool: SESSION_CAPABILITY + CONNECT_RUNSPACEPOOL → RUNSPACEPOOL_INIT_DATA, Opened', () => {
    const client = new RunspacePoolClient();
    const server = new RunspacePoolServer();
    const events = server.receive(client.connect({ minRunspaces: 1, maxRunspaces: 2 }));
    expect(events).toMatchObject([{ type: 'sessionCapability' }, { type: 'connectRunspacePool', limits: { minRunspaces: 1, maxRunspaces: 2 } }]);
    expect(client.receive(join(server.takeOutgoing()))).toMatchObject([
      { type: 'sessionCapability' },
      { type: 'runspacePoolInitData', limits: { minRunspaces: 1, maxRunspaces: 2 } },
      { type: 'runspacePoolState', state: 'Opened' },
    ]);
  });

  it('honours the client fragment size (Command + Sends) and takeOutgoing byte budgets', () => {
    const { client, server } = pair({ maxFragmentSize: 200, serverFragmentSize: 100 });
    const p = client.createPipeline({ statements: [[{ command: 'Get-Mailbox', parameters: { Filter: 'y'.repeat(2000) } }]] });
    const fragments = p.start();
    expect(fragments.length).toBeGreaterThan(10);
    for (const f of fragments) expect(f.length).toBeLessThanOrEqual(200);
    let events: ServerEvent[] = [];
    for (const f of fragments) events = events.concat(server.receive(f));
    expect(events).toHaveLength(1);
    server.pipeline(p.id)!.writeOutput('z'.repeat(1000));
    const first = server.takeOutgoing(p.id, 250);
    expect(first.length).toBe(2);
    const rest = server.takeOutgoing(p.id);
    expect(first.concat(rest).every((f) => f.length <= 100)).toBe(true);
    expect(client.receive(join([...first, ...rest]))).toMatchObject([{ type: 'output', value: 'z'.repeat(1000) }]);
    client.maxFragmentSize = 32_768;
    expect(client.maxFragmentSize).toBe(32_768);
  });
});

describe('state and malformed input', () => {
  it('refuses to start a pipeline before the pool is opened, twice, or on a closed pool', () => {
    const client = new RunspacePoolClient();
    const p = client.createPipeline({ statements: [[{ command: 'Get-Date' }]] });
    expectCode(() => p.start(), ExopsErrorCode.PSRP_STATE, /runspace pool is BeforeOpen/);
    client.open();
    expectCode(() => client.open(), ExopsErrorCode.PSRP_STATE, /open\(\) is for a new pool/);
    expectCode(() => client.createPipeline({ statements: [] }), ExopsErrorCode.PSRP_MESSAGE, /at least one statement/);
    expectCode(() => client.createPipeline({ statements: [[]] }), ExopsErrorCode.PSRP_MESSAGE, /no command/);
    const { client: opened, server } = pair();
    const q = opened.createPipeline({ statements: [[{ command: 'Get-Date' }]] });
    server.receive(join(q.start()));
    expectCode(() => q.start(), ExopsErrorCode.PSRP_STATE, /already started/);
    expectCode(() => q.sendInput([1]), ExopsErrorCode.PSRP_STATE, /takes no \(more\) input/);
    opened.close();
    expectCode(() => opened.setMaxRunspaces(2), ExopsErrorCode.PSRP_STATE, /Closed/);
  });

  it('reports the Broken state with its reason', () => {
    const { client, server } = pair();
    server.setState('Broken', { message: 'The session was terminated by the server.' });
    const [e] = client.receive(join(server.takeOutgoing()));
    expect(e).toMatchObject({ type: 'runspacePoolState', state: 'Broken', reason: { message: 'The session was terminated by the server.', fullyQualifiedErrorId: 'RemoteRunspaceStateInfoReason' } });
    expect(client.state).toBe('Broken');
    expect(client.reason?.message).toMatch(/terminated/);
  });

  it('rejects messages for unknown pipelines, messages in the wrong direction, and client-only types from a server', () => {
    const { client } = pair();
    const rpid = client.idBytes;
    const pid = guidToBytes('11111111-2222-3333-4444-555555555555');
    const frame = (destination: 1 | 2, messageType: Parameters<typeof encodeMessage>[0]['messageType'], data: string, p?: Uint8Array, oid = 50n): Uint8Array =>
      join(encodeFragments(oid, encodeMessage({ destination, messageType, rpid, pid: p, data })));
    expectInvalid(client.receive(frame(1, 'PIPELINE_OUTPUT', '<S>x</S>', pid, 50n)), ExopsErrorCode.PSRP_STATE, /pipeline 11111111-2222-3333-4444-555555555555, which this client did not create/);
    const c2 = pair().client;
    expectInvalid(c2.receive(frame(2, 'PIPELINE_OUTPUT', '<S>x</S>', pid, 51n)), ExopsErrorCode.PSRP_MESSAGE, /addressed to the server, but this is the client/);
    const c3 = pair().client;
    expectInvalid(c3.receive(frame(1, 'INIT_RUNSPACEPOOL', '<S>x</S>', undefined, 52n)), ExopsErrorCode.PSRP_MESSAGE, /is not something a server sends to a client/);
    const c4 = pair().client;
    expect(c4.receive(frame(1, 'PIPELINE_STATE', '<Obj RefId="0"><MS><I32 N="PipelineState">4</I32></MS></Obj>', undefined, 55n))).toMatchObject([{ type: 'pipelineState', pipelineId: '00000000-0000-0000-0000-000000000000', state: 'Completed' }]);
    const server = new RunspacePoolServer();
    expectInvalid(server.receive(frame(2, 'PIPELINE_OUTPUT', '<S>x</S>', pid, 53n)), ExopsErrorCode.PSRP_MESSAGE, /only a server sends PIPELINE_OUTPUT/);
    const s2 = new RunspacePoolServer();
    expectInvalid(s2.receive(frame(2, 'CREATE_PIPELINE', '<S>x</S>', pid, 54n)), ExopsErrorCode.PSRP_MESSAGE, /CREATE_PIPELINE.*should be an object/);
  });

  it('keeps the messages around an unusable one: invalidMessage in its place, then the rest', () => {
    const { client, server } = pair();
    const p = client.createPipeline({ statements: [[{ command: 'Get-Mailbox' }]] });
    server.receive(join(p.start()));
    const sp = server.pipeline(p.id)!;
    sp.writeOutput('before');
    const good = sp.takeOutgoing();
    const broken = join(encodeFragments(900n, encodeMessage({ destination: 1, messageType: 'PIPELINE_OUTPUT', rpid: client.idBytes, pid: p.idBytes, data: '<Obj RefId="0"><MS>' })));
    sp.writeOutput('after');
    sp.complete();
    const events = client.receive(join([...good, broken, ...sp.takeOutgoing()]));
    expect(events.map((e) => e.type)).toEqual(['output', 'invalidMessage', 'output', 'pipelineState']);
    expect(events[1]).toMatchObject({ messageType: 'PIPELINE_OUTPUT', objectId: 900n, pipelineId: p.id });
    expect((events[1] as Extract<ClientEvent, { type: 'invalidMessage' }>).error.message).toMatch(/PIPELINE_OUTPUT \(ObjectId 900\)/);
    expect(p.state).toBe('Completed');
  });

  it('names the message and field when a payload lacks a required property or holds bad CLIXML', () => {
    const { client } = pair();
    const rpid = client.idBytes;
    const bad = (data: string, oid: bigint): Uint8Array => join(encodeFragments(oid, encodeMessage({ destination: 1, messageType: 'RUNSPACEPOOL_STATE', rpid, data })));
    expectInvalid(client.receive(bad('<Obj RefId="0"><MS><S N="x">1</S></MS></Obj>', 60n)), ExopsErrorCode.PSRP_MESSAGE, /RUNSPACEPOOL_STATE: property 'RunspaceState' should be an integer/);
    const c2 = pair().client;
    const e = expectInvalid(c2.receive(join(encodeFragments(61n, encodeMessage({ destination: 1, messageType: 'RUNSPACEPOOL_STATE', rpid: c2.idBytes, data: '<Obj RefId="0"><MS>' })))), ExopsErrorCode.PSRP_CLIXML, /RUNSPACEPOOL_STATE \(ObjectId 61\)/);
    expect(e.details).toMatchObject({ objectId: '61', messageType: 'RUNSPACEPOOL_STATE' });
  });

  it('refuses a server that speaks a protocol older than 2.1', () => {
    const client = new RunspacePoolClient();
    client.open();
    const server = new RunspacePoolServer({ capability: { protocolVersion: '2.0' } });
    server.receive(new RunspacePoolClient({ runspacePoolId: client.idBytes }).open());
    const events = client.receive(join(server.takeOutgoing()));
    expect(events.map((e) => e.type)).toEqual(['invalidMessage', 'applicationPrivateData', 'runspacePoolState']);
    expectInvalid(events.slice(0, 1), ExopsErrorCode.PSRP_MESSAGE, /protocol 2.0; 2.1 or later/);
    expect(client.state).toBe('Broken');
  });
});

describe('host method table', () => {
  it('expects responses exactly for methods that return a value', () => {
    const voids = ['SetShouldExit', 'Write1', 'Write2', 'WriteLine1', 'WriteLine2', 'WriteLine3', 'WriteErrorLine', 'WriteDebugLine', 'WriteProgress', 'WriteVerboseLine', 'WriteWarningLine', 'SetForegroundColor', 'SetBufferContents1', 'PushRunspace', 'PopRunspace'] as const;
    for (const v of voids) expect(hostMethodExpectsResponse(HostMethodIdentifier[v]), v).toBe(false);
    const values = ['GetName', 'GetVersion', 'GetInstanceId', 'GetCurrentCulture', 'ReadLine', 'ReadLineAsSecureString', 'Prompt', 'PromptForCredential1', 'PromptForChoice', 'GetBufferSize', 'ReadKey', 'PromptForChoiceMultipleSelection'] as const;
    for (const v of values) expect(hostMethodExpectsResponse(HostMethodIdentifier[v]), v).toBe(true);
    const call = (methodId: number) => ({ callId: 7n, methodId, methodName: undefined, parameters: [] });
    expect(buildDefaultHostResponse(call(HostMethodIdentifier.GetVersion))).toMatchObject({ result: new PSPrimitive('Version', '1.0.0.0') });
    expect(buildDefaultHostResponse(call(HostMethodIdentifier.GetCurrentCulture), { culture: 'de-DE' })).toMatchObject({ result: { toStringValue: 'de-DE' } });
    expect(buildDefaultHostResponse(call(HostMethodIdentifier.PromptForCredential1))).toHaveProperty('error');
    expect(buildDefaultHostResponse(call(HostMethodIdentifier.WriteProgress))).toBeUndefined();
  });
});
