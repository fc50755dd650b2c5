/**
 * Error records with PowerShell's and Exchange's wording. Texts marked [ps] are PowerShell's own resource strings
 * (ParameterBinderStrings and friends); [exo] are Exchange's (reference §3, issue threads); [inf] are inferred.
 */
import type { PSErrorRecordInfo } from '@exops/contracts';

/** `System.Management.Automation.ErrorCategory`: the REST error body carries the integer in `details[0].code`. */
export const ErrorCategory = {
  NotSpecified: 0,
  InvalidArgument: 5,
  InvalidData: 6,
  InvalidOperation: 7,
  ObjectNotFound: 13,
  PermissionDenied: 18,
  ResourceUnavailable: 21,
  LimitsExceeded: 29,
} as const;
/** An ErrorCategory name. */
export type ErrorCategoryName = keyof typeof ErrorCategory;

/** An error record as the engine yields it; transports map it to CLIXML or the REST error body. */
export interface ExchangeErrorRecord extends PSErrorRecordInfo {
  readonly category: ErrorCategoryName;
  /** The short id before the comma in FullyQualifiedErrorId, e.g. `NamedParameterNotFound`. */
  readonly errorId: string;
  /** Terminating errors stop the command; REST answers them with an error status instead of 200. */
  readonly terminating: boolean;
  /** The HTTP status the REST endpoint answers a terminating error with. */
  readonly httpStatus: number;
  /** The underlying exception's text, for `innererror.internalexception` (emulator faults only). */
  readonly innerMessage?: string;
}

const PARAMETER_BINDING = 'System.Management.Automation.ParameterBindingException';

function record(
  message: string,
  errorId: string,
  cmdlet: string,
  category: ErrorCategoryName,
  exceptionType: string,
  httpStatus: number,
  targetName?: string,
  terminating = true,
): ExchangeErrorRecord {
  return { message, errorId, fullyQualifiedErrorId: `${errorId},${cmdlet}`, category, exceptionType, targetName, terminating, httpStatus };
}

/** [ps] `A parameter cannot be found that matches parameter name 'Foo'.` */
export function parameterNotFound(cmdlet: string, name: string): ExchangeErrorRecord {
  return record(`A parameter cannot be found that matches parameter name '${name}'.`, 'NamedParameterNotFound', cmdlet, 'InvalidArgument', PARAMETER_BINDING, 400, name);
}

/** [ps] the ambiguous-prefix text. */
export function parameterAmbiguous(cmdlet: string, name: string, matches: readonly string[]): ExchangeErrorRecord {
  return record(
    `Parameter cannot be processed because the parameter name '${name}' is ambiguous. Possible matches include: ${matches.map((m) => `-${m}`).join(' ')}.`,
    'AmbiguousParameter',
    cmdlet,
    'InvalidArgument',
    PARAMETER_BINDING,
    400,
    name,
  );
}

/** [ps] a parameter given twice (two JSON keys differing only in case, or a name and its alias). */
export function parameterAlreadyBound(cmdlet: string, name: string): ExchangeErrorRecord {
  return record(
    `Cannot bind parameter because parameter '${name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`,
    'ParameterAlreadyBound',
    cmdlet,
    'InvalidArgument',
    PARAMETER_BINDING,
    400,
    name,
  );
}

/** [ps] `Cannot bind parameter 'X'. Cannot convert value "v" to type "T". Error: "…"` */
export function parameterConversion(cmdlet: string, name: string, value: string, typeName: string, error: string): ExchangeErrorRecord {
  return record(
    `Cannot bind parameter '${name}'. Cannot convert value "${value}" to type "${typeName}". Error: "${error}"`,
    'CannotConvertArgumentNoMessage',
    cmdlet,
    'InvalidArgument',
    PARAMETER_BINDING,
    400,
    name,
  );
}

/** [ps] the Boolean-parameter transformation text. */
export function parameterBooleanTransformation(cmdlet: string, name: string, valueType: string): ExchangeErrorRecord {
  return record(
    `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${valueType}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
    'ParameterArgumentTransformationError',
    cmdlet,
    'InvalidData',
    PARAMETER_BINDING,
    400,
    name,
  );
}

/** [ps] null or empty given to a mandatory parameter. */
export function parameterNullOrEmpty(cmdlet: string, name: string, empty: boolean): ExchangeErrorRecord {
  return empty
    ? record(`Cannot bind argument to parameter '${name}' because it is an empty string.`, 'ParameterArgumentValidationErrorEmptyStringNotAllowed', cmdlet, 'InvalidData', PARAMETER_BINDING, 400, name)
    : record(`Cannot bind argument to parameter '${name}' because it is null.`, 'ParameterArgumentValidationErrorNullNotAllowed', cmdlet, 'InvalidData', PARAMETER_BINDING, 400, name);
}

/** [ps] ValidateRange's text. */
export function parameterBelowMinimum(cmdlet: string, name: string, value: string, minimum: number): ExchangeErrorRecord {
  return record(
    `Cannot validate argument on parameter '${name}'. The ${value} argument is less than the minimum allowed range of ${minimum}. Supply an argument that is greater than or equal to ${minimum} and then try the command again.`,
    'ParameterArgumentValidationError',
    cmdlet,
    'InvalidData',
    PARAMETER_BINDING,
    400,
    name,
  );
}

/** [ps] a validation failure with a custom reason (Exchange validators). */
export function parameterValidation(cmdlet: string, name: string, reason: string): ExchangeErrorRecord {
  return record(`Cannot validate argument on parameter '${name}'. ${reason}`, 'ParameterArgumentValidationError', cmdlet, 'InvalidData', PARAMETER_BINDING, 400, name);
}

/** [ps] no parameter set fits the bound names. */
export function parameterSetUnresolved(cmdlet: string): ExchangeErrorRecord {
  return record('Parameter set cannot be resolved using the specified named parameters.', 'AmbiguousParameterSet', cmdlet, 'InvalidArgument', PARAMETER_BINDING, 400);
}

/** [ps] mandatory parameters missing in a non-interactive runspace. */
export function parameterMissing(cmdlet: string, names: readonly string[]): ExchangeErrorRecord {
  return record(
    `Cannot process command because of one or more missing mandatory parameters: ${names.join(' ')}.`,
    'MissingMandatoryParameter',
    cmdlet,
    'InvalidArgument',
    PARAMETER_BINDING,
    400,
  );
}

/** [ps] an unknown command. */
export function commandNotFound(cmdlet: string): ExchangeErrorRecord {
  return {
    message: `The term '${cmdlet}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
    errorId: 'CommandNotFoundException',
    fullyQualifiedErrorId: 'CommandNotFoundException',
    category: 'ObjectNotFound',
    exceptionType: 'System.Management.Automation.CommandNotFoundException',
    targetName: cmdlet,
    terminating: true,
    httpStatus: 400,
  };
}

/** [exo] reference §2.6: the REST service's text when RBAC does not give the caller this cmdlet (observed with HTTP 401). */
export function cmdletNotAllowed(cmdlet: string): ExchangeErrorRecord {
  return {
    message: `User is not allowed to call ${cmdlet}`,
    errorId: 'CmdletAccessDenied',
    fullyQualifiedErrorId: `CmdletAccessDenied,${cmdlet}`,
    category: 'PermissionDenied',
    exceptionType: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
    targetName: cmdlet,
    terminating: true,
    httpStatus: 401,
  };
}

/** [exo] the object-not-found text, `on '<domain controller>'`. */
export function objectNotFound(cmdlet: string, identity: string, server: string, cmdletClass: string): ExchangeErrorRecord {
  return {
    message: `The operation couldn't be performed because object '${identity}' couldn't be found on '${server}'.`,
    errorId: 'ManagementObjectNotFound',
    fullyQualifiedErrorId: `[FailureCategory=Cmdlet-ManagementObjectNotFoundException] ${exoErrorHash(cmdlet + identity)},${cmdletClass}`,
    category: 'NotSpecified',
    exceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
    targetName: identity,
    terminating: true,
    httpStatus: 404,
  };
}

/** [exo] a task-level validation failure (DataValidationException family) with the cmdlet class in the id. */
export function taskValidation(cmdlet: string, cmdletClass: string, message: string, targetName: string, exceptionType = 'Microsoft.Exchange.Data.DataValidationException'): ExchangeErrorRecord {
  const shortType = exceptionType.slice(exceptionType.lastIndexOf('.') + 1);
  return {
    message,
    errorId: shortType,
    fullyQualifiedErrorId: `[FailureCategory=Cmdlet-${shortType}] ${exoErrorHash(cmdlet + message)},${cmdletClass}`,
    category: 'InvalidData',
    exceptionType,
    targetName,
    terminating: true,
    httpStatus: 400,
  };
}

/** [exo] reference §3.6: an app whose service principal has no supported directory role. */
export function appRoleNotSupported(cmdlet: string, appId: string): ExchangeErrorRecord {
  return {
    message: `The role assigned to application ${appId} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.`,
    errorId: 'AuthZ-CmdletAccessDeniedException',
    fullyQualifiedErrorId: `[FailureCategory=AuthZ-CmdletAccessDeniedException],${cmdlet}`,
    category: 'PermissionDenied',
    exceptionType: 'Microsoft.Exchange.Configuration.Authorization.CmdletAccessDeniedException',
    targetName: appId,
    terminating: true,
    httpStatus: 401,
  };
}

/** Exchange ids carry an 8-hex-digit hash of the error site; a stable one from the text is as good for clients. */
function exoErrorHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** [exo] a parameter whose setter rejected the value (Filter's syntax check runs there). */
export function parameterSetterFailed(cmdlet: string, name: string, reason: string): ExchangeErrorRecord {
  return record(`Cannot bind parameter '${name}' to the target. Exception setting "${name}": "${reason}"`, 'ParameterBindingFailed', cmdlet, 'InvalidArgument', PARAMETER_BINDING, 400, name);
}
