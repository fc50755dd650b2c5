/**
 * The RPS transport: Exchange's `Microsoft.Exchange` PowerShell endpoint over WS-Management (MS-WSMV) with MS-PSRP
 * inside, the OAuth token carried in a Basic header (reference §1.3, §1.7). One runspace pool (WSMan shell) per
 * transport; one pipeline (WSMan command) per invoke, streamed Receive by Receive.
 *
 * Round trips: open is Create + Receive until RUNSPACEPOOL_STATE Opened (one Receive when the server sends its three
 * messages together); invoke is Command (+ Sends for what does not fit) + Receives until CommandState Done + Signal
 * Terminate. So the first output object is at most 4 requests after a token is in hand.
 */
import { randomBytes } from 'node:crypto';
import { ExopsError, ExopsErrorCode, buildRpsAuthorizationHeader, isExopsError, toExopsError } from '@exops/contracts';
import type { AccessToken, CmdletTransport, CommandInvocation, CommandStreamEvent, HttpTransport, PSErrorRecordInfo, RemoteSessionInfo } from '@exops/contracts';
import {
  MESSAGE_HEADER_SIZE,
  PSRP_STOP_SIGNAL,
  RunspacePoolClient,
  WSMAN_TERMINATE_SIGNAL,
  compareVersions,
  guidFromBytes,
  isEmptyGuid,
  parseFragments,
  toCommandStreamEvent,
  type ClientEvent,
  type ClientPipeline,
  type PSInput,
} from '@exops/psrp';
import {
  DEFAULT_MAX_ENVELOPE_SIZE,
  DEFAULT_OPERATION_TIMEOUT_SECONDS,
  PSRP_CONSERVATIVE_FRAGMENT_LENGTH,
  WsmanClient,
  buildRpsConnectionUri,
  commandEnvelopeOverhead,
  computeMaxFragmentSize,
  computePayloadCapacity,
  encodeFragmentsBase64,
  planCommandAndSends,
  sendEnvelopeOverhead,
  type WsmanEnvelopeContext,
} from '@exops/wsman';
import { abortError, sleep } from '../retry.js';
import { EXOPS_SESSION_NAME_PREFIX, listSessionsWith } from '../remote-sessions.js';
import {
  buildDelegatedOrgError,
  buildPipelineFailedError,
  buildRemotePowerShellDisabledError,
  buildRpsDisabledError,
  buildRunspaceBudgetError,
  buildSessionCapError,
  buildSessionLostError,
  collectErrorTexts,
} from './errors.js';
import { registerForExit, sessionIdsOpenInThisProcess, unregisterForExit } from './exit-registry.js';
import { parseServiceRefusal } from './service-texts.js';

/** PowerShell 2 servers (PSRP < 2.2) cap envelopes at 150 KiB; pypsrp drops to this size for them. */
const LEGACY_MAX_ENVELOPE_SIZE = 153600;
/** The budget refusal is waited out once when the service asks for at most this many seconds. */
const MAX_BUDGET_WAIT_SECONDS = 10;
/** Room for what differs between the measured envelope and the real one (MessageID, CommandId case). */
const ENVELOPE_SAFETY_MARGIN = 512;

/** Things the transport tells its owner that are not command output. */
export type RpsNotice =
  | { readonly type: 'retry'; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'sessions-removed'; readonly ids: readonly string[] }
  | { readonly type: 'envelope-size'; readonly maxEnvelopeSize: number; readonly protocolVersion: string };

/** Options of {@link RpsTransport}. */
export interface RpsTransportOptions {
  readonly http: HttpTransport;
  /** The endpoint, e.g. `https://outlook.office365.com/powershell-liveid/`; `BasicAuthToOAuthConversion=true` is added. */
  readonly connectionUri: string;
  /** Default `Microsoft.Exchange`. */
  readonly configurationName?: string | undefined;
  /** Manage another tenant: added to the URI as `DelegatedOrg=` (the Partner Center pattern, reference §1.4). */
  readonly delegatedOrganization?: string | undefined;
  /** The Basic user name when the token carries none (app-only). */
  readonly upn?: string | undefined;
  /** Default 512000; lowered to 153600 when the server speaks PSRP < 2.2. */
  readonly maxEnvelopeSize?: number | undefined;
  /** WS-Management OperationTimeout of each request (the Receive long-poll), in seconds; default 20. */
  readonly operationTimeoutSeconds?: number | undefined;
  /** The shell's name; default `exops-<random>`, so `exops sessions` can tell exops' own sessions apart. */
  readonly sessionName?: string | undefined;
  /** The shell's idle timeout, in seconds (the server caps it). */
  readonly idleTimeoutSeconds?: number | undefined;
  /** When the cap refuses a session, delete this user's other exops-named sessions not held by this process, and retry once. */
  readonly removeAbandonedSessions?: boolean | undefined;
  /** How long a cancelled pipeline may take to report Stopped before it is terminated anyway; default 10 000 ms. */
  readonly stopTimeoutMs?: number | undefined;
  /** How long open may take (Create + Receives), in ms; default 120 000. */
  readonly openTimeoutMs?: number | undefined;
  readonly onNotice?: ((notice: RpsNotice) => void) | undefined;
}

/** One running pipeline. */
interface Invocation {
  readonly cmdlet: string;
  readonly pipeline: ClientPipeline;
  /** The CommandId the server answered with (used for every later request). */
  commandId: string;
  /** Pipeline ids (lower-case GUID text) the server's messages for this pipeline carry. */
  readonly keys: Set<string>;
  lastError: PSErrorRecordInfo | undefined;
  finalState: ClientEvent | undefined;
  stopped: boolean;
}

type TransportState = 'new' | 'opening' | 'opened' | 'lost' | 'closed';

/** A short random suffix for session names (8 hex characters). */
function shortRandom(): string {
  return randomBytes(4).toString('hex');
}

/** Read through a call so TypeScript does not keep an earlier narrowing of `aborted` across awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function closedError(cause?: unknown): ExopsError {
  return new ExopsError(ExopsErrorCode.ABORTED, 'The remote session was closed while the command was running.', {
    cause,
    remedy: 'Nothing to fix if the session was being closed (Ctrl+C, close()); otherwise connect again.',
  });
}

function hasCode(error: unknown, ...codes: ExopsErrorCode[]): boolean {
  return isExopsError(error) && codes.includes(error.code);
}

/** Runs Exchange cmdlets over RPS (WS-Management + PSRP). See the module comment for the wire sequence. */
export class RpsTransport implements CmdletTransport {
  readonly kind = 'rps' as const;
  /** The name given to the shell (`exops-...` by default). */
  readonly sessionName: string;
  readonly #options: RpsTransportOptions;
  readonly #wsman: WsmanClient;
  readonly #configurationName: string;
  #token: AccessToken | undefined;
  /** Expiry of the token the shell was opened with: the service ends the shell with it (reference §1.8, §3.4). */
  #shellTokenExpiresOn: Date | undefined;
  #pool: RunspacePoolClient | undefined;
  #shellId: string | undefined;
  #state: TransportState = 'new';
  #closing: Promise<void> | undefined;
  readonly #invocations = new Map<string, Invocation>();

  constructor(options: RpsTransportOptions) {
    this.#options = options;
    this.#configurationName = options.configurationName ?? 'Microsoft.Exchange';
    this.sessionName = options.sessionName ?? `${EXOPS_SESSION_NAME_PREFIX}${shortRandom()}`;
    this.#wsman = new WsmanClient({
      http: options.http,
      connectionUri: buildRpsConnectionUri(options.connectionUri, { delegatedOrg: options.delegatedOrganization }),
      configurationName: this.#configurationName,
      maxEnvelopeSize: options.maxEnvelopeSize ?? DEFAULT_MAX_ENVELOPE_SIZE,
      operationTimeoutSeconds: options.operationTimeoutSeconds,
      authorization: () => Promise.resolve(this.#authorization()),
    });
  }

  /** The server's ShellId once open (for `exops sessions` and the exit registry). */
  get remoteSessionId(): string | undefined {
    return this.#shellId;
  }

  /** MaxEnvelopeSize in force (after negotiation). */
  get maxEnvelopeSize(): number {
    return this.#wsman.maxEnvelopeSize;
  }

  /** The PSRP protocol version both sides speak, once open. */
  get protocolVersion(): string | undefined {
    return this.#pool?.protocolVersion;
  }

  /** The URL requests go to (with BasicAuthToOAuthConversion and any DelegatedOrg). */
  get endpoint(): string {
    return this.#wsman.endpoint;
  }

  #authorization(): { value: string; expiresOn: Date; kind: 'rps-oauth' } {
    const token = this.#token;
    if (token === undefined) {
      throw new ExopsError(ExopsErrorCode.INTERNAL, 'RpsTransport sent a request before it was given a token.', { remedy: 'Call open(token) first.' });
    }
    return { value: buildRpsAuthorizationHeader(token, this.#options.upn ?? token.user), expiresOn: token.expiresOn, kind: 'rps-oauth' };
  }

  #notice(notice: RpsNotice): void {
    try {
      this.#options.onNotice?.(notice);
    } catch {
      // A listener's failure must not break the session.
    }
  }

  /**
   * Opens the runspace pool: Create (creationXml), then Receive on the pool until Opened. Refusals become EXO_SESSION_CAP,
   * EXO_RUNSPACE_BUDGET (waited out once when short), EXO_REMOTE_POWERSHELL_DISABLED or EXO_RPS_DISABLED.
   */
  async open(token: AccessToken, signal?: AbortSignal): Promise<void> {
    if (this.#state === 'opened') return;
    if (this.#state === 'closed' || this.#state === 'lost') {
      throw new ExopsError(ExopsErrorCode.EXO_SESSION_LOST, `This RPS transport is ${this.#state}; it cannot be opened again.`, { remedy: 'Create a new RpsTransport.' });
    }
    if (this.#state === 'opening') throw new ExopsError(ExopsErrorCode.INTERNAL, 'open() is already running.', { remedy: 'Await the first open().' });
    this.#token = token;
    this.#state = 'opening';
    let budgetWaited = false;
    let sessionsRemoved = false;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.#openOnce(signal);
          this.#state = 'opened';
          return;
        } catch (error) {
          if (signal?.aborted === true) throw abortError(signal);
          const text = collectErrorTexts(error);
          const refusal = parseServiceRefusal(text);
          if (refusal?.kind === 'runspace-budget') {
            if (!budgetWaited && refusal.waitSeconds <= MAX_BUDGET_WAIT_SECONDS) {
              budgetWaited = true;
              this.#notice({ type: 'retry', attempt, delayMs: refusal.waitSeconds * 1000, reason: 'the service asked to wait before opening another session' });
              await sleep(refusal.waitSeconds * 1000, signal);
              continue;
            }
            throw buildRunspaceBudgetError(refusal.waitSeconds, text, error);
          }
          if (refusal?.kind === 'session-cap' || hasCode(error, ExopsErrorCode.WSMAN_QUOTA)) {
            const listed = await this.#listSessionsQuietly(signal);
            if (this.#options.removeAbandonedSessions === true && !sessionsRemoved && listed.sessions !== undefined) {
              sessionsRemoved = true;
              const removed = await this.#removeAbandoned(listed.sessions);
              if (removed.length > 0) {
                this.#notice({ type: 'sessions-removed', ids: removed });
                continue;
              }
            }
            throw buildSessionCapError({
              limit: refusal?.kind === 'session-cap' ? refusal.limit : undefined,
              sessions: listed.sessions,
              listError: listed.error,
              serviceText: text,
              cause: error,
            });
          }
          if (refusal?.kind === 'rps-disabled') throw buildRpsDisabledError(text, error);
          if (/DelegatedAccessDeniedException/.test(text)) throw buildDelegatedOrgError(this.#options.delegatedOrganization, text, error);
          // A 401 after a redirect to another host is about that host, not about this user's rights.
          const redirected = isExopsError(error) && error.details?.['redirectedFrom'] !== undefined;
          const tokenValid = token.expiresOn.getTime() > Date.now();
          if (refusal?.kind === 'remote-powershell-disabled' || (tokenValid && !redirected && (refusal?.kind === 'access-denied' || hasCode(error, ExopsErrorCode.AUTH_ACCESS_DENIED)))) {
            throw buildRemotePowerShellDisabledError(this.#options.upn ?? token.user, text, error);
          }
          throw error;
        }
      }
    } catch (error) {
      this.#state = 'new';
      throw error;
    }
  }

  async #openOnce(signal: AbortSignal | undefined): Promise<void> {
    const pool = new RunspacePoolClient({ minRunspaces: 1, maxRunspaces: 1 });
    this.#pool = pool;
    const created = await this.#wsman.createShell(Buffer.from(pool.open()).toString('base64'), {
      // PowerShell clients choose the ShellId (= RPID, upper case); the server's answer is used from then on.
      shellId: pool.id.toUpperCase(),
      name: this.sessionName,
      ...(this.#options.idleTimeoutSeconds === undefined ? {} : { idleTimeOut: this.#options.idleTimeoutSeconds }),
    });
    this.#shellId = created.shellId;
    this.#shellTokenExpiresOn = this.#token?.expiresOn;
    registerForExit(this);
    const deadline = AbortSignal.timeout(this.#options.openTimeoutMs ?? 120_000);
    const receiveSignal = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    try {
      while (pool.state !== 'Opened') {
        let result;
        try {
          result = await this.#wsman.receive(created.shellId, undefined, receiveSignal);
        } catch (error) {
          if (deadline.aborted && signal?.aborted !== true) {
            throw new ExopsError(ExopsErrorCode.HTTP_TIMEOUT, `The remote session was created but did not open within ${(this.#options.openTimeoutMs ?? 120_000) / 1000} s.`, {
              cause: error,
              remedy: 'The server accepted the session but never reported it opened; retry, and run `exo-doctor` if it repeats.',
            });
          }
          throw error;
        }
        for (const stream of result.streams) {
          for (const event of this.#feed(stream.bytes, undefined)) await this.#onPoolEvent(event, 'open');
        }
      }
    } catch (error) {
      // Never leave a half-open shell holding one of the user's few session slots.
      await this.#deleteShellQuietly();
      throw error;
    }
  }

  async #onPoolEvent(event: ClientEvent, phase: 'open' | 'invoke'): Promise<void> {
    switch (event.type) {
      case 'sessionCapability': {
        const version = event.capability.protocolVersion;
        // [MS-PSRP] 3.1.5.4.1 as pypsrp applies it: servers below 2.2 (PowerShell 2) cap envelopes at 150 KiB.
        if (compareVersions(version, '2.2') < 0 && this.#wsman.maxEnvelopeSize > LEGACY_MAX_ENVELOPE_SIZE) {
          this.#wsman.setMaxEnvelopeSize(LEGACY_MAX_ENVELOPE_SIZE);
        }
        this.#notice({ type: 'envelope-size', maxEnvelopeSize: this.#wsman.maxEnvelopeSize, protocolVersion: version });
        return;
      }
      case 'runspacePoolState':
        if (event.state === 'Broken' || event.state === 'Closed') {
          const reason = event.reason?.message;
          const error = new ExopsError(ExopsErrorCode.PSRP_POOL_BROKEN, `The server reported the runspace pool ${event.state}${reason === undefined ? '' : `: ${reason}`}`, {
            remedy: 'Connect again.',
          });
          if (phase === 'invoke') {
            this.#state = 'lost';
            throw buildSessionLostError(error.message, error);
          }
          throw error;
        }
        return;
      case 'hostCall': {
        const bytes = this.#pool?.answerHostCall(event);
        if (bytes !== undefined && this.#shellId !== undefined) await this.#wsman.send(this.#shellId, undefined, 'pr', Buffer.from(bytes).toString('base64'));
        return;
      }
      case 'invalidMessage':
        // The pool cannot open (or go on) without a readable capability or state; other pool data is optional.
        if (event.messageType === undefined || event.messageType === 'SESSION_CAPABILITY' || event.messageType === 'RUNSPACEPOOL_STATE') throw event.error;
        return;
      default:
        return;
    }
  }

  /**
   * Feeds one Stream's bytes to the pool. For a pipeline's Receive, the pipeline ids in the fragments are learned
   * first: the server echoes whatever 16 bytes a client sent (pypsrp < 0.3.1 wrote them big-endian, psrp-wsman-facts
   * §6.1), so replies are matched by what arrives on this CommandId, not by our own encoding.
   */
  #feed(bytes: Uint8Array, invocation: Invocation | undefined): ClientEvent[] {
    const pool = this.#pool;
    if (pool === undefined) return [];
    try {
      if (invocation !== undefined) {
        for (const fragment of parseFragments(bytes)) {
          if (!fragment.start || fragment.blob.length < MESSAGE_HEADER_SIZE) continue;
          // [MS-PSRP] 2.2.1: the PID is bytes 24..40 of the message header.
          const pid = fragment.blob.slice(24, 40);
          if (isEmptyGuid(pid)) continue;
          const key = guidFromBytes(pid).toLowerCase();
          if (this.#invocations.has(key)) continue;
          if (pool.pipeline(pid) === undefined) pool.attachPipeline(pid);
          this.#invocations.set(key, invocation);
          invocation.keys.add(key);
        }
      }
      return pool.receive(bytes);
    } catch (error) {
      throw toExopsError(error, ExopsErrorCode.PSRP_MESSAGE);
    }
  }

  #assertOpened(): { pool: RunspacePoolClient; shellId: string } {
    if (this.#state === 'opened' && this.#pool !== undefined && this.#shellId !== undefined) return { pool: this.#pool, shellId: this.#shellId };
    if (this.#state === 'lost') throw buildSessionLostError('the server no longer has this session.', undefined);
    // Closed on purpose (close(), or the exit handlers): ABORTED, so that no caller opens a new shell in its place.
    if (this.#state === 'closed') throw closedError();
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'The RPS transport is not open.', {
      remedy: 'Open the transport (ExoSession.connect) before invoking commands.',
    });
  }

  /** The largest fragment and the raw-byte capacities of Command and Send envelopes at the current envelope size. */
  #sizing(shellId: string, commandId: string): { maxFragmentSize: number; command: number; send: number } {
    const ctx: WsmanEnvelopeContext = {
      to: this.#wsman.endpoint,
      configurationName: this.#configurationName,
      sessionId: this.#wsman.sessionId,
      maxEnvelopeSize: this.#wsman.maxEnvelopeSize,
      operationTimeout: this.#options.operationTimeoutSeconds ?? DEFAULT_OPERATION_TIMEOUT_SECONDS,
    };
    const commandOverhead = commandEnvelopeOverhead(ctx, { shellId, commandId });
    const sendOverhead = sendEnvelopeOverhead(ctx, { shellId, commandId, stream: 'stdin' });
    const maxEnvelopeSize = this.#wsman.maxEnvelopeSize;
    const { maxFragmentLength } = computeMaxFragmentSize({
      maxEnvelopeSize,
      envelopeOverhead: Math.max(commandOverhead, sendOverhead),
      safetyMargin: ENVELOPE_SAFETY_MARGIN,
      // Windows never sends fragments above 32 768 bytes; several fragments share an envelope, so this costs no round trip.
      cap: PSRP_CONSERVATIVE_FRAGMENT_LENGTH,
    });
    return {
      maxFragmentSize: maxFragmentLength,
      command: computePayloadCapacity({ maxEnvelopeSize, envelopeOverhead: commandOverhead, safetyMargin: ENVELOPE_SAFETY_MARGIN }),
      send: computePayloadCapacity({ maxEnvelopeSize, envelopeOverhead: sendOverhead, safetyMargin: ENVELOPE_SAFETY_MARGIN }),
    };
  }

  /**
   * Runs one cmdlet and yields its events as Receive responses bring them. Cancelling (the invocation's signal) sends
   * the PSRP stop signal, waits for Stopped, terminates the command and throws ABORTED; leaving the loop early stops
   * and terminates it too.
   */
  async *invoke(invocation: CommandInvocation, token: AccessToken): AsyncGenerator<CommandStreamEvent> {
    const { pool, shellId } = this.#assertOpened();
    this.#token = token;
    const signal = invocation.signal;
    if (isAborted(signal)) throw abortError(signal);
    let pipeline: ClientPipeline;
    try {
      pipeline = pool.createPipeline({
        // An undefined value means "not given"; the PSRP builder would otherwise bind it as a present switch.
        statements: [[{ command: invocation.cmdlet, parameters: Object.fromEntries(Object.entries(invocation.parameters).filter(([, v]) => v !== undefined)) as Readonly<Record<string, PSInput>> }]],
        noInput: true,
      });
    } catch (error) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `The parameters of ${invocation.cmdlet} cannot be sent: ${toExopsError(error).message}`, {
        cause: error,
        remedy: 'Pass parameter values as strings, numbers, booleans, dates, arrays or plain objects.',
      });
    }
    const inv: Invocation = {
      cmdlet: invocation.cmdlet,
      pipeline,
      commandId: pipeline.id.toUpperCase(),
      keys: new Set([pipeline.id.toLowerCase()]),
      lastError: undefined,
      finalState: undefined,
      stopped: false,
    };
    this.#invocations.set(pipeline.id.toLowerCase(), inv);
    let started = false;
    let settled = false;
    try {
      try {
        const sizing = this.#sizing(shellId, inv.commandId);
        const plan = planCommandAndSends(pipeline.start({ maxFragmentSize: sizing.maxFragmentSize }), sizing);
        inv.commandId = await this.#wsman.command(shellId, inv.commandId, encodeFragmentsBase64(plan.command));
        started = true;
        for (const group of plan.sends) await this.#wsman.send(shellId, inv.commandId, 'stdin', encodeFragmentsBase64(group));
      } catch (error) {
        throw this.#mapInvokeError(error, signal);
      }
      let done = false;
      while (!done) {
        if (isAborted(signal)) {
          await this.#stop(inv);
          throw abortError(signal);
        }
        let result;
        try {
          result = await this.#wsman.receive(shellId, inv.commandId, signal);
        } catch (error) {
          if (isAborted(signal)) {
            await this.#stop(inv);
            throw abortError(signal);
          }
          throw this.#mapInvokeError(error, signal);
        }
        for (const stream of result.streams) {
          for (const event of this.#feed(stream.bytes, inv)) {
            const out = await this.#onInvokeEvent(event, inv);
            if (out === undefined) continue;
            if (isAborted(signal)) {
              await this.#stop(inv);
              throw abortError(signal);
            }
            yield out;
          }
        }
        done = result.commandState?.state === 'Done';
      }
      settled = true;
      await this.#terminate(inv);
      const final = inv.finalState;
      const state = final?.type === 'pipelineState' ? final.state : undefined;
      if (state === 'Completed') return;
      if (state === 'Failed') throw buildPipelineFailedError(inv.cmdlet, (final?.type === 'pipelineState' ? final.reason : undefined) ?? inv.lastError);
      if (state === 'Stopped') {
        throw new ExopsError(ExopsErrorCode.ABORTED, `${inv.cmdlet} was stopped on the server.`, { remedy: 'Run the command again if it was not meant to stop.' });
      }
      throw new ExopsError(ExopsErrorCode.PSRP_STATE, `${inv.cmdlet} ended (CommandState Done) without a final pipeline state.`, {
        remedy: 'The output received may be incomplete; run the command again, and report it with --debug-wire if it repeats.',
      });
    } finally {
      if (started && !settled && !inv.stopped && this.#state === 'opened') await this.#stop(inv);
      for (const key of inv.keys) {
        this.#invocations.delete(key);
        pool.removePipeline(key);
      }
    }
  }

  async #onInvokeEvent(event: ClientEvent, inv: Invocation): Promise<CommandStreamEvent | undefined> {
    if (event.type === 'pipelineState') {
      if (event.stateValue >= 3 && event.stateValue <= 5) inv.finalState = event;
      return undefined;
    }
    if (event.type === 'hostCall') {
      const bytes = this.#pool?.answerHostCall(event);
      // Host responses travel on the `pr` stream; void methods get none ([MS-PSRP] 2.2.3.17 says which return a value).
      if (bytes !== undefined && this.#shellId !== undefined) {
        try {
          await this.#wsman.send(this.#shellId, event.pipelineId === undefined ? undefined : inv.commandId, 'pr', Buffer.from(bytes).toString('base64'));
        } catch (error) {
          throw this.#mapInvokeError(error, undefined);
        }
      }
      return undefined;
    }
    if (event.type === 'invalidMessage') {
      // Without its final state the outcome of the command is unknown: that one cannot be skipped.
      if (event.messageType === 'PIPELINE_STATE') throw event.error;
      // Anything else is reported in the stream where it was, so the caller knows an object is missing.
      return {
        type: 'error',
        record: {
          message: `A ${event.messageType ?? 'message'} from the server could not be read and was skipped: ${event.error.message}`,
          fullyQualifiedErrorId: 'ExopsUnreadableMessage',
          category: 'InvalidData',
          targetName: undefined,
          exceptionType: undefined,
        },
      };
    }
    if (event.type === 'error') inv.lastError = event.record;
    const out = toCommandStreamEvent(event);
    if (out !== undefined) return out;
    await this.#onPoolEvent(event, 'invoke');
    return undefined;
  }

  /** Stops a running pipeline: Signal crtl_c, Receive until Stopped (bounded), Signal Terminate. Never throws. */
  async #stop(inv: Invocation): Promise<void> {
    if (inv.stopped) return;
    inv.stopped = true;
    const shellId = this.#shellId;
    if (shellId === undefined) return;
    inv.pipeline.stop();
    try {
      // [MS-PSRP] 3.1.5.3.9: exactly `powershell/signal/crtl_c`; any other code closes the command instead.
      await this.#wsman.signal(shellId, inv.commandId, PSRP_STOP_SIGNAL);
    } catch (error) {
      if (hasCode(error, ExopsErrorCode.WSMAN_SHELL_NOT_FOUND)) return;
    }
    const deadline = AbortSignal.timeout(this.#options.stopTimeoutMs ?? 10_000);
    try {
      for (;;) {
        const result = await this.#wsman.receive(shellId, inv.commandId, deadline);
        for (const stream of result.streams) {
          for (const event of this.#feed(stream.bytes, inv)) if (event.type === 'pipelineState' && event.stateValue >= 3) inv.finalState = event;
        }
        if (result.commandState?.state === 'Done') break;
      }
    } catch {
      // Stopped never came (or the shell went away): Terminate below releases the command either way.
    }
    await this.#terminate(inv);
  }

  /** Signal Terminate: releases a finished or stopped command on the server. Never throws. */
  async #terminate(inv: Invocation): Promise<void> {
    if (this.#shellId === undefined) return;
    try {
      await this.#wsman.signal(this.#shellId, inv.commandId, WSMAN_TERMINATE_SIGNAL);
    } catch {
      // The command is finished; a failed Terminate only leaves it for the shell's own cleanup.
    }
  }

  #mapInvokeError(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted === true) return abortError(signal);
    if (this.#state === 'closed') return closedError(error);
    if (hasCode(error, ExopsErrorCode.WSMAN_SHELL_NOT_FOUND)) {
      this.#state = 'lost';
      return buildSessionLostError('the server no longer knows the shell or command (WS-Management InvalidSelectors).', error);
    }
    const expired = this.#shellTokenExpiresOn !== undefined && this.#shellTokenExpiresOn.getTime() <= Date.now();
    if (hasCode(error, ExopsErrorCode.AUTH_TOKEN_EXPIRED) || (expired && hasCode(error, ExopsErrorCode.AUTH_ACCESS_DENIED))) {
      this.#state = 'lost';
      return buildSessionLostError('the service refused it after the token it was opened with expired (sessions last about an hour).', error);
    }
    return error;
  }

  async #listSessionsQuietly(signal: AbortSignal | undefined): Promise<{ sessions?: RemoteSessionInfo[]; error?: ExopsError }> {
    try {
      return { sessions: await listSessionsWith(this.#wsman, this.#configurationName, signal) };
    } catch (error) {
      return { error: toExopsError(error) };
    }
  }

  /** Deletes exops-named sessions of this user that no transport of this process holds. */
  async #removeAbandoned(sessions: readonly RemoteSessionInfo[]): Promise<string[]> {
    const mine = sessionIdsOpenInThisProcess();
    const removed: string[] = [];
    for (const s of sessions) {
      if (!s.createdByExops || mine.has(s.id.toUpperCase())) continue;
      try {
        await this.#wsman.deleteShell(s.id);
        removed.push(s.id);
      } catch {
        // Left for the user: the cap error lists what remains.
      }
    }
    return removed;
  }

  async #deleteShellQuietly(): Promise<void> {
    const shellId = this.#shellId;
    this.#shellId = undefined;
    unregisterForExit(this);
    if (shellId === undefined) return;
    try {
      await this.#wsman.deleteShell(shellId);
    } catch {
      // Best effort after a failed open; the idle timeout ends it otherwise.
    }
  }

  /**
   * Deletes the shell (closing the runspace pool). Safe to call twice and after the server dropped the shell: a shell
   * already gone counts as closed. Other failures are thrown once, naming how to remove the session by hand.
   */
  close(token?: AccessToken): Promise<void> {
    if (token !== undefined) this.#token = token;
    if (this.#closing !== undefined) return this.#closing;
    this.#closing = (async () => {
      const shellId = this.#shellId;
      this.#state = 'closed';
      this.#pool?.close();
      try {
        if (shellId !== undefined && this.#token !== undefined) await this.#wsman.deleteShell(shellId);
      } catch (error) {
        if (hasCode(error, ExopsErrorCode.WSMAN_SHELL_NOT_FOUND)) return;
        // The service refused the newest token as expired, so the older token the shell was opened with is expired
        // too, and the service ended the shell with it (reference §1.8): nothing is left to delete.
        if (hasCode(error, ExopsErrorCode.AUTH_TOKEN_EXPIRED)) return;
        throw new ExopsError(toExopsError(error).code, `The remote session ${shellId ?? ''} could not be closed: ${toExopsError(error).message}`, {
          cause: error,
          remedy: 'It ends by itself after its idle timeout; to free the slot now run `exops sessions remove --all` (or `Get-PSSession | Remove-PSSession`).',
        });
      } finally {
        unregisterForExit(this);
      }
    })();
    return this.#closing;
  }
}
