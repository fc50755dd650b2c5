import { COMMAND_STATE_URI_PREFIX, FAULT_DETAIL_PREFIX, WSA_ANONYMOUS, WsmanAction, WsmanNamespace } from './namespaces.js';
import { WsmanFaultCode } from './faults.js';
import type { WsmanCommandInfo, WsmanShellInfo } from './envelope.js';
import { escapeXml } from './xml.js';

/**
 * Server-side response builders (for the emulator), shaped like Windows Server 2019 WinRM responses in the pypsrp
 * recordings: the same prefixes (`s a x w rsp p`), `xml:lang` on the Envelope, `rsp:Shell` redeclaring `rsp`,
 * CommandState URIs, and fault texts copied from real servers.
 */
export interface WsmanResponseContext {
  /** The request's MessageID (`uuid:...`), echoed in `a:RelatesTo`. */
  readonly relatesTo: string;
  /** This response's MessageID; default a random `uuid:`. */
  readonly messageId?: string | undefined;
  /** `p:ActivityId` (Windows adds it on some responses); omitted when undefined. */
  readonly activityId?: string | undefined;
  /** `xml:lang` on the Envelope; default `en-US`. */
  readonly lang?: string | undefined;
}

/** A built response: XML text plus the action. */
export interface WsmanResponseEnvelope {
  readonly action: string;
  readonly xml: string;
}

type Prefix = 's' | 'a' | 'x' | 'e' | 'n' | 'w' | 'rsp' | 'p';

const NS_BY_PREFIX: Record<Prefix, string> = {
  s: WsmanNamespace.s,
  a: WsmanNamespace.wsa,
  x: WsmanNamespace.wst,
  e: WsmanNamespace.wse,
  n: WsmanNamespace.wsen,
  w: WsmanNamespace.wsman,
  rsp: WsmanNamespace.rsp,
  p: WsmanNamespace.wsmv,
};

function uuidUrn(id: string): string {
  return /^uuid:/i.test(id) ? id : `uuid:${id}`;
}

function respond(ctx: WsmanResponseContext, action: string, prefixes: readonly Prefix[], body: string): WsmanResponseEnvelope {
  const ns = prefixes.map((p) => `xmlns:${p}="${NS_BY_PREFIX[p]}"`).join(' ');
  const messageId = uuidUrn(ctx.messageId ?? globalThis.crypto.randomUUID().toUpperCase());
  const header =
    `<a:Action>${escapeXml(action)}</a:Action>` +
    `<a:MessageID>${escapeXml(messageId)}</a:MessageID>` +
    (ctx.activityId === undefined ? '' : `<p:ActivityId>${escapeXml(ctx.activityId)}</p:ActivityId>`) +
    `<a:To>${WSA_ANONYMOUS}</a:To>` +
    `<a:RelatesTo>${escapeXml(uuidUrn(ctx.relatesTo))}</a:RelatesTo>`;
  return {
    action,
    xml: `<s:Envelope xml:lang="${escapeXml(ctx.lang ?? 'en-US')}" ${ns}><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`,
  };
}

const SHELL_RESPONSE_PREFIXES: readonly Prefix[] = ['s', 'a', 'x', 'w', 'rsp', 'p'];

/** Shell properties to report; `shellId` is required, the rest is written when present, in Windows' order. */
export type WsmanShellProperties = Partial<Omit<WsmanShellInfo, 'properties' | 'shellId' | 'environment'>> & {
  readonly environment?: WsmanShellInfo['environment'];
} & { readonly shellId: string };

const SHELL_ORDER: readonly [Exclude<keyof WsmanShellProperties, 'environment'>, string][] = [
  ['shellId', 'ShellId'],
  ['name', 'Name'],
  ['resourceUri', 'ResourceUri'],
  ['owner', 'Owner'],
  ['clientIp', 'ClientIP'],
  ['processId', 'ProcessId'],
  ['workingDirectory', 'WorkingDirectory'],
  ['idleTimeOut', 'IdleTimeOut'],
  ['inputStreams', 'InputStreams'],
  ['outputStreams', 'OutputStreams'],
  ['maxIdleTimeOut', 'MaxIdleTimeOut'],
  ['locale', 'Locale'],
  ['dataLocale', 'DataLocale'],
  ['compressionMode', 'CompressionMode'],
  ['profileLoaded', 'ProfileLoaded'],
  ['encoding', 'Encoding'],
  ['bufferMode', 'BufferMode'],
  ['state', 'State'],
  ['shellRunTime', 'ShellRunTime'],
  ['shellInactivity', 'ShellInactivity'],
  ['memoryUsed', 'MemoryUsed'],
  ['childProcesses', 'ChildProcesses'],
];

/** An `rsp:Shell` element as Windows writes it (redeclaring `rsp`). */
export function buildShellElementXml(shell: WsmanShellProperties): string {
  const parts = SHELL_ORDER.flatMap(([key, element]) => {
    const value = shell[key];
    const xml = value === undefined ? [] : [`<rsp:${element}>${escapeXml(String(value))}</rsp:${element}>`];
    if (key === 'workingDirectory' && shell.environment !== undefined) {
      xml.push(`<rsp:Environment>${shell.environment.map((v) => `<rsp:Variable Name="${escapeXml(v.name)}">${escapeXml(v.value)}</rsp:Variable>`).join('')}</rsp:Environment>`);
    }
    return xml;
  });
  return `<rsp:Shell xmlns:rsp="${WsmanNamespace.rsp}">${parts.join('')}</rsp:Shell>`;
}

/** Parameters of a CreateResponse. */
export interface CreateResponseParams {
  /** `a:Address` of the ResourceCreated EPR: the endpoint URL. */
  readonly address: string;
  readonly resourceUri: string;
  readonly shell: WsmanShellProperties;
}

/** CreateResponse: `x:ResourceCreated` (EPR with SelectorSet ShellId) and `rsp:Shell`. */
export function buildCreateResponse(ctx: WsmanResponseContext, params: CreateResponseParams): WsmanResponseEnvelope {
  const body =
    `<x:ResourceCreated><a:Address>${escapeXml(params.address)}</a:Address><a:ReferenceParameters>` +
    `<w:ResourceURI>${escapeXml(params.resourceUri)}</w:ResourceURI>` +
    `<w:SelectorSet><w:Selector Name="ShellId">${escapeXml(params.shell.shellId)}</w:Selector></w:SelectorSet>` +
    `</a:ReferenceParameters></x:ResourceCreated>` +
    buildShellElementXml({ resourceUri: params.resourceUri, ...params.shell });
  return respond(ctx, WsmanAction.CreateResponse, SHELL_RESPONSE_PREFIXES, body);
}

/** CommandResponse with the CommandId. */
export function buildCommandResponse(ctx: WsmanResponseContext, params: { readonly commandId: string }): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.CommandResponse, SHELL_RESPONSE_PREFIXES,
    `<rsp:CommandResponse><rsp:CommandId>${escapeXml(params.commandId)}</rsp:CommandId></rsp:CommandResponse>`);
}

/** SendResponse. */
export function buildSendResponse(ctx: WsmanResponseContext): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.SendResponse, SHELL_RESPONSE_PREFIXES, '<rsp:SendResponse/>');
}

/** SignalResponse. */
export function buildSignalResponse(ctx: WsmanResponseContext): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.SignalResponse, SHELL_RESPONSE_PREFIXES, '<rsp:SignalResponse/>');
}

/** DeleteResponse (empty body). */
export function buildDeleteResponse(ctx: WsmanResponseContext): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.DeleteResponse, ['s', 'a', 'w', 'p'], '');
}

/** DisconnectResponse (empty body). */
export function buildDisconnectResponse(ctx: WsmanResponseContext): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.DisconnectResponse, ['s', 'a', 'w', 'p'], '');
}

/** ReconnectResponse (empty body). */
export function buildReconnectResponse(ctx: WsmanResponseContext): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.ReconnectResponse, ['s', 'a', 'w', 'p'], '');
}

/** One `rsp:Stream` to send back. */
export interface ReceiveStreamOutput {
  /** Default `stdout`. */
  readonly name?: string | undefined;
  /** Set for pipeline output; absent for the runspace pool's. */
  readonly commandId?: string | undefined;
  /** Raw bytes, or base64 text as is. */
  readonly data: Uint8Array | string;
  /** Writes `End="true"` (WinRS). */
  readonly end?: boolean | undefined;
}

/** The CommandState to report. */
export interface CommandStateOutput {
  readonly commandId: string;
  readonly state: 'Done' | 'Running' | 'Pending';
  /** Written as `rsp:ExitCode` (Windows writes it with Done). */
  readonly exitCode?: number | undefined;
}

/** ReceiveResponse: streams in order, then the CommandState. */
export function buildReceiveResponse(
  ctx: WsmanResponseContext,
  params: { readonly streams: readonly ReceiveStreamOutput[]; readonly commandState?: CommandStateOutput | undefined },
): WsmanResponseEnvelope {
  const streams = params.streams
    .map((s) => {
      const data = typeof s.data === 'string' ? s.data : Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).toString('base64');
      const attrs = `Name="${escapeXml(s.name ?? 'stdout')}"${s.commandId === undefined ? '' : ` CommandId="${escapeXml(s.commandId)}"`}${s.end === true ? ' End="true"' : ''}`;
      return `<rsp:Stream ${attrs}>${escapeXml(data)}</rsp:Stream>`;
    })
    .join('');
  const cs = params.commandState;
  const state =
    cs === undefined
      ? ''
      : `<rsp:CommandState CommandId="${escapeXml(cs.commandId)}" State="${COMMAND_STATE_URI_PREFIX}${cs.state}">` +
        (cs.exitCode === undefined ? '' : `<rsp:ExitCode>${cs.exitCode}</rsp:ExitCode>`) +
        `</rsp:CommandState>`;
  return respond(ctx, WsmanAction.ReceiveResponse, ['s', 'a', 'w', 'rsp', 'p'], `<rsp:ReceiveResponse>${streams}${state}</rsp:ReceiveResponse>`);
}

/** ConnectResponse (pool connect carries `connectResponseXml`). */
export function buildConnectResponse(
  ctx: WsmanResponseContext,
  params: { readonly connectResponseXml?: string | undefined; readonly inputStreams?: string | undefined; readonly outputStreams?: string | undefined } = {},
): WsmanResponseEnvelope {
  // A pool connect lists the streams with connectResponseXml; a pipeline connect answers `<rsp:ConnectResponse/>`.
  const pool = params.connectResponseXml !== undefined;
  const input = params.inputStreams ?? (pool ? 'stdin pr' : undefined);
  const output = params.outputStreams ?? (pool ? 'stdout' : undefined);
  const inner =
    (input === undefined ? '' : `<rsp:InputStreams>${escapeXml(input)}</rsp:InputStreams>`) +
    (output === undefined ? '' : `<rsp:OutputStreams>${escapeXml(output)}</rsp:OutputStreams>`) +
    (pool ? `<connectResponseXml xmlns="${WsmanNamespace.psrp}">${escapeXml(params.connectResponseXml ?? '')}</connectResponseXml>` : '');
  const body = inner === '' ? '<rsp:ConnectResponse/>' : `<rsp:ConnectResponse>${inner}</rsp:ConnectResponse>`;
  return respond(ctx, WsmanAction.ConnectResponse, SHELL_RESPONSE_PREFIXES, body);
}

function commandElementXml(c: WsmanCommandInfo): string {
  return (
    `<rsp:Command xmlns:rsp="${WsmanNamespace.rsp}"><rsp:CommandId>${escapeXml(c.commandId ?? '')}</rsp:CommandId>` +
    `<rsp:CommandLine>${escapeXml(c.commandLine ?? '')}</rsp:CommandLine><rsp:CommandState>${escapeXml(c.state ?? 'Running')}</rsp:CommandState></rsp:Command>`
  );
}

/** The items an Enumerate or Pull response carries: shells, or one shell's commands. */
interface EnumerationItemsParams {
  readonly shells?: readonly WsmanShellProperties[] | undefined;
  readonly commands?: readonly WsmanCommandInfo[] | undefined;
}

function enumerationItemsXml(params: EnumerationItemsParams): string {
  return (params.shells ?? []).map(buildShellElementXml).join('') + (params.commands ?? []).map(commandElementXml).join('');
}

/** EnumerateResponse listing shells or commands (WS-Man optimized enumeration: items inline). */
export function buildEnumerateResponse(
  ctx: WsmanResponseContext,
  params: EnumerationItemsParams & {
    readonly enumerationContext?: string | undefined;
    /** Default true: every item is in this response. */
    readonly endOfSequence?: boolean | undefined;
  },
): WsmanResponseEnvelope {
  const items = enumerationItemsXml(params);
  const body =
    `<n:EnumerateResponse><n:EnumerationContext>${escapeXml(params.enumerationContext ?? '')}</n:EnumerationContext>` +
    (items === '' ? '' : `<w:Items>${items}</w:Items>`) +
    `${params.endOfSequence === false ? '' : '<w:EndOfSequence/>'}</n:EnumerateResponse>`;
  return respond(ctx, WsmanAction.EnumerateResponse, ['s', 'a', 'n', 'w', 'p'], body);
}

/** PullResponse (WS-Enumeration: `n:Items`, `n:EndOfSequence`), continuing an enumeration that had no EndOfSequence. */
export function buildPullResponse(
  ctx: WsmanResponseContext,
  params: EnumerationItemsParams & {
    /** Required while more items remain. */
    readonly enumerationContext?: string | undefined;
    readonly endOfSequence?: boolean | undefined;
  },
): WsmanResponseEnvelope {
  const items = enumerationItemsXml(params);
  const body =
    `<n:PullResponse>${params.enumerationContext === undefined ? '' : `<n:EnumerationContext>${escapeXml(params.enumerationContext)}</n:EnumerationContext>`}` +
    (items === '' ? '' : `<n:Items>${items}</n:Items>`) +
    `${params.endOfSequence === false ? '' : '<n:EndOfSequence/>'}</n:PullResponse>`;
  return respond(ctx, WsmanAction.PullResponse, ['s', 'a', 'n', 'w', 'p'], body);
}

/** A WinRM configuration tree: leaves are text, branches nest (`Client`, `Service`, `Winrs`, `Auth`, ...). */
export interface WsmanConfigTree {
  readonly [name: string]: string | WsmanConfigTree;
}

/** The configuration a default Windows Server 2019 returns (from `test_wsman_update_envelope_size_500.yml`), abridged. */
export const DEFAULT_WSMAN_CONFIG: WsmanConfigTree = {
  MaxEnvelopeSizekb: '500',
  MaxTimeoutms: '60000',
  MaxBatchItems: '32000',
  MaxProviderRequests: '4294967295',
  Winrs: {
    AllowRemoteShellAccess: 'true',
    IdleTimeout: '7200000',
    MaxConcurrentUsers: '2147483647',
    MaxShellRunTime: '2147483647',
    MaxProcessesPerShell: '2147483647',
    MaxMemoryPerShellMB: '2147483647',
    MaxShellsPerUser: '2147483647',
  },
};

function configXml(tree: WsmanConfigTree): string {
  return Object.entries(tree)
    .map(([k, v]) => (typeof v === 'string' ? `<cfg:${k}>${escapeXml(v)}</cfg:${k}>` : `<cfg:${k}>${configXml(v)}</cfg:${k}>`))
    .join('');
}

/** GetResponse of `wsman/1/config`. */
export function buildGetConfigResponse(ctx: WsmanResponseContext, config: WsmanConfigTree = DEFAULT_WSMAN_CONFIG): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.GetResponse, ['s', 'a', 'x', 'w', 'p'], `<cfg:Config xmlns:cfg="${WsmanNamespace.cfg}">${configXml(config)}</cfg:Config>`);
}

/** GetResponse of one shell. */
export function buildGetShellResponse(ctx: WsmanResponseContext, shell: WsmanShellProperties): WsmanResponseEnvelope {
  return respond(ctx, WsmanAction.GetResponse, ['s', 'a', 'x', 'w', 'p'], buildShellElementXml(shell));
}

/** A SOAP fault to return (with HTTP 500). */
export interface FaultResponseParams {
  readonly code: 'Sender' | 'Receiver';
  /** A WS-Management subcode local name (`TimedOut`, `InvalidSelectors`, `QuotaLimit`, ...), written `w:`. */
  readonly subcode: string;
  /** The subcode's prefix: `w` (default), `a` (addressing) or `n` (enumeration). */
  readonly subcodePrefix?: 'w' | 'a' | 'n' | undefined;
  readonly reason: string;
  /** A FaultDetail name (`UnexpectedSelectors`) or full URI. */
  readonly faultDetail?: string | undefined;
  /** `f:WSManFault Code`; omitted with the WSManFault when undefined. */
  readonly wsmanCode?: number | undefined;
  readonly machine?: string | undefined;
  /** `f:Message` text; default the reason. */
  readonly message?: string | undefined;
  /**
   * Wraps the message in `f:ProviderFault`: with a nested WSManFault as the Shell provider (WsmSvc.dll) does, or with
   * bare text (`nested: false`) as the WinRS cmd plugin (winrscmd.dll) does.
   */
  readonly provider?: { readonly provider: string; readonly path: string; readonly nested?: boolean | undefined } | undefined;
  /** Default `http://schemas.dmtf.org/wbem/wsman/1/wsman/fault`. */
  readonly action?: string | undefined;
}

/** A fault envelope shaped like Windows'. */
export function buildFaultResponse(ctx: WsmanResponseContext, params: FaultResponseParams): WsmanResponseEnvelope {
  const machine = escapeXml(params.machine ?? 'localhost');
  const message = escapeXml(params.message ?? params.reason);
  const wsmanFault = (inner: string): string =>
    `<f:WSManFault xmlns:f="${WsmanNamespace.f}" Code="${params.wsmanCode}" Machine="${machine}"><f:Message>${inner}</f:Message></f:WSManFault>`;
  const detailUri = params.faultDetail === undefined ? undefined : params.faultDetail.includes('://') ? params.faultDetail : `${FAULT_DETAIL_PREFIX}${params.faultDetail}`;
  const detail =
    (detailUri === undefined ? '' : `<w:FaultDetail>${escapeXml(detailUri)}</w:FaultDetail>`) +
    (params.wsmanCode === undefined
      ? ''
      : wsmanFault(params.provider === undefined ? message : `<f:ProviderFault provider="${escapeXml(params.provider.provider)}" path="${escapeXml(params.provider.path)}">${params.provider.nested === false ? message : wsmanFault(message)}</f:ProviderFault>`));
  const body =
    `<s:Fault><s:Code><s:Value>s:${params.code}</s:Value><s:Subcode><s:Value>${params.subcodePrefix ?? 'w'}:${escapeXml(params.subcode)}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="${escapeXml(ctx.lang ?? 'en-US')}">${escapeXml(params.reason)}</s:Text></s:Reason>` +
    (detail === '' ? '' : `<s:Detail>${detail}</s:Detail>`) +
    `</s:Fault>`;
  return respond(ctx, params.action ?? WsmanAction.Fault, ['s', 'a', 'x', 'e', 'n', 'w', 'p'], body);
}

/** The real Windows text of the OperationTimeout fault (two trailing spaces included). */
export const TIMED_OUT_TEXT = 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ';
/** The real Windows text of the InvalidSelectors fault. */
export const INVALID_SELECTORS_TEXT = 'The WS-Management service cannot process the request because the request contained invalid selectors for the resource. ';
/** The real Windows text when a CommandId does not exist. */
export const UNKNOWN_COMMAND_TEXT =
  'The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. ';

/** `w:TimedOut` (2150858793): the Receive long-poll expired. */
export function buildTimedOutFault(ctx: WsmanResponseContext, params: { readonly machine?: string | undefined } = {}): WsmanResponseEnvelope {
  return buildFaultResponse(ctx, { code: 'Receiver', subcode: 'TimedOut', reason: TIMED_OUT_TEXT, wsmanCode: WsmanFaultCode.TimedOut, machine: params.machine });
}

/**
 * `w:InvalidSelectors` (2150858843): the shell (`target: 'shell'`, wrapped in the Shell provider's ProviderFault as
 * Windows does) or the command (`target: 'command'`) does not exist.
 */
export function buildInvalidSelectorsFault(
  ctx: WsmanResponseContext,
  params: { readonly machine?: string | undefined; readonly target?: 'shell' | 'command' | undefined } = {},
): WsmanResponseEnvelope {
  const command = params.target === 'command';
  return buildFaultResponse(ctx, {
    code: 'Sender',
    subcode: 'InvalidSelectors',
    reason: INVALID_SELECTORS_TEXT,
    faultDetail: 'UnexpectedSelectors',
    wsmanCode: WsmanFaultCode.InvalidSelectors,
    machine: params.machine,
    message: command ? UNKNOWN_COMMAND_TEXT : INVALID_SELECTORS_TEXT,
    provider: command ? undefined : { provider: 'Shell provider', path: '%systemroot%\\system32\\WsmSvc.dll' },
  });
}

/** `w:QuotaLimit` with an MSFT_WmiError detail, as WinRM reports too many shells for one user (`wmi_error_v2.xml`). */
export function buildQuotaLimitFault(ctx: WsmanResponseContext, params: { readonly maxShellsPerUser: number }): WsmanResponseEnvelope {
  const reason = 'The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been exceeded. Close existing shells or raise the quota for this user. ';
  const message = `The WS-Management service cannot process the request. This user is allowed a maximum number of ${params.maxShellsPerUser} concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. `;
  const wmiNs = WsmanNamespace.wmiError;
  const prop = (name: string, type: string, value: string | undefined): string =>
    value === undefined ? `<p:${name} xsi:nil="true" xsi:type="cim:${type}"/>` : `<p:${name} xsi:type="cim:${type}">${escapeXml(value)}</p:${name}>`;
  const detail =
    `<p:MSFT_WmiError b:IsCIM_Error="true" xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xmlns:p="${wmiNs}" xsi:type="p:MSFT_WmiError_Type" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    prop('CIMStatusCode', 'cimUnsignedInt', '27') +
    prop('CIMStatusCodeDescription', 'cimString', undefined) +
    prop('ErrorSource', 'cimString', undefined) +
    prop('ErrorSourceFormat', 'cimUnsignedShort', '0') +
    prop('ErrorType', 'cimUnsignedShort', '0') +
    prop('Message', 'cimString', message) +
    prop('MessageID', 'cimString', 'HRESULT 0x803381a5') +
    prop('OtherErrorSourceFormat', 'cimString', undefined) +
    prop('OtherErrorType', 'cimString', undefined) +
    prop('OwningEntity', 'cimString', undefined) +
    prop('PerceivedSeverity', 'cimUnsignedShort', '0') +
    prop('ProbableCause', 'cimUnsignedShort', '0') +
    prop('ProbableCauseDescription', 'cimString', undefined) +
    prop('error_Category', 'cimUnsignedInt', '30') +
    prop('error_Code', 'cimUnsignedInt', String(WsmanFaultCode.QuotaLimit)) +
    prop('error_Type', 'cimString', 'HRESULT') +
    prop('error_WindowsErrorMessage', 'cimString', message) +
    `</p:MSFT_WmiError>`;
  const body =
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:QuotaLimit</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="${escapeXml(ctx.lang ?? 'en-US')}">${escapeXml(reason)}</s:Text></s:Reason><s:Detail>${detail}</s:Detail></s:Fault>`;
  return respond(ctx, WsmanAction.Fault, ['s', 'a', 'x', 'e', 'n', 'w', 'p'], body);
}
