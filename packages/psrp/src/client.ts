/**
 * The client side of MS-PSRP as sans-I/O state machines (in the style of psrpcore and pg-protocol): methods return
 * the bytes to send, and `receive(bytes)` returns typed events. The transport (WSMan) carries the bytes: `open()` goes
 * in Create's creationXml, `pipeline.start()` in Command's Arguments (and any fragments after the first in Sends),
 * input and host responses in Sends (`stdin` / `pr`), and server output comes from Receive's stdout Streams.
 */
import type { CommandStreamEvent, ExopsError, PSErrorRecordInfo, PSInformationInfo, PSObject, PSProgressInfo, PSValue } from '@exops/contracts';
import { Endpoint, joinFragments, withMessageContext, type EndpointOptions, type ReceivedMessage } from './endpoint.js';
import { PSInvocationState, type PSInvocationStateName, type RunspacePoolStateName } from './enums.js';
import { messageError, stateError, PEER_BUG_REMEDY } from './errors.js';
import { guidFromBytes, guidKey, isEmptyGuid, randomGuidBytes, toGuidBytes } from './guid.js';
import { Destination, type MessageTypeName } from './message.js';
import { buildDefaultHostResponse, buildHostResponse, parseHostCall, type DefaultHostOptions, type HostCall, type HostResponse } from './payloads/host.js';
import {
  buildCreatePipeline,
  buildGetCommandMetadata,
  parsePipelineState,
  type CreatePipelineOptions,
  type GetCommandMetadataOptions,
} from './payloads/pipeline.js';
import { parseErrorRecord, parseInformationRecord, parseInformationalRecord, parseProgressRecord } from './payloads/records.js';
import {
  buildCallIdRequest,
  buildConnectRunspacePool,
  buildInitRunspacePool,
  buildPublicKey,
  buildSessionCapability,
  buildSetRunspaces,
  compareVersions,
  parseApplicationPrivateData,
  parseEncryptedSessionKey,
  parseRunspaceAvailability,
  parseRunspacePoolInitData,
  parseRunspacePoolState,
  parseSessionCapability,
  parseUserEvent,
  type ApplicationPrivateData,
  type InitRunspacePoolOptions,
  type RunspaceLimits,
  type SessionCapability,
  type UserEvent,
} from './payloads/session.js';
import { toPSValue, type PSInput } from './payloads/values.js';

/**
 * The WSMan Signal code that stops a running pipeline ([MS-PSRP] 3.1.5.3.9). The typo is the protocol: the Windows
 * plugin compares it ordinally and closes (rather than stops) the command on any other code.
 */
export const PSRP_STOP_SIGNAL = 'powershell/signal/crtl_c';

/** The WSMan Signal code that releases a finished pipeline. */
export const WSMAN_TERMINATE_SIGNAL = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate';

/** Which runspace-pool request a RUNSPACE_AVAILABILITY answers. */
export type RunspaceRequestKind = 'setMaxRunspaces' | 'setMinRunspaces' | 'getAvailableRunspaces' | 'resetRunspaceState';

interface EventBase {
  /** The PSRP message the event came from. */
  readonly messageType: MessageTypeName;
}

interface PipelineEventBase extends EventBase {
  readonly pipelineId: string;
}

/** Everything a client learns from the server, in arrival order. */
export type ClientEvent =
  | (EventBase & { readonly type: 'sessionCapability'; readonly capability: SessionCapability })
  | (EventBase & { readonly type: 'applicationPrivateData'; readonly data: ApplicationPrivateData })
  | (EventBase & { readonly type: 'runspacePoolState'; readonly state: RunspacePoolStateName | undefined; readonly stateValue: number; readonly reason: PSErrorRecordInfo | undefined })
  | (EventBase & { readonly type: 'runspacePoolInitData'; readonly limits: RunspaceLimits })
  | (EventBase & { readonly type: 'runspaceAvailability'; readonly callId: bigint; readonly value: boolean | bigint; readonly request: RunspaceRequestKind | undefined })
  | (EventBase & { readonly type: 'userEvent'; readonly event: UserEvent })
  | (EventBase & { readonly type: 'encryptedSessionKey'; readonly encryptedSessionKey: string })
  | (EventBase & { readonly type: 'publicKeyRequest' })
  | (EventBase & { readonly type: 'hostCall'; readonly pipelineId: string | undefined; readonly call: HostCall })
  | (PipelineEventBase & { readonly type: 'output'; readonly value: PSValue })
  | (PipelineEventBase & { readonly type: 'error'; readonly record: PSErrorRecordInfo })
  | (PipelineEventBase & { readonly type: 'warning' | 'verbose' | 'debug'; readonly message: string })
  | (PipelineEventBase & { readonly type: 'information'; readonly record: PSInformationInfo })
  | (PipelineEventBase & { readonly type: 'progress'; readonly record: PSProgressInfo })
  | (PipelineEventBase & { readonly type: 'pipelineState'; readonly state: PSInvocationStateName | undefined; readonly stateValue: number; readonly reason: PSErrorRecordInfo | undefined })
  | InvalidMessageEvent;

/**
 * A message that arrived intact (its fragments were fine) but could not be used: unreadable header or CLIXML, a body
 * missing a required property, a pipeline this client does not know, a type a server never sends. The events before
 * and after it are kept. A pipeline-targeted one means that pipeline's result is incomplete: fail or stop it.
 */
export interface InvalidMessageEvent {
  readonly type: 'invalidMessage';
  readonly messageType: MessageTypeName | undefined;
  readonly objectId: bigint;
  /** The pipeline it was for, when the header named one. */
  readonly pipelineId: string | undefined;
  readonly error: ExopsError;
}

/** The stream event of the contracts' CommandStreamEvent for an output or record event; undefined for the others. */
export function toCommandStreamEvent(event: ClientEvent): CommandStreamEvent | undefined {
  switch (event.type) {
    case 'output':
      return { type: 'output', value: event.value };
    case 'error':
      return { type: 'error', record: event.record };
    case 'warning':
    case 'verbose':
    case 'debug':
      return { type: event.type, message: event.message };
    case 'information':
      return { type: 'information', record: event.record };
    case 'progress':
      return { type: 'progress', record: event.record };
    default:
      return undefined;
  }
}

function invalidMessage(objectId: bigint, messageType: MessageTypeName | undefined, pid: Uint8Array | undefined, error: ExopsError): InvalidMessageEvent {
  return { type: 'invalidMessage', messageType, objectId, pipelineId: pid === undefined || isEmptyGuid(pid) ? undefined : guidFromBytes(pid), error };
}

/** Options of a {@link RunspacePoolClient}. */
export interface RunspacePoolClientOptions extends EndpointOptions, InitRunspacePoolOptions {
  /** The pool's GUID (the WSMan ShellId); a string or the raw 16 header bytes. Default random. */
  readonly runspacePoolId?: string | Uint8Array;
  /** What this client announces; default protocol 2.3. */
  readonly capability?: Partial<SessionCapability>;
}

/** Options of {@link RunspacePoolClient.createPipeline}. */
export interface ClientPipelineOptions extends CreatePipelineOptions {
  /** The pipeline's GUID (the WSMan CommandId); a string or raw bytes. Default random. */
  readonly pipelineId?: string | Uint8Array;
  /**
   * Input objects known up front (implies `noInput: false`): after the Command, Send `pipeline.initialInput()`
   * (PIPELINE_INPUT per object, then END_OF_PIPELINE_INPUT) on `stdin`.
   */
  readonly input?: readonly PSInput[];
}

interface PipelineCreation {
  readonly messageType: 'CREATE_PIPELINE' | 'GET_COMMAND_METADATA';
  readonly build: () => PSObject;
}

const TERMINAL_PIPELINE_STATES: ReadonlySet<number> = new Set([PSInvocationState.Stopped, PSInvocationState.Completed, PSInvocationState.Failed]);

/** A pipeline seen from the client. Its server events arrive through {@link RunspacePoolClient.receive}. */
export class ClientPipeline {
  readonly idBytes: Uint8Array;
  readonly #pool: RunspacePoolClient;
  readonly #create: PipelineCreation | undefined;
  #state: PSInvocationStateName = 'NotStarted';
  #inputEnded: boolean;
  #initialInput: readonly PSInput[] | undefined;
  /** The reason the server gave with the final state, if any. */
  reason: PSErrorRecordInfo | undefined;

  /** @internal */
  constructor(pool: RunspacePoolClient, idBytes: Uint8Array, create: PipelineCreation | undefined, noInput: boolean, input?: readonly PSInput[]) {
    this.#pool = pool;
    this.#initialInput = input;
    this.idBytes = idBytes;
    this.#create = create;
    this.#inputEnded = noInput;
    if (create === undefined) this.#state = 'Running';
  }

  /** The pipeline GUID (= WSMan CommandId). */
  get id(): string {
    return guidFromBytes(this.idBytes);
  }

  get state(): PSInvocationStateName {
    return this.#state;
  }

  /** True once the server reported Completed, Stopped or Failed. */
  get finished(): boolean {
    return TERMINAL_PIPELINE_STATES.has(PSInvocationState[this.#state]);
  }

  /**
   * CREATE_PIPELINE (or GET_COMMAND_METADATA) fragments. Send the first in Command's `rsp:Arguments` and any others in
   * Sends on `stdin`; concatenated they are one Arguments blob.
   */
  start(options: { readonly maxFragmentSize?: number } = {}): Uint8Array[] {
    if (this.#create === undefined || this.#state !== 'NotStarted') {
      throw stateError(`Pipeline ${this.id} was already started (state ${this.#state})`, 'Create a new pipeline for each command.');
    }
    this.#pool.assertOpened('start a pipeline');
    const fragments = this.#pool.endpoint.encode(this.#create.messageType, this.#pool.idBytes, this.idBytes, this.#create.build(), options.maxFragmentSize);
    this.#state = 'Running';
    return fragments;
  }

  /** PIPELINE_INPUT messages, one per value, for a Send on `stdin`; `end` appends END_OF_PIPELINE_INPUT. */
  sendInput(values: readonly PSInput[], options: { readonly end?: boolean } = {}): Uint8Array {
    if (this.#inputEnded) {
      throw stateError(`Pipeline ${this.id} takes no (more) input`, 'Create the pipeline with noInput: false, and send input before endInput().');
    }
    const parts: Uint8Array[] = [];
    for (const v of values) parts.push(...this.#pool.endpoint.encode('PIPELINE_INPUT', this.#pool.idBytes, this.idBytes, toPSValue(v)));
    if (options.end === true) parts.push(this.endInput());
    return joinFragments(parts);
  }

  /** The `input` given at creation as one Send on `stdin` (each object, then END_OF_PIPELINE_INPUT); once. */
  initialInput(): Uint8Array {
    const input = this.#initialInput;
    if (input === undefined) throw stateError(`Pipeline ${this.id} was created without input`, 'Pass input to createPipeline(), or use sendInput().');
    if (this.#state === 'NotStarted') throw stateError(`Pipeline ${this.id} is not started`, 'Send start() first; input follows the Command.');
    this.#initialInput = undefined;
    return this.sendInput(input, { end: true });
  }

  /** END_OF_PIPELINE_INPUT (empty body), for a Send on `stdin`. */
  endInput(): Uint8Array {
    if (this.#inputEnded) throw stateError(`Input of pipeline ${this.id} already ended`, 'Call endInput() once.');
    this.#inputEnded = true;
    return joinFragments(this.#pool.endpoint.encode('END_OF_PIPELINE_INPUT', this.#pool.idBytes, this.idBytes, new Uint8Array(0)));
  }

  /**
   * Marks the pipeline Stopping and returns the WSMan Signal code the transport must send with this pipeline's
   * CommandId ({@link PSRP_STOP_SIGNAL}). PSRP has no stop message: the server answers with PIPELINE_STATE Stopped.
   */
  stop(): { readonly signal: typeof PSRP_STOP_SIGNAL } {
    if (!this.finished) this.#state = 'Stopping';
    return { signal: PSRP_STOP_SIGNAL };
  }

  /** PIPELINE_HOST_RESPONSE for a host call of this pipeline, for a Send on `pr`. */
  respondToHostCall(response: HostResponse): Uint8Array {
    return joinFragments(this.#pool.endpoint.encode('PIPELINE_HOST_RESPONSE', this.#pool.idBytes, this.idBytes, buildHostResponse(response)));
  }

  /** @internal */
  applyState(state: number): void {
    const name = (Object.keys(PSInvocationState) as PSInvocationStateName[]).find((k) => PSInvocationState[k] === state);
    if (name !== undefined) this.#state = name;
  }
}

/**
 * A runspace pool seen from the client. One instance per WSMan shell; feed it every stdout Stream of the pool's and
 * its pipelines' Receive responses, in order.
 */
export class RunspacePoolClient {
  readonly idBytes: Uint8Array;
  /** @internal */
  readonly endpoint: Endpoint;
  readonly #options: RunspacePoolClientOptions;
  readonly #pipelines = new Map<string, ClientPipeline>();
  readonly #pendingCalls = new Map<bigint, RunspaceRequestKind>();
  #nextCallId = 0n;
  #state: RunspacePoolStateName = 'BeforeOpen';
  #serverCapability: SessionCapability | undefined;
  #applicationPrivateData: ApplicationPrivateData | undefined;
  /** Why the pool broke or closed, when the server said. */
  reason: PSErrorRecordInfo | undefined;

  constructor(options: RunspacePoolClientOptions = {}) {
    this.#options = options;
    this.idBytes = options.runspacePoolId === undefined ? randomGuidBytes() : toGuidBytes(options.runspacePoolId);
    this.endpoint = new Endpoint(Destination.SERVER, options);
  }

  /** The pool GUID (= WSMan ShellId). */
  get id(): string {
    return guidFromBytes(this.idBytes);
  }

  get state(): RunspacePoolStateName {
    return this.#state;
  }

  /** The protocol version both sides speak: the lower of ours and the server's; undefined before negotiation. */
  get protocolVersion(): string | undefined {
    const theirs = this.#serverCapability?.protocolVersion;
    if (theirs === undefined) return undefined;
    const ours = this.#options.capability?.protocolVersion ?? '2.3';
    return compareVersions(theirs, ours) < 0 ? theirs : ours;
  }

  get serverCapability(): SessionCapability | undefined {
    return this.#serverCapability;
  }

  get applicationPrivateData(): ApplicationPrivateData | undefined {
    return this.#applicationPrivateData;
  }

  /** Largest fragment sent from now on (e.g. after the envelope size grew). */
  set maxFragmentSize(size: number) {
    this.endpoint.maxFragmentSize = size;
  }

  get maxFragmentSize(): number {
    return this.endpoint.maxFragmentSize;
  }

  /** SESSION_CAPABILITY + INIT_RUNSPACEPOOL fragments: the Create request's `creationXml` (base64 of these bytes). */
  open(): Uint8Array {
    if (this.#state !== 'BeforeOpen') throw stateError(`The runspace pool is ${this.#state}; open() is for a new pool`, 'Create a new RunspacePoolClient.');
    const sc = this.endpoint.encode('SESSION_CAPABILITY', this.idBytes, undefined, buildSessionCapability(this.#options.capability));
    const init = this.endpoint.encode('INIT_RUNSPACEPOOL', this.idBytes, undefined, buildInitRunspacePool(this.#options));
    this.#state = 'Opening';
    return joinFragments([...sc, ...init]);
  }

  /**
   * SESSION_CAPABILITY + CONNECT_RUNSPACEPOOL fragments for WSMan Connect's `connectXml`, to attach to a
   * disconnected pool created by another client session ([MS-PSRP] 3.1.4.10).
   */
  connect(limits?: RunspaceLimits): Uint8Array {
    if (this.#state !== 'BeforeOpen') throw stateError(`The runspace pool is ${this.#state}; connect() is for a new client`, 'Create a new RunspacePoolClient with the runspacePoolId of the disconnected pool.');
    const sc = this.endpoint.encode('SESSION_CAPABILITY', this.idBytes, undefined, buildSessionCapability(this.#options.capability));
    const connect = this.endpoint.encode('CONNECT_RUNSPACEPOOL', this.idBytes, undefined, buildConnectRunspacePool(limits));
    this.#state = 'Connecting';
    return joinFragments([...sc, ...connect]);
  }

  /** Marks the pool closed. PSRP has no close message: the transport deletes the WSMan shell. */
  close(): void {
    this.#state = 'Closed';
  }

  /** Marks the pool disconnected (after a WSMan Disconnect). */
  disconnected(): void {
    this.#state = 'Disconnected';
  }

  /** Marks the pool opened again (after a WSMan Reconnect). */
  reconnected(): void {
    this.#state = 'Opened';
  }

  /** @internal */
  assertOpened(action: string): void {
    if (this.#state !== 'Opened') {
      throw stateError(`Cannot ${action}: the runspace pool is ${this.#state}`, this.#state === 'Broken' || this.#state === 'Closed' ? 'Open a new runspace pool.' : 'Wait for the RunspacePoolState Opened event first.');
    }
  }

  /** A new pipeline; call `start()` on it for the CREATE_PIPELINE bytes. */
  createPipeline(options: ClientPipelineOptions): ClientPipeline {
    const idBytes = options.pipelineId === undefined ? randomGuidBytes() : toGuidBytes(options.pipelineId);
    const effective: CreatePipelineOptions = options.input === undefined ? options : { ...options, noInput: false };
    // Build once now so bad options fail here, not later in start().
    buildCreatePipeline(effective, this.protocolVersion);
    const pipeline = new ClientPipeline(
      this,
      idBytes,
      { messageType: 'CREATE_PIPELINE', build: () => buildCreatePipeline(effective, this.protocolVersion) },
      effective.noInput ?? true,
      options.input,
    );
    this.#register(pipeline);
    return pipeline;
  }

  /** A GET_COMMAND_METADATA pipeline (implicit remoting); its output is a count then CommandMetadata objects. */
  getCommandMetadata(options: GetCommandMetadataOptions & { readonly pipelineId?: string | Uint8Array }): ClientPipeline {
    const idBytes = options.pipelineId === undefined ? randomGuidBytes() : toGuidBytes(options.pipelineId);
    const pipeline = new ClientPipeline(this, idBytes, { messageType: 'GET_COMMAND_METADATA', build: () => buildGetCommandMetadata(options) }, true);
    this.#register(pipeline);
    return pipeline;
  }

  /** Tracks a pipeline that already runs on the server (reconnecting to a disconnected command); sends nothing. */
  attachPipeline(pipelineId: string | Uint8Array): ClientPipeline {
    const pipeline = new ClientPipeline(this, toGuidBytes(pipelineId), undefined, true);
    this.#register(pipeline);
    return pipeline;
  }

  /** A pipeline created or attached on this pool, by GUID string or raw bytes. */
  pipeline(pipelineId: string | Uint8Array): ClientPipeline | undefined {
    return this.#pipelines.get(guidKey(toGuidBytes(pipelineId)));
  }

  /** Forgets a finished pipeline (after the transport sent Signal Terminate). */
  removePipeline(pipelineId: string | Uint8Array): void {
    this.#pipelines.delete(guidKey(toGuidBytes(pipelineId)));
  }

  #register(pipeline: ClientPipeline): void {
    const key = guidKey(pipeline.idBytes);
    if (this.#pipelines.has(key)) throw stateError(`Pipeline ${pipeline.id} already exists in this pool`, 'Use a fresh pipeline id.');
    this.#pipelines.set(key, pipeline);
  }

  #poolRequest(kind: RunspaceRequestKind, type: MessageTypeName, body: (callId: bigint) => PSObject): { callId: bigint; bytes: Uint8Array } {
    this.assertOpened(kind);
    const callId = this.#nextCallId++;
    this.#pendingCalls.set(callId, kind);
    return { callId, bytes: joinFragments(this.endpoint.encode(type, this.idBytes, undefined, body(callId))) };
  }

  /** SET_MAX_RUNSPACES (Send on stdin); the answer is a runspaceAvailability event with the same callId. */
  setMaxRunspaces(value: number): { callId: bigint; bytes: Uint8Array } {
    return this.#poolRequest('setMaxRunspaces', 'SET_MAX_RUNSPACES', (callId) => buildSetRunspaces('max', { value, callId }));
  }

  /** SET_MIN_RUNSPACES. */
  setMinRunspaces(value: number): { callId: bigint; bytes: Uint8Array } {
    return this.#poolRequest('setMinRunspaces', 'SET_MIN_RUNSPACES', (callId) => buildSetRunspaces('min', { value, callId }));
  }

  /** GET_AVAILABLE_RUNSPACES. */
  getAvailableRunspaces(): { callId: bigint; bytes: Uint8Array } {
    return this.#poolRequest('getAvailableRunspaces', 'GET_AVAILABLE_RUNSPACES', buildCallIdRequest);
  }

  /** RESET_RUNSPACE_STATE (protocol ≥ 2.3). */
  resetRunspaceState(): { callId: bigint; bytes: Uint8Array } {
    return this.#poolRequest('resetRunspaceState', 'RESET_RUNSPACE_STATE', buildCallIdRequest);
  }

  /** PUBLIC_KEY (the client starts the key exchange for SecureString values). */
  sendPublicKey(publicKeyBase64: string): Uint8Array {
    return joinFragments(this.endpoint.encode('PUBLIC_KEY', this.idBytes, undefined, buildPublicKey(publicKeyBase64)));
  }

  /** RUNSPACEPOOL_HOST_RESPONSE, for a Send on `pr`. */
  respondToHostCall(response: HostResponse): Uint8Array {
    return joinFragments(this.endpoint.encode('RUNSPACEPOOL_HOST_RESPONSE', this.idBytes, undefined, buildHostResponse(response)));
  }

  /**
   * Answers a host call the way a non-interactive host does ({@link buildDefaultHostResponse}): the bytes to Send on
   * `pr`, or undefined for void methods, which must get no response.
   */
  answerHostCall(event: Extract<ClientEvent, { type: 'hostCall' }>, options?: DefaultHostOptions): Uint8Array | undefined {
    const response = buildDefaultHostResponse(event.call, options);
    if (response === undefined) return undefined;
    if (event.pipelineId === undefined) return this.respondToHostCall(response);
    const pipeline = this.pipeline(event.pipelineId);
    if (pipeline === undefined) throw stateError(`Host call for unknown pipeline ${event.pipelineId}`, 'Answer host calls before removing the pipeline.');
    return pipeline.respondToHostCall(response);
  }

  /**
   * Feeds bytes of the server's stdout Streams; returns the events they complete, in order. Throws only when the
   * fragment stream itself is broken (then the pool is unusable); a single unusable message becomes an
   * `invalidMessage` event in its place.
   */
  receive(bytes: Uint8Array): ClientEvent[] {
    const events: ClientEvent[] = [];
    for (const received of this.endpoint.receive(bytes, Destination.CLIENT)) {
      if ('error' in received) {
        events.push(invalidMessage(received.objectId, received.messageType, received.pid, received.error));
        continue;
      }
      try {
        events.push(this.#handle(received));
      } catch (error) {
        events.push(invalidMessage(received.objectId, received.message.messageType, received.message.pid, withMessageContext(error, received.objectId, received.message.messageType)));
      }
    }
    return events;
  }

  /** Asserts the server's stream ended on a message boundary (no half message pending). */
  finish(): void {
    this.endpoint.finish();
  }

  #handle({ message, body, objectId }: ReceivedMessage): ClientEvent {
    const messageType = message.messageType;
    if (isEmptyGuid(message.pid) || messageType === 'RUNSPACEPOOL_HOST_CALL') {
      switch (messageType) {
        case 'SESSION_CAPABILITY': {
          const capability = parseSessionCapability(body);
          if (compareVersions(capability.protocolVersion, '2.1') < 0) {
            this.#state = 'Broken';
            throw messageError(
              `The server speaks PSRP protocol ${capability.protocolVersion}; 2.1 or later is needed`,
              'Connect to PowerShell 2.0 or later (Windows PowerShell 5.1 or Exchange); the server is too old.',
              { protocolVersion: capability.protocolVersion },
            );
          }
          this.#serverCapability = capability;
          if (this.#state === 'Opening' || this.#state === 'BeforeOpen') this.#state = 'NegotiationSucceeded';
          return { type: 'sessionCapability', messageType, capability };
        }
        case 'APPLICATION_PRIVATE_DATA':
          this.#applicationPrivateData = parseApplicationPrivateData(body);
          return { type: 'applicationPrivateData', messageType, data: this.#applicationPrivateData };
        case 'RUNSPACEPOOL_STATE': {
          const info = parseRunspacePoolState(body);
          // Broken and Closed are final: a pool refused locally (e.g. protocol too old) is not revived by the server.
          if (info.stateName !== undefined && this.#state !== 'Broken' && this.#state !== 'Closed') this.#state = info.stateName;
          if (info.reason !== undefined) this.reason = info.reason;
          return { type: 'runspacePoolState', messageType, state: info.stateName, stateValue: info.state, reason: info.reason };
        }
        case 'RUNSPACEPOOL_INIT_DATA':
          return { type: 'runspacePoolInitData', messageType, limits: parseRunspacePoolInitData(body) };
        case 'RUNSPACE_AVAILABILITY': {
          const a = parseRunspaceAvailability(body);
          const request = this.#pendingCalls.get(a.callId);
          this.#pendingCalls.delete(a.callId);
          return { type: 'runspaceAvailability', messageType, callId: a.callId, value: a.value, request };
        }
        case 'USER_EVENT':
          return { type: 'userEvent', messageType, event: parseUserEvent(body) };
        case 'ENCRYPTED_SESSION_KEY':
          return { type: 'encryptedSessionKey', messageType, encryptedSessionKey: parseEncryptedSessionKey(body) };
        case 'PUBLIC_KEY_REQUEST':
          return { type: 'publicKeyRequest', messageType };
        case 'RUNSPACEPOOL_HOST_CALL':
          return { type: 'hostCall', messageType, pipelineId: undefined, call: parseHostCall(body) };
        case 'PIPELINE_STATE': {
          // [MS-PSRP] 2.2.2.21 lets a PIPELINE_STATE target the pool (all-zero PID): no pipeline to update.
          const info = parsePipelineState(body);
          return { type: 'pipelineState', messageType, pipelineId: guidFromBytes(message.pid), state: info.stateName, stateValue: info.state, reason: info.reason };
        }
        default:
          throw messageError(`${messageType} without a pipeline id is not something a server sends to a client`, PEER_BUG_REMEDY, {
            messageType,
            objectId: String(objectId),
          });
      }
    }
    const key = guidKey(message.pid);
    const pipeline = this.#pipelines.get(key);
    if (pipeline === undefined) {
      throw stateError(
        `the message is for pipeline ${guidFromBytes(message.pid)}, which this client did not create`,
        'Feed each RunspacePoolClient only the Receive output of its own shell, or attachPipeline() a reconnected command first.',
        { messageType, pipelineId: guidFromBytes(message.pid) },
      );
    }
    const pipelineId = pipeline.id;
    switch (messageType) {
      case 'PIPELINE_OUTPUT':
        return { type: 'output', messageType, pipelineId, value: body };
      case 'ERROR_RECORD':
        return { type: 'error', messageType, pipelineId, record: parseErrorRecord(body) };
      case 'WARNING_RECORD':
        return { type: 'warning', messageType, pipelineId, message: parseInformationalRecord(body) };
      case 'VERBOSE_RECORD':
        return { type: 'verbose', messageType, pipelineId, message: parseInformationalRecord(body) };
      case 'DEBUG_RECORD':
        return { type: 'debug', messageType, pipelineId, message: parseInformationalRecord(body) };
      case 'INFORMATION_RECORD':
        return { type: 'information', messageType, pipelineId, record: parseInformationRecord(body) };
      case 'PROGRESS_RECORD':
        return { type: 'progress', messageType, pipelineId, record: parseProgressRecord(body) };
      case 'PIPELINE_HOST_CALL':
        return { type: 'hostCall', messageType, pipelineId, call: parseHostCall(body) };
      case 'PIPELINE_STATE': {
        const info = parsePipelineState(body);
        pipeline.applyState(info.state);
        if (info.reason !== undefined) pipeline.reason = info.reason;
        return { type: 'pipelineState', messageType, pipelineId, state: info.stateName, stateValue: info.state, reason: info.reason };
      }
      default:
        throw messageError(`a server never sends ${messageType} to a client (pipeline ${pipelineId})`, PEER_BUG_REMEDY, {
          messageType,
        });
    }
  }
}

