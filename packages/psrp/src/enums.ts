/** [MS-PSRP] 2.2.3 enumerations, as const objects keyed by the .NET names. */

/** [MS-PSRP] 2.2.3.4 RunspacePoolState. */
export const RunspacePoolState = {
  BeforeOpen: 0,
  Opening: 1,
  Opened: 2,
  Closed: 3,
  Closing: 4,
  Broken: 5,
  NegotiationSent: 6,
  NegotiationSucceeded: 7,
  Connecting: 8,
  Disconnected: 9,
} as const;
export type RunspacePoolStateName = keyof typeof RunspacePoolState;

/** [MS-PSRP] 2.2.3.5 PSInvocationState. */
export const PSInvocationState = {
  NotStarted: 0,
  Running: 1,
  Stopping: 2,
  Stopped: 3,
  Completed: 4,
  Failed: 5,
  Disconnected: 6,
} as const;
export type PSInvocationStateName = keyof typeof PSInvocationState;

/** [MS-PSRP] 2.2.3.6 PSThreadOptions. */
export const PSThreadOptions = { Default: 0, UseNewThread: 1, ReuseThread: 2, UseCurrentThread: 3 } as const;
export type PSThreadOptionsName = keyof typeof PSThreadOptions;

/** [MS-PSRP] 2.2.3.7 ApartmentState. */
export const ApartmentState = { STA: 0, MTA: 1, Unknown: 2 } as const;
export type ApartmentStateName = keyof typeof ApartmentState;

/** [MS-PSRP] 2.2.3.8 RemoteStreamOptions (flags). */
export const RemoteStreamOptions = {
  None: 0,
  AddInvocationInfoToErrorRecord: 1,
  AddInvocationInfoToWarningRecord: 2,
  AddInvocationInfoToDebugRecord: 4,
  AddInvocationInfoToVerboseRecord: 8,
  AddInvocationInfo: 15,
} as const;

/** [MS-PSRP] 2.2.3.31 PipelineResultTypes. */
export const PipelineResultTypes = {
  None: 0,
  Output: 1,
  Error: 2,
  Warning: 3,
  Verbose: 4,
  Debug: 5,
  Information: 6,
  All: 7,
  Null: 8,
} as const;
export type PipelineResultTypesName = keyof typeof PipelineResultTypes;

/** [MS-PSRP] 2.2.3.17 HostMethodIdentifier (RemoteHostMethodId). */
export const HostMethodIdentifier = {
  GetName: 1,
  GetVersion: 2,
  GetInstanceId: 3,
  GetCurrentCulture: 4,
  GetCurrentUICulture: 5,
  SetShouldExit: 6,
  EnterNestedPrompt: 7,
  ExitNestedPrompt: 8,
  NotifyBeginApplication: 9,
  NotifyEndApplication: 10,
  ReadLine: 11,
  ReadLineAsSecureString: 12,
  Write1: 13,
  Write2: 14,
  WriteLine1: 15,
  WriteLine2: 16,
  WriteLine3: 17,
  WriteErrorLine: 18,
  WriteDebugLine: 19,
  WriteProgress: 20,
  WriteVerboseLine: 21,
  WriteWarningLine: 22,
  Prompt: 23,
  PromptForCredential1: 24,
  PromptForCredential2: 25,
  PromptForChoice: 26,
  GetForegroundColor: 27,
  SetForegroundColor: 28,
  GetBackgroundColor: 29,
  SetBackgroundColor: 30,
  GetCursorPosition: 31,
  SetCursorPosition: 32,
  GetWindowPosition: 33,
  SetWindowPosition: 34,
  GetCursorSize: 35,
  SetCursorSize: 36,
  GetBufferSize: 37,
  SetBufferSize: 38,
  GetWindowSize: 39,
  SetWindowSize: 40,
  GetWindowTitle: 41,
  SetWindowTitle: 42,
  GetMaxWindowSize: 43,
  GetMaxPhysicalWindowSize: 44,
  GetKeyAvailable: 45,
  ReadKey: 46,
  FlushInputBuffer: 47,
  SetBufferContents1: 48,
  SetBufferContents2: 49,
  GetBufferContents: 50,
  ScrollBufferContents: 51,
  PushRunspace: 52,
  PopRunspace: 53,
  GetIsRunspacePushed: 54,
  GetRunspace: 55,
  PromptForChoiceMultipleSelection: 56,
} as const;
export type HostMethodName = keyof typeof HostMethodIdentifier;

/** [MS-PSRP] 2.2.3.9 ErrorCategory. */
export const ErrorCategory = {
  NotSpecified: 0,
  OpenError: 1,
  CloseError: 2,
  DeviceError: 3,
  DeadlockDetected: 4,
  InvalidArgument: 5,
  InvalidData: 6,
  InvalidOperation: 7,
  InvalidResult: 8,
  InvalidType: 9,
  MetadataError: 10,
  NotImplemented: 11,
  NotInstalled: 12,
  ObjectNotFound: 13,
  OperationStopped: 14,
  OperationTimeout: 15,
  SyntaxError: 16,
  ParserError: 17,
  PermissionDenied: 18,
  ResourceBusy: 19,
  ResourceExists: 20,
  ResourceUnavailable: 21,
  ReadError: 22,
  WriteError: 23,
  FromStdErr: 24,
  SecurityError: 25,
  ProtocolError: 26,
  ConnectionError: 27,
  AuthenticationError: 28,
  LimitsExceeded: 29,
  QuotaExceeded: 30,
  NotEnabled: 31,
} as const;
export type ErrorCategoryName = keyof typeof ErrorCategory;

/** [MS-PSRP] 2.2.3.30 CommandTypes (flags). */
export const CommandTypes = {
  Alias: 0x1,
  Function: 0x2,
  Filter: 0x4,
  Cmdlet: 0x8,
  ExternalScript: 0x10,
  Application: 0x20,
  Script: 0x40,
  Workflow: 0x80,
  Configuration: 0x100,
  All: 0x1ff,
} as const;

/** The name of a value in one of the enum objects above, or undefined. */
export function enumName<T extends Record<string, number>>(table: T, value: number): (keyof T & string) | undefined {
  for (const [k, v] of Object.entries(table)) if (v === value) return k as keyof T & string;
  return undefined;
}

/** Flag names joined by ", " as .NET's Enum.ToString prints a [Flags] value (largest named combinations first). */
export function flagsToString<T extends Record<string, number>>(table: T, value: number): string {
  const exact = enumName(table, value);
  if (exact !== undefined) return exact;
  const names: string[] = [];
  let rest = value;
  const entries = Object.entries(table).filter(([, v]) => v !== 0).sort((a, b) => b[1] - a[1]);
  for (const [k, v] of entries) {
    if ((rest & v) === v) {
      names.unshift(k);
      rest &= ~v;
    }
  }
  return rest === 0 ? names.join(', ') : String(value);
}
