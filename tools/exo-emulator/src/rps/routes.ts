/**
 * The Exchange Online Remote PowerShell endpoint (`POST /PowerShell-LiveID`, 21Vianet's `/PowerShell`): WS-Management
 * and PSRP as a Windows server running Exchange's `Microsoft.Exchange` configuration answered them, over the
 * emulator's cmdlet engine and session registry.
 */
import { randomUUID } from 'node:crypto';
import { ExopsError, PSObject, PSPrimitive } from '@exops/contracts';
import { RunspacePoolServer, buildPrimitiveDictionary, type ServerEvent } from '@exops/psrp';
import {
  DEFAULT_WSMAN_CONFIG,
  WsmanAction,
  WsmanFaultCode,
  WsmanResourceUri,
  buildCommandResponse,
  buildCreateResponse,
  buildDeleteResponse,
  buildEnumerateResponse,
  buildFaultResponse,
  buildGetConfigResponse,
  buildGetShellResponse,
  buildInvalidSelectorsFault,
  buildPullResponse,
  buildReceiveResponse,
  buildSendResponse,
  buildSignalResponse,
  buildTimedOutFault,
  parseWsmanRequest,
  type ParsedWsmanRequest,
  type ReceiveStreamOutput,
  type WsmanResponseContext,
  type WsmanResponseEnvelope,
  type WsmanShellProperties,
} from '@exops/wsman';
import type { FaultInjector } from '../faults.js';
import type { EmulatorClock, EmulatorRequest, EmulatorResponse, Route, TokenVerification } from '../types.js';
import type { ExchangeService } from '../exchange/index.js';
import { SessionLimitError } from '../exchange/sessions.js';
import type { ExchangeCaller } from '../exchange/cmdlets/catalog-types.js';
import { authenticateRpsRequest, parseRpsQuery, resolveRpsCaller, type RpsIdentity } from './identity.js';
import { runPipeline, type RunnerPipeline } from './pipeline-runner.js';
import { ACCESS_DENIED_TEXT, shellNotFoundText, unknownConfigurationText } from './texts.js';

/** Options of {@link createRpsRoutes}. */
export interface RpsRoutesOptions {
  readonly exchange: ExchangeService;
  readonly verifyAccessToken: (token: string) => Promise<TokenVerification>;
  readonly clock: EmulatorClock;
  readonly faults?: Pick<FaultInjector, 'decide'> | undefined;
  /** Longest Receive long-poll, seconds (Windows' MaxTimeoutms). Default 60. */
  readonly operationTimeoutCapSeconds?: number | undefined;
  /** Largest response, KiB (Windows' MaxEnvelopeSizekb). Default 500. */
  readonly maxEnvelopeSizeKb?: number | undefined;
  /** A shell's idle timeout, seconds (EXO sessions showed IdleTimeout 900000 ms). Default 900. */
  readonly idleTimeoutSeconds?: number | undefined;
}

/** The paths served, matched case-insensitively with or without a trailing slash by the server's router. */
export const RPS_PATHS: readonly string[] = ['/PowerShell-LiveID', '/PowerShell'];
/** The only configuration this endpoint has. */
export const EXCHANGE_RESOURCE_URI = WsmanResourceUri.exchange;
/** Exchange Online's session idle timeout (reference §1.4: `IdleTimeout : 900000`). */
export const DEFAULT_RPS_IDLE_TIMEOUT_SECONDS = 900;
/** Windows' default MaxTimeoutms. */
export const DEFAULT_OPERATION_TIMEOUT_CAP_SECONDS = 60;
/**
 * [inf] The WSManFault code of errors raised by the PowerShell plug-in on behalf of Exchange's authorization module
 * (0x80338043); clients surface it as FullyQualifiedErrorId -2144108477,PSSessionOpenFailed.
 */
export const EXCHANGE_PLUGIN_FAULT_CODE = 2150858819;

const SOAP_CONTENT_TYPE = 'application/soap+xml;charset=UTF-8';
/** Room for the envelope, headers and CommandState around the streams of a ReceiveResponse. */
const ENVELOPE_OVERHEAD = 1400;
/** `<rsp:Stream Name="stdout" CommandId="…"></rsp:Stream>`. */
const STREAM_OVERHEAD = 100;
/** Windows never sends a fragment larger than this (header included). */
const WINDOWS_MAX_FRAGMENT = 32768;

interface RpsPipelineState extends RunnerPipeline {
  readonly commandId: string;
  readonly commandLine: string;
  outgoing: Uint8Array[];
  runner: AsyncGenerator<void, void> | undefined;
  /** A runner step still running when the last Receive returned; the next Receive awaits it. */
  step: Promise<IteratorResult<void, void>> | undefined;
  doneReported: boolean;
  resolveInput: () => void;
}

interface RpsShell {
  readonly id: string;
  readonly identity: RpsIdentity;
  readonly caller: ExchangeCaller | undefined;
  readonly pool: RunspacePoolServer;
  readonly name: string | undefined;
  readonly clientIp: string;
  readonly processId: number;
  readonly createdAt: Date;
  readonly tokenExpiresAt: Date;
  lastActivity: Date;
  readonly outgoing: Uint8Array[];
  readonly pipelines: Map<string, RpsPipelineState>;
  /** Commands whose CREATE_PIPELINE is still arriving in Sends (the Command carried only its first fragments). */
  readonly pendingCommands: Set<string>;
  /** Set when Exchange refused the runspace (cap, budget): Receive and Command answer it; the shell holds no slot. */
  readonly openRefusal: string | undefined;
  readonly waiters: Set<() => void>;
}

/** Exchange's APPLICATION_PRIVATE_DATA keys (reference §1.4: `{SupportedVersions, ImplicitRemoting, PSVersionTable}`). */
function buildExchangePrivateData(): PSObject {
  const version = (v: string): PSPrimitive => new PSPrimitive('Version', v);
  const compatible = new PSObject({
    typeNames: ['System.Version[]', 'System.Array', 'System.Object'],
    container: { kind: 'LST', items: ['1.0', '2.0', '3.0', '4.0', '5.0', '5.1.17763.5830'].map(version) },
  });
  const psVersionTable = buildPrimitiveDictionary([
    ['PSVersion', version('5.1.17763.5830')],
    ['PSEdition', 'Desktop'],
    ['PSCompatibleVersions', compatible],
    ['CLRVersion', version('4.0.30319.42000')],
    ['BuildVersion', version('10.0.17763.5830')],
    ['WSManStackVersion', version('3.0')],
    ['PSRemotingProtocolVersion', version('2.3')],
    ['SerializationVersion', version('1.1.0.1')],
  ]);
  return buildPrimitiveDictionary([
    // [inf] Exchange 2013+ servers announce the client versions they serve; EXO ran build 15.20.
    ['SupportedVersions', '15.20'],
    ['ImplicitRemoting', buildPrimitiveDictionary([])],
    ['PSVersionTable', psVersionTable],
  ]);
}

function formatRunTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `P${Math.floor(total / 86400)}DT${Math.floor((total % 86400) / 3600)}H${Math.floor((total % 3600) / 60)}M${total % 60}S`;
}

function delay(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** The routes the lead mounts in the server: `POST /PowerShell-LiveID` and `POST /PowerShell`. */
export function createRpsRoutes(options: RpsRoutesOptions): Route[] {
  return createRpsEndpoint(options).routes;
}

/** The endpoint with its shell table, for tests and the admin API. */
export interface RpsEndpoint {
  readonly routes: Route[];
  readonly handle: (request: EmulatorRequest) => Promise<EmulatorResponse>;
  /** Open shell ids, upper-case. */
  shellIds(): string[];
}

/** Builds the endpoint. */
export function createRpsEndpoint(options: RpsRoutesOptions): RpsEndpoint {
  const { exchange, clock, verifyAccessToken, faults } = options;
  const { directory, engine, sessions } = exchange;
  const timeoutCap = options.operationTimeoutCapSeconds ?? DEFAULT_OPERATION_TIMEOUT_CAP_SECONDS;
  const maxEnvelope = (options.maxEnvelopeSizeKb ?? 500) * 1024;
  const idleTimeout = options.idleTimeoutSeconds ?? DEFAULT_RPS_IDLE_TIMEOUT_SECONDS;
  const shells = new Map<string, RpsShell>();
  let processCounter = 0;

  const notify = (shell: RpsShell): void => {
    for (const wake of [...shell.waiters]) wake();
  };

  const dropShell = (shell: RpsShell): void => {
    shells.delete(shell.id);
    if (shell.openRefusal === undefined) sessions.close(shell.id);
    for (const pipe of shell.pipelines.values()) {
      pipe.finalized = true;
      pipe.abort.abort();
      pipe.resolveInput();
      void pipe.runner?.return(undefined).catch(() => undefined);
    }
    shell.pipelines.clear();
    notify(shell);
  };

  sessions.onKill((id) => {
    const shell = shells.get(id.toUpperCase());
    if (shell !== undefined) dropShell(shell);
  });

  /** Drops shells past their idle timeout or whose opening token expired (reference §1.8: the session ended with it). */
  const sweep = (): void => {
    const now = clock.now().getTime();
    for (const shell of [...shells.values()]) {
      if (now - shell.lastActivity.getTime() >= idleTimeout * 1000 || shell.tokenExpiresAt.getTime() <= now) dropShell(shell);
    }
  };

  const respond = (envelope: WsmanResponseEnvelope, status = 200): EmulatorResponse => ({
    status,
    headers: { 'content-type': SOAP_CONTENT_TYPE },
    body: envelope.xml,
  });

  const fault = (envelope: WsmanResponseEnvelope): EmulatorResponse => respond(envelope, 500);

  const accessDenied = (request: EmulatorRequest, detail: string): EmulatorResponse => ({
    status: 401,
    headers: { 'www-authenticate': `Basic realm="${request.url.hostname}"`, 'content-type': 'text/plain; charset=utf-8', 'x-exo-emulator-reason': detail },
    body: `${ACCESS_DENIED_TEXT.trim()} ${detail}`,
  });

  const shellProperties = (shell: RpsShell, forListing: boolean): WsmanShellProperties => {
    const now = clock.now().getTime();
    return {
      shellId: shell.id,
      ...(shell.name === undefined ? {} : { name: shell.name }),
      resourceUri: EXCHANGE_RESOURCE_URI,
      owner: shell.identity.ownerDisplay,
      clientIp: shell.clientIp,
      processId: shell.processId,
      idleTimeOut: `PT${idleTimeout.toFixed(3)}S`,
      inputStreams: 'stdin pr',
      outputStreams: 'stdout',
      maxIdleTimeOut: 'PT43200.000S',
      locale: 'en-US',
      dataLocale: 'en-US',
      compressionMode: 'NoCompression',
      profileLoaded: 'Yes',
      encoding: 'UTF8',
      bufferMode: 'Block',
      state: 'Connected',
      shellRunTime: formatRunTime(now - shell.createdAt.getTime()),
      shellInactivity: formatRunTime(now - shell.lastActivity.getTime()),
      ...(forListing ? { memoryUsed: '62MB', childProcesses: 0 } : {}),
    };
  };

  /** The AuthZ refusal as the PowerShell plug-in reports an exception from Exchange's authorization module. */
  const pluginFault = (ctx: WsmanResponseContext, machine: string, text: string): EmulatorResponse =>
    fault(
      buildFaultResponse(ctx, {
        code: 'Receiver',
        subcode: 'InternalError',
        reason: text,
        wsmanCode: EXCHANGE_PLUGIN_FAULT_CODE,
        machine,
        provider: { provider: 'microsoft.exchange', path: 'C:\\Windows\\system32\\pwrshplugin.dll', nested: false },
      }),
    );

  const shellGone = (ctx: WsmanResponseContext, machine: string, shellId: string): EmulatorResponse =>
    fault(
      buildFaultResponse(ctx, {
        code: 'Sender',
        subcode: 'InvalidSelectors',
        reason: 'The WS-Management service cannot process the request because the request contained invalid selectors for the resource. ',
        faultDetail: 'UnexpectedSelectors',
        wsmanCode: WsmanFaultCode.InvalidSelectors,
        machine,
        message: shellNotFoundText(shellId),
      }),
    );

  const psrpFault = (ctx: WsmanResponseContext, machine: string, error: unknown): EmulatorResponse => {
    const text = error instanceof Error ? error.message : String(error);
    return fault(
      buildFaultResponse(ctx, {
        code: 'Receiver',
        subcode: 'InternalError',
        reason: `The PowerShell remoting data could not be processed: ${text}`,
        wsmanCode: EXCHANGE_PLUGIN_FAULT_CODE,
        machine,
        provider: { provider: 'microsoft.exchange', path: 'C:\\Windows\\system32\\pwrshplugin.dll', nested: false },
      }),
    );
  };

  const drainPool = (shell: RpsShell): void => {
    shell.outgoing.push(...shell.pool.takeOutgoing());
  };

  const drainPipeline = (shell: RpsShell, pipe: RpsPipelineState): void => {
    pipe.outgoing.push(...shell.pool.takeOutgoing(pipe.server.idBytes));
  };

  const newPipelineState = (shell: RpsShell, event: Extract<ServerEvent, { type: 'createPipeline' | 'getCommandMetadata' }>, commandId: string): RpsPipelineState => {
    let resolveInput: () => void = () => undefined;
    const inputDone = new Promise<void>((resolve) => {
      resolveInput = resolve;
    });
    const commandLine = event.type === 'createPipeline' ? event.command.statements.map((s) => s.map((c) => c.command).join(' | ')).join('; ') : 'Get-Command';
    const pipe: RpsPipelineState = {
      commandId,
      commandLine,
      server: event.pipeline,
      abort: new AbortController(),
      input: [],
      inputEnded: event.type !== 'createPipeline' || event.command.noInput,
      inputDone,
      finalized: false,
      outgoing: [],
      runner: undefined,
      step: undefined,
      doneReported: false,
      resolveInput: () => resolveInput(),
    };
    if (pipe.inputEnded) resolveInput();
    if (event.type === 'getCommandMetadata' || shell.caller === undefined) {
      pipe.finalized = true;
      event.pipeline.fail({
        message: 'The Exchange Online emulator does not answer GET_COMMAND_METADATA (implicit remoting); run cmdlets directly.',
        exceptionType: 'System.Management.Automation.RuntimeException',
        category: 'NotImplemented',
      });
    } else {
      pipe.runner = runPipeline(engine, shell.caller, pipe, event.command);
    }
    return pipe;
  };

  /** Feeds client bytes to the pool; binds new pipelines to `commandId` (or their PID). */
  const feed = (shell: RpsShell, bytes: Uint8Array, commandId: string | undefined): void => {
    for (const event of shell.pool.receive(bytes)) {
      switch (event.type) {
        case 'createPipeline':
        case 'getCommandMetadata': {
          const id = (commandId ?? event.pipeline.id).toUpperCase();
          const pipe = newPipelineState(shell, event, id);
          shell.pipelines.set(id, pipe);
          shell.pendingCommands.delete(id);
          drainPipeline(shell, pipe);
          break;
        }
        case 'pipelineInput': {
          const pipe = [...shell.pipelines.values()].find((p) => p.server === event.pipeline);
          pipe?.input.push(event.value);
          break;
        }
        case 'endOfPipelineInput': {
          const pipe = [...shell.pipelines.values()].find((p) => p.server === event.pipeline);
          if (pipe !== undefined) {
            pipe.inputEnded = true;
            pipe.resolveInput();
          }
          break;
        }
        case 'setMaxRunspaces':
        case 'setMinRunspaces':
          shell.pool.respondRunspaceAvailability(event.request.callId, true);
          break;
        case 'getAvailableRunspaces':
          shell.pool.respondRunspaceAvailability(event.callId, BigInt(shell.pool.limits.maxRunspaces));
          break;
        case 'resetRunspaceState':
          shell.pool.respondRunspaceAvailability(event.callId, true);
          break;
        default:
          // SESSION_CAPABILITY / INIT_RUNSPACEPOOL are answered by the pool itself; host responses need no reply.
          break;
      }
    }
    drainPool(shell);
    notify(shell);
  };

  /** Takes fragments up to the envelope budget, one `rsp:Stream` per fragment (a fragment never spans two). */
  const pack = (queue: Uint8Array[], budget: number, commandId: string | undefined): ReceiveStreamOutput[] => {
    const streams: ReceiveStreamOutput[] = [];
    let used = 0;
    while (queue.length > 0) {
      const next = queue[0] as Uint8Array;
      const cost = Math.ceil(next.length / 3) * 4 + STREAM_OVERHEAD;
      if (streams.length > 0 && used + cost > budget) break;
      used += cost;
      queue.shift();
      streams.push({ name: 'stdout', ...(commandId === undefined ? {} : { commandId }), data: next });
    }
    return streams;
  };

  const queuedCost = (queue: readonly Uint8Array[]): number => queue.reduce((sum, f) => sum + Math.ceil(f.length / 3) * 4 + STREAM_OVERHEAD, 0);

  /** Waits until `ready()` or the deadline; true when ready. */
  const waitFor = async (shell: RpsShell, ready: () => boolean, deadline: number): Promise<boolean> => {
    while (!ready()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      const timer = delay(remaining);
      let wake: () => void = () => undefined;
      const woken = new Promise<'wake'>((resolve) => {
        wake = () => resolve('wake');
      });
      shell.waiters.add(wake);
      try {
        await Promise.race([timer.promise, woken]);
      } finally {
        shell.waiters.delete(wake);
        timer.cancel();
      }
    }
    return true;
  };

  /** Advances the pipeline's runner until the response budget is full, it ends, or (with nothing queued) the deadline. */
  const pump = async (shell: RpsShell, pipe: RpsPipelineState, budget: number, deadline: number): Promise<void> => {
    while (pipe.runner !== undefined && !pipe.finalized && queuedCost(pipe.outgoing) < budget) {
      pipe.step ??= pipe.runner.next();
      // With something to send, do not hold the response for a slow step; with nothing, wait up to the deadline.
      const wait = delay(pipe.outgoing.length > 0 ? 0 : deadline - Date.now());
      const outcome = await Promise.race([pipe.step, wait.promise]);
      wait.cancel();
      if (outcome === 'timeout') break;
      pipe.step = undefined;
      drainPipeline(shell, pipe);
      if (outcome.done === true) break;
    }
    drainPipeline(shell, pipe);
  };

  const handleCreate = (request: EmulatorRequest, req: Extract<ParsedWsmanRequest, { kind: 'create' }>, identity: RpsIdentity, ctx: WsmanResponseContext, machine: string, query: ReadonlyMap<string, string>): EmulatorResponse => {
    if (req.creationXml === undefined) {
      return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'InvalidParameter', reason: 'The Create request has no creationXml: a PowerShell runspace pool needs SESSION_CAPABILITY and INIT_RUNSPACEPOOL in rsp:Shell/creationXml.', wsmanCode: WsmanFaultCode.InvalidParameter, machine }));
    }
    const connectionUri = `${request.url.origin}${request.url.pathname}`;
    const resolved = resolveRpsCaller(identity, query, directory, engine, connectionUri);
    if (!resolved.ok) {
      if (resolved.refusal.kind === 'access-denied') {
        const detail = resolved.refusal.text;
        return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'AccessDenied', reason: ACCESS_DENIED_TEXT, wsmanCode: WsmanFaultCode.AccessDenied, machine, ...(detail === undefined ? {} : { message: detail }) }));
      }
      return pluginFault(ctx, machine, resolved.refusal.text);
    }
    const shellId = (req.shellId ?? randomUUID()).toUpperCase();
    if (shells.has(shellId)) {
      return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'AlreadyExists', reason: `A shell with ShellId ${shellId} already exists. Use a new ShellId for each runspace pool.`, wsmanCode: 2150858803, machine }));
    }
    let refusal: string | undefined;
    try {
      sessions.open(identity.owner, { id: shellId, ...(req.name === undefined ? {} : { name: req.name }), clientIp: request.remoteAddress, transport: 'rps', resourceUri: EXCHANGE_RESOURCE_URI, tenantId: resolved.tenant.tenantId });
    } catch (error) {
      if (!(error instanceof SessionLimitError)) throw error;
      refusal = error.message;
    }
    const requestedEnvelope = Math.min(req.header.maxEnvelopeSize ?? 153600, maxEnvelope);
    const maxFragmentSize = Math.max(1024, Math.min(WINDOWS_MAX_FRAGMENT, Math.floor(((requestedEnvelope - ENVELOPE_OVERHEAD - STREAM_OVERHEAD) * 3) / 4)));
    const now = clock.now();
    const shell: RpsShell = {
      id: shellId,
      identity,
      caller: resolved.caller,
      pool: new RunspacePoolServer({ writeBom: true, maxFragmentSize, applicationPrivateData: buildExchangePrivateData() }),
      name: req.name,
      clientIp: request.remoteAddress,
      processId: 4000 + (++processCounter % 60000),
      createdAt: now,
      tokenExpiresAt: identity.token.expiresAt,
      lastActivity: now,
      outgoing: [],
      pipelines: new Map(),
      pendingCommands: new Set(),
      openRefusal: refusal,
      waiters: new Set(),
    };
    shells.set(shellId, shell);
    if (refusal === undefined) {
      try {
        feed(shell, Buffer.from(req.creationXml, 'base64'), undefined);
      } catch (error) {
        dropShell(shell);
        return psrpFault(ctx, machine, error);
      }
    }
    return respond(buildCreateResponse(ctx, { address: `${request.url.origin}${request.url.pathname}${request.url.search}`, resourceUri: EXCHANGE_RESOURCE_URI, shell: shellProperties(shell, false) }));
  };

  const handleReceive = async (req: Extract<ParsedWsmanRequest, { kind: 'receive' }>, shell: RpsShell, ctx: WsmanResponseContext, machine: string): Promise<EmulatorResponse> => {
    const timeout = Math.min(req.header.operationTimeoutSeconds ?? 60, timeoutCap);
    const deadline = Date.now() + timeout * 1000;
    const budget = Math.min(req.header.maxEnvelopeSize ?? 153600, maxEnvelope) - ENVELOPE_OVERHEAD;
    if (req.commandId === undefined) {
      const ready = await waitFor(shell, () => shell.outgoing.length > 0 || !shells.has(shell.id), deadline);
      if (!shells.has(shell.id)) return shellGone(ctx, machine, shell.id);
      if (!ready) return fault(buildTimedOutFault(ctx, { machine }));
      shell.lastActivity = clock.now();
      return respond(buildReceiveResponse(ctx, { streams: pack(shell.outgoing, budget, undefined) }));
    }
    const commandId = req.commandId.toUpperCase();
    if (shell.pendingCommands.has(commandId)) {
      // The rest of its CREATE_PIPELINE is still to come in Sends: long-poll like any command with nothing to say.
      const arrived = await waitFor(shell, () => shell.pipelines.has(commandId) || !shells.has(shell.id) || !shell.pendingCommands.has(commandId), deadline);
      if (!shells.has(shell.id)) return shellGone(ctx, machine, shell.id);
      if (!arrived) return fault(buildTimedOutFault(ctx, { machine }));
    }
    const pipe = shell.pipelines.get(commandId);
    if (pipe === undefined || pipe.doneReported) return fault(buildInvalidSelectorsFault(ctx, { machine, target: 'command' }));
    if (pipe.outgoing.length === 0 && !pipe.finalized && !pipe.inputEnded) {
      await waitFor(shell, () => pipe.inputEnded || pipe.finalized, deadline);
    }
    await pump(shell, pipe, budget, deadline);
    if (!shells.has(shell.id)) return shellGone(ctx, machine, shell.id);
    if (pipe.outgoing.length === 0) {
      if (!pipe.finalized) return fault(buildTimedOutFault(ctx, { machine }));
    }
    const streams = pack(pipe.outgoing, budget, pipe.commandId);
    const done = pipe.finalized && pipe.outgoing.length === 0 && (pipe.step === undefined || pipe.runner === undefined);
    if (done) pipe.doneReported = true;
    shell.lastActivity = clock.now();
    return respond(buildReceiveResponse(ctx, { streams, ...(done ? { commandState: { commandId: pipe.commandId, state: 'Done' as const, exitCode: 0 } } : {}) }));
  };

  const stopPipeline = (shell: RpsShell, pipe: RpsPipelineState): void => {
    if (!pipe.finalized) {
      pipe.finalized = true;
      pipe.server.stopped();
    }
    pipe.abort.abort();
    pipe.resolveInput();
    pipe.step = undefined;
    const runner = pipe.runner;
    pipe.runner = undefined;
    void runner?.return(undefined).catch(() => undefined);
    drainPipeline(shell, pipe);
    notify(shell);
  };

  const closePipeline = (shell: RpsShell, pipe: RpsPipelineState): void => {
    pipe.finalized = true;
    pipe.abort.abort();
    pipe.resolveInput();
    const runner = pipe.runner;
    pipe.runner = undefined;
    void runner?.return(undefined).catch(() => undefined);
    shell.pool.removePipeline(pipe.server.idBytes);
    shell.pipelines.delete(pipe.commandId);
    notify(shell);
  };

  const handle = async (request: EmulatorRequest): Promise<EmulatorResponse> => {
    const machine = request.url.hostname;
    const query = parseRpsQuery(request.url);
    const auth = await authenticateRpsRequest(request, query, directory, verifyAccessToken);
    if (!auth.ok) return accessDenied(request, auth.detail);
    const identity = auth.identity;
    if (request.body.length > maxEnvelope) {
      return { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `The request is ${request.body.length} bytes; this server's MaxEnvelopeSizekb is ${maxEnvelope / 1024}. Send smaller fragments.` };
    }
    let req: ParsedWsmanRequest;
    try {
      req = parseWsmanRequest(request.body.toString('utf8'));
    } catch (error) {
      const ctx: WsmanResponseContext = { relatesTo: `uuid:${randomUUID().toUpperCase()}`, activityId: randomUUID().toUpperCase() };
      return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'InvalidMessageInformationHeader', subcodePrefix: 'a', reason: error instanceof ExopsError ? error.message : 'The request is not a WS-Management envelope.', wsmanCode: WsmanFaultCode.InvalidMessageInformationHeader, machine, action: 'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault' }));
    }
    const ctx: WsmanResponseContext = { relatesTo: req.header.messageId ?? `uuid:${randomUUID().toUpperCase()}`, activityId: randomUUID().toUpperCase() };
    sweep();
    const resourceUri = req.header.resourceUri ?? '';
    const shellScoped = ['create', 'delete', 'command', 'send', 'receive', 'signal', 'disconnect', 'reconnect', 'connect'].includes(req.kind) || (req.kind === 'get' && req.selectors['ShellId'] !== undefined);
    if (shellScoped && resourceUri.toLowerCase() !== EXCHANGE_RESOURCE_URI.toLowerCase()) {
      return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'DestinationUnreachable', reason: unknownConfigurationText(resourceUri, machine), faultDetail: 'InvalidResourceURI', wsmanCode: WsmanFaultCode.ResourceNotFound, machine }));
    }
    if (req.kind === 'create') return handleCreate(request, req, identity, ctx, machine, query);

    if (req.kind === 'enumerate' || req.kind === 'pull' || req.kind === 'release') {
      // WS-Enumeration's ReleaseResponse has an empty body, like DeleteResponse: only the action differs.
      if (req.kind === 'release') return respond({ action: WsmanAction.ReleaseResponse, xml: buildDeleteResponse(ctx).xml.replace(WsmanAction.DeleteResponse, WsmanAction.ReleaseResponse) });
      const own = [...shells.values()].filter((s) => s.identity.owner === identity.owner && s.openRefusal === undefined);
      if (req.kind === 'pull') return respond(buildPullResponse(ctx, { endOfSequence: true }));
      if (resourceUri.toLowerCase() === WsmanResourceUri.command.toLowerCase()) {
        const shell = own.find((s) => s.id === (req.filterSelectors?.['ShellId'] ?? '').toUpperCase());
        const commands = shell === undefined ? [] : [...shell.pipelines.values()].map((p) => ({ commandId: p.commandId, commandLine: p.commandLine, state: p.finalized ? 'Done' : 'Running' }));
        return respond(buildEnumerateResponse(ctx, { commands }));
      }
      if (resourceUri.toLowerCase() !== WsmanResourceUri.shell.toLowerCase()) {
        return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'DestinationUnreachable', reason: unknownConfigurationText(resourceUri, machine), faultDetail: 'InvalidResourceURI', wsmanCode: WsmanFaultCode.ResourceNotFound, machine }));
      }
      return respond(buildEnumerateResponse(ctx, { shells: own.map((s) => shellProperties(s, true)) }));
    }
    if (req.kind === 'get' && req.selectors['ShellId'] === undefined) {
      if (resourceUri.toLowerCase() === WsmanResourceUri.config.toLowerCase()) {
        return respond(buildGetConfigResponse(ctx, { ...DEFAULT_WSMAN_CONFIG, MaxEnvelopeSizekb: String(maxEnvelope / 1024), MaxTimeoutms: String(Math.round(timeoutCap * 1000)) }));
      }
      return fault(buildFaultResponse(ctx, { code: 'Sender', subcode: 'DestinationUnreachable', reason: unknownConfigurationText(resourceUri, machine), faultDetail: 'InvalidResourceURI', wsmanCode: WsmanFaultCode.ResourceNotFound, machine }));
    }

    const shellId = (req.selectors['ShellId'] ?? '').toUpperCase();
    const shell = shells.get(shellId);
    if (shell === undefined || shell.identity.owner !== identity.owner) return shellGone(ctx, machine, shellId);
    if (faults?.decide(request)?.kind === 'shell-lost') {
      dropShell(shell);
      return shellGone(ctx, machine, shellId);
    }
    shell.lastActivity = clock.now();
    sessions.touch(shell.id);
    // A refused runspace answers its refusal to everything but Get and Delete.
    if (shell.openRefusal !== undefined && req.kind !== 'get' && req.kind !== 'delete') return pluginFault(ctx, machine, shell.openRefusal);

    switch (req.kind) {
      case 'get':
        return respond(buildGetShellResponse(ctx, shellProperties(shell, true)));
      case 'delete':
        dropShell(shell);
        return respond(buildDeleteResponse(ctx));
      case 'receive':
        return handleReceive(req, shell, ctx, machine);
      case 'command': {
        const commandId = req.commandId?.toUpperCase();
        try {
          for (const blob of req.arguments) feed(shell, Buffer.from(blob, 'base64'), commandId);
        } catch (error) {
          return psrpFault(ctx, machine, error);
        }
        const id = commandId ?? [...shell.pipelines.keys()].at(-1) ?? randomUUID().toUpperCase();
        if (!shell.pipelines.has(id)) shell.pendingCommands.add(id);
        return respond(buildCommandResponse(ctx, { commandId: id }));
      }
      case 'send': {
        try {
          // Pool data, pipeline input, host responses, or the rest of a CREATE_PIPELINE: the pool's machine sorts them.
          for (const stream of req.streams) feed(shell, Buffer.from(stream.base64, 'base64'), stream.commandId?.toUpperCase());
        } catch (error) {
          return psrpFault(ctx, machine, error);
        }
        return respond(buildSendResponse(ctx));
      }
      case 'signal': {
        const commandId = req.commandId?.toUpperCase();
        const pipe = commandId === undefined ? undefined : shell.pipelines.get(commandId);
        if (commandId !== undefined && pipe === undefined && shell.pendingCommands.delete(commandId)) {
          notify(shell);
          return respond(buildSignalResponse(ctx));
        }
        if (pipe === undefined) return fault(buildInvalidSelectorsFault(ctx, { machine, target: 'command' }));
        // [MS-PSRP] 3.1.5.3.9: the plug-in compares the code ordinally; only crtl_c stops, anything else closes.
        if (req.code === 'powershell/signal/crtl_c') stopPipeline(shell, pipe);
        else closePipeline(shell, pipe);
        return respond(buildSignalResponse(ctx));
      }
      default:
        return fault(
          buildFaultResponse(ctx, {
            code: 'Sender',
            subcode: 'ActionNotSupported',
            subcodePrefix: 'a',
            reason: `Exchange Online does not support ${req.kind} on remote PowerShell sessions; close the session with Delete and open a new one.`,
            wsmanCode: 2150858771,
            machine,
          }),
        );
    }
  };

  return {
    routes: RPS_PATHS.map((path) => ({ method: 'POST', path, handler: (request: EmulatorRequest) => handle(request) })),
    handle,
    shellIds: () => [...shells.keys()],
  };
}
