import { envelopeError } from './errors.js';
import { WsmanAction, WsmanNamespace } from './namespaces.js';
import { decodeBase64, headerText, parseSelectorSet, parseSoapEnvelope } from './envelope.js';
import { parseXsDuration, type WsmanEnvironmentVariable, type WsmanOption } from './request-builders.js';
import { attributeValue, childElement, childElements, type XmlElement, type XmlParseOptions } from './xml.js';

/** Headers of a request, as the server sees them. */
export interface WsmanRequestHeader {
  readonly action: string;
  readonly to: string | undefined;
  readonly resourceUri: string | undefined;
  readonly messageId: string | undefined;
  readonly replyTo: string | undefined;
  readonly maxEnvelopeSize: number | undefined;
  readonly locale: string | undefined;
  readonly dataLocale: string | undefined;
  readonly sessionId: string | undefined;
  readonly operationId: string | undefined;
  readonly sequenceId: number | undefined;
  /** As sent, e.g. `PT20S`. */
  readonly operationTimeout: string | undefined;
  readonly operationTimeoutSeconds: number | undefined;
}

/** One `rsp:Stream` of a Send. */
export interface WsmanSendStream {
  readonly name: string;
  readonly commandId: string | undefined;
  /** WinRS `End` attribute; undefined when absent. */
  readonly end: boolean | undefined;
  readonly base64: string;
}

interface RequestBase {
  readonly header: WsmanRequestHeader;
  readonly selectors: Readonly<Record<string, string>>;
  readonly options: readonly WsmanOption[];
  /** The first element of the Body, for what the typed fields do not cover. */
  readonly bodyElement: XmlElement | undefined;
}

/** A parsed request, by kind (the emulator's input and `exops decode`'s view of a captured request). */
export type ParsedWsmanRequest =
  | (RequestBase & {
      readonly kind: 'create';
      readonly shellId: string | undefined;
      readonly inputStreams: string | undefined;
      readonly outputStreams: string | undefined;
      /** Base64 PSRP fragments; absent for WinRS shells. */
      readonly creationXml: string | undefined;
      readonly name: string | undefined;
      readonly idleTimeOut: string | undefined;
      readonly lifetime: string | undefined;
      readonly workingDirectory: string | undefined;
      /** In document order. */
      readonly environment: readonly WsmanEnvironmentVariable[];
    })
  | (RequestBase & {
      readonly kind: 'command';
      readonly commandId: string | undefined;
      readonly command: string;
      /** Each `rsp:Arguments` text: PSRP sends one base64 blob. */
      readonly arguments: readonly string[];
    })
  | (RequestBase & { readonly kind: 'send'; readonly streams: readonly WsmanSendStream[] })
  | (RequestBase & { readonly kind: 'receive'; readonly commandId: string | undefined; readonly desiredStreams: string })
  | (RequestBase & { readonly kind: 'signal'; readonly commandId: string | undefined; readonly code: string })
  | (RequestBase & { readonly kind: 'delete' | 'get' })
  | (RequestBase & { readonly kind: 'disconnect'; readonly idleTimeOut: string | undefined; readonly bufferMode: string | undefined })
  | (RequestBase & { readonly kind: 'reconnect'; readonly commandId: string | undefined })
  | (RequestBase & { readonly kind: 'connect'; readonly commandId: string | undefined; readonly connectXml: string | undefined })
  | (RequestBase & {
      readonly kind: 'enumerate';
      readonly maxElements: number | undefined;
      readonly optimizeEnumeration: boolean;
      readonly filterDialect: string | undefined;
      /** Selectors of a SelectorFilter (e.g. ShellId when listing a shell's commands). */
      readonly filterSelectors: Readonly<Record<string, string>> | undefined;
    })
  | (RequestBase & { readonly kind: 'pull'; readonly enumerationContext: string | undefined; readonly maxElements: number | undefined })
  | (RequestBase & { readonly kind: 'release'; readonly enumerationContext: string | undefined });

/** The kinds of {@link ParsedWsmanRequest}. */
export type WsmanRequestKind = ParsedWsmanRequest['kind'];

const REQUEST_KIND_BY_ACTION: Readonly<Record<string, WsmanRequestKind>> = {
  [WsmanAction.Create]: 'create',
  [WsmanAction.Delete]: 'delete',
  [WsmanAction.Get]: 'get',
  [WsmanAction.Command]: 'command',
  [WsmanAction.Send]: 'send',
  [WsmanAction.Receive]: 'receive',
  [WsmanAction.Signal]: 'signal',
  [WsmanAction.Disconnect]: 'disconnect',
  [WsmanAction.Reconnect]: 'reconnect',
  [WsmanAction.Connect]: 'connect',
  [WsmanAction.Enumerate]: 'enumerate',
  [WsmanAction.Pull]: 'pull',
  [WsmanAction.Release]: 'release',
};

const { rsp: RSP, wsa: WSA, wsman: W, wsmv: P, wsen: N, xml: XML } = WsmanNamespace;

function int(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function stripUuid(text: string | undefined): string | undefined {
  return text?.replace(/^uuid:/i, '');
}

function need(el: XmlElement | undefined, what: string): XmlElement {
  if (el === undefined) throw envelopeError(`The request Body has no ${what}.`);
  return el;
}

/**
 * Parses a WS-Management request (server side). Throws ExopsError WSMAN_ENVELOPE for malformed XML, a missing
 * Action, an unknown Action, a missing body element the Action requires, or non-base64 PSRP data.
 */
export function parseWsmanRequest(xml: string, options?: XmlParseOptions): ParsedWsmanRequest {
  const { header: headerEl, body } = parseSoapEnvelope(xml, options);
  if (headerEl === undefined) throw envelopeError('The request has no SOAP Header.');
  const action = headerText(headerEl, WSA, 'Action');
  if (action === undefined || action === '') throw envelopeError('The request has no wsa:Action header.');
  const kind = REQUEST_KIND_BY_ACTION[action];
  if (kind === undefined) throw envelopeError(`Unknown WS-Management request action "${action}".`, { action });
  const timeout = headerText(headerEl, W, 'OperationTimeout');
  const header: WsmanRequestHeader = {
    action,
    to: headerText(headerEl, WSA, 'To'),
    resourceUri: headerText(headerEl, W, 'ResourceURI'),
    messageId: headerText(headerEl, WSA, 'MessageID'),
    replyTo: childElement(childElement(headerEl, WSA, 'ReplyTo'), WSA, 'Address')?.text.trim(),
    maxEnvelopeSize: int(headerText(headerEl, W, 'MaxEnvelopeSize')),
    locale: attributeValue(childElement(headerEl, W, 'Locale'), 'lang', XML),
    dataLocale: attributeValue(childElement(headerEl, P, 'DataLocale'), 'lang', XML),
    sessionId: stripUuid(headerText(headerEl, P, 'SessionId')),
    operationId: stripUuid(headerText(headerEl, P, 'OperationID')),
    sequenceId: int(headerText(headerEl, P, 'SequenceId')),
    operationTimeout: timeout,
    operationTimeoutSeconds: timeout === undefined ? undefined : parseXsDuration(timeout),
  };
  const selectors = parseSelectorSet(childElement(headerEl, W, 'SelectorSet'));
  const options_ = childElements(childElement(headerEl, W, 'OptionSet'), W, 'Option').map((o): WsmanOption => {
    const mustComply = attributeValue(o, 'MustComply');
    return { name: attributeValue(o, 'Name') ?? '', value: o.text.trim(), ...(mustComply === undefined ? {} : { mustComply: /^true$/i.test(mustComply) }) };
  });
  const bodyElement = body.children[0];
  const base = { header, selectors, options: options_, bodyElement };
  const text = (parent: XmlElement | undefined, local: string): string | undefined => childElement(parent, RSP, local)?.text.trim();
  switch (kind) {
    case 'create': {
      const shell = need(childElement(body, RSP, 'Shell'), 'rsp:Shell (a Create of a shell)');
      const creationXml = childElement(shell, WsmanNamespace.psrp, 'creationXml')?.text.trim();
      if (creationXml !== undefined) decodeBase64(creationXml, 'creationXml');
      const environment = childElements(childElement(shell, RSP, 'Environment'), RSP, 'Variable').map((v) => ({ name: attributeValue(v, 'Name') ?? '', value: v.text }));
      return {
        kind, ...base,
        shellId: attributeValue(shell, 'ShellId'),
        inputStreams: text(shell, 'InputStreams'),
        outputStreams: text(shell, 'OutputStreams'),
        creationXml,
        name: text(shell, 'Name'),
        idleTimeOut: text(shell, 'IdleTimeOut'),
        lifetime: text(shell, 'Lifetime'),
        workingDirectory: text(shell, 'WorkingDirectory'),
        environment,
      };
    }
    case 'command': {
      const cl = need(childElement(body, RSP, 'CommandLine'), 'rsp:CommandLine');
      return {
        kind, ...base,
        commandId: attributeValue(cl, 'CommandId'),
        command: text(cl, 'Command') ?? '',
        arguments: childElements(cl, RSP, 'Arguments').map((a) => a.text),
      };
    }
    case 'send': {
      const send = need(childElement(body, RSP, 'Send'), 'rsp:Send');
      return {
        kind, ...base,
        streams: childElements(send, RSP, 'Stream').map((st): WsmanSendStream => {
          const end = attributeValue(st, 'End');
          decodeBase64(st.text, `rsp:Stream ${attributeValue(st, 'Name') ?? ''} of a Send`);
          return { name: attributeValue(st, 'Name') ?? '', commandId: attributeValue(st, 'CommandId'), end: end === undefined ? undefined : /^true$/i.test(end), base64: st.text.trim() };
        }),
      };
    }
    case 'receive': {
      const ds = need(childElement(need(childElement(body, RSP, 'Receive'), 'rsp:Receive'), RSP, 'DesiredStream'), 'rsp:DesiredStream');
      return { kind, ...base, commandId: attributeValue(ds, 'CommandId'), desiredStreams: ds.text.trim() };
    }
    case 'signal': {
      const sig = need(childElement(body, RSP, 'Signal'), 'rsp:Signal');
      return { kind, ...base, commandId: attributeValue(sig, 'CommandId'), code: text(sig, 'Code') ?? '' };
    }
    case 'delete':
    case 'get':
      return { kind, ...base };
    case 'disconnect': {
      const d = childElement(body, RSP, 'Disconnect');
      return { kind, ...base, idleTimeOut: text(d, 'IdleTimeOut'), bufferMode: text(d, 'BufferMode') };
    }
    case 'reconnect':
      return { kind, ...base, commandId: attributeValue(childElement(body, RSP, 'Reconnect'), 'CommandId') };
    case 'connect': {
      const c = need(childElement(body, RSP, 'Connect'), 'rsp:Connect');
      const connectXml = childElement(c, WsmanNamespace.psrp, 'connectXml')?.text.trim();
      if (connectXml !== undefined) decodeBase64(connectXml, 'connectXml');
      return { kind, ...base, commandId: attributeValue(c, 'CommandId'), connectXml };
    }
    case 'enumerate': {
      const e = need(childElement(body, N, 'Enumerate'), 'wsen:Enumerate');
      const filter = childElement(e, W, 'Filter');
      return {
        kind, ...base,
        maxElements: int(childElement(e, W, 'MaxElements')?.text),
        optimizeEnumeration: childElement(e, W, 'OptimizeEnumeration') !== undefined,
        filterDialect: attributeValue(filter, 'Dialect'),
        filterSelectors: filter === undefined ? undefined : parseSelectorSet(childElement(filter, W, 'SelectorSet')),
      };
    }
    case 'pull': {
      const pl = need(childElement(body, N, 'Pull'), 'wsen:Pull');
      return { kind, ...base, enumerationContext: childElement(pl, N, 'EnumerationContext')?.text.trim(), maxElements: int(childElement(pl, N, 'MaxElements')?.text) };
    }
    case 'release':
      return { kind, ...base, enumerationContext: childElement(childElement(body, N, 'Release'), N, 'EnumerationContext')?.text.trim() };
    default:
      throw envelopeError(`Unhandled request kind ${String(kind)}.`);
  }
}
