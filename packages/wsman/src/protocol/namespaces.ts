/**
 * Namespace, action, resource and option URIs of MS-WSMV as PowerShell remoting uses them. Constants keep the spec's
 * names. [MS-WSMV] 2.2.1, 2.2.4; [MS-PSRP] 3.1.5.3.
 */

/** XML namespaces; the keys are the prefixes this package writes. */
export const WsmanNamespace = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsman: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  wsmv: 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
  rsp: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
  wst: 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
  wsen: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration',
  wse: 'http://schemas.xmlsoap.org/ws/2004/08/eventing',
  f: 'http://schemas.microsoft.com/wbem/wsman/1/wsmanfault',
  cfg: 'http://schemas.microsoft.com/wbem/wsman/1/config',
  psrp: 'http://schemas.microsoft.com/powershell',
  xml: 'http://www.w3.org/XML/1998/namespace',
  wmiError: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError',
} as const;

/** Request and response action URIs. */
export const WsmanAction = {
  Create: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create',
  CreateResponse: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse',
  Delete: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete',
  DeleteResponse: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse',
  Get: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Get',
  GetResponse: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse',
  Command: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command',
  CommandResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse',
  Send: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send',
  SendResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SendResponse',
  Receive: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive',
  ReceiveResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse',
  Signal: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal',
  SignalResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse',
  Disconnect: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Disconnect',
  DisconnectResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/DisconnectResponse',
  Reconnect: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Reconnect',
  ReconnectResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReconnectResponse',
  Connect: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Connect',
  ConnectResponse: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ConnectResponse',
  Enumerate: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate',
  EnumerateResponse: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse',
  Pull: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull',
  PullResponse: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse',
  Release: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release',
  ReleaseResponse: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/ReleaseResponse',
  Fault: 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault',
  AddressingFault: 'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault',
  EnumerationFault: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault',
  TransferFault: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/fault',
} as const;

/** Resource URIs. */
export const WsmanResourceUri = {
  /** `http://schemas.microsoft.com/powershell/` + ConfigurationName. */
  powerShellPrefix: 'http://schemas.microsoft.com/powershell/',
  /** Exchange's PowerShell endpoint, the default of this package. */
  exchange: 'http://schemas.microsoft.com/powershell/Microsoft.Exchange',
  /** The default Windows PowerShell endpoint. */
  powerShell: 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell',
  /** WinRS cmd shells. */
  cmd: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd',
  /** Enumerating shells of every kind. */
  shell: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
  /** Enumerating a shell's commands (with a SelectorFilter on ShellId). */
  command: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command',
  /** The WinRM service configuration. */
  config: 'http://schemas.microsoft.com/wbem/wsman/1/config',
} as const;

/** Signal codes. [MS-PSRP] 3.1.5.3.9, [MS-WSMV] 2.2.4.38. */
export const WsmanSignalCode = {
  /**
   * Stops a running pipeline. The typo is the protocol: the server compares ordinally and closes the command on any
   * other code ([MS-PSRP] 3.1.5.3.9; psrp-wsman-facts 6.2).
   */
  psrpStop: 'powershell/signal/crtl_c',
  /** Closes a finished pipeline (or a WinRS command). */
  terminate: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate',
  /** WinRS only. */
  winrsCtrlC: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c',
  /** WinRS only. */
  winrsCtrlBreak: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_break',
} as const;

/** The prefix of CommandState URIs; the short state name follows it. */
export const COMMAND_STATE_URI_PREFIX = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/';

/** The anonymous reply address. */
export const WSA_ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';

/** The enumeration filter dialect that selects a shell's commands. */
export const SELECTOR_FILTER_DIALECT = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter';

/** The fault detail URI prefix. */
export const FAULT_DETAIL_PREFIX = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/';
