import { envelopeError } from './errors.js';
import { WsmanNamespace } from './namespaces.js';
import { childElement, parseXmlDocument, type XmlElement, type XmlParseOptions } from './xml.js';

/** A SOAP envelope split into its parts. */
export interface SoapEnvelopeParts {
  readonly root: XmlElement;
  readonly header: XmlElement | undefined;
  readonly body: XmlElement;
}

/** Parses XML and checks it is a SOAP 1.2 envelope with a Body. */
export function parseSoapEnvelope(xml: string, options?: XmlParseOptions): SoapEnvelopeParts {
  const root = parseXmlDocument(xml, options);
  if (root.local !== 'Envelope') throw envelopeError(`The root element is <${root.prefix ? `${root.prefix}:` : ''}${root.local}>, not a SOAP Envelope.`);
  if (root.ns !== WsmanNamespace.s) {
    throw envelopeError(`The Envelope is in namespace "${root.ns}", not SOAP 1.2 (${WsmanNamespace.s}) as WS-Management requires.`);
  }
  const body = childElement(root, WsmanNamespace.s, 'Body');
  if (body === undefined) throw envelopeError('The SOAP envelope has no Body.');
  return { root, header: childElement(root, WsmanNamespace.s, 'Header'), body };
}

/** Trimmed text of a header child, or undefined. */
export function headerText(header: XmlElement | undefined, ns: string, local: string): string | undefined {
  const el = childElement(header, ns, local);
  if (el === undefined) return undefined;
  return el.text.trim();
}

/**
 * A shell's properties as the server reports them (CreateResponse, Get, Enumerate items). Values are the server's
 * text, trimmed; `properties` holds every child, including ones not named here.
 */
export interface WsmanShellInfo {
  readonly shellId: string | undefined;
  readonly name: string | undefined;
  readonly resourceUri: string | undefined;
  readonly owner: string | undefined;
  readonly clientIp: string | undefined;
  readonly processId: number | undefined;
  /** xs:duration, e.g. `PT7200.000S`. */
  readonly idleTimeOut: string | undefined;
  readonly maxIdleTimeOut: string | undefined;
  readonly inputStreams: string | undefined;
  readonly outputStreams: string | undefined;
  readonly locale: string | undefined;
  readonly dataLocale: string | undefined;
  readonly compressionMode: string | undefined;
  readonly profileLoaded: string | undefined;
  readonly encoding: string | undefined;
  readonly bufferMode: string | undefined;
  /** `Connected` or `Disconnected`. */
  readonly state: string | undefined;
  /** xs:duration, e.g. `P0DT0H0M9S`. */
  readonly shellRunTime: string | undefined;
  readonly shellInactivity: string | undefined;
  /** e.g. `46MB`. */
  readonly memoryUsed: string | undefined;
  readonly childProcesses: number | undefined;
  readonly workingDirectory: string | undefined;
  /** WinRS shells echo their `rsp:Environment` variables, in order. */
  readonly environment: readonly { readonly name: string; readonly value: string }[] | undefined;
  readonly properties: Readonly<Record<string, string>>;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number(text.trim());
}

/** Reads an `rsp:Shell` element. */
export function parseShellElement(shell: XmlElement): WsmanShellInfo {
  const properties: Record<string, string> = {};
  for (const child of shell.children) if (child.children.length === 0) properties[child.local] = child.text.trim();
  const p = (k: string): string | undefined => properties[k];
  const environment = childElement(shell, WsmanNamespace.rsp, 'Environment');
  return {
    shellId: p('ShellId') ?? shell.attributes.find((a) => a.local === 'ShellId')?.value,
    name: p('Name'),
    resourceUri: p('ResourceUri'),
    owner: p('Owner'),
    clientIp: p('ClientIP'),
    processId: int(p('ProcessId')),
    idleTimeOut: p('IdleTimeOut'),
    maxIdleTimeOut: p('MaxIdleTimeOut'),
    inputStreams: p('InputStreams'),
    outputStreams: p('OutputStreams'),
    locale: p('Locale'),
    dataLocale: p('DataLocale'),
    compressionMode: p('CompressionMode'),
    profileLoaded: p('ProfileLoaded'),
    encoding: p('Encoding'),
    bufferMode: p('BufferMode'),
    state: p('State'),
    shellRunTime: p('ShellRunTime'),
    shellInactivity: p('ShellInactivity'),
    memoryUsed: p('MemoryUsed'),
    childProcesses: int(p('ChildProcesses')),
    workingDirectory: p('WorkingDirectory'),
    environment: environment === undefined ? undefined : environment.children.map((v) => ({ name: v.attributes.find((a) => a.local === 'Name')?.value ?? '', value: v.text })),
    properties,
  };
}

/** A command (pipeline) as listed by an Enumerate of `.../windows/shell/Command`. */
export interface WsmanCommandInfo {
  readonly commandId: string | undefined;
  readonly commandLine: string | undefined;
  /** `Running`, `Done`, ... */
  readonly state: string | undefined;
}

/** Reads an `rsp:Command` enumeration item. */
export function parseCommandElement(command: XmlElement): WsmanCommandInfo {
  const t = (k: string): string | undefined => childElement(command, WsmanNamespace.rsp, k)?.text.trim();
  return { commandId: t('CommandId'), commandLine: t('CommandLine'), state: t('CommandState') };
}

/** Selectors of a `wsman:SelectorSet`, by Name. */
export function parseSelectorSet(selectorSet: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of selectorSet?.children ?? []) {
    if (s.local !== 'Selector') continue;
    const name = s.attributes.find((a) => a.local === 'Name')?.value;
    if (name !== undefined) out[name] = s.text.trim();
  }
  return out;
}

/** Decodes base64 text (whitespace allowed); an invalid character is an envelope error naming where it was. */
export function decodeBase64(text: string, where: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw envelopeError(`${where} holds text that is not base64.`);
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}
