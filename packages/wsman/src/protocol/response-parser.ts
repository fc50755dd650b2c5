import { envelopeError } from './errors.js';
import { COMMAND_STATE_URI_PREFIX, WsmanAction, WsmanNamespace } from './namespaces.js';
import { parseFaultElement, type WsmanFault } from './faults.js';
import {
  decodeBase64,
  headerText,
  parseCommandElement,
  parseSelectorSet,
  parseShellElement,
  parseSoapEnvelope,
  type WsmanCommandInfo,
  type WsmanShellInfo,
} from './envelope.js';
import { attributeValue, childElement, childElements, type XmlElement, type XmlParseOptions } from './xml.js';

/** Addressing headers of a response. */
export interface WsmanResponseHeader {
  readonly action: string | undefined;
  readonly messageId: string | undefined;
  /** The request's MessageID this answers. */
  readonly relatesTo: string | undefined;
  readonly to: string | undefined;
  /** `p:ActivityId` (Windows diagnostics). */
  readonly activityId: string | undefined;
}

/** One `rsp:Stream` of a ReceiveResponse, in document order. */
export interface WsmanStreamChunk {
  /** `stdout` for PSRP; `stdout`/`stderr` for WinRS. */
  readonly name: string;
  readonly commandId: string | undefined;
  /** `End="true"` (WinRS marks the last chunk of a stream). */
  readonly end: boolean;
  /** The base64 text as sent (trimmed). Empty for an empty stream element. */
  readonly base64: string;
  readonly bytes: Uint8Array;
}

/** Short CommandState names; others pass through as the URI's last segment. */
export type WsmanCommandStateName = 'Done' | 'Running' | 'Pending' | (string & {});

/** `rsp:CommandState` of a ReceiveResponse. */
export interface WsmanCommandState {
  readonly commandId: string | undefined;
  /** The State URI's short name: `Done` ends the command. */
  readonly state: WsmanCommandStateName;
  readonly stateUri: string;
  readonly exitCode: number | undefined;
}

interface Base {
  readonly header: WsmanResponseHeader;
}

/** Every WS-Management response this package understands, by kind. */
export type WsmanResponse =
  | (Base & {
      readonly kind: 'create';
      /** From the ResourceCreated SelectorSet, else from rsp:Shell. */
      readonly shellId: string;
      readonly address: string | undefined;
      readonly resourceUri: string | undefined;
      readonly selectors: Readonly<Record<string, string>>;
      /** Absent from OMI, which returns only ResourceCreated. */
      readonly shell: WsmanShellInfo | undefined;
    })
  | (Base & { readonly kind: 'command'; readonly commandId: string })
  | (Base & { readonly kind: 'send' })
  | (Base & {
      readonly kind: 'receive';
      readonly streams: readonly WsmanStreamChunk[];
      readonly commandState: WsmanCommandState | undefined;
    })
  | (Base & { readonly kind: 'signal' })
  | (Base & { readonly kind: 'delete' })
  | (Base & { readonly kind: 'get-shell'; readonly shell: WsmanShellInfo })
  | (Base & {
      readonly kind: 'get-config';
      /** Leaf values by path: top level by name (`MaxEnvelopeSizekb`), nested joined with `/` (`Winrs/MaxShellsPerUser`). */
      readonly config: Readonly<Record<string, string>>;
      /** `MaxEnvelopeSizekb` as a number. */
      readonly maxEnvelopeSizeKb: number | undefined;
      /** `MaxTimeoutms` as a number. */
      readonly maxTimeoutMs: number | undefined;
    })
  | (Base & { readonly kind: 'get'; readonly body: XmlElement | undefined })
  | (Base & {
      readonly kind: 'enumerate' | 'pull';
      /** Empty or absent when the enumeration is complete. */
      readonly enumerationContext: string | undefined;
      readonly endOfSequence: boolean;
      readonly shells: readonly WsmanShellInfo[];
      readonly commands: readonly WsmanCommandInfo[];
    })
  | (Base & { readonly kind: 'release' })
  | (Base & { readonly kind: 'disconnect' })
  | (Base & { readonly kind: 'reconnect' })
  | (Base & {
      readonly kind: 'connect';
      /** Base64 of the server's SESSION_CAPABILITY + RUNSPACEPOOL_INIT_DATA fragments (pool connect). */
      readonly connectResponseXml: string | undefined;
      readonly inputStreams: string | undefined;
      readonly outputStreams: string | undefined;
    })
  | (Base & { readonly kind: 'fault'; readonly fault: WsmanFault });

/** The kinds of {@link WsmanResponse}. */
export type WsmanResponseKind = WsmanResponse['kind'];

const RESPONSE_KIND_BY_ACTION: Readonly<Record<string, WsmanResponseKind>> = {
  [WsmanAction.CreateResponse]: 'create',
  [WsmanAction.CommandResponse]: 'command',
  [WsmanAction.SendResponse]: 'send',
  [WsmanAction.ReceiveResponse]: 'receive',
  [WsmanAction.SignalResponse]: 'signal',
  [WsmanAction.DeleteResponse]: 'delete',
  [WsmanAction.GetResponse]: 'get',
  [WsmanAction.EnumerateResponse]: 'enumerate',
  [WsmanAction.PullResponse]: 'pull',
  [WsmanAction.ReleaseResponse]: 'release',
  [WsmanAction.DisconnectResponse]: 'disconnect',
  [WsmanAction.ReconnectResponse]: 'reconnect',
  [WsmanAction.ConnectResponse]: 'connect',
  [WsmanAction.Fault]: 'fault',
  [WsmanAction.AddressingFault]: 'fault',
  [WsmanAction.EnumerationFault]: 'fault',
  [WsmanAction.TransferFault]: 'fault',
};

const { s: S, rsp: RSP, wsa: WSA, wsman: W, wsen: N, wst: X, wsmv: P, cfg: CFG } = WsmanNamespace;

function inferKind(body: XmlElement): WsmanResponseKind | undefined {
  const first = body.children[0];
  if (first === undefined) return undefined;
  const key = `${first.ns} ${first.local}`;
  switch (key) {
    case `${S} Fault`: return 'fault';
    case `${X} ResourceCreated`: return 'create';
    case `${RSP} CommandResponse`: return 'command';
    case `${RSP} SendResponse`: return 'send';
    case `${RSP} ReceiveResponse`: return 'receive';
    case `${RSP} SignalResponse`: return 'signal';
    case `${RSP} ConnectResponse`: return 'connect';
    case `${N} EnumerateResponse`: return 'enumerate';
    case `${N} PullResponse`: return 'pull';
    case `${CFG} Config`: return 'get';
    default: return undefined;
  }
}

function parseHeader(header: XmlElement | undefined): WsmanResponseHeader {
  return {
    action: headerText(header, WSA, 'Action'),
    messageId: headerText(header, WSA, 'MessageID'),
    relatesTo: headerText(header, WSA, 'RelatesTo'),
    to: headerText(header, WSA, 'To'),
    activityId: headerText(header, P, 'ActivityId'),
  };
}

function prefixResolver(root: XmlElement, target: XmlElement): (prefix: string) => string | undefined {
  // Declarations on the path from the root to the fault, innermost last.
  const path: XmlElement[] = [];
  const find = (el: XmlElement): boolean => {
    path.push(el);
    if (el === target) return true;
    for (const c of el.children) if (find(c)) return true;
    path.pop();
    return false;
  };
  find(root);
  return (prefix) => {
    for (let i = path.length - 1; i >= 0; i--) {
      const uri = path[i]?.namespaceDeclarations[prefix];
      if (uri !== undefined) return uri;
    }
    return undefined;
  };
}

function flattenConfig(el: XmlElement, path: string, out: Record<string, string>): void {
  for (const child of el.children) {
    const key = path === '' ? child.local : `${path}/${child.local}`;
    if (child.children.length === 0) out[key] = child.text.trim();
    else flattenConfig(child, key, out);
  }
}

function toInt(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function parseReceive(body: XmlElement): { streams: WsmanStreamChunk[]; commandState: WsmanCommandState | undefined } {
  const rr = childElement(body, RSP, 'ReceiveResponse');
  if (rr === undefined) throw envelopeError('A ReceiveResponse envelope has no rsp:ReceiveResponse element in its Body.');
  const streams = childElements(rr, RSP, 'Stream').map((st, i): WsmanStreamChunk => {
    const name = attributeValue(st, 'Name');
    if (name === undefined) throw envelopeError(`rsp:Stream #${i + 1} of a ReceiveResponse has no Name attribute.`);
    const base64 = st.text.trim();
    return {
      name,
      commandId: attributeValue(st, 'CommandId'),
      end: /^true$/i.test(attributeValue(st, 'End') ?? ''),
      base64,
      bytes: decodeBase64(base64, `rsp:Stream #${i + 1} (${name})`),
    };
  });
  const cs = childElement(rr, RSP, 'CommandState');
  let commandState: WsmanCommandState | undefined;
  if (cs !== undefined) {
    const stateUri = (attributeValue(cs, 'State') ?? '').trim();
    const exit = childElement(cs, RSP, 'ExitCode')?.text.trim();
    commandState = {
      commandId: attributeValue(cs, 'CommandId'),
      state: stateUri.startsWith(COMMAND_STATE_URI_PREFIX) ? stateUri.slice(COMMAND_STATE_URI_PREFIX.length) : stateUri.slice(stateUri.lastIndexOf('/') + 1),
      stateUri,
      exitCode: exit !== undefined && /^-?\d+$/.test(exit) ? Number(exit) : undefined,
    };
  }
  return { streams, commandState };
}

/**
 * Parses any WS-Management response: the HTTP status does not matter (faults come with HTTP 500). The kind comes
 * from `wsa:Action`, or from the Body when a server leaves the Action out. Malformed input throws an ExopsError
 * WSMAN_ENVELOPE naming the problem; a fault is returned, not thrown (see {@link wsmanFaultToError}).
 */
export function parseWsmanResponse(xml: string, options?: XmlParseOptions): WsmanResponse {
  const { root, header: headerEl, body } = parseSoapEnvelope(xml, options);
  const header = parseHeader(headerEl);
  const faultEl = childElement(body, S, 'Fault');
  const kind: WsmanResponseKind | undefined = faultEl !== undefined ? 'fault' : header.action === undefined ? inferKind(body) : RESPONSE_KIND_BY_ACTION[header.action];
  if (kind === undefined) {
    if (header.action !== undefined) throw envelopeError(`Unknown WS-Management response action "${header.action}".`, { action: header.action });
    throw envelopeError('The response has no wsa:Action and its Body is not a known WS-Management response.');
  }
  switch (kind) {
    case 'fault': {
      if (faultEl === undefined) throw envelopeError(`The response action is a fault (${header.action ?? ''}) but the Body holds no s:Fault.`);
      return { kind, header, fault: parseFaultElement(faultEl, prefixResolver(root, faultEl)) };
    }
    case 'create': {
      const rc = childElement(body, X, 'ResourceCreated');
      const ref = childElement(rc, WSA, 'ReferenceParameters');
      const selectors = parseSelectorSet(childElement(ref, W, 'SelectorSet'));
      const shellEl = childElement(body, RSP, 'Shell');
      const shell = shellEl === undefined ? undefined : parseShellElement(shellEl);
      const shellId = selectors['ShellId'] ?? shell?.shellId;
      if (shellId === undefined || shellId === '') throw envelopeError('A CreateResponse names no ShellId (neither in x:ResourceCreated nor in rsp:Shell).');
      return {
        kind, header, shellId, selectors, shell,
        address: childElement(rc, WSA, 'Address')?.text.trim(),
        resourceUri: childElement(ref, W, 'ResourceURI')?.text.trim() ?? shell?.resourceUri,
      };
    }
    case 'command': {
      const commandId = childElement(childElement(body, RSP, 'CommandResponse'), RSP, 'CommandId')?.text.trim();
      if (commandId === undefined || commandId === '') throw envelopeError('A CommandResponse has no rsp:CommandId.');
      return { kind, header, commandId };
    }
    case 'receive':
      return { kind, header, ...parseReceive(body) };
    case 'get': {
      const cfg = childElement(body, CFG, 'Config');
      if (cfg !== undefined) {
        const config: Record<string, string> = {};
        flattenConfig(cfg, '', config);
        return { kind: 'get-config', header, config, maxEnvelopeSizeKb: toInt(config['MaxEnvelopeSizekb']), maxTimeoutMs: toInt(config['MaxTimeoutms']) };
      }
      const shellEl = childElement(body, RSP, 'Shell');
      if (shellEl !== undefined) return { kind: 'get-shell', header, shell: parseShellElement(shellEl) };
      return { kind: 'get', header, body: body.children[0] };
    }
    case 'enumerate':
    case 'pull': {
      const resp = childElement(body, N, kind === 'enumerate' ? 'EnumerateResponse' : 'PullResponse');
      if (resp === undefined) throw envelopeError(`A ${kind === 'enumerate' ? 'Enumerate' : 'Pull'}Response has no n:${kind === 'enumerate' ? 'EnumerateResponse' : 'PullResponse'} element.`);
      const items = childElement(resp, W, 'Items') ?? childElement(resp, N, 'Items');
      const ctx = childElement(resp, N, 'EnumerationContext')?.text.trim();
      return {
        kind, header,
        enumerationContext: ctx === '' ? undefined : ctx,
        endOfSequence: childElement(resp, W, 'EndOfSequence') !== undefined || childElement(resp, N, 'EndOfSequence') !== undefined,
        shells: childElements(items, RSP, 'Shell').map(parseShellElement),
        commands: childElements(items, RSP, 'Command').map(parseCommandElement),
      };
    }
    case 'connect': {
      const cr = childElement(body, RSP, 'ConnectResponse');
      const blob = childElement(cr, WsmanNamespace.psrp, 'connectResponseXml')?.text.trim();
      if (blob !== undefined) decodeBase64(blob, 'connectResponseXml');
      return {
        kind, header,
        connectResponseXml: blob,
        inputStreams: childElement(cr, RSP, 'InputStreams')?.text.trim(),
        outputStreams: childElement(cr, RSP, 'OutputStreams')?.text.trim(),
      };
    }
    case 'send':
    case 'signal':
    case 'delete':
    case 'release':
    case 'disconnect':
    case 'reconnect':
      return { kind, header };
    default:
      throw envelopeError(`Unhandled response kind ${String(kind)}.`);
  }
}
