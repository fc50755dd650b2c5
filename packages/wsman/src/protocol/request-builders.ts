import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { escapeXml } from './xml.js';
import { SELECTOR_FILTER_DIALECT, WSA_ANONYMOUS, WsmanAction, WsmanNamespace, WsmanResourceUri } from './namespaces.js';

/**
 * What every request envelope of one client session shares. Build one per session; per-request values (timeouts,
 * ids) can be overridden in each builder's parameters.
 */
export interface WsmanEnvelopeContext {
  /** `wsa:To`: the endpoint URL, e.g. `https://outlook.office365.com/PowerShell-LiveID?BasicAuthToOAuthConversion=true`. */
  readonly to: string;
  /** The PowerShell configuration (`http://schemas.microsoft.com/powershell/<name>`); default `Microsoft.Exchange`. */
  readonly configurationName?: string | undefined;
  /** A full resource URI; wins over `configurationName`. */
  readonly resourceUri?: string | undefined;
  /** `wsmv:SessionId`, a GUID (with or without `uuid:`). One per client session; Disconnect/Reconnect need it. */
  readonly sessionId?: string | undefined;
  /** `wsman:Locale xml:lang`; default `en-US`. */
  readonly locale?: string | undefined;
  /** `wsmv:DataLocale xml:lang`; default the locale. */
  readonly dataLocale?: string | undefined;
  /** `wsman:MaxEnvelopeSize` in bytes; default 512000 (the server default since PowerShell 3). */
  readonly maxEnvelopeSize?: number | undefined;
  /** `wsman:OperationTimeout` in seconds; default 20. */
  readonly operationTimeout?: number | undefined;
  /** Makes MessageIDs (a GUID, `uuid:` optional); default a random UUID. Inject for deterministic tests. */
  readonly messageId?: (() => string) | undefined;
  /** `wsmv:OperationID` (robust connections, as Windows PowerShell sends to Exchange); omitted when undefined. */
  readonly operationId?: string | undefined;
  /** `wsmv:SequenceId`, sent with OperationID. */
  readonly sequenceId?: number | undefined;
}

/** Per-request header overrides, accepted by every builder. */
export interface WsmanRequestOverrides {
  readonly messageId?: string | undefined;
  readonly operationTimeout?: number | undefined;
  readonly maxEnvelopeSize?: number | undefined;
  readonly resourceUri?: string | undefined;
  readonly operationId?: string | undefined;
  readonly sequenceId?: number | undefined;
}

/** A `wsman:Option` of the OptionSet. */
export interface WsmanOption {
  readonly name: string;
  readonly value: string;
  readonly mustComply?: boolean | undefined;
}

/** An `rsp:Variable` of a WinRS shell's Environment. */
export interface WsmanEnvironmentVariable {
  readonly name: string;
  readonly value: string;
}

/** A built request: the XML text plus what the caller needs to match the reply. */
export interface WsmanRequestEnvelope {
  readonly action: string;
  /** `uuid:...` exactly as written; the response's RelatesTo echoes it. */
  readonly messageId: string;
  readonly xml: string;
}

/** The default ConfigurationName of this package. */
export const DEFAULT_CONFIGURATION_NAME = 'Microsoft.Exchange';
/** The default MaxEnvelopeSize (500 KiB, the server default since PowerShell 3). */
export const DEFAULT_MAX_ENVELOPE_SIZE = 512000;
/** The default OperationTimeout in seconds (pypsrp's; the HTTP read timeout must be longer). */
export const DEFAULT_OPERATION_TIMEOUT_SECONDS = 20;

function invalid(message: string): ExopsError {
  return new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, message, { remedy: 'Fix the value passed to the WS-Management envelope builder.' });
}

/** The resource URI for a PowerShell configuration name. */
export function powerShellResourceUri(configurationName: string = DEFAULT_CONFIGURATION_NAME): string {
  return `${WsmanResourceUri.powerShellPrefix}${configurationName}`;
}

/** Formats seconds as an xs:duration the way WinRM clients do (`PT20S`, `PT180.500S`). */
export function formatXsDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw invalid(`A duration must be a finite number of seconds ≥ 0, got ${seconds}.`);
  return Number.isInteger(seconds) ? `PT${seconds}S` : `PT${seconds.toFixed(3)}S`;
}

/** Parses an xs:duration (`PT20S`, `P0DT0H0M9S`, `PT7200.000S`, `-PT1S`) into seconds; undefined if it is not one. */
export function parseXsDuration(text: string): number | undefined {
  const m = /^\s*(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?\s*$/.exec(text);
  if (m === null || text.trim() === 'P' || /T\s*$/.test(text)) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const seconds = n(2) * 365 * 86400 + n(3) * 30 * 86400 + n(4) * 86400 + n(5) * 3600 + n(6) * 60 + n(7);
  return m[1] === '-' ? -seconds : seconds;
}

function uuidUrn(id: string): string {
  return /^uuid:/i.test(id) ? id : `uuid:${id}`;
}

function defaultMessageId(): string {
  return globalThis.crypto.randomUUID().toUpperCase();
}

interface HeaderSpec {
  readonly action: string;
  readonly resourceUri: string;
  readonly options?: readonly WsmanOption[] | undefined;
  readonly selectors?: Readonly<Record<string, string>> | undefined;
  readonly extraNamespaces?: readonly ('rsp' | 'wsen')[] | undefined;
}

function optionSetXml(options: readonly WsmanOption[]): string {
  const items = options
    .map((o) => `<wsman:Option${o.mustComply === true ? ' MustComply="true"' : ''} Name="${escapeXml(o.name)}">${escapeXml(o.value)}</wsman:Option>`)
    .join('');
  return `<wsman:OptionSet s:mustUnderstand="true">${items}</wsman:OptionSet>`;
}

function selectorSetXml(selectors: Readonly<Record<string, string>>): string {
  const items = Object.entries(selectors)
    .map(([name, value]) => `<wsman:Selector Name="${escapeXml(name)}">${escapeXml(value)}</wsman:Selector>`)
    .join('');
  return `<wsman:SelectorSet>${items}</wsman:SelectorSet>`;
}

function envelope(ctx: WsmanEnvelopeContext, over: WsmanRequestOverrides, spec: HeaderSpec, body: string): WsmanRequestEnvelope {
  if (typeof ctx.to !== 'string' || ctx.to === '') throw invalid('WsmanEnvelopeContext.to (the endpoint URL) is required.');
  const messageId = uuidUrn(over.messageId ?? (ctx.messageId ?? defaultMessageId)());
  const locale = ctx.locale ?? 'en-US';
  const dataLocale = ctx.dataLocale ?? locale;
  const maxEnvelopeSize = over.maxEnvelopeSize ?? ctx.maxEnvelopeSize ?? DEFAULT_MAX_ENVELOPE_SIZE;
  if (!Number.isInteger(maxEnvelopeSize) || maxEnvelopeSize < 8192) throw invalid(`MaxEnvelopeSize must be an integer ≥ 8192 ([MS-WSMV] 3.1.4.1.7), got ${maxEnvelopeSize}.`);
  const timeout = formatXsDuration(over.operationTimeout ?? ctx.operationTimeout ?? DEFAULT_OPERATION_TIMEOUT_SECONDS);
  const operationId = over.operationId ?? ctx.operationId;
  const sequenceId = over.sequenceId ?? ctx.sequenceId;
  const ns = [
    ...(spec.extraNamespaces?.includes('rsp') === true ? [`xmlns:rsp="${WsmanNamespace.rsp}"`] : []),
    `xmlns:s="${WsmanNamespace.s}"`,
    `xmlns:wsa="${WsmanNamespace.wsa}"`,
    ...(spec.extraNamespaces?.includes('wsen') === true ? [`xmlns:wsen="${WsmanNamespace.wsen}"`] : []),
    `xmlns:wsman="${WsmanNamespace.wsman}"`,
    `xmlns:wsmv="${WsmanNamespace.wsmv}"`,
  ].join(' ');
  const header =
    `<wsa:Action s:mustUnderstand="true">${escapeXml(spec.action)}</wsa:Action>` +
    `<wsmv:DataLocale s:mustUnderstand="false" xml:lang="${escapeXml(dataLocale)}" />` +
    `<wsman:Locale s:mustUnderstand="false" xml:lang="${escapeXml(locale)}" />` +
    `<wsman:MaxEnvelopeSize s:mustUnderstand="true">${maxEnvelopeSize}</wsman:MaxEnvelopeSize>` +
    `<wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>` +
    `<wsman:OperationTimeout>${timeout}</wsman:OperationTimeout>` +
    `<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>` +
    `<wsman:ResourceURI s:mustUnderstand="true">${escapeXml(over.resourceUri ?? spec.resourceUri)}</wsman:ResourceURI>` +
    (ctx.sessionId === undefined ? '' : `<wsmv:SessionId s:mustUnderstand="false">${escapeXml(uuidUrn(ctx.sessionId))}</wsmv:SessionId>`) +
    `<wsa:To>${escapeXml(ctx.to)}</wsa:To>` +
    (operationId === undefined ? '' : `<wsmv:OperationID s:mustUnderstand="false">${escapeXml(uuidUrn(operationId))}</wsmv:OperationID>`) +
    (sequenceId === undefined ? '' : `<wsmv:SequenceId s:mustUnderstand="false">${sequenceId}</wsmv:SequenceId>`) +
    (spec.options !== undefined && spec.options.length > 0 ? optionSetXml(spec.options) : '') +
    (spec.selectors !== undefined ? selectorSetXml(spec.selectors) : '');
  const bodyXml = body === '' ? '<s:Body />' : `<s:Body>${body}</s:Body>`;
  return { action: spec.action, messageId, xml: `<s:Envelope ${ns}><s:Header>${header}</s:Header>${bodyXml}</s:Envelope>` };
}

function shellResource(ctx: WsmanEnvelopeContext): string {
  return ctx.resourceUri ?? powerShellResourceUri(ctx.configurationName ?? DEFAULT_CONFIGURATION_NAME);
}

function requireId(name: string, value: string | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${name} is required.`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Create

/** Parameters of a Create (open a runspace pool, or a WinRS shell). */
export interface CreateEnvelopeParams extends WsmanRequestOverrides {
  /** The ShellId attribute: PowerShell clients choose it (equal to the RPID, upper case). Omitted when undefined. */
  readonly shellId?: string | undefined;
  /** Base64 of the SESSION_CAPABILITY + INIT_RUNSPACEPOOL fragments. Omitted for WinRS shells. */
  readonly creationXml?: string | undefined;
  /** Default `stdin pr`. */
  readonly inputStreams?: string | undefined;
  /** Default `stdout`. */
  readonly outputStreams?: string | undefined;
  /** The `protocolversion` option (MustComply); default `2.3` when creationXml is given; `null` omits it. */
  readonly protocolVersion?: string | null | undefined;
  readonly name?: string | undefined;
  /** Seconds. */
  readonly idleTimeOut?: number | undefined;
  /** Seconds (WinRS `rsp:Lifetime`). */
  readonly lifetime?: number | undefined;
  readonly workingDirectory?: string | undefined;
  /** Environment variables (WinRS). A list keeps the order; a record's integer-like keys would be reordered by JS. */
  readonly environment?: Readonly<Record<string, string>> | readonly WsmanEnvironmentVariable[] | undefined;
  /** Adds `WINRS_NOPROFILE=TRUE` (MustComply). */
  readonly noProfile?: boolean | undefined;
  /** More options, after protocolversion and WINRS_NOPROFILE. */
  readonly options?: readonly WsmanOption[] | undefined;
}

/** A Create envelope. [MS-PSRP] 3.1.5.3.1 */
export function buildCreateEnvelope(ctx: WsmanEnvelopeContext, params: CreateEnvelopeParams = {}): WsmanRequestEnvelope {
  const isPsrp = params.creationXml !== undefined;
  const options: WsmanOption[] = [];
  const protocolVersion = params.protocolVersion === undefined ? (isPsrp ? '2.3' : null) : params.protocolVersion;
  if (protocolVersion !== null) options.push({ name: 'protocolversion', value: protocolVersion, mustComply: true });
  if (params.noProfile === true) options.push({ name: 'WINRS_NOPROFILE', value: 'TRUE', mustComply: true });
  options.push(...(params.options ?? []));
  const variables = params.environment === undefined ? undefined : Array.isArray(params.environment)
    ? (params.environment as readonly WsmanEnvironmentVariable[])
    : Object.entries(params.environment).map(([name, value]) => ({ name, value }));
  const env = variables === undefined ? '' :
    `<rsp:Environment>${variables.map((v) => `<rsp:Variable Name="${escapeXml(v.name)}">${escapeXml(v.value)}</rsp:Variable>`).join('')}</rsp:Environment>`;
  const body =
    `<rsp:Shell${params.shellId === undefined ? '' : ` ShellId="${escapeXml(params.shellId)}"`}>` +
    `<rsp:InputStreams>${escapeXml(params.inputStreams ?? (isPsrp ? 'stdin pr' : 'stdin'))}</rsp:InputStreams>` +
    `<rsp:OutputStreams>${escapeXml(params.outputStreams ?? (isPsrp ? 'stdout' : 'stdout stderr'))}</rsp:OutputStreams>` +
    (params.idleTimeOut === undefined ? '' : `<rsp:IdleTimeOut>${formatXsDuration(params.idleTimeOut)}</rsp:IdleTimeOut>`) +
    (params.lifetime === undefined ? '' : `<rsp:Lifetime>${formatXsDuration(params.lifetime)}</rsp:Lifetime>`) +
    (params.name === undefined ? '' : `<rsp:Name>${escapeXml(params.name)}</rsp:Name>`) +
    (params.workingDirectory === undefined ? '' : `<rsp:WorkingDirectory>${escapeXml(params.workingDirectory)}</rsp:WorkingDirectory>`) +
    env +
    (isPsrp ? `<creationXml xmlns="${WsmanNamespace.psrp}">${escapeXml(params.creationXml ?? '')}</creationXml>` : '') +
    `</rsp:Shell>`;
  return envelope(ctx, params, { action: WsmanAction.Create, resourceUri: shellResource(ctx), options, extraNamespaces: ['rsp'] }, body);
}

// ---------------------------------------------------------------------------------------------------------------
// Command, Send, Receive, Signal

/** Parameters of a Command (create a pipeline). */
export interface CommandEnvelopeParams extends WsmanRequestOverrides {
  readonly shellId: string;
  /** The CommandId attribute: PowerShell clients choose it (equal to the PID, upper case). */
  readonly commandId?: string | undefined;
  /** `rsp:Command` text; empty for PSRP. */
  readonly command?: string | undefined;
  /** `rsp:Arguments`: for PSRP one base64 string of the first CREATE_PIPELINE fragment(s); WinRS passes several. */
  readonly arguments?: string | readonly string[] | undefined;
  /** `WINRS_SKIP_CMD_SHELL`; default false (written `False`, as pypsrp and PowerShell do). */
  readonly skipCmdShell?: boolean | undefined;
  /** More options after WINRS_SKIP_CMD_SHELL (e.g. `WINRS_CONSOLEMODE_STDIN`). */
  readonly options?: readonly WsmanOption[] | undefined;
}

/** A Command envelope. [MS-PSRP] 3.1.5.3.3 */
export function buildCommandEnvelope(ctx: WsmanEnvelopeContext, params: CommandEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const args = params.arguments === undefined ? [] : typeof params.arguments === 'string' ? [params.arguments] : params.arguments;
  const command = params.command ?? '';
  const body =
    `<rsp:CommandLine${params.commandId === undefined ? '' : ` CommandId="${escapeXml(params.commandId)}"`}>` +
    (command === '' ? '<rsp:Command />' : `<rsp:Command>${escapeXml(command)}</rsp:Command>`) +
    args.map((a) => `<rsp:Arguments>${escapeXml(a)}</rsp:Arguments>`).join('') +
    `</rsp:CommandLine>`;
  const options: WsmanOption[] = [{ name: 'WINRS_SKIP_CMD_SHELL', value: params.skipCmdShell === true ? 'True' : 'False' }, ...(params.options ?? [])];
  return envelope(ctx, params, { action: WsmanAction.Command, resourceUri: shellResource(ctx), options, selectors: { ShellId: shellId }, extraNamespaces: ['rsp'] }, body);
}

/** Parameters of a Send. */
export interface SendEnvelopeParams extends WsmanRequestOverrides {
  readonly shellId: string;
  /** Absent: the data is for the runspace pool. */
  readonly commandId?: string | undefined;
  /** `stdin` (default) or `pr` (host responses). */
  readonly stream?: 'stdin' | 'pr' | (string & {}) | undefined;
  /** Base64 of the fragments. */
  readonly data: string;
  /** WinRS only: `End="True"|"False"` on the stream. PSRP never sends it. */
  readonly end?: boolean | undefined;
}

/** A Send envelope. [MS-PSRP] 3.1.5.3.5 */
export function buildSendEnvelope(ctx: WsmanEnvelopeContext, params: SendEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const attrs =
    `Name="${escapeXml(params.stream ?? 'stdin')}"` +
    (params.commandId === undefined ? '' : ` CommandId="${escapeXml(params.commandId)}"`) +
    (params.end === undefined ? '' : ` End="${params.end ? 'True' : 'False'}"`);
  const body = `<rsp:Send><rsp:Stream ${attrs}>${escapeXml(params.data)}</rsp:Stream></rsp:Send>`;
  return envelope(ctx, params, { action: WsmanAction.Send, resourceUri: shellResource(ctx), selectors: { ShellId: shellId }, extraNamespaces: ['rsp'] }, body);
}

/** Parameters of a Receive. */
export interface ReceiveEnvelopeParams extends WsmanRequestOverrides {
  readonly shellId: string;
  /** Absent: receive for the runspace pool. */
  readonly commandId?: string | undefined;
  /** Default `stdout`. */
  readonly streams?: string | undefined;
  /** `WSMAN_CMDSHELL_OPTION_KEEPALIVE=True`; default true (PowerShell and pypsrp send it). */
  readonly keepAlive?: boolean | undefined;
}

/** A Receive envelope. [MS-PSRP] 3.1.5.3.7 */
export function buildReceiveEnvelope(ctx: WsmanEnvelopeContext, params: ReceiveEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const body =
    `<rsp:Receive><rsp:DesiredStream${params.commandId === undefined ? '' : ` CommandId="${escapeXml(params.commandId)}"`}>` +
    `${escapeXml(params.streams ?? 'stdout')}</rsp:DesiredStream></rsp:Receive>`;
  const options = params.keepAlive === false ? [] : [{ name: 'WSMAN_CMDSHELL_OPTION_KEEPALIVE', value: 'True' }];
  return envelope(ctx, params, { action: WsmanAction.Receive, resourceUri: shellResource(ctx), options, selectors: { ShellId: shellId }, extraNamespaces: ['rsp'] }, body);
}

/** Parameters of a Signal. */
export interface SignalEnvelopeParams extends WsmanRequestOverrides {
  readonly shellId: string;
  readonly commandId: string;
  /** A {@link WsmanSignalCode}: `psrpStop` to stop a pipeline, `terminate` to close a finished one. */
  readonly code: string;
}

/** A Signal envelope. [MS-PSRP] 3.1.5.3.9 */
export function buildSignalEnvelope(ctx: WsmanEnvelopeContext, params: SignalEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const commandId = requireId('commandId', params.commandId);
  const body = `<rsp:Signal CommandId="${escapeXml(commandId)}"><rsp:Code>${escapeXml(requireId('code', params.code))}</rsp:Code></rsp:Signal>`;
  return envelope(ctx, params, { action: WsmanAction.Signal, resourceUri: shellResource(ctx), selectors: { ShellId: shellId }, extraNamespaces: ['rsp'] }, body);
}

// ---------------------------------------------------------------------------------------------------------------
// Delete, Get

/** Parameters of requests that name one shell. */
export interface ShellEnvelopeParams extends WsmanRequestOverrides {
  readonly shellId: string;
}

/** A Delete envelope: closes the runspace pool. [MS-PSRP] 3.1.5.3.11 */
export function buildDeleteEnvelope(ctx: WsmanEnvelopeContext, params: ShellEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  return envelope(ctx, params, { action: WsmanAction.Delete, resourceUri: shellResource(ctx), selectors: { ShellId: shellId } }, '');
}

/** A Get of one shell (its properties; an InvalidSelectors fault when it is gone): a cheap liveness probe. */
export function buildGetShellEnvelope(ctx: WsmanEnvelopeContext, params: ShellEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  return envelope(ctx, params, { action: WsmanAction.Get, resourceUri: shellResource(ctx), selectors: { ShellId: shellId } }, '');
}

/** A Get of the WinRM configuration (`cfg:MaxEnvelopeSizekb`, `MaxTimeoutms`, ...). Needs admin rights on the server. */
export function buildGetConfigEnvelope(ctx: WsmanEnvelopeContext, params: WsmanRequestOverrides = {}): WsmanRequestEnvelope {
  return envelope(ctx, params, { action: WsmanAction.Get, resourceUri: WsmanResourceUri.config }, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Enumerate, Pull

/** Parameters of an Enumerate. */
export interface EnumerateEnvelopeParams extends WsmanRequestOverrides {
  /** Default 32000 (pypsrp and PowerShell). */
  readonly maxElements?: number | undefined;
}

function enumerateBody(maxElements: number, filter: string): string {
  return `<wsen:Enumerate><wsman:OptimizeEnumeration /><wsman:MaxElements>${maxElements}</wsman:MaxElements>${filter}</wsen:Enumerate>`;
}

/** Lists the caller's shells (every kind: filter on ResourceUri and Owner client-side). [MS-PSRP] 3.1.4.10.1 */
export function buildEnumerateShellsEnvelope(ctx: WsmanEnvelopeContext, params: EnumerateEnvelopeParams = {}): WsmanRequestEnvelope {
  return envelope(ctx, params, { action: WsmanAction.Enumerate, resourceUri: WsmanResourceUri.shell, extraNamespaces: ['wsen'] }, enumerateBody(params.maxElements ?? 32000, ''));
}

/** Parameters of a command enumeration. */
export interface EnumerateCommandsEnvelopeParams extends EnumerateEnvelopeParams {
  readonly shellId: string;
}

/** Lists one shell's commands (pipelines) with a SelectorFilter on ShellId. */
export function buildEnumerateCommandsEnvelope(ctx: WsmanEnvelopeContext, params: EnumerateCommandsEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const filter =
    `<wsman:Filter Dialect="${SELECTOR_FILTER_DIALECT}"><wsman:SelectorSet>` +
    `<wsman:Selector Name="ShellId">${escapeXml(shellId)}</wsman:Selector></wsman:SelectorSet></wsman:Filter>`;
  return envelope(ctx, params, { action: WsmanAction.Enumerate, resourceUri: WsmanResourceUri.command, extraNamespaces: ['wsen'] }, enumerateBody(params.maxElements ?? 32000, filter));
}

/** Parameters of a Pull. */
export interface PullEnvelopeParams extends WsmanRequestOverrides {
  /** The EnumerationContext of the previous Enumerate/Pull response. */
  readonly enumerationContext: string;
  /** `shells` (default) or `commands`: must match the Enumerate. */
  readonly target?: 'shells' | 'commands' | undefined;
  readonly maxElements?: number | undefined;
}

/** Continues an enumeration that had no EndOfSequence. */
export function buildPullEnvelope(ctx: WsmanEnvelopeContext, params: PullEnvelopeParams): WsmanRequestEnvelope {
  const body =
    `<wsen:Pull><wsen:EnumerationContext>${escapeXml(params.enumerationContext)}</wsen:EnumerationContext>` +
    `<wsen:MaxElements>${params.maxElements ?? 32000}</wsen:MaxElements></wsen:Pull>`;
  const resourceUri = params.target === 'commands' ? WsmanResourceUri.command : WsmanResourceUri.shell;
  return envelope(ctx, params, { action: WsmanAction.Pull, resourceUri, extraNamespaces: ['wsen'] }, body);
}

// ---------------------------------------------------------------------------------------------------------------
// Disconnect, Reconnect, Connect

/** Parameters of a Disconnect. */
export interface DisconnectEnvelopeParams extends ShellEnvelopeParams {
  /** Seconds the server keeps the disconnected pool. */
  readonly idleTimeOut?: number | undefined;
  /** What the server does with output while disconnected. */
  readonly bufferMode?: 'Block' | 'Drop' | undefined;
}

/** A Disconnect envelope. [MS-PSRP] 3.1.5.3.14; needs the session's SessionId. */
export function buildDisconnectEnvelope(ctx: WsmanEnvelopeContext, params: DisconnectEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const inner =
    (params.idleTimeOut === undefined ? '' : `<rsp:IdleTimeOut>${formatXsDuration(params.idleTimeOut)}</rsp:IdleTimeOut>`) +
    (params.bufferMode === undefined ? '' : `<rsp:BufferMode>${escapeXml(params.bufferMode)}</rsp:BufferMode>`);
  const body = inner === '' ? '<rsp:Disconnect />' : `<rsp:Disconnect>${inner}</rsp:Disconnect>`;
  return envelope(ctx, params, { action: WsmanAction.Disconnect, resourceUri: shellResource(ctx), selectors: { ShellId: shellId }, extraNamespaces: ['rsp'] }, body);
}

/** Parameters of a Reconnect. */
export interface ReconnectEnvelopeParams extends ShellEnvelopeParams {
  /** A pipeline to reconnect; absent: the pool. */
  readonly commandId?: string | undefined;
}

/** A Reconnect envelope (same client session). [MS-PSRP] 3.1.5.3.16 */
export function buildReconnectEnvelope(ctx: WsmanEnvelopeContext, params: ReconnectEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const body = params.commandId === undefined ? '' : `<rsp:Reconnect CommandId="${escapeXml(params.commandId)}" />`;
  return envelope(ctx, params, { action: WsmanAction.Reconnect, resourceUri: shellResource(ctx), selectors: { ShellId: shellId }, extraNamespaces: body === '' ? [] : ['rsp'] }, body);
}

/** Parameters of a Connect. */
export interface ConnectEnvelopeParams extends ShellEnvelopeParams {
  /** Base64 of SESSION_CAPABILITY + CONNECT_RUNSPACEPOOL fragments (pool connect). */
  readonly connectXml?: string | undefined;
  /** A pipeline to connect to (`<rsp:Connect CommandId=.../>`), after the pool is connected. */
  readonly commandId?: string | undefined;
  /** Default `2.3` for a pool connect; `null` omits it. */
  readonly protocolVersion?: string | null | undefined;
}

/** A Connect envelope (a new client session takes over a disconnected pool or pipeline). [MS-PSRP] 3.1.5.3.18 */
export function buildConnectEnvelope(ctx: WsmanEnvelopeContext, params: ConnectEnvelopeParams): WsmanRequestEnvelope {
  const shellId = requireId('shellId', params.shellId);
  const cmd = params.commandId === undefined ? '' : ` CommandId="${escapeXml(params.commandId)}"`;
  const body =
    params.connectXml === undefined
      ? `<rsp:Connect${cmd} />`
      : `<rsp:Connect${cmd}><connectXml xmlns="${WsmanNamespace.psrp}">${escapeXml(params.connectXml)}</connectXml></rsp:Connect>`;
  const protocolVersion = params.protocolVersion === undefined ? (params.connectXml === undefined ? null : '2.3') : params.protocolVersion;
  const options = protocolVersion === null ? [] : [{ name: 'protocolversion', value: protocolVersion, mustComply: true }];
  return envelope(ctx, params, { action: WsmanAction.Connect, resourceUri: shellResource(ctx), options, selectors: { ShellId: shellId }, extraNamespaces: ['rsp'] }, body);
}
