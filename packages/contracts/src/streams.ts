import type { PSObject, PSValue } from './ps-object.js';

/** An error record, flattened from `System.Management.Automation.ErrorRecord` or the REST error body. */
export interface PSErrorRecordInfo {
  readonly message: string;
  readonly fullyQualifiedErrorId: string | undefined;
  /** `ErrorCategory` name, e.g. `ObjectNotFound`. */
  readonly category: string | undefined;
  readonly targetName: string | undefined;
  /** The .NET exception type, e.g. `Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException`. */
  readonly exceptionType: string | undefined;
  /** The object as received, for callers that need every field. */
  readonly raw?: PSObject | undefined;
}

export interface PSProgressInfo {
  readonly activity: string;
  readonly activityId: number;
  readonly statusDescription: string;
  readonly currentOperation: string | undefined;
  readonly parentActivityId: number;
  readonly percentComplete: number;
  readonly secondsRemaining: number;
  readonly completed: boolean;
}

export interface PSInformationInfo {
  readonly messageData: PSValue;
  readonly source: string | undefined;
  readonly tags: readonly string[];
}

/** What a running command yields, in order. Output objects and records interleave as the server sent them. */
export type CommandStreamEvent =
  | { readonly type: 'output'; readonly value: PSValue }
  | { readonly type: 'error'; readonly record: PSErrorRecordInfo }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'verbose'; readonly message: string }
  | { readonly type: 'debug'; readonly message: string }
  | { readonly type: 'information'; readonly record: PSInformationInfo }
  | { readonly type: 'progress'; readonly record: PSProgressInfo };
