/** Host calls and responses ([MS-PSRP] 2.2.2.27–2.2.2.30, 2.2.3.17) and a non-interactive default host. */
import { PSObject, PSPrimitive, createPSList, type PSValue } from '@exops/contracts';
import { HostMethodIdentifier, enumName, type HostMethodName } from '../enums.js';
import { asObject, intValue, listItems, prop, requireBigint } from '../ps-read.js';
import { messageError, PEER_BUG_REMEDY } from '../errors.js';
import { buildErrorRecord, parseErrorRecord, type ErrorRecordInit } from './records.js';
import { EnumScope, EnumTypeName } from './values.js';
import type { PSErrorRecordInfo } from '@exops/contracts';

/** A RUNSPACEPOOL_HOST_CALL or PIPELINE_HOST_CALL. */
export interface HostCall {
  /** `ci`: echo it in the response. Negative for calls that expect none (Windows uses -100 for void methods). */
  readonly callId: bigint;
  readonly methodId: number;
  readonly methodName: HostMethodName | undefined;
  /** `mp`, the method's arguments. */
  readonly parameters: PSValue[];
}

/** A host response: a return value (`mr`) or an error (`me`). */
export type HostResponse =
  | { readonly callId: bigint; readonly methodId: number; readonly result: PSValue }
  | { readonly callId: bigint; readonly methodId: number; readonly error: ErrorRecordInit };

/** A parsed host response. */
export interface ParsedHostResponse {
  readonly callId: bigint;
  readonly methodId: number;
  readonly result: PSValue | undefined;
  readonly error: PSErrorRecordInfo | undefined;
}

function methodEnum(methodId: number): PSObject {
  return new EnumScope().get(HostMethodIdentifier, EnumTypeName.HostMethodIdentifier, methodId);
}

/** Builds a host call body (servers). */
export function buildHostCall(call: { readonly callId: bigint; readonly methodId: number; readonly parameters?: readonly PSValue[] }): PSObject {
  return new PSObject({
    extended: [
      ['ci', new PSPrimitive('I64', call.callId)],
      ['mi', methodEnum(call.methodId)],
      ['mp', createPSList([...(call.parameters ?? [])])],
    ],
  });
}

/** Parses a host call body. */
export function parseHostCall(body: PSValue): HostCall {
  const ctx = 'HOST_CALL';
  const obj = asObject(ctx, body);
  const methodId = intValue(prop(obj, 'mi'));
  if (methodId === undefined) throw messageError(`${ctx}: 'mi' (the method) is missing`, PEER_BUG_REMEDY);
  return { callId: requireBigint(ctx, obj, 'ci'), methodId, methodName: enumName(HostMethodIdentifier, methodId), parameters: listItems(ctx, 'mp', prop(obj, 'mp')) };
}

/** Builds a host response body (clients); property order as pypsrp sent it to Windows: ci, mi, then mr or me. */
export function buildHostResponse(response: HostResponse): PSObject {
  const last: [string, PSValue] =
    'error' in response
      ? ['me', buildErrorRecord({ fullyQualifiedErrorId: 'RemoteHostExecutionException', exceptionType: 'System.Management.Automation.Host.HostException', ...response.error })]
      : ['mr', response.result];
  return new PSObject({ extended: [['ci', new PSPrimitive('I64', response.callId)], ['mi', methodEnum(response.methodId)], last] });
}

/** Parses a host response body (servers). */
export function parseHostResponse(body: PSValue): ParsedHostResponse {
  const ctx = 'HOST_RESPONSE';
  const obj = asObject(ctx, body);
  const me = prop(obj, 'me');
  return {
    callId: requireBigint(ctx, obj, 'ci'),
    methodId: intValue(prop(obj, 'mi')) ?? 0,
    result: prop(obj, 'mr'),
    error: me instanceof PSObject ? parseErrorRecord(me) : undefined,
  };
}

// [MS-PSRP] 2.2.3.17: these methods return nothing, and the server waits for no response.
const VOID_METHODS = new Set<number>([6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 28, 30, 32, 34, 36, 38, 40, 42, 47, 48, 49, 51, 52, 53]);

/** True when the method returns a value, so the server waits for a *_HOST_RESPONSE. */
export function hostMethodExpectsResponse(methodId: number): boolean {
  return !VOID_METHODS.has(methodId);
}

/** Identity a non-interactive host reports. */
export interface DefaultHostOptions {
  readonly name?: string;
  readonly version?: string;
  readonly instanceId?: string;
  readonly culture?: string;
  readonly uiCulture?: string;
}

function culture(name: string): PSObject {
  return new PSObject({ typeNames: ['System.Globalization.CultureInfo', 'System.Object'], toStringValue: name, adapted: [['Name', name]] });
}

const NON_INTERACTIVE = 'exops runs non-interactively and cannot answer';

/**
 * The response a non-interactive client gives a host call, or undefined for void methods (Write*, Set*, ...), which
 * must get none. Identity getters return values; prompts, ReadLine and raw-UI reads return an error record, so the
 * remote command fails fast instead of waiting forever.
 */
export function buildDefaultHostResponse(call: HostCall, options: DefaultHostOptions = {}): HostResponse | undefined {
  if (!hostMethodExpectsResponse(call.methodId)) return undefined;
  const base = { callId: call.callId, methodId: call.methodId };
  switch (call.methodId) {
    case HostMethodIdentifier.GetName:
      return { ...base, result: options.name ?? 'exops' };
    case HostMethodIdentifier.GetVersion:
      return { ...base, result: new PSPrimitive('Version', options.version ?? '1.0.0.0') };
    case HostMethodIdentifier.GetInstanceId:
      return { ...base, result: new PSPrimitive('G', options.instanceId ?? '00000000-0000-0000-0000-000000000000') };
    case HostMethodIdentifier.GetCurrentCulture:
      return { ...base, result: culture(options.culture ?? 'en-US') };
    case HostMethodIdentifier.GetCurrentUICulture:
      return { ...base, result: culture(options.uiCulture ?? options.culture ?? 'en-US') };
    case HostMethodIdentifier.GetIsRunspacePushed:
    case HostMethodIdentifier.GetKeyAvailable:
      return { ...base, result: false };
    default: {
      const method = call.methodName ?? `method ${call.methodId}`;
      return {
        ...base,
        error: {
          message: `${NON_INTERACTIVE} ${method}: the command asked for input. Pass every value as a parameter (for example -Confirm:$false) instead.`,
          category: 'NotImplemented',
          reason: 'HostException',
        },
      };
    }
  }
}
