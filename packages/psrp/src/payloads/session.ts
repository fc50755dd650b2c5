/** Runspace pool payloads ([MS-PSRP] 2.2.2.1–2.2.2.9, 2.2.2.13–2.2.2.20, 2.2.2.23). */
import type { PSErrorRecordInfo } from '@exops/contracts';
import { PSObject, PSPrimitive, createPSDictionary, type PSValue } from '@exops/contracts';
import { ApartmentState, PSThreadOptions, RunspacePoolState, enumName, type ApartmentStateName, type PSThreadOptionsName, type RunspacePoolStateName } from '../enums.js';
import {
  asObject,
  bigintValue,
  intValue,
  optionalString,
  prop,
  requireBigint,
  requireInt,
  required,
  versionText,
} from '../ps-read.js';
import { messageError, PEER_BUG_REMEDY } from '../errors.js';
import { buildErrorRecord, parseErrorRecord, type ErrorRecordInit } from './records.js';
import { EnumScope, EnumTypeName, buildNullHostInfo, buildPrimitiveDictionary, toPSValue, type PSInput } from './values.js';

/** SESSION_CAPABILITY ([MS-PSRP] 2.2.2.1). */
export interface SessionCapability {
  /** `protocolversion`, e.g. `2.3`. */
  readonly protocolVersion: string;
  readonly psVersion: string;
  readonly serializationVersion: string;
  /** .NET binary-serialized TimeZone, when sent. */
  readonly timeZone?: Uint8Array | undefined;
}

/** What every modern client and Windows send: protocol 2.3, PSVersion 2.0, serialization 1.1.0.1. */
export const DEFAULT_SESSION_CAPABILITY: SessionCapability = { protocolVersion: '2.3', psVersion: '2.0', serializationVersion: '1.1.0.1' };

/** Builds a SESSION_CAPABILITY body (psrpcore's property order). */
export function buildSessionCapability(capability: Partial<SessionCapability> = {}): PSObject {
  const c = { ...DEFAULT_SESSION_CAPABILITY, ...capability };
  const props: [string, PSValue][] = [
    ['PSVersion', new PSPrimitive('Version', c.psVersion)],
    ['protocolversion', new PSPrimitive('Version', c.protocolVersion)],
    ['SerializationVersion', new PSPrimitive('Version', c.serializationVersion)],
  ];
  if (c.timeZone !== undefined) props.push(['TimeZone', new PSPrimitive('BA', c.timeZone)]);
  return new PSObject({ extended: props });
}

/** Parses a SESSION_CAPABILITY body. */
export function parseSessionCapability(body: PSValue): SessionCapability {
  const ctx = 'SESSION_CAPABILITY';
  const obj = asObject(ctx, body);
  const version = (name: string): string => {
    const v = versionText(prop(obj, name));
    if (v === undefined) throw messageError(`${ctx}: '${name}' is missing or not a version`, PEER_BUG_REMEDY, { property: name });
    return v;
  };
  const tz = prop(obj, 'TimeZone');
  return {
    protocolVersion: version('protocolversion'),
    psVersion: version('PSVersion'),
    serializationVersion: version('SerializationVersion'),
    ...(tz instanceof PSPrimitive && tz.tag === 'BA' ? { timeZone: tz.value as Uint8Array } : {}),
  };
}

/** Compares dotted versions numerically: negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** INIT_RUNSPACEPOOL options ([MS-PSRP] 2.2.2.2). */
export interface InitRunspacePoolOptions {
  readonly minRunspaces?: number;
  readonly maxRunspaces?: number;
  readonly threadOptions?: PSThreadOptionsName;
  readonly apartmentState?: ApartmentStateName;
  /** HostInfo ([MS-PSRP] 2.2.3.14); default: no host (`_isHostNull` etc. true). */
  readonly hostInfo?: PSObject;
  /** `$PSSenderInfo.ApplicationArguments`; default an empty PSPrimitiveDictionary (never Nil: Windows needs the object). */
  readonly applicationArguments?: Readonly<Record<string, PSInput>> | PSObject | null;
}

/** A parsed INIT_RUNSPACEPOOL. */
export interface InitRunspacePool {
  readonly minRunspaces: number;
  readonly maxRunspaces: number;
  readonly threadOptions: number;
  readonly apartmentState: number;
  readonly hostInfo: PSObject | null;
  readonly applicationArguments: PSObject | null;
}

/** Builds an INIT_RUNSPACEPOOL body. */
export function buildInitRunspacePool(options: InitRunspacePoolOptions = {}): PSObject {
  const enums = new EnumScope();
  const threadOptions = PSThreadOptions[options.threadOptions ?? 'Default'];
  const apartment = ApartmentState[options.apartmentState ?? 'Unknown'];
  const args = options.applicationArguments;
  const appArgs =
    args === null ? null : args instanceof PSObject ? args : buildPrimitiveDictionary(Object.entries(args ?? {}).map(([k, v]) => [k, toPSValue(v)]));
  return new PSObject({
    extended: [
      ['MinRunspaces', options.minRunspaces ?? 1],
      ['MaxRunspaces', options.maxRunspaces ?? 1],
      ['PSThreadOptions', enums.get(PSThreadOptions, EnumTypeName.PSThreadOptions, threadOptions)],
      ['ApartmentState', enums.get(ApartmentState, EnumTypeName.ApartmentState, apartment)],
      ['HostInfo', options.hostInfo ?? buildNullHostInfo()],
      ['ApplicationArguments', appArgs],
    ],
  });
}

/** Parses an INIT_RUNSPACEPOOL body. */
export function parseInitRunspacePool(body: PSValue): InitRunspacePool {
  const ctx = 'INIT_RUNSPACEPOOL';
  const obj = asObject(ctx, body);
  const host = prop(obj, 'HostInfo');
  const args = prop(obj, 'ApplicationArguments');
  return {
    minRunspaces: requireInt(ctx, obj, 'MinRunspaces'),
    maxRunspaces: requireInt(ctx, obj, 'MaxRunspaces'),
    threadOptions: intValue(prop(obj, 'PSThreadOptions')) ?? 0,
    apartmentState: intValue(prop(obj, 'ApartmentState')) ?? ApartmentState.Unknown,
    hostInfo: host instanceof PSObject ? host : null,
    applicationArguments: args instanceof PSObject ? args : null,
  };
}

/** APPLICATION_PRIVATE_DATA ([MS-PSRP] 2.2.2.13): the server's PSPrimitiveDictionary (Exchange adds its own keys). */
export interface ApplicationPrivateData {
  /** The dictionary object as received, or null. */
  readonly raw: PSObject | null;
  /** Its entries by string key. */
  readonly entries: ReadonlyMap<string, PSValue>;
}

/** psrpcore's default server data: a PSVersionTable with PSRemotingProtocolVersion and SerializationVersion. */
export function defaultApplicationPrivateData(protocolVersion = '2.3'): PSObject {
  return buildPrimitiveDictionary([
    [
      'PSVersionTable',
      createPSDictionary([
        ['PSRemotingProtocolVersion', new PSPrimitive('Version', protocolVersion)],
        ['SerializationVersion', new PSPrimitive('Version', '1.1.0.1')],
      ]),
    ],
  ]);
}

/** Builds an APPLICATION_PRIVATE_DATA body around a dictionary (see {@link defaultApplicationPrivateData}). */
export function buildApplicationPrivateData(data: PSObject | null = defaultApplicationPrivateData()): PSObject {
  return new PSObject({ extended: [['ApplicationPrivateData', data]] });
}

/** Parses an APPLICATION_PRIVATE_DATA body. */
export function parseApplicationPrivateData(body: PSValue): ApplicationPrivateData {
  const obj = asObject('APPLICATION_PRIVATE_DATA', body);
  const data = prop(obj, 'ApplicationPrivateData');
  const entries = new Map<string, PSValue>();
  if (data instanceof PSObject && data.container?.kind === 'DCT') {
    for (const [k, v] of data.container.entries) entries.set(typeof k === 'string' ? k : String(k), v);
  }
  return { raw: data instanceof PSObject ? data : null, entries };
}

/** RUNSPACEPOOL_STATE ([MS-PSRP] 2.2.2.9). */
export interface RunspacePoolStateInfo {
  readonly state: number;
  /** The state's name, when defined. */
  readonly stateName: RunspacePoolStateName | undefined;
  /** `ExceptionAsErrorRecord`: why the pool broke or closed. */
  readonly reason: PSErrorRecordInfo | undefined;
}

/** Builds a RUNSPACEPOOL_STATE body. */
export function buildRunspacePoolState(state: RunspacePoolStateName, reason?: ErrorRecordInit): PSObject {
  const props: [string, PSValue][] = [['RunspaceState', RunspacePoolState[state]]];
  if (reason !== undefined) props.push(['ExceptionAsErrorRecord', buildErrorRecord({ fullyQualifiedErrorId: 'RemoteRunspaceStateInfoReason', ...reason })]);
  return new PSObject({ extended: props });
}

/** Parses a RUNSPACEPOOL_STATE body. */
export function parseRunspacePoolState(body: PSValue): RunspacePoolStateInfo {
  const ctx = 'RUNSPACEPOOL_STATE';
  const obj = asObject(ctx, body);
  const state = requireInt(ctx, obj, 'RunspaceState');
  const err = prop(obj, 'ExceptionAsErrorRecord');
  return { state, stateName: enumName(RunspacePoolState, state), reason: err instanceof PSObject ? parseErrorRecord(err) : undefined };
}

/** Min and max runspaces, as in CONNECT_RUNSPACEPOOL and RUNSPACEPOOL_INIT_DATA ([MS-PSRP] 2.2.2.15–16). */
export interface RunspaceLimits {
  readonly minRunspaces: number;
  readonly maxRunspaces: number;
}

/** Builds CONNECT_RUNSPACEPOOL: `<S />` (pypsrp, PowerShell without limits) or the limits object. */
export function buildConnectRunspacePool(limits?: RunspaceLimits): PSValue {
  if (limits === undefined) return '';
  return new PSObject({ extended: [['MinRunspaces', limits.minRunspaces], ['MaxRunspaces', limits.maxRunspaces]] });
}

/** Parses CONNECT_RUNSPACEPOOL: the limits, or undefined when the client sent none. */
export function parseConnectRunspacePool(body: PSValue): RunspaceLimits | undefined {
  if (!(body instanceof PSObject)) return undefined;
  const min = intValue(prop(body, 'MinRunspaces'));
  const max = intValue(prop(body, 'MaxRunspaces'));
  return min === undefined || max === undefined ? undefined : { minRunspaces: min, maxRunspaces: max };
}

/** Builds RUNSPACEPOOL_INIT_DATA. */
export function buildRunspacePoolInitData(limits: RunspaceLimits): PSObject {
  return new PSObject({ extended: [['MinRunspaces', limits.minRunspaces], ['MaxRunspaces', limits.maxRunspaces]] });
}

/** Parses RUNSPACEPOOL_INIT_DATA. */
export function parseRunspacePoolInitData(body: PSValue): RunspaceLimits {
  const ctx = 'RUNSPACEPOOL_INIT_DATA';
  const obj = asObject(ctx, body);
  return { minRunspaces: requireInt(ctx, obj, 'MinRunspaces'), maxRunspaces: requireInt(ctx, obj, 'MaxRunspaces') };
}

/** SET_MAX_RUNSPACES / SET_MIN_RUNSPACES ([MS-PSRP] 2.2.2.5–6). */
export interface SetRunspaces {
  readonly value: number;
  readonly callId: bigint;
}

/** Builds SET_MAX_RUNSPACES (`kind` 'max') or SET_MIN_RUNSPACES ('min'). */
export function buildSetRunspaces(kind: 'max' | 'min', request: SetRunspaces): PSObject {
  return new PSObject({
    extended: [
      [kind === 'max' ? 'MaxRunspaces' : 'MinRunspaces', request.value],
      ['ci', new PSPrimitive('I64', request.callId)],
    ],
  });
}

/** Parses SET_MAX_RUNSPACES or SET_MIN_RUNSPACES (pypsrp writes `CI`: names are case-insensitive). */
export function parseSetRunspaces(kind: 'max' | 'min', body: PSValue): SetRunspaces {
  const ctx = kind === 'max' ? 'SET_MAX_RUNSPACES' : 'SET_MIN_RUNSPACES';
  const obj = asObject(ctx, body);
  return { value: requireInt(ctx, obj, kind === 'max' ? 'MaxRunspaces' : 'MinRunspaces'), callId: requireBigint(ctx, obj, 'ci') };
}

/** Builds the `ci`-only body of GET_AVAILABLE_RUNSPACES and RESET_RUNSPACE_STATE ([MS-PSRP] 2.2.2.7, 2.2.2.31). */
export function buildCallIdRequest(callId: bigint): PSObject {
  return new PSObject({ extended: [['ci', new PSPrimitive('I64', callId)]] });
}

/** Parses the call id of GET_AVAILABLE_RUNSPACES or RESET_RUNSPACE_STATE. */
export function parseCallIdRequest(context: string, body: PSValue): bigint {
  return requireBigint(context, asObject(context, body), 'ci');
}

/** RUNSPACE_AVAILABILITY ([MS-PSRP] 2.2.2.8): a Boolean for set/reset requests, a count for GET_AVAILABLE_RUNSPACES. */
export interface RunspaceAvailability {
  readonly callId: bigint;
  readonly value: boolean | bigint;
}

/** Builds RUNSPACE_AVAILABILITY. A count goes as I32 when it fits, as the recorded Windows servers send it. */
export function buildRunspaceAvailability(response: RunspaceAvailability): PSObject {
  const v = response.value;
  const value: PSValue = typeof v === 'boolean' ? v : v >= -2147483648n && v <= 2147483647n ? Number(v) : new PSPrimitive('I64', v);
  return new PSObject({ extended: [['SetMinMaxRunspacesResponse', value], ['ci', new PSPrimitive('I64', response.callId)]] });
}

/** Parses RUNSPACE_AVAILABILITY. */
export function parseRunspaceAvailability(body: PSValue): RunspaceAvailability {
  const ctx = 'RUNSPACE_AVAILABILITY';
  const obj = asObject(ctx, body);
  const raw = required(ctx, obj, 'SetMinMaxRunspacesResponse');
  const value = typeof raw === 'boolean' ? raw : bigintValue(raw);
  if (value === undefined) throw messageError(`${ctx}: SetMinMaxRunspacesResponse is neither a Boolean nor an integer`, PEER_BUG_REMEDY);
  return { callId: requireBigint(ctx, obj, 'ci'), value };
}

/** USER_EVENT ([MS-PSRP] 2.2.2.12): a PSEventArgs. */
export interface UserEvent {
  readonly eventIdentifier: number | undefined;
  readonly sourceIdentifier: string | undefined;
  readonly timeGenerated: string | undefined;
  readonly sender: PSValue | undefined;
  readonly sourceArgs: PSValue | undefined;
  readonly messageData: PSValue | undefined;
  readonly computerName: string | undefined;
  readonly runspaceId: string | undefined;
  readonly raw: PSObject;
}

/** Builds a USER_EVENT body. */
export function buildUserEvent(event: Omit<UserEvent, 'raw'>): PSObject {
  return new PSObject({
    extended: [
      ['PSEventArgs.EventIdentifier', event.eventIdentifier ?? 0],
      ['PSEventArgs.SourceIdentifier', event.sourceIdentifier ?? null],
      ['PSEventArgs.TimeGenerated', event.timeGenerated === undefined ? null : new PSPrimitive('DT', event.timeGenerated)],
      ['PSEventArgs.Sender', event.sender ?? null],
      ['PSEventArgs.SourceArgs', event.sourceArgs ?? null],
      ['PSEventArgs.MessageData', event.messageData ?? null],
      ['PSEventArgs.ComputerName', event.computerName ?? null],
      ['PSEventArgs.RunspaceId', event.runspaceId === undefined ? null : new PSPrimitive('G', event.runspaceId)],
    ],
  });
}

/** Parses a USER_EVENT body. */
export function parseUserEvent(body: PSValue): UserEvent {
  const obj = asObject('USER_EVENT', body);
  const p = (n: string): PSValue | undefined => prop(obj, `PSEventArgs.${n}`);
  const dt = p('TimeGenerated');
  const rid = p('RunspaceId');
  return {
    eventIdentifier: intValue(p('EventIdentifier')),
    sourceIdentifier: optionalString(obj, 'PSEventArgs.SourceIdentifier'),
    timeGenerated: dt instanceof PSPrimitive ? String(dt.value) : undefined,
    sender: p('Sender'),
    sourceArgs: p('SourceArgs'),
    messageData: p('MessageData'),
    computerName: optionalString(obj, 'PSEventArgs.ComputerName'),
    runspaceId: rid instanceof PSPrimitive ? String(rid.value) : undefined,
    raw: obj,
  };
}

/** Builds PUBLIC_KEY ([MS-PSRP] 2.2.2.3): base64 of a CAPI PUBLICKEYBLOB. */
export function buildPublicKey(publicKeyBase64: string): PSObject {
  return new PSObject({ extended: [['PublicKey', publicKeyBase64]] });
}

/** Parses PUBLIC_KEY. */
export function parsePublicKey(body: PSValue): string {
  const obj = asObject('PUBLIC_KEY', body);
  const v = prop(obj, 'PublicKey');
  if (typeof v !== 'string') throw messageError('PUBLIC_KEY: PublicKey is missing', PEER_BUG_REMEDY);
  return v;
}

/** Builds ENCRYPTED_SESSION_KEY ([MS-PSRP] 2.2.2.4): base64 of a SIMPLEBLOB. */
export function buildEncryptedSessionKey(encryptedSessionKeyBase64: string): PSObject {
  return new PSObject({ extended: [['EncryptedSessionKey', encryptedSessionKeyBase64]] });
}

/** Parses ENCRYPTED_SESSION_KEY to the base64 SIMPLEBLOB (decrypting it needs the client's private key). */
export function parseEncryptedSessionKey(body: PSValue): string {
  const obj = asObject('ENCRYPTED_SESSION_KEY', body);
  const v = prop(obj, 'EncryptedSessionKey');
  if (typeof v !== 'string') throw messageError('ENCRYPTED_SESSION_KEY: EncryptedSessionKey is missing', PEER_BUG_REMEDY);
  return v;
}

/** PUBLIC_KEY_REQUEST ([MS-PSRP] 2.2.2.5) has the empty string `<S />` as its body. */
export function buildPublicKeyRequest(): PSValue {
  return '';
}
