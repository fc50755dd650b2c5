/**
 * The server side of MS-PSRP as sans-I/O state machines, complete enough to build a PowerShell remoting server (the
 * exops emulator) on: `receive(bytes)` takes what the client put in creationXml, Arguments and Send streams and returns
 * typed events; replies are queued per target (the pool, or one pipeline) and taken with `takeOutgoing()` when the
 * transport answers a Receive for that target.
 */
import { PSObject, type ExopsError, type PSValue } from '@exops/contracts';
import { Endpoint, withMessageContext, type EndpointOptions, type ReceivedMessage } from './endpoint.js';
import type { PSInvocationStateName, RunspacePoolStateName } from './enums.js';
import { messageError, stateError, PEER_BUG_REMEDY } from './errors.js';
import { EMPTY_GUID_BYTES, guidFromBytes, guidKey, isEmptyGuid, toGuidBytes } from './guid.js';
import { Destination, type MessageTypeName } from './message.js';
import { buildHostCall, parseHostResponse, type ParsedHostResponse } from './payloads/host.js';
import {
  buildPipelineState,
  parseCreatePipeline,
  parseGetCommandMetadata,
  type ParsedCreatePipeline,
  type ParsedGetCommandMetadata,
} from './payloads/pipeline.js';
import {
  buildErrorRecord,
  buildInformationRecord,
  buildInformationalRecord,
  buildProgressRecord,
  type ErrorRecordInit,
  type InformationRecordInit,
  type ProgressRecordInit,
} from './payloads/records.js';
import {
  buildApplicationPrivateData,
  buildEncryptedSessionKey,
  buildPublicKeyRequest,
  buildRunspaceAvailability,
  buildRunspacePoolInitData,
  buildRunspacePoolState,
  buildSessionCapability,
  buildUserEvent,
  compareVersions,
  defaultApplicationPrivateData,
  parseCallIdRequest,
  parseConnectRunspacePool,
  parseInitRunspacePool,
  parsePublicKey,
  parseSessionCapability,
  parseSetRunspaces,
  type InitRunspacePool,
  type RunspaceLimits,
  type SessionCapability,
  type SetRunspaces,
  type UserEvent,
} from './payloads/session.js';
import { toPSValue, type PSInput } from './payloads/values.js';

interface ServerEventBase {
  readonly messageType: MessageTypeName;
}

/** Everything a server learns from the client, in arrival order. */
export type ServerEvent =
  | (ServerEventBase & { readonly type: 'sessionCapability'; readonly capability: SessionCapability })
  | (ServerEventBase & { readonly type: 'initRunspacePool'; readonly init: InitRunspacePool })
  | (ServerEventBase & { readonly type: 'connectRunspacePool'; readonly limits: RunspaceLimits | undefined })
  | (ServerEventBase & { readonly type: 'createPipeline'; readonly pipeline: ServerPipeline; readonly command: ParsedCreatePipeline })
  | (ServerEventBase & { readonly type: 'getCommandMetadata'; readonly pipeline: ServerPipeline; readonly request: ParsedGetCommandMetadata })
  | (ServerEventBase & { readonly type: 'pipelineInput'; readonly pipeline: ServerPipeline; readonly value: PSValue })
  | (ServerEventBase & { readonly type: 'endOfPipelineInput'; readonly pipeline: ServerPipeline })
  | (ServerEventBase & { readonly type: 'hostResponse'; readonly pipeline: ServerPipeline | undefined; readonly response: ParsedHostResponse })
  | (ServerEventBase & { readonly type: 'setMaxRunspaces' | 'setMinRunspaces'; readonly request: SetRunspaces })
  | (ServerEventBase & { readonly type: 'getAvailableRunspaces' | 'resetRunspaceState'; readonly callId: bigint })
  | (ServerEventBase & { readonly type: 'publicKey'; readonly publicKey: string })
  | {
      /** A framed message that could not be used (see the client's InvalidMessageEvent); the others are kept. */
      readonly type: 'invalidMessage';
      readonly messageType: MessageTypeName | undefined;
      readonly objectId: bigint;
      readonly pipelineId: string | undefined;
      readonly error: ExopsError;
    };

/** Options of a {@link RunspacePoolServer}. */
export interface RunspacePoolServerOptions extends EndpointOptions {
  /** The pool GUID (the WSMan ShellId); default: taken from the client's first message, bytes kept as sent. */
  readonly runspacePoolId?: string | Uint8Array;
  /** What this server announces; default protocol 2.3. */
  readonly capability?: Partial<SessionCapability>;
  /** APPLICATION_PRIVATE_DATA dictionary; default psrpcore's PSVersionTable. Exchange adds its own keys. */
  readonly applicationPrivateData?: PSObject | null;
  /**
   * Reply to SESSION_CAPABILITY, INIT_RUNSPACEPOOL and CONNECT_RUNSPACEPOOL automatically (SESSION_CAPABILITY,
   * APPLICATION_PRIVATE_DATA, RUNSPACEPOOL_STATE Opened; or RUNSPACEPOOL_INIT_DATA). Default true.
   */
  readonly autoOpen?: boolean;
}

/** A pipeline seen from the server: write its streams, then a final state. */
export class ServerPipeline {
  readonly idBytes: Uint8Array;
  readonly #pool: RunspacePoolServer;
  #state: PSInvocationStateName = 'Running';
  #nextCallId = 1n;

  /** @internal */
  constructor(pool: RunspacePoolServer, idBytes: Uint8Array) {
    this.#pool = pool;
    this.idBytes = idBytes;
  }

  get id(): string {
    return guidFromBytes(this.idBytes);
  }

  get state(): PSInvocationStateName {
    return this.#state;
  }

  #send(type: MessageTypeName, body: PSValue): void {
    if (this.#state === 'Completed' || this.#state === 'Failed' || this.#state === 'Stopped') {
      throw stateError(`Pipeline ${this.id} already ended (${this.#state}); cannot send ${type}`, 'Write every record before the final state.');
    }
    this.#pool.enqueue(this.idBytes, type, body);
  }

  /** PIPELINE_OUTPUT: one object. */
  writeOutput(value: PSInput): void {
    this.#send('PIPELINE_OUTPUT', toPSValue(value));
  }

  /** ERROR_RECORD. */
  writeError(record: ErrorRecordInit | PSObject): void {
    this.#send('ERROR_RECORD', record instanceof PSObject ? record : buildErrorRecord(record));
  }

  writeWarning(message: string): void {
    this.#send('WARNING_RECORD', buildInformationalRecord('warning', message));
  }

  writeVerbose(message: string): void {
    this.#send('VERBOSE_RECORD', buildInformationalRecord('verbose', message));
  }

  writeDebug(message: string): void {
    this.#send('DEBUG_RECORD', buildInformationalRecord('debug', message));
  }

  /** INFORMATION_RECORD (protocol 2.3). */
  writeInformation(record: InformationRecordInit): void {
    this.#send('INFORMATION_RECORD', buildInformationRecord(record));
  }

  writeProgress(record: ProgressRecordInit): void {
    this.#send('PROGRESS_RECORD', buildProgressRecord(record));
  }

  /** PIPELINE_HOST_CALL; returns its call id (match it against hostResponse events). */
  hostCall(methodId: number, parameters: readonly PSValue[] = []): bigint {
    const callId = this.#nextCallId++;
    this.#send('PIPELINE_HOST_CALL', buildHostCall({ callId, methodId, parameters }));
    return callId;
  }

  /** PIPELINE_STATE. Completed, Stopped and Failed end the pipeline; a reason becomes ExceptionAsErrorRecord. */
  setState(state: PSInvocationStateName, reason?: ErrorRecordInit): void {
    this.#send('PIPELINE_STATE', buildPipelineState(state, reason));
    this.#state = state;
  }

  /** PIPELINE_STATE Completed. */
  complete(): void {
    this.setState('Completed');
  }

  /** PIPELINE_STATE Failed with the reason (what a terminating error ends with). */
  fail(reason: ErrorRecordInit): void {
    this.setState('Failed', reason);
  }

  /** PIPELINE_STATE Stopped (the answer to the crtl_c signal). */
  stopped(): void {
    this.setState('Stopped', { message: 'The pipeline has been stopped.', exceptionType: 'System.Management.Automation.PipelineStoppedException', reason: 'PipelineStoppedException', category: 'OperationStopped' });
  }

  /** Messages queued for this pipeline's Receive, as fragments (see {@link RunspacePoolServer.takeOutgoing}). */
  takeOutgoing(maxBytes?: number): Uint8Array[] {
    return this.#pool.takeOutgoing(this.id, maxBytes);
  }
}

/** A runspace pool seen from the server. */
export class RunspacePoolServer {
  readonly #endpoint: Endpoint;
  readonly #options: RunspacePoolServerOptions;
  readonly #queues = new Map<string, Uint8Array[]>();
  readonly #pipelines = new Map<string, ServerPipeline>();
  #rpid: Uint8Array | undefined;
  #state: RunspacePoolStateName = 'BeforeOpen';
  #clientCapability: SessionCapability | undefined;
  #limits: RunspaceLimits = { minRunspaces: 1, maxRunspaces: 1 };
  #nextCallId = 1n;

  constructor(options: RunspacePoolServerOptions = {}) {
    this.#options = options;
    this.#endpoint = new Endpoint(Destination.CLIENT, options);
    if (options.runspacePoolId !== undefined) this.#rpid = toGuidBytes(options.runspacePoolId);
  }

  get state(): RunspacePoolStateName {
    return this.#state;
  }

  /** The pool GUID, once known (from the options or the client's first message). */
  get id(): string | undefined {
    return this.#rpid === undefined ? undefined : guidFromBytes(this.#rpid);
  }

  get clientCapability(): SessionCapability | undefined {
    return this.#clientCapability;
  }

  /** The protocol version both sides speak. */
  get protocolVersion(): string | undefined {
    const theirs = this.#clientCapability?.protocolVersion;
    if (theirs === undefined) return undefined;
    const ours = this.#options.capability?.protocolVersion ?? '2.3';
    return compareVersions(theirs, ours) < 0 ? theirs : ours;
  }

  get limits(): RunspaceLimits {
    return this.#limits;
  }

  pipeline(pipelineId: string | Uint8Array): ServerPipeline | undefined {
    return this.#pipelines.get(guidKey(toGuidBytes(pipelineId)));
  }

  /** Forgets a pipeline (after the client's Signal Terminate). */
  removePipeline(pipelineId: string | Uint8Array): void {
    const key = guidKey(toGuidBytes(pipelineId));
    this.#pipelines.delete(key);
    this.#queues.delete(key);
  }

  /** @internal */
  enqueue(pid: Uint8Array | undefined, type: MessageTypeName, body: PSValue, rpid?: Uint8Array): void {
    const key = pid === undefined ? '' : guidKey(pid);
    const fragments = this.#endpoint.encode(type, rpid ?? this.#rpid ?? EMPTY_GUID_BYTES, pid, body);
    const queue = this.#queues.get(key);
    if (queue === undefined) this.#queues.set(key, fragments);
    else queue.push(...fragments);
  }

  /**
   * Takes the fragments queued for the pool (no `pipelineId`) or for one pipeline, oldest first, at most `maxBytes`
   * in total when given (at least one fragment). Each fragment is ≤ the configured maxFragmentSize (32 768 by default,
   * as Windows sends).
   */
  takeOutgoing(pipelineId?: string | Uint8Array, maxBytes?: number): Uint8Array[] {
    const key = pipelineId === undefined ? '' : guidKey(toGuidBytes(pipelineId));
    const queue = this.#queues.get(key);
    if (queue === undefined || queue.length === 0) return [];
    if (maxBytes === undefined) {
      this.#queues.set(key, []);
      return queue;
    }
    let total = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || total + queue[n]!.length <= maxBytes)) total += queue[n++]!.length;
    return queue.splice(0, n);
  }

  /** True when fragments wait for the pool or the given pipeline. */
  hasOutgoing(pipelineId?: string | Uint8Array): boolean {
    const key = pipelineId === undefined ? '' : guidKey(toGuidBytes(pipelineId));
    return (this.#queues.get(key)?.length ?? 0) > 0;
  }

  /** RUNSPACEPOOL_STATE; Broken and Closed take an optional reason. */
  setState(state: RunspacePoolStateName, reason?: ErrorRecordInit): void {
    this.enqueue(undefined, 'RUNSPACEPOOL_STATE', buildRunspacePoolState(state, reason));
    this.#state = state;
  }

  /** RUNSPACE_AVAILABILITY answering SET_MAX/SET_MIN/GET_AVAILABLE_RUNSPACES or RESET_RUNSPACE_STATE. */
  respondRunspaceAvailability(callId: bigint, value: boolean | bigint): void {
    this.enqueue(undefined, 'RUNSPACE_AVAILABILITY', buildRunspaceAvailability({ callId, value }));
  }

  /** RUNSPACEPOOL_HOST_CALL; returns its call id. */
  hostCall(methodId: number, parameters: readonly PSValue[] = []): bigint {
    const callId = this.#nextCallId++;
    this.enqueue(undefined, 'RUNSPACEPOOL_HOST_CALL', buildHostCall({ callId, methodId, parameters }));
    return callId;
  }

  /** PUBLIC_KEY_REQUEST (servers before protocol 2.2 asked; newer clients start the exchange themselves). */
  requestPublicKey(): void {
    this.enqueue(undefined, 'PUBLIC_KEY_REQUEST', buildPublicKeyRequest());
  }

  /** ENCRYPTED_SESSION_KEY: base64 of the SIMPLEBLOB holding the session key encrypted with the client's PUBLIC_KEY. */
  sendEncryptedSessionKey(encryptedSessionKeyBase64: string): void {
    this.enqueue(undefined, 'ENCRYPTED_SESSION_KEY', buildEncryptedSessionKey(encryptedSessionKeyBase64));
  }

  /** USER_EVENT. */
  sendUserEvent(event: Omit<UserEvent, 'raw'>): void {
    this.enqueue(undefined, 'USER_EVENT', buildUserEvent(event));
  }

  /**
   * Feeds bytes the client sent (creationXml, connectXml, Arguments, Send streams); returns the events they complete.
   * Throws only when the fragment stream is broken; an unusable message becomes an `invalidMessage` event.
   */
  receive(bytes: Uint8Array): ServerEvent[] {
    const events: ServerEvent[] = [];
    const invalid = (objectId: bigint, messageType: MessageTypeName | undefined, pid: Uint8Array | undefined, error: ExopsError): ServerEvent => ({
      type: 'invalidMessage',
      messageType,
      objectId,
      pipelineId: pid === undefined || isEmptyGuid(pid) ? undefined : guidFromBytes(pid),
      error,
    });
    for (const received of this.#endpoint.receive(bytes, Destination.SERVER)) {
      if ('error' in received) {
        events.push(invalid(received.objectId, received.messageType, received.pid, received.error));
        continue;
      }
      try {
        events.push(this.#handle(received));
      } catch (error) {
        events.push(invalid(received.objectId, received.message.messageType, received.message.pid, withMessageContext(error, received.objectId, received.message.messageType)));
      }
    }
    return events;
  }

  /** Asserts the client's stream ended on a message boundary. */
  finish(): void {
    this.#endpoint.finish();
  }

  #pipelineFor(received: ReceivedMessage): ServerPipeline {
    const pipeline = this.#pipelines.get(guidKey(received.message.pid));
    if (pipeline === undefined) {
      throw stateError(
        `the message is for pipeline ${guidFromBytes(received.message.pid)}, which does not exist`,
        'Send CREATE_PIPELINE first, and nothing to a pipeline after it was terminated.',
      );
    }
    return pipeline;
  }

  #newPipeline(received: ReceivedMessage): ServerPipeline {
    const pid = received.message.pid;
    if (isEmptyGuid(pid)) throw messageError(`the message has no pipeline id`, PEER_BUG_REMEDY);
    const key = guidKey(pid);
    if (this.#pipelines.has(key)) throw stateError(`Pipeline ${guidFromBytes(pid)} already exists`, 'Use a new pipeline id for each command.');
    if (this.#state !== 'Opened') throw stateError(`CREATE_PIPELINE while the runspace pool is ${this.#state}`, 'Open the runspace pool first.');
    const pipeline = new ServerPipeline(this, new Uint8Array(pid));
    this.#pipelines.set(key, pipeline);
    return pipeline;
  }

  #handle(received: ReceivedMessage): ServerEvent {
    const { message, body } = received;
    const messageType = message.messageType;
    this.#rpid ??= new Uint8Array(message.rpid);
    const auto = this.#options.autoOpen ?? true;
    switch (messageType) {
      case 'SESSION_CAPABILITY': {
        const capability = parseSessionCapability(body);
        if (compareVersions(capability.protocolVersion, '2.1') < 0) {
          throw messageError(`The client speaks PSRP protocol ${capability.protocolVersion}; 2.1 or later is needed`, 'Use a PowerShell 2.0+ client.');
        }
        this.#clientCapability = capability;
        this.#state = 'NegotiationSucceeded';
        // Windows and psrpcore answer with an all-zero RPID.
        if (auto) this.enqueue(undefined, 'SESSION_CAPABILITY', buildSessionCapability(this.#options.capability), EMPTY_GUID_BYTES);
        return { type: 'sessionCapability', messageType, capability };
      }
      case 'INIT_RUNSPACEPOOL': {
        const init = parseInitRunspacePool(body);
        this.#limits = { minRunspaces: init.minRunspaces, maxRunspaces: init.maxRunspaces };
        if (auto) {
          const data = this.#options.applicationPrivateData === undefined ? defaultApplicationPrivateData(this.#options.capability?.protocolVersion) : this.#options.applicationPrivateData;
          this.enqueue(undefined, 'APPLICATION_PRIVATE_DATA', buildApplicationPrivateData(data));
          this.setState('Opened');
        }
        return { type: 'initRunspacePool', messageType, init };
      }
      case 'CONNECT_RUNSPACEPOOL': {
        const limits = parseConnectRunspacePool(body);
        if (limits !== undefined) this.#limits = limits;
        if (auto) {
          this.enqueue(undefined, 'RUNSPACEPOOL_INIT_DATA', buildRunspacePoolInitData(this.#limits));
          this.setState('Opened');
        }
        return { type: 'connectRunspacePool', messageType, limits };
      }
      case 'CREATE_PIPELINE': {
        const command = parseCreatePipeline(body);
        return { type: 'createPipeline', messageType, pipeline: this.#newPipeline(received), command };
      }
      case 'GET_COMMAND_METADATA': {
        const request = parseGetCommandMetadata(body);
        return { type: 'getCommandMetadata', messageType, pipeline: this.#newPipeline(received), request };
      }
      case 'PIPELINE_INPUT':
        return { type: 'pipelineInput', messageType, pipeline: this.#pipelineFor(received), value: body };
      case 'END_OF_PIPELINE_INPUT':
        return { type: 'endOfPipelineInput', messageType, pipeline: this.#pipelineFor(received) };
      case 'PIPELINE_HOST_RESPONSE':
        return { type: 'hostResponse', messageType, pipeline: this.#pipelineFor(received), response: parseHostResponse(body) };
      case 'RUNSPACEPOOL_HOST_RESPONSE':
        return { type: 'hostResponse', messageType, pipeline: undefined, response: parseHostResponse(body) };
      case 'SET_MAX_RUNSPACES':
        return { type: 'setMaxRunspaces', messageType, request: parseSetRunspaces('max', body) };
      case 'SET_MIN_RUNSPACES':
        return { type: 'setMinRunspaces', messageType, request: parseSetRunspaces('min', body) };
      case 'GET_AVAILABLE_RUNSPACES':
        return { type: 'getAvailableRunspaces', messageType, callId: parseCallIdRequest(messageType, body) };
      case 'RESET_RUNSPACE_STATE':
        return { type: 'resetRunspaceState', messageType, callId: parseCallIdRequest(messageType, body) };
      case 'PUBLIC_KEY':
        return { type: 'publicKey', messageType, publicKey: parsePublicKey(body) };
      default:
        throw messageError(`only a server sends ${messageType}`, PEER_BUG_REMEDY, { messageType });
    }
  }
}
