import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { FAULT_DETAIL_PREFIX, WsmanNamespace } from './namespaces.js';
import { attributeValue, childElement, childElements, deepText, type XmlElement } from './xml.js';

/** WSManFault codes (u32; the HRESULT as unsigned) seen from Windows, named. [MS-WSMV] 2.2.4.43 */
export const WsmanFaultCode = {
  /** 0x80338029: the Receive long-poll expired with no output. Not an error: send the Receive again. */
  TimedOut: 2150858793,
  /** 0x8033805B: the shell or command named by the selectors does not exist (closed, expired, or never existed). */
  InvalidSelectors: 2150858843,
  /** 0x8033800F: a malformed addressing header. */
  InvalidMessageInformationHeader: 2150858767,
  /** 0x8033801A: the enumeration filter could not be processed. */
  CannotProcessFilter: 2150858778,
  /** 0x803381A5: the user has too many shells open (MaxShellsPerUser). */
  QuotaLimit: 2150859173,
  /** Win32 ERROR_ACCESS_DENIED. */
  AccessDenied: 5,
  /** Win32 ERROR_INVALID_PARAMETER (WinRS). */
  InvalidParameter: 87,
  /** 0x80070002 ERROR_FILE_NOT_FOUND from a provider (WinRS). */
  FileNotFound: 2147942402,
  /** 0x80338000 ERROR_WSMAN_RESOURCE_NOT_FOUND. */
  ResourceNotFound: 2150858752,
} as const;

/** The name of a known WSManFault code. */
export type WsmanFaultCodeName = keyof typeof WsmanFaultCode;

/** A provider that reported the fault (`f:ProviderFault`). */
export interface WsmanProviderFault {
  readonly provider: string | undefined;
  readonly path: string | undefined;
}

/** A SOAP fault from a WS-Management server, parsed. Unknown parts stay undefined; nothing is guessed. */
export interface WsmanFault {
  /** SOAP Code value, local part: `Sender` or `Receiver`. */
  readonly code: string;
  /** SOAP Subcode value, local part: `TimedOut`, `InvalidSelectors`, `QuotaLimit`, ... */
  readonly subcode: string | undefined;
  /** The Subcode's namespace URI when its prefix was declared (wsman, addressing, enumeration, ...). */
  readonly subcodeNamespace: string | undefined;
  /** Reason text, trimmed. */
  readonly reason: string;
  /** `w:FaultDetail` URI, if any (e.g. `.../faultDetail/UnexpectedSelectors`). */
  readonly faultDetail: string | undefined;
  /** The FaultDetail's last path segment (`UnexpectedSelectors`). */
  readonly faultDetailName: string | undefined;
  /** `f:WSManFault Code` (outermost), or the MSFT_WmiError `error_Code`. */
  readonly wsmanCode: number | undefined;
  /** The name of `wsmanCode` when known. */
  readonly wsmanCodeName: WsmanFaultCodeName | undefined;
  /** `f:WSManFault Machine`. */
  readonly machine: string | undefined;
  /** The most specific message: the WSManFault message with ProviderFault and nested WSManFault text flattened; else the Reason. */
  readonly message: string;
  readonly providerFaults: readonly WsmanProviderFault[];
  /** `MSFT_WmiError` properties (CIMStatusCode, MessageID `HRESULT 0x...`, error_Code, ...), text values. */
  readonly wmiError: Readonly<Record<string, string>> | undefined;
}

function localOfQName(qname: string): string {
  const trimmed = qname.trim();
  const i = trimmed.indexOf(':');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function nameOfCode(code: number | undefined): WsmanFaultCodeName | undefined {
  if (code === undefined) return undefined;
  for (const [name, value] of Object.entries(WsmanFaultCode)) if (value === code) return name as WsmanFaultCodeName;
  return undefined;
}

function parseCode(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

const MESSAGE_CHAIN = new Set(['WSManFault', 'Message', 'ProviderFault']);

function flattenMessage(message: XmlElement, providers: WsmanProviderFault[]): string {
  const parts: string[] = [];
  const walk = (el: XmlElement): void => {
    if (el.text.trim() !== '') parts.push(el.text);
    for (const child of el.children) {
      // Only the message chain: f:ExtendedError and other provider detail are structured data, not text.
      if (child.ns !== WsmanNamespace.f || !MESSAGE_CHAIN.has(child.local)) continue;
      if (child.local === 'ProviderFault') providers.push({ provider: attributeValue(child, 'provider'), path: attributeValue(child, 'path') });
      walk(child);
    }
  };
  walk(message);
  // Windows repeats the same text at each nesting level: keep each distinct sentence once.
  const unique = [...new Set(parts.map(normalizeSpace).filter((p) => p !== ''))];
  return unique.join(' ');
}

/** Reads an `s:Fault` element. [MS-WSMV] 2.2.4.43 */
export function parseFaultElement(fault: XmlElement, resolvePrefix: (prefix: string) => string | undefined = () => undefined): WsmanFault {
  const S = WsmanNamespace.s;
  const codeEl = childElement(fault, S, 'Code');
  const code = localOfQName(childElement(codeEl, S, 'Value')?.text ?? '');
  const subcodeRaw = childElement(childElement(codeEl, S, 'Subcode'), S, 'Value')?.text.trim();
  const subcodePrefix = subcodeRaw?.includes(':') === true ? subcodeRaw.slice(0, subcodeRaw.indexOf(':')) : undefined;
  const reasonEl = childElement(fault, S, 'Reason');
  const reason = normalizeSpace(childElements(reasonEl, S, 'Text').map((t) => t.text).join(' ') || (reasonEl?.text ?? ''));
  const detail = childElement(fault, S, 'Detail');
  const faultDetail = childElement(detail, WsmanNamespace.wsman, 'FaultDetail')?.text.trim();
  const wsmanFault = childElement(detail, WsmanNamespace.f, 'WSManFault');
  const providers: WsmanProviderFault[] = [];
  let message = '';
  if (wsmanFault !== undefined) {
    const msg = childElement(wsmanFault, WsmanNamespace.f, 'Message');
    message = msg === undefined ? normalizeSpace(deepText(wsmanFault)) : flattenMessage(msg, providers);
  }
  const wmi = detail?.children.find((c) => c.local === 'MSFT_WmiError');
  let wmiError: Record<string, string> | undefined;
  if (wmi !== undefined) {
    wmiError = {};
    for (const prop of wmi.children) {
      const nil = prop.attributes.some((a) => a.local === 'nil' && a.value === 'true');
      if (!nil) wmiError[prop.local] = normalizeSpace(prop.text);
    }
    if (message === '') message = wmiError['Message'] ?? wmiError['error_WindowsErrorMessage'] ?? '';
  }
  const wsmanCode = parseCode(attributeValue(wsmanFault, 'Code')) ?? parseCode(wmiError?.['error_Code']);
  return {
    code,
    subcode: subcodeRaw === undefined || subcodeRaw === '' ? undefined : localOfQName(subcodeRaw),
    subcodeNamespace: subcodePrefix === undefined ? undefined : resolvePrefix(subcodePrefix),
    reason,
    faultDetail: faultDetail === undefined || faultDetail === '' ? undefined : faultDetail,
    faultDetailName: faultDetail?.startsWith(FAULT_DETAIL_PREFIX) === true ? faultDetail.slice(FAULT_DETAIL_PREFIX.length) : undefined,
    wsmanCode,
    wsmanCodeName: nameOfCode(wsmanCode),
    machine: attributeValue(wsmanFault, 'Machine'),
    message: message === '' ? reason : message,
    providerFaults: providers,
    wmiError,
  };
}

/** True for the Receive long-poll timeout: not an error, send the Receive again ([MS-WSMV] 3.1.4.14). */
export function isWsmanTimedOut(fault: WsmanFault): boolean {
  return fault.wsmanCode === WsmanFaultCode.TimedOut || fault.subcode === 'TimedOut';
}

/** True when the shell or command named in the request no longer exists on the server. */
export function isWsmanShellNotFound(fault: WsmanFault): boolean {
  return fault.wsmanCode === WsmanFaultCode.InvalidSelectors || fault.subcode === 'InvalidSelectors';
}

/** True when the per-user shell (or operation) quota is exhausted. */
export function isWsmanQuotaExceeded(fault: WsmanFault): boolean {
  return fault.subcode === 'QuotaLimit' || fault.wsmanCode === WsmanFaultCode.QuotaLimit;
}

const FAULT_ERROR_BRAND = Symbol.for('exops.wsman.faultError');

/** An ExopsError carrying a parsed WS-Management fault. */
export class WsmanFaultError extends ExopsError {
  readonly fault: WsmanFault;

  constructor(code: ExopsErrorCode, message: string, fault: WsmanFault, remedy: string) {
    super(code, message, {
      remedy,
      details: {
        soapCode: fault.code,
        subcode: fault.subcode,
        wsmanCode: fault.wsmanCode,
        wsmanCodeName: fault.wsmanCodeName,
        machine: fault.machine,
        faultDetail: fault.faultDetail,
      },
    });
    this.name = 'WsmanFaultError';
    this.fault = fault;
    Object.defineProperty(this, FAULT_ERROR_BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FAULT_ERROR_BRAND] === true;
  }
}

function describe(fault: WsmanFault): string {
  const code = fault.wsmanCode === undefined ? '' : ` (WSManFault ${fault.wsmanCode}${fault.wsmanCodeName === undefined ? '' : ` ${fault.wsmanCodeName}`}, 0x${fault.wsmanCode.toString(16).toUpperCase()})`;
  const sub = fault.subcode === undefined ? fault.code : `${fault.code}/${fault.subcode}`;
  return `WS-Management fault ${sub}${code}: ${fault.message}`;
}

/** Maps a fault to a WsmanFaultError with the exops code and remedy that fit it. */
export function wsmanFaultToError(fault: WsmanFault): WsmanFaultError {
  const message = describe(fault);
  if (isWsmanShellNotFound(fault)) {
    return new WsmanFaultError(ExopsErrorCode.WSMAN_SHELL_NOT_FOUND, message, fault,
      'The session was closed or expired on the server (idle timeout, token expiry, or another client removed it); reconnect to open a new session.');
  }
  if (isWsmanQuotaExceeded(fault)) {
    return new WsmanFaultError(ExopsErrorCode.WSMAN_QUOTA, message, fault,
      'Too many remote sessions are open for this user (Exchange Online allows 3 to 5). Close sessions you no longer use (exops sessions list / remove), or wait for idle ones to expire, then connect again.');
  }
  if (fault.wsmanCode === WsmanFaultCode.AccessDenied || fault.subcode === 'AccessDenied') {
    return new WsmanFaultError(ExopsErrorCode.AUTH_ACCESS_DENIED, message, fault,
      'The account is not allowed to use this endpoint: check that remote PowerShell is enabled for the user and that the account has the needed role.');
  }
  if (isWsmanTimedOut(fault)) {
    return new WsmanFaultError(ExopsErrorCode.WSMAN_FAULT, message, fault,
      'The operation timed out on the server; for a Receive this is normal long-polling: send the Receive again.');
  }
  if (fault.wsmanCode === WsmanFaultCode.InvalidMessageInformationHeader || fault.subcode === 'InvalidMessageInformationHeader') {
    return new WsmanFaultError(ExopsErrorCode.WSMAN_FAULT, message, fault,
      'The server rejected a WS-Addressing header of the request; this is a client bug: report it with the --verbose output.');
  }
  if (fault.subcode === 'EncodingLimit') {
    return new WsmanFaultError(ExopsErrorCode.WSMAN_FAULT, message, fault,
      'The envelope exceeds the server MaxEnvelopeSize; lower the envelope size (read MaxEnvelopeSizekb from the server config).');
  }
  if (fault.wsmanCode === WsmanFaultCode.CannotProcessFilter || fault.subcode === 'CannotProcessFilter') {
    return new WsmanFaultError(ExopsErrorCode.WSMAN_FAULT, message, fault, 'The server could not process the enumeration filter; check the resource URI and the filter.');
  }
  const provider = fault.providerFaults[0]?.provider;
  return new WsmanFaultError(ExopsErrorCode.WSMAN_FAULT, message, fault,
    provider === undefined
      ? 'The server refused the request; the message above is the server\'s own explanation.'
      : `The server's "${provider.trim()}" reported the error above; fix its cause on the server side or in the request.`);
}
