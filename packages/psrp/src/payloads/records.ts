/** Stream records: ERROR_RECORD, WARNING/VERBOSE/DEBUG, INFORMATION_RECORD, PROGRESS_RECORD ([MS-PSRP] 2.2.2.20–2.2.2.26). */
import type { PSErrorRecordInfo, PSInformationInfo, PSProgressInfo } from '@exops/contracts';
import { PSObject, PSPrimitive, createPSList, type PSValue } from '@exops/contracts';
import { ErrorCategory, enumName, type ErrorCategoryName } from '../enums.js';
import { asObject, intValue, listItems, optionalString, prop } from '../ps-read.js';
import { EnumScope, EnumTypeName, toPSValue, type PSInput } from './values.js';

/** What a server needs to build an ErrorRecord. */
export interface ErrorRecordInit {
  readonly message: string;
  readonly fullyQualifiedErrorId?: string;
  readonly category?: ErrorCategoryName;
  /** The .NET exception type, default `System.Exception` (Windows sends e.g. `System.Management.Automation.RuntimeException`). */
  readonly exceptionType?: string;
  readonly activity?: string;
  /** ErrorCategory_Reason; default the exception type's short name ('Exception' → 'RuntimeException' as PowerShell does for Write-Error). */
  readonly reason?: string;
  readonly targetName?: string;
  readonly targetType?: string;
  readonly targetObject?: PSInput;
}

function categoryMessage(category: string, activity: string | undefined, reason: string, targetName: string | undefined, targetType: string | undefined): string {
  // PowerShell's ErrorCategoryInfo.GetMessage(): "Category (TargetName:TargetType) [Activity], Reason".
  return `${category} (${targetName ?? ''}:${targetType ?? ''}) [${activity ?? ''}], ${reason}`;
}

/** Builds an ErrorRecord the way psrpcore serializes one (no invocation info). */
export function buildErrorRecord(init: ErrorRecordInit): PSObject {
  const category = init.category ?? 'NotSpecified';
  const exceptionType = init.exceptionType ?? 'System.Exception';
  const reason = init.reason ?? 'RuntimeException';
  const exception = new PSObject({
    typeNames: exceptionType === 'System.Exception' ? ['System.Exception', 'System.Object'] : [exceptionType, 'System.Exception', 'System.Object'],
    adapted: [
      ['Message', init.message],
      ['Data', null],
      ['HelpLink', null],
      ['HResult', null],
      ['InnerException', null],
      ['Source', null],
      ['StackTrace', null],
      ['TargetSite', null],
    ],
  });
  return new PSObject({
    typeNames: ['System.Management.Automation.ErrorRecord', 'System.Object'],
    extended: [
      ['Exception', exception],
      ['TargetObject', init.targetObject === undefined ? null : toPSValue(init.targetObject)],
      ['FullyQualifiedErrorId', init.fullyQualifiedErrorId ?? reason],
      ['InvocationInfo', null],
      ['ErrorCategory_Category', ErrorCategory[category]],
      ['ErrorCategory_Activity', init.activity ?? null],
      ['ErrorCategory_Reason', reason],
      ['ErrorCategory_TargetName', init.targetName ?? null],
      ['ErrorCategory_TargetType', init.targetType ?? null],
      ['ErrorCategory_Message', categoryMessage(category, init.activity, reason, init.targetName, init.targetType)],
      ['SerializeExtendedInfo', false],
    ],
    toStringValue: init.message,
  });
}

function stripDeserialized(name: string | undefined): string | undefined {
  return name?.startsWith('Deserialized.') === true ? name.slice('Deserialized.'.length) : name;
}

/** Flattens an ErrorRecord ([MS-PSRP] 2.2.3.15) to what a caller shows: message, FQEID, category, target, exception type. */
export function parseErrorRecord(body: PSValue): PSErrorRecordInfo {
  const obj = asObject('ERROR_RECORD', body);
  const exception = prop(obj, 'Exception');
  const exceptionObj = exception instanceof PSObject ? exception : undefined;
  // PowerShell shows ErrorDetails.Message in place of the exception message when a cmdlet set one.
  const message =
    optionalString(obj, 'ErrorDetails_Message') ??
    (exceptionObj === undefined ? undefined : optionalString(exceptionObj, 'Message')) ??
    obj.toStringValue ??
    optionalString(obj, 'ErrorCategory_Message') ??
    '';
  const categoryValue = intValue(prop(obj, 'ErrorCategory_Category'));
  return {
    message,
    fullyQualifiedErrorId: optionalString(obj, 'FullyQualifiedErrorId'),
    category: categoryValue === undefined ? undefined : (enumName(ErrorCategory, categoryValue) ?? String(categoryValue)),
    targetName: optionalString(obj, 'ErrorCategory_TargetName'),
    exceptionType: stripDeserialized(exceptionObj?.typeNames[0]),
    raw: obj,
  };
}

/** The three InformationalRecord streams. */
export type InformationalKind = 'warning' | 'verbose' | 'debug';

const INFORMATIONAL_TYPE: Record<InformationalKind, string> = {
  warning: 'System.Management.Automation.WarningRecord',
  verbose: 'System.Management.Automation.VerboseRecord',
  debug: 'System.Management.Automation.DebugRecord',
};

/** Builds a WARNING/VERBOSE/DEBUG_RECORD body ([MS-PSRP] 2.2.2.22–24), without invocation info. */
export function buildInformationalRecord(kind: InformationalKind, message: string): PSObject {
  return new PSObject({
    typeNames: [INFORMATIONAL_TYPE[kind], 'System.Management.Automation.InformationalRecord', 'System.Object'],
    extended: [
      ['InformationalRecord_Message', message],
      ['InformationalRecord_SerializeInvocationInfo', false],
    ],
  });
}

/** The message of a WARNING/VERBOSE/DEBUG_RECORD body (a bare string is accepted too). */
export function parseInformationalRecord(body: PSValue): string {
  if (typeof body === 'string') return body;
  const obj = asObject('InformationalRecord', body);
  return optionalString(obj, 'InformationalRecord_Message') ?? optionalString(obj, 'Message') ?? obj.toString();
}

/** What a server needs for an INFORMATION_RECORD ([MS-PSRP] 2.2.2.26). */
export interface InformationRecordInit {
  readonly messageData: PSInput;
  readonly source?: string;
  /** xs:dateTime text or a Date. */
  readonly timeGenerated?: string | Date;
  readonly tags?: readonly string[];
  readonly user?: string;
  readonly computer?: string;
  readonly processId?: number;
  readonly nativeThreadId?: number;
  readonly managedThreadId?: number;
}

/** Builds an INFORMATION_RECORD body in psrpcore's shape. */
export function buildInformationRecord(init: InformationRecordInit): PSObject {
  const time = init.timeGenerated ?? new Date();
  return new PSObject({
    extended: [
      ['MessageData', toPSValue(init.messageData)],
      ['Source', init.source ?? null],
      ['TimeGenerated', typeof time === 'string' ? new PSPrimitive('DT', time) : toPSValue(time)],
      ['Tags', createPSList([...(init.tags ?? [])])],
      ['User', init.user ?? null],
      ['Computer', init.computer ?? null],
      ['ProcessId', new PSPrimitive('U32', init.processId ?? 0)],
      ['NativeThreadId', new PSPrimitive('U32', init.nativeThreadId ?? 0)],
      ['ManagedThreadId', new PSPrimitive('U32', init.managedThreadId ?? 0)],
    ],
  });
}

/** Parses an INFORMATION_RECORD body. */
export function parseInformationRecord(body: PSValue): PSInformationInfo {
  const obj = asObject('INFORMATION_RECORD', body);
  const tags = listItems('INFORMATION_RECORD', 'Tags', prop(obj, 'Tags')).map((t) => (typeof t === 'string' ? t : String(t)));
  return { messageData: prop(obj, 'MessageData') ?? null, source: optionalString(obj, 'Source'), tags };
}

/** What a server needs for a PROGRESS_RECORD ([MS-PSRP] 2.2.2.25). */
export interface ProgressRecordInit {
  readonly activity: string;
  readonly activityId?: number;
  readonly statusDescription?: string;
  readonly currentOperation?: string;
  readonly parentActivityId?: number;
  readonly percentComplete?: number;
  readonly secondsRemaining?: number;
  readonly completed?: boolean;
}

const PROGRESS_RECORD_TYPE = { Processing: 0, Completed: 1 } as const;

/** Builds a PROGRESS_RECORD body in psrpcore's shape. */
export function buildProgressRecord(init: ProgressRecordInit): PSObject {
  const enums = new EnumScope();
  return new PSObject({
    extended: [
      ['Activity', init.activity],
      ['ActivityId', init.activityId ?? 0],
      ['StatusDescription', init.statusDescription ?? ' '],
      ['CurrentOperation', init.currentOperation ?? null],
      ['ParentActivityId', init.parentActivityId ?? -1],
      ['PercentComplete', init.percentComplete ?? -1],
      ['Type', enums.get(PROGRESS_RECORD_TYPE, EnumTypeName.ProgressRecordType, init.completed === true ? 1 : 0)],
      ['SecondsRemaining', init.secondsRemaining ?? -1],
    ],
  });
}

/** Parses a PROGRESS_RECORD body. */
export function parseProgressRecord(body: PSValue): PSProgressInfo {
  const obj = asObject('PROGRESS_RECORD', body);
  const num = (name: string, fallback: number): number => intValue(prop(obj, name)) ?? fallback;
  return {
    activity: optionalString(obj, 'Activity') ?? '',
    activityId: num('ActivityId', 0),
    statusDescription: optionalString(obj, 'StatusDescription') ?? '',
    currentOperation: optionalString(obj, 'CurrentOperation'),
    parentActivityId: num('ParentActivityId', -1),
    percentComplete: num('PercentComplete', -1),
    secondsRemaining: num('SecondsRemaining', -1),
    completed: num('Type', 0) === PROGRESS_RECORD_TYPE.Completed,
  };
}
