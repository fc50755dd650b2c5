/**
 * WsmanClient: the WS-Management verbs PowerShell remoting uses, over an injected HttpTransport. It builds envelopes
 * with the protocol half, POSTs them, and turns every answer into a typed result or a typed ExopsError: SOAP faults
 * whatever the HTTP status, 401/403 as auth errors, 413 as an envelope too large, anything else as HTTP_STATUS.
 */
import { ExopsError, ExopsErrorCode, redactText, type HttpResponse, type HttpTransport, createAbortError, sleepUnlessAborted } from '@exops/contracts';
import {
  DEFAULT_CONFIGURATION_NAME,
  DEFAULT_MAX_ENVELOPE_SIZE,
  DEFAULT_OPERATION_TIMEOUT_SECONDS,
  WsmanSignalCode,
  buildCommandEnvelope,
  buildConnectEnvelope,
  buildCreateEnvelope,
  buildDeleteEnvelope,
  buildDisconnectEnvelope,
  buildEnumerateShellsEnvelope,
  buildGetConfigEnvelope,
  buildGetShellEnvelope,
  buildPullEnvelope,
  buildReceiveEnvelope,
  buildReconnectEnvelope,
  buildSendEnvelope,
  buildSignalEnvelope,
  isWsmanShellNotFound,
  isWsmanTimedOut,
  parseWsmanResponse,
  wsmanFaultToError,
  type CreateEnvelopeParams,
  type WsmanCommandState,
  type WsmanEnvelopeContext,
  type WsmanRequestEnvelope,
  type WsmanResponse,
  type WsmanResponseKind,
  type WsmanShellInfo,
  type WsmanStreamChunk,
} from '../protocol/index.js';
import {
  bodyTextOf,
  buildAuthFailureError,
  secretsOfAuthorization,
  toAuthorizationValue,
  type WsmanAuthorization,
  type WsmanAuthorizationValue,
} from './authorization.js';
import { redactUrl } from './network-errors.js';
import { WSMAN_PACKAGE_VERSION } from './undici-transport.js';

/**
 * The User-Agent of WsmanClient. The WinRM token comes first because it is the only User-Agent Exchange's RPS
 * endpoint ever saw (reference 1.7, 3.8) and products are listed by significance (RFC 9110 10.1.5); the comment
 * names exops so administrators can tell it apart in IIS and sign-in logs.
 */
export const WSMAN_USER_AGENT = `Microsoft WinRM Client (compatible; exops/${WSMAN_PACKAGE_VERSION})`;

/** [MS-WSMV] 3.1.4.1.31.8: a shell verb may not be chunked, so the body goes out with Content-Length. */
const SOAP_CONTENT_TYPE = 'application/soap+xml;charset=UTF-8';

/** Options of {@link WsmanClient}. */
export interface WsmanClientOptions {
  readonly http: HttpTransport;
  /** The endpoint, e.g. `buildRpsConnectionUri('https://outlook.office365.com/powershell-liveid/')`. */
  readonly connectionUri: string;
  /** PowerShell configuration; default `Microsoft.Exchange`. */
  readonly configurationName?: string | undefined;
  /** Called before every request: a renewed token is used at once. */
  readonly authorization: WsmanAuthorization;
  /** `wsman:MaxEnvelopeSize` in bytes; default 512000. Changeable later with {@link WsmanClient.setMaxEnvelopeSize}. */
  readonly maxEnvelopeSize?: number | undefined;
  /** `wsman:OperationTimeout` in seconds; default 20. The HTTP read timeout is this plus `readTimeoutMarginMs`. */
  readonly operationTimeoutSeconds?: number | undefined;
  /** Default 15 000: enough for a server that answers the TimedOut fault just after the OperationTimeout. */
  readonly readTimeoutMarginMs?: number | undefined;
  /** `wsman:Locale`; default `en-US`. */
  readonly locale?: string | undefined;
  /** `wsmv:DataLocale`; default the locale. */
  readonly dataLocale?: string | undefined;
  /** `wsmv:SessionId`; default a random UUID. Keep one per client session: Disconnect and Reconnect need it. */
  readonly sessionId?: string | undefined;
  /** Default {@link WSMAN_USER_AGENT}. */
  readonly userAgent?: string | undefined;
  /** Follow redirects (`-AllowRedirection`); default: the transport's setting. */
  readonly followRedirects?: boolean | undefined;
  /** Extra attempts after a network failure, for operations safe to repeat only. Default 2. */
  readonly retries?: number | undefined;
  /** Delay before the first retry, doubled each time, in ms. Default 250. */
  readonly retryDelayMs?: number | undefined;
}

/** Options of {@link WsmanClient.createShell}. */
export type CreateShellOptions = Omit<CreateEnvelopeParams, 'creationXml'>;

/** What a Create returned. */
export interface CreatedShell {
  readonly shellId: string;
  readonly resourceUri: string | undefined;
  /** The server's `rsp:Shell` (absent from some servers). */
  readonly shell: WsmanShellInfo | undefined;
}

/** One ReceiveResponse with data (TimedOut faults are consumed by the loop). */
export interface ReceiveResult {
  readonly streams: readonly WsmanStreamChunk[];
  /** Present when the server reports the command's state; `Done` is the last response for that command. */
  readonly commandState: WsmanCommandState | undefined;
}

/** The server's WinRM configuration (needs admin rights). */
export interface WsmanServerConfig {
  readonly config: Readonly<Record<string, string>>;
  readonly maxEnvelopeSizeKb: number | undefined;
  readonly maxTimeoutMs: number | undefined;
}

/** Options of {@link WsmanClient.disconnect}. */
export interface DisconnectOptions {
  /** Seconds the server keeps the disconnected pool. */
  readonly idleTimeOut?: number | undefined;
  readonly bufferMode?: 'Block' | 'Drop' | undefined;
}

/**
 * Retry rule: after a network failure (NETWORK or HTTP_TIMEOUT, never TLS, PROXY, auth or a fault) a request is
 * sent again only when sending it twice cannot change the outcome:
 * - Get, Enumerate (the whole Enumerate + Pull sequence, restarted: a lost Pull answer may have advanced the
 *   context), Delete (a second Delete of a deleted shell is treated as success) and Signal Terminate are safe.
 * - Create would open a second runspace pool against the per-user cap; Command would start a second pipeline; Send
 *   would deliver input twice; Receive may have consumed output the server will not send again; Signal stop,
 *   Disconnect, Reconnect and Connect change state. None of these is repeated: the error goes to the caller.
 */
type RetryRule = 'safe' | 'never';

interface CallOptions<K extends WsmanResponseKind> {
  /** The response kinds accepted; include `fault` to get faults back instead of thrown (Receive's TimedOut, Delete's InvalidSelectors). */
  readonly expect: readonly K[];
  readonly retry: RetryRule;
  readonly signal?: AbortSignal | undefined;
}

/** The members of WsmanResponse whose kind is K (`enumerate | pull` narrows too). */
type ResponseOf<K extends WsmanResponseKind> = WsmanResponse & { readonly kind: K };

const WSMAN_OPERATION = 'The WS-Management operation';

function aborted(signal: AbortSignal): ExopsError {
  return createAbortError(signal, WSMAN_OPERATION);
}

function isSoap(response: HttpResponse): boolean {
  const type = response.headers['content-type'];
  const text = Array.isArray(type) ? type.join(',') : (type ?? '');
  if (/soap\+xml|\/xml/i.test(text)) return true;
  const head = Buffer.from(response.body.subarray(0, 200)).toString('utf8').trimStart();
  return head.startsWith('<') && /Envelope/.test(head);
}

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> => sleepUnlessAborted(ms, signal, WSMAN_OPERATION);

/** A WS-Management client for PowerShell remoting (MS-WSMV as MS-PSRP uses it). */
export class WsmanClient {
  readonly #http: HttpTransport;
  readonly #options: WsmanClientOptions;
  readonly #sessionId: string;
  #endpoint: string;
  #maxEnvelopeSize: number;

  constructor(options: WsmanClientOptions) {
    let url: URL;
    try {
      url = new URL(options.connectionUri);
    } catch (cause) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `'${redactText(options.connectionUri)}' is not a valid connection URI.`, {
        remedy: 'Give an absolute https:// URI such as https://outlook.office365.com/powershell-liveid/.',
        cause,
      });
    }
    this.#http = options.http;
    this.#options = options;
    this.#endpoint = url.href;
    this.#sessionId = (options.sessionId ?? globalThis.crypto.randomUUID()).replace(/^uuid:/i, '').toUpperCase();
    this.#maxEnvelopeSize = options.maxEnvelopeSize ?? DEFAULT_MAX_ENVELOPE_SIZE;
  }

  /** The `wsmv:SessionId` of this client session (no `uuid:` prefix). */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The URL requests go to: the connection URI, or where a same-origin redirect moved it. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** The MaxEnvelopeSize sent with each request. */
  get maxEnvelopeSize(): number {
    return this.#maxEnvelopeSize;
  }

  /** Changes MaxEnvelopeSize for later requests (pypsrp raises 153600 to 512000 once the server says PSRP ≥ 2.2). */
  setMaxEnvelopeSize(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 8192) {
      throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `MaxEnvelopeSize must be an integer ≥ 8192, got ${bytes}.`, {
        remedy: 'Use the server value (MaxEnvelopeSizekb × 1024), e.g. 512000 or 153600.',
      });
    }
    this.#maxEnvelopeSize = bytes;
  }

  #context(): WsmanEnvelopeContext {
    return {
      to: this.#endpoint,
      configurationName: this.#options.configurationName ?? DEFAULT_CONFIGURATION_NAME,
      sessionId: this.#sessionId,
      locale: this.#options.locale,
      dataLocale: this.#options.dataLocale,
      maxEnvelopeSize: this.#maxEnvelopeSize,
      operationTimeout: this.#options.operationTimeoutSeconds ?? DEFAULT_OPERATION_TIMEOUT_SECONDS,
    };
  }

  #readTimeoutMs(): number {
    return (this.#options.operationTimeoutSeconds ?? DEFAULT_OPERATION_TIMEOUT_SECONDS) * 1000 + (this.#options.readTimeoutMarginMs ?? 15_000);
  }

  /** Sends one envelope (retrying only when `retry` is `safe`) and returns the parsed response. */
  async #call<K extends WsmanResponseKind>(build: () => WsmanRequestEnvelope, options: CallOptions<K>): Promise<ResponseOf<K>> {
    const attempts = options.retry === 'safe' ? 1 + (this.#options.retries ?? 2) : 1;
    let delay = this.#options.retryDelayMs ?? 250;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#callOnce(build(), options);
      } catch (error) {
        const retriable = error instanceof ExopsError && (error.code === ExopsErrorCode.NETWORK || error.code === ExopsErrorCode.HTTP_TIMEOUT);
        if (!retriable || attempt >= attempts || options.signal?.aborted === true) throw error;
        await sleep(delay, options.signal);
        delay *= 2;
      }
    }
  }

  async #callOnce<K extends WsmanResponseKind>(envelope: WsmanRequestEnvelope, options: CallOptions<K>): Promise<ResponseOf<K>> {
    if (options.signal?.aborted === true) throw aborted(options.signal);
    const credential: WsmanAuthorizationValue = toAuthorizationValue(await this.#options.authorization());
    const requested = this.#endpoint;
    const response = await this.#http.request({
      method: 'POST',
      url: requested,
      headers: {
        'content-type': SOAP_CONTENT_TYPE,
        authorization: credential.value,
        'user-agent': this.#options.userAgent ?? WSMAN_USER_AGENT,
      },
      body: Buffer.from(envelope.xml, 'utf8'),
      readTimeoutMs: this.#readTimeoutMs(),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(this.#options.followRedirects === undefined ? {} : { followRedirects: this.#options.followRedirects }),
    });
    const sameOrigin = new URL(response.url).origin === new URL(requested).origin;
    if (response.status === 401 || response.status === 403) {
      throw buildAuthFailureError({
        status: response.status,
        url: response.url,
        headers: response.headers,
        body: response.body,
        credential,
        ...(sameOrigin ? {} : { redirectedFrom: requested }),
      });
    }
    if (response.status === 413) {
      throw new ExopsError(
        ExopsErrorCode.WSMAN_ENVELOPE,
        `${new URL(response.url).host} refused a ${envelope.xml.length}-character request as too large (HTTP 413).`,
        {
          remedy: `The request exceeds the server's MaxEnvelopeSizekb. Lower the envelope size (now ${this.#maxEnvelopeSize}; 153600 fits PowerShell 2 servers), or read the server value with getConfig().`,
          details: { status: 413, url: redactUrl(response.url), requestChars: envelope.xml.length, maxEnvelopeSize: this.#maxEnvelopeSize },
        },
      );
    }
    const secrets = secretsOfAuthorization(credential.value);
    if (!isSoap(response) || response.body.byteLength === 0) {
      if (response.status >= 200 && response.status < 300) {
        throw new ExopsError(ExopsErrorCode.WSMAN_ENVELOPE, `${new URL(response.url).host} answered HTTP ${response.status} without a SOAP envelope.`, {
          remedy: 'Check that the connection URI is a WS-Management endpoint (for Exchange Online: https://outlook.office365.com/powershell-liveid/).',
          details: { status: response.status, url: redactUrl(response.url), serverText: redactText(bodyTextOf(response.body), secrets) },
        });
      }
      throw this.#statusError(response, secrets);
    }
    let parsed: WsmanResponse;
    try {
      parsed = parseWsmanResponse(Buffer.from(response.body).toString('utf8'));
    } catch (error) {
      if (response.status >= 300) throw this.#statusError(response, secrets);
      throw error;
    }
    if (sameOrigin && response.url !== requested) this.#endpoint = response.url;
    const accepted = (options.expect as readonly WsmanResponseKind[]).includes(parsed.kind);
    if (parsed.kind === 'fault') {
      if (accepted) return parsed as ResponseOf<K>;
      throw wsmanFaultToError(parsed.fault);
    }
    const relatesTo = parsed.header.relatesTo;
    if (relatesTo !== undefined && relatesTo.toLowerCase() !== envelope.messageId.toLowerCase()) {
      throw new ExopsError(ExopsErrorCode.WSMAN_ENVELOPE, `The response answers another request (RelatesTo ${relatesTo}, expected ${envelope.messageId}).`, {
        remedy: 'A proxy or load balancer mixed up responses; retry, and bypass the proxy for this host if it repeats.',
        details: { relatesTo, messageId: envelope.messageId },
      });
    }
    if (!accepted) {
      throw new ExopsError(ExopsErrorCode.WSMAN_ENVELOPE, `Expected a ${options.expect.join(' or ')} response to ${envelope.action}, got ${parsed.kind}.`, {
        remedy: 'The server answered with another operation; report it with the --debug-wire output.',
        details: { action: envelope.action, kind: parsed.kind },
      });
    }
    return parsed as ResponseOf<K>;
  }

  #statusError(response: HttpResponse, secrets: readonly string[]): ExopsError {
    const serverText = redactText(bodyTextOf(response.body), secrets);
    const host = new URL(response.url).host;
    const remedy =
      response.status === 404
        ? 'Check the path of the connection URI (for Exchange Online: /powershell-liveid/); on-premises, the PowerShell virtual directory must exist.'
        : response.status === 503 || response.status === 502 || response.status === 504
          ? 'The service or a gateway is unavailable; wait a minute and retry.'
          : response.status >= 300 && response.status < 400
            ? 'The server redirected the request; allow redirects (-AllowRedirection) or connect to the new location directly.'
            : 'The server refused the request; its text is above. Retry, and report it with --debug-wire if it repeats.';
    return new ExopsError(
      ExopsErrorCode.HTTP_STATUS,
      `${host} answered HTTP ${response.status}${serverText === '' ? '' : `: ${serverText.length > 300 ? `${serverText.slice(0, 300)}…` : serverText}`}`,
      { remedy, details: { status: response.status, url: redactUrl(response.url), ...(serverText === '' ? {} : { serverText }) } },
    );
  }

  /** Opens a runspace pool: Create with creationXml (SESSION_CAPABILITY + INIT_RUNSPACEPOOL). Never retried. */
  async createShell(creationXmlBase64: string, options: CreateShellOptions = {}): Promise<CreatedShell> {
    const r = await this.#call(() => buildCreateEnvelope(this.#context(), { ...options, creationXml: creationXmlBase64 }), { expect: ['create'], retry: 'never' });
    return { shellId: r.shellId, resourceUri: r.resourceUri, shell: r.shell };
  }

  /** Starts a pipeline; returns the server's CommandId (use it from then on). Never retried. */
  async command(shellId: string, commandId: string, argumentsBase64: string): Promise<string> {
    const r = await this.#call(() => buildCommandEnvelope(this.#context(), { shellId, commandId, arguments: argumentsBase64 }), { expect: ['command'], retry: 'never' });
    return r.commandId;
  }

  /** Sends fragments to the pool (`commandId` undefined) or a pipeline, on `stdin` or `pr`. Never retried. */
  async send(shellId: string, commandId: string | undefined, stream: 'stdin' | 'pr', base64: string): Promise<void> {
    await this.#call(() => buildSendEnvelope(this.#context(), { shellId, commandId, stream, data: base64 }), { expect: ['send'], retry: 'never' });
  }

  /**
   * Receives the next output of the pool or a pipeline. The server's TimedOut fault (2150858793) means no output
   * yet: the Receive is sent again until data arrives or `signal` aborts ([MS-WSMV] 3.1.4.14). Never retried after
   * a network failure: the lost answer may have carried output.
   */
  async receive(shellId: string, commandId?: string, signal?: AbortSignal): Promise<ReceiveResult> {
    for (;;) {
      if (signal?.aborted === true) throw aborted(signal);
      const r = await this.#call(() => buildReceiveEnvelope(this.#context(), { shellId, commandId }), {
        expect: ['receive', 'fault'],
        retry: 'never',
        signal,
      });
      if (r.kind === 'fault') {
        if (isWsmanTimedOut(r.fault)) continue;
        throw wsmanFaultToError(r.fault);
      }
      return { streams: r.streams, commandState: r.commandState };
    }
  }

  /** Signals a pipeline: `WsmanSignalCode.psrpStop` to stop it, `.terminate` to close it. Terminate is retried. */
  async signal(shellId: string, commandId: string, code: string): Promise<void> {
    await this.#call(() => buildSignalEnvelope(this.#context(), { shellId, commandId, code }), {
      expect: ['signal'],
      retry: code === WsmanSignalCode.terminate ? 'safe' : 'never',
    });
  }

  /** Closes a runspace pool. Idempotent: a shell the server no longer knows counts as deleted. */
  async deleteShell(shellId: string): Promise<void> {
    const r = await this.#call(() => buildDeleteEnvelope(this.#context(), { shellId }), { expect: ['delete', 'fault'], retry: 'safe' });
    if (r.kind === 'fault' && !isWsmanShellNotFound(r.fault)) throw wsmanFaultToError(r.fault);
  }

  /** The properties of one shell; a WSMAN_SHELL_NOT_FOUND error when it is gone. A cheap liveness probe. */
  async getShell(shellId: string): Promise<WsmanShellInfo> {
    const r = await this.#call(() => buildGetShellEnvelope(this.#context(), { shellId }), { expect: ['get-shell'], retry: 'safe' });
    return r.shell;
  }

  /**
   * Every shell of the signed-in user on this endpoint (all kinds: filter on `resourceUri`). Enumerate, then Pull
   * until EndOfSequence; after a network failure the whole sequence starts again.
   */
  async enumerateShells(signal?: AbortSignal): Promise<WsmanShellInfo[]> {
    const attempts = 1 + (this.#options.retries ?? 2);
    let delay = this.#options.retryDelayMs ?? 250;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#enumerateOnce(signal);
      } catch (error) {
        const retriable = error instanceof ExopsError && (error.code === ExopsErrorCode.NETWORK || error.code === ExopsErrorCode.HTTP_TIMEOUT);
        if (!retriable || attempt >= attempts) throw error;
        await sleep(delay, signal);
        delay *= 2;
      }
    }
  }

  async #enumerateOnce(signal: AbortSignal | undefined): Promise<WsmanShellInfo[]> {
    const shells: WsmanShellInfo[] = [];
    let r: ResponseOf<'enumerate' | 'pull'> = await this.#call(() => buildEnumerateShellsEnvelope(this.#context()), { expect: ['enumerate'], retry: 'never', signal });
    // A server that never ends the sequence must not keep us here: 10 000 pages is far beyond any user's shells.
    for (let page = 0; page < 10_000; page += 1) {
      shells.push(...r.shells);
      const context = r.enumerationContext;
      if (r.endOfSequence || context === undefined) return shells;
      r = await this.#call(() => buildPullEnvelope(this.#context(), { enumerationContext: context }), { expect: ['pull'], retry: 'never', signal });
    }
    throw new ExopsError(ExopsErrorCode.WSMAN_ENVELOPE, 'The shell enumeration did not end after 10 000 pages.', {
      remedy: 'The server keeps returning an EnumerationContext without EndOfSequence; report it with --debug-wire.',
    });
  }

  /** The server's WinRM configuration (MaxEnvelopeSizekb, MaxTimeoutms, ...). Needs admin rights on the server. */
  async getConfig(): Promise<WsmanServerConfig> {
    const r = await this.#call(() => buildGetConfigEnvelope(this.#context()), { expect: ['get-config'], retry: 'safe' });
    return { config: r.config, maxEnvelopeSizeKb: r.maxEnvelopeSizeKb, maxTimeoutMs: r.maxTimeoutMs };
  }

  /** Disconnects the pool, leaving it running on the server ([MS-PSRP] 3.1.5.3.14). Never retried. */
  async disconnect(shellId: string, options: DisconnectOptions = {}): Promise<void> {
    await this.#call(() => buildDisconnectEnvelope(this.#context(), { shellId, idleTimeOut: options.idleTimeOut, bufferMode: options.bufferMode }), {
      expect: ['disconnect'],
      retry: 'never',
    });
  }

  /** Reconnects this session to its disconnected pool, or one pipeline ([MS-PSRP] 3.1.5.3.16). Never retried. */
  async reconnect(shellId: string, commandId?: string): Promise<void> {
    await this.#call(() => buildReconnectEnvelope(this.#context(), { shellId, commandId }), { expect: ['reconnect'], retry: 'never' });
  }

  /**
   * Takes over a disconnected pool from a new session (`connectXmlBase64`: SESSION_CAPABILITY + CONNECT_RUNSPACEPOOL)
   * or a pipeline of it (`commandId`). Returns the server's connectResponseXml (base64), if any. Never retried.
   */
  async connect(shellId: string, connectXmlBase64: string | undefined, options: { readonly commandId?: string | undefined } = {}): Promise<string | undefined> {
    const r = await this.#call(() => buildConnectEnvelope(this.#context(), { shellId, connectXml: connectXmlBase64, commandId: options.commandId }), {
      expect: ['connect'],
      retry: 'never',
    });
    return r.connectResponseXml;
  }
}
