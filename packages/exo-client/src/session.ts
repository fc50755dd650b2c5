/**
 * ExoSession: one connection to Exchange Online, whichever transport carries it. It owns what a long-running admin
 * script needs and the V1 module lacked: the token renewed before each command, a dropped RPS shell reopened once
 * without losing the caller's place, cancellation, and a session that is always released.
 */
import { EventEmitter } from 'node:events';
import {
  CLOUD_ENVIRONMENTS,
  ExopsError,
  ExopsErrorCode,
  getCloudEnvironment,
  isExopsError,
  resolveCloudEnvironment,
  toExopsError,
} from '@exops/contracts';
import type {
  AccessToken,
  CloudEnvironment,
  CmdletParameters,
  CmdletTransport,
  CommandStreamEvent,
  HttpTransport,
  NetworkOptions,
  PSErrorRecordInfo,
  PSInformationInfo,
  PSProgressInfo,
  PSValue,
  TokenProvider,
  TransportKind,
} from '@exops/contracts';
import { abortError } from './retry.js';
import { MAX_BATCH_REQUESTS, RestTransport } from './rest/rest-transport.js';
import type { RetryPolicy } from './retry.js';
import { createDefaultHttpTransport, createDefaultTransport } from './defaults.js';

/**
 * Errors that are the command's own outcome, not a cut in the stream: a cmdlet that fails after writing objects has
 * failed, and says so itself.
 */
const COMMAND_OUTCOME_CODES: ReadonlySet<string> = new Set([
  ExopsErrorCode.ABORTED,
  ExopsErrorCode.EXO_STREAM_INTERRUPTED,
  ExopsErrorCode.EXO_CMDLET_ERROR,
  ExopsErrorCode.EXO_PARAMETER,
  ExopsErrorCode.EXO_CMDLET_NOT_FOUND,
]);

/** Renew when fewer than this many seconds of the token are left: a command must not start on a dying token. */
const TOKEN_MIN_VALIDITY_SECONDS = 300;

export interface ExoSessionOptions {
  /** The user to sign in as (`--upn`); checked against every token. */
  readonly upn?: string | undefined;
  /** An environment name (`O365Default`, ...) or a resolved environment (e.g. the emulator's). */
  readonly environment?: string | CloudEnvironment | undefined;
  readonly connectionUri?: string | undefined;
  readonly authority?: string | undefined;
  readonly restBaseUrl?: string | undefined;
  /** Manage another tenant (partner / GDAP): its domain or tenant id. */
  readonly delegatedOrganization?: string | undefined;
  /** `auto` picks REST for the Exchange Online clouds and RPS for an explicit PowerShell endpoint URI. */
  readonly transport?: 'auto' | TransportKind | undefined;
  readonly tokenProvider: TokenProvider;
  readonly signal?: AbortSignal | undefined;
  readonly network?: NetworkOptions | undefined;
  /** An HTTP transport to use instead of the default undici one (tests, custom stacks). */
  readonly http?: HttpTransport | undefined;
  readonly responseFormat?: 'clixml' | 'json' | undefined;
  readonly pageSize?: number | undefined;
  readonly retry?: RetryPolicy | undefined;
  /**
   * RPS only: when the session cap refuses a new session, delete this user's exops-named sessions that no transport of
   * this process holds (left by a crashed or killed exops) and try once more. Default false.
   */
  readonly removeAbandonedSessions?: boolean | undefined;
  /** Builds the transport; the default knows REST and RPS. Exposed for tests and for other PSRP endpoints. */
  readonly createTransport?: ((kind: TransportKind, context: TransportContext) => CmdletTransport) | undefined;
}

/** What a transport factory receives. */
export interface TransportContext {
  readonly environment: CloudEnvironment;
  readonly http: HttpTransport;
  readonly options: ExoSessionOptions;
  readonly renewToken: (claims?: string) => Promise<AccessToken>;
  readonly emit: (event: SessionNotice) => void;
}

/** Things a session tells its caller that are not command output. */
export type SessionNotice =
  | { readonly type: 'reconnected'; readonly reason: string }
  | { readonly type: 'token-renewed'; readonly expiresOn: Date }
  | { readonly type: 'retry'; readonly attempt: number; readonly delayMs: number; readonly reason: string };

/** The events of an ExoSession (Node EventEmitter). */
export interface ExoSessionEvents {
  warning: [message: string, cmdlet: string];
  verbose: [message: string, cmdlet: string];
  debug: [message: string, cmdlet: string];
  information: [record: PSInformationInfo, cmdlet: string];
  progress: [record: PSProgressInfo, cmdlet: string];
  error: [record: PSErrorRecordInfo, cmdlet: string];
  notice: [notice: SessionNotice];
}

export interface InvokeOptions {
  readonly signal?: AbortSignal | undefined;
}

/** One command of a bulk run. */
export interface BulkCommand {
  readonly cmdlet: string;
  readonly parameters?: CmdletParameters;
}

/** Options of {@link ExoSession.invokeMany}. */
export interface InvokeManyOptions extends InvokeOptions {
  /** Commands (or, with `batch`, batches) in flight at once: 1 to 64, default 4. */
  readonly concurrency?: number;
  /**
   * REST only: send the commands in `$batch` requests of up to 10 (one HTTP request each, `Prefer:
   * odata.continue-on-error`). A command with `Confirm` goes alone. Ignored on RPS. Default false.
   */
  readonly batch?: boolean;
}

/** True when the command passes `-Confirm`, which the module never batches (reference §2.8). */
function hasConfirm(command: BulkCommand): boolean {
  return Object.keys(command.parameters ?? {}).some((name) => name.toLowerCase() === 'confirm');
}

export interface BulkResult {
  readonly index: number;
  readonly output: PSValue[];
  readonly errors: PSErrorRecordInfo[];
  /** Set when the command failed as a whole. */
  readonly error?: ExopsError;
}

/** Picks the transport `auto` means for these options. */
export function chooseTransport(options: Pick<ExoSessionOptions, 'transport' | 'connectionUri'>, environment: CloudEnvironment): TransportKind {
  if (options.transport === 'rest' || options.transport === 'rps') return options.transport;
  if (options.connectionUri !== undefined) return 'rps';
  return environment.restBaseUrl === undefined ? 'rps' : 'rest';
}

/** Resolves the environment and overrides of session options. */
export function resolveSessionEnvironment(options: ExoSessionOptions): CloudEnvironment {
  const base =
    options.environment === undefined
      ? CLOUD_ENVIRONMENTS.O365Default
      : typeof options.environment === 'string'
        ? getCloudEnvironment(options.environment)
        : options.environment;
  return resolveCloudEnvironment(base, {
    connectionUri: options.connectionUri,
    authority: options.authority,
    restBaseUrl: options.restBaseUrl,
  });
}

export class ExoSession extends EventEmitter<ExoSessionEvents> {
  readonly environment: CloudEnvironment;
  readonly transportKind: TransportKind;
  private readonly options: ExoSessionOptions;
  private readonly http: HttpTransport;
  private readonly ownsHttp: boolean;
  private readonly factory: (kind: TransportKind, context: TransportContext) => CmdletTransport;
  private transport: CmdletTransport;
  private token: AccessToken | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(
    options: ExoSessionOptions,
    environment: CloudEnvironment,
    http: HttpTransport,
    ownsHttp: boolean,
    factory: (kind: TransportKind, context: TransportContext) => CmdletTransport,
  ) {
    super();
    this.options = options;
    this.environment = environment;
    this.http = http;
    this.ownsHttp = ownsHttp;
    this.factory = factory;
    this.transportKind = chooseTransport(options, environment);
    this.transport = this.newTransport();
  }

  /**
   * Signs in (through the token provider), opens the transport and returns a ready session. On failure nothing is
   * left open.
   */
  static async connect(options: ExoSessionOptions): Promise<ExoSession> {
    const environment = resolveSessionEnvironment(options);
    const ownsHttp = options.http === undefined;
    const kind = chooseTransport(options, environment);
    const http = options.http ?? createDefaultHttpTransport(options.network, kind);
    const factory = options.createTransport ?? createDefaultTransport;
    const session = new ExoSession(options, environment, http, ownsHttp, factory);
    try {
      if (options.signal?.aborted === true) throw abortError(options.signal);
      const token = await session.currentToken();
      await session.transport.open(token, options.signal);
      return session;
    } catch (error) {
      await session.close().catch(() => undefined);
      throw error;
    }
  }

  /** The user this session acts as (from the token), or undefined before the first token / for app-only. */
  get user(): string | undefined {
    return this.token?.user;
  }

  /** The token's tenant. */
  get tenantId(): string | undefined {
    return this.token?.tenantId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private newTransport(): CmdletTransport {
    return this.factory(this.transportKind, {
      environment: this.environment,
      http: this.http,
      options: this.options,
      renewToken: (claims) => this.renewToken(claims),
      emit: (notice) => this.emit('notice', notice),
    });
  }

  private async currentToken(signal?: AbortSignal): Promise<AccessToken> {
    const previous = this.token;
    const token = await this.options.tokenProvider.getToken({
      minValiditySeconds: TOKEN_MIN_VALIDITY_SECONDS,
      ...(signal === undefined ? {} : { signal }),
    });
    this.token = token;
    if (previous !== undefined && previous.token !== token.token) this.emit('notice', { type: 'token-renewed', expiresOn: token.expiresOn });
    return token;
  }

  private async renewToken(claims?: string): Promise<AccessToken> {
    const token = await this.options.tokenProvider.getToken({ forceRefresh: true, ...(claims === undefined ? {} : { claims }) });
    this.token = token;
    this.emit('notice', { type: 'token-renewed', expiresOn: token.expiresOn });
    return token;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new ExopsError(ExopsErrorCode.EXO_SESSION_LOST, 'This session is closed.', { remedy: 'Connect again (ExoSession.connect or `exops connect`).' });
    }
  }

  /**
   * Runs a cmdlet and yields every event (output and records) in the order the server sent them. A shell the server
   * dropped (token expiry, idle timeout) is reopened once if nothing had been received yet; after that the command
   * fails with EXO_STREAM_INTERRUPTED saying how far it got.
   */
  async *invokeStream(cmdlet: string, parameters: CmdletParameters = {}, options: InvokeOptions = {}): AsyncGenerator<CommandStreamEvent> {
    this.assertOpen();
    const signal = anySignal(options.signal, this.options.signal);
    let reopened = false;
    for (;;) {
      if (isAborted(signal)) throw abortError(signal);
      const token = await this.currentToken(signal);
      let received = 0;
      let objects = 0;
      try {
        for await (const event of this.transport.invoke({ cmdlet, parameters, ...(signal === undefined ? {} : { signal }) }, token)) {
          // A transport that does not watch the signal itself still stops at the next event.
          if (isAborted(signal)) throw abortError(signal);
          received += 1;
          if (event.type === 'output') objects += 1;
          yield event;
        }
        return;
      } catch (error) {
        if (isAborted(signal) && !(isExopsError(error) && error.code === ExopsErrorCode.ABORTED)) throw abortError(signal);
        if (!reopened && received === 0 && isExopsError(error) && error.code === ExopsErrorCode.EXO_SESSION_LOST && !this.closed) {
          reopened = true;
          await this.transport.close().catch(() => undefined);
          this.transport = this.newTransport();
          await this.transport.open(await this.renewToken(), signal);
          this.emit('notice', { type: 'reconnected', reason: error.message });
          continue;
        }
        // Any failure after output began (a lost shell, a reset or an HTTP error on an RPS Receive, which cannot be
        // repeated without losing output) must say how far the stream got: a caller must never take it for the end.
        if (received > 0 && !(isExopsError(error) && COMMAND_OUTCOME_CODES.has(error.code))) {
          const cause = isExopsError(error) ? error : toExopsError(error);
          throw new ExopsError(ExopsErrorCode.EXO_STREAM_INTERRUPTED, `${cmdlet} was cut off after ${objects} object(s): ${cause.message}`, {
            cause: error,
            remedy:
              cause.code === ExopsErrorCode.EXO_SESSION_LOST
                ? 'The objects received so far are complete; run the command again (the session reconnects by itself).'
                : `The objects received so far are complete and in order; run the command again.${cause.remedy === undefined ? '' : ` ${cause.remedy}`}`,
            details: { received: objects, events: received },
          });
        }
        throw error;
      }
    }
  }

  /**
   * Runs a cmdlet and yields its output objects as they arrive; warnings, verbose, information, progress and
   * non-terminating errors go to the session's events.
   */
  async *invoke(cmdlet: string, parameters: CmdletParameters = {}, options: InvokeOptions = {}): AsyncGenerator<PSValue> {
    for await (const event of this.invokeStream(cmdlet, parameters, options)) {
      if (event.type === 'output') yield event.value;
      else this.dispatch(event, cmdlet);
    }
  }

  /** Runs a cmdlet to the end and returns its output and its non-terminating errors. */
  async invokeAll(cmdlet: string, parameters: CmdletParameters = {}, options: InvokeOptions = {}): Promise<{ output: PSValue[]; errors: PSErrorRecordInfo[] }> {
    const output: PSValue[] = [];
    const errors: PSErrorRecordInfo[] = [];
    for await (const event of this.invokeStream(cmdlet, parameters, options)) {
      if (event.type === 'output') output.push(event.value);
      else {
        if (event.type === 'error') errors.push(event.record);
        this.dispatch(event, cmdlet);
      }
    }
    return { output, errors };
  }

  /**
   * Runs many commands with at most `concurrency` in flight (within the service's limits), yielding each result as
   * it completes, with the command's index in `commands`. One command failing does not stop the others.
   *
   * With `batch: true` on the REST transport, commands go in `$batch` requests of up to 10 (reference §2.8) and
   * `concurrency` counts batches; a command with a `Confirm` parameter always goes alone, as the module never batches
   * with -Confirm. On RPS, or without `batch`, every command is its own call.
   */
  async *invokeMany(commands: Iterable<BulkCommand> | AsyncIterable<BulkCommand>, options: InvokeManyOptions = {}): AsyncGenerator<BulkResult> {
    this.assertOpen();
    const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, 64));
    const iterator = (Symbol.asyncIterator in commands ? commands[Symbol.asyncIterator]() : (commands as Iterable<BulkCommand>)[Symbol.iterator]()) as
      | AsyncIterator<BulkCommand>
      | Iterator<BulkCommand>;
    const batchSize = options.batch === true && this.transport instanceof RestTransport ? MAX_BATCH_REQUESTS : 1;
    const running = new Map<number, Promise<BulkResult[]>>();
    let index = 0;
    let unit = 0;
    let exhausted = false;
    let held: { index: number; command: BulkCommand } | undefined;
    const pull = async (): Promise<{ index: number; command: BulkCommand } | undefined> => {
      if (held !== undefined) {
        const taken = held;
        held = undefined;
        return taken;
      }
      if (exhausted) return undefined;
      const next = await iterator.next();
      if (next.done === true) {
        exhausted = true;
        return undefined;
      }
      return { index: index++, command: next.value };
    };
    const startNext = async (): Promise<void> => {
      const first = await pull();
      if (first === undefined) return;
      const group = [first];
      if (batchSize > 1 && !hasConfirm(first.command)) {
        while (group.length < batchSize) {
          const next = await pull();
          if (next === undefined) break;
          if (hasConfirm(next.command)) {
            held = next;
            break;
          }
          group.push(next);
        }
      }
      running.set(unit, this.runGroup(group, batchSize > 1 && !hasConfirm(first.command), options));
      unit += 1;
    };
    const more = (): boolean => held !== undefined || !exhausted;
    while (more() && running.size < concurrency) await startNext();
    while (running.size > 0) {
      const [key, results] = await Promise.race([...running.entries()].map(([k, p]) => p.then((r) => [k, r] as const)));
      running.delete(key);
      for (const result of results) yield result;
      if (options.signal?.aborted === true) throw abortError(options.signal);
      while (more() && running.size < concurrency) await startNext();
    }
  }

  /** Runs one unit of invokeMany: a `$batch` of commands, or one command on its own. Never rejects. */
  private async runGroup(group: readonly { index: number; command: BulkCommand }[], batched: boolean, options: InvokeOptions): Promise<BulkResult[]> {
    const failed = (i: number, error: unknown): BulkResult => ({ index: i, output: [], errors: [], error: isExopsError(error) ? error : new ExopsError(ExopsErrorCode.INTERNAL, String(error), { cause: error }) });
    if (!batched) {
      const [{ index: i, command }] = group as [{ index: number; command: BulkCommand }];
      return this.invokeAll(command.cmdlet, command.parameters ?? {}, options).then(
        (r) => [{ index: i, output: r.output, errors: r.errors }],
        (error: unknown) => [failed(i, error)],
      );
    }
    try {
      this.assertOpen();
      const signal = anySignal(options.signal, this.options.signal);
      if (isAborted(signal)) throw abortError(signal);
      const transport = this.transport as RestTransport;
      const token = await this.currentToken(signal);
      const answers = await transport.invokeBatch(
        group.map(({ command }) => ({ cmdlet: command.cmdlet, parameters: command.parameters ?? {}, ...(signal === undefined ? {} : { signal }) })),
        token,
      );
      return group.map(({ index: i, command }, n) => {
        const answer = answers[n] ?? { events: [], error: new ExopsError(ExopsErrorCode.INTERNAL, `No $batch result for command ${i}.`) };
        const output: PSValue[] = [];
        const errors: PSErrorRecordInfo[] = [];
        for (const event of answer.events) {
          if (event.type === 'output') output.push(event.value);
          else {
            if (event.type === 'error') errors.push(event.record);
            this.dispatch(event, command.cmdlet);
          }
        }
        return { index: i, output, errors, ...(answer.error === undefined ? {} : { error: answer.error }) };
      });
    } catch (error) {
      return group.map(({ index: i }) => failed(i, error));
    }
  }

  private dispatch(event: CommandStreamEvent, cmdlet: string): void {
    switch (event.type) {
      case 'warning': this.emit('warning', event.message, cmdlet); break;
      case 'verbose': this.emit('verbose', event.message, cmdlet); break;
      case 'debug': this.emit('debug', event.message, cmdlet); break;
      case 'information': this.emit('information', event.record, cmdlet); break;
      case 'progress': this.emit('progress', event.record, cmdlet); break;
      case 'error':
        // EventEmitter throws on an unhandled 'error' event; a non-terminating cmdlet error must not crash callers.
        if (this.listenerCount('error') > 0) this.emit('error', event.record, cmdlet);
        break;
      case 'output': break;
    }
  }

  /** Releases the server-side session and the connections. Safe to call more than once. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      try {
        await this.transport.close(this.token);
      } finally {
        if (this.ownsHttp) await this.http.close().catch(() => undefined);
      }
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Read through a call so TypeScript does not narrow `aborted` across awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return AbortSignal.any(present);
}
