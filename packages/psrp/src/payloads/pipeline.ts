/** Pipeline payloads: CREATE_PIPELINE, GET_COMMAND_METADATA, PIPELINE_STATE ([MS-PSRP] 2.2.2.10, 2.2.2.14, 2.2.2.21). */
import type { PSErrorRecordInfo } from '@exops/contracts';
import { PSObject, createPSList, type PSValue } from '@exops/contracts';
import {
  ApartmentState,
  CommandTypes,
  PSInvocationState,
  PipelineResultTypes,
  RemoteStreamOptions,
  enumName,
  type ApartmentStateName,
  type PSInvocationStateName,
} from '../enums.js';
import { messageError, PEER_BUG_REMEDY } from '../errors.js';
import { asObject, intValue, listItems, optionalBool, optionalString, prop, requireInt, requireString } from '../ps-read.js';
import { buildErrorRecord, parseErrorRecord, type ErrorRecordInit } from './records.js';
import { compareVersions } from './session.js';
import { EnumScope, EnumTypeName, buildNullHostInfo, toPSValue, type PSInput } from './values.js';

/** A named parameter (`-Identity x`), a switch (`{ name: 'Force' }`), or a positional argument (`{ value }`). */
export type CommandParameter = { readonly name: string; readonly value?: PSInput } | { readonly name?: undefined; readonly value: PSInput };

/** Streams to merge into the output stream (`2>&1`, `*>&1`). */
export interface MergeStreams {
  readonly error?: boolean;
  readonly warning?: boolean;
  readonly verbose?: boolean;
  readonly debug?: boolean;
  readonly information?: boolean;
}

/** One command of a statement ([MS-PSRP] 2.2.3.12). */
export interface PipelineCommand {
  /** Cmdlet name, or script text when `isScript`. */
  readonly command: string;
  readonly isScript?: boolean;
  /** Nil when omitted, as psrpcore and PowerShell send it. */
  readonly useLocalScope?: boolean;
  /** Parameters in order; a record is taken as named parameters in key order. */
  readonly parameters?: readonly CommandParameter[] | Readonly<Record<string, PSInput>>;
  readonly mergeStreams?: MergeStreams | 'all';
}

/** A statement: commands piped into each other. */
export type PipelineStatement = readonly PipelineCommand[];

/** CREATE_PIPELINE options. */
export interface CreatePipelineOptions {
  /** Statements run one after another (`a | b; c`). At least one, each with at least one command. */
  readonly statements: readonly PipelineStatement[];
  /** True when no PIPELINE_INPUT will follow. Default true. */
  readonly noInput?: boolean;
  readonly addToHistory?: boolean;
  readonly isNested?: boolean;
  readonly apartmentState?: ApartmentStateName;
  /** RemoteStreamOptions flags; default 0 (None). */
  readonly remoteStreamOptions?: number;
  readonly hostInfo?: PSObject;
  /** `History` text, default Nil. */
  readonly history?: string;
  readonly redirectShellErrorOutputPipe?: boolean;
}

/** A parsed command. */
export interface ParsedCommand {
  readonly command: string;
  readonly isScript: boolean;
  readonly useLocalScope: boolean | undefined;
  readonly parameters: readonly { readonly name: string | undefined; readonly value: PSValue }[];
  /** Merge settings as PipelineResultTypes values (`undefined` where the protocol version has no such field). */
  readonly merge: {
    readonly myResult: number;
    readonly toResult: number;
    readonly previousResults: number;
    readonly error: number | undefined;
    readonly warning: number | undefined;
    readonly verbose: number | undefined;
    readonly debug: number | undefined;
    readonly information: number | undefined;
  };
}

/** A parsed CREATE_PIPELINE: what a server runs. */
export interface ParsedCreatePipeline {
  readonly statements: readonly (readonly ParsedCommand[])[];
  readonly noInput: boolean;
  readonly addToHistory: boolean;
  readonly isNested: boolean;
  readonly apartmentState: number;
  readonly remoteStreamOptions: number;
  readonly hostInfo: PSObject | null;
  readonly history: string | undefined;
  readonly redirectShellErrorOutputPipe: boolean;
}

function invalid(message: string): never {
  throw messageError(message, 'Give CREATE_PIPELINE at least one statement, each with at least one command name or script.');
}

function parameterList(parameters: PipelineCommand['parameters']): CommandParameter[] {
  if (parameters === undefined) return [];
  if (Array.isArray(parameters)) return parameters as CommandParameter[];
  return Object.entries(parameters as Record<string, PSInput>).map(([name, value]) => ({ name, value }));
}

function buildCommand(cmd: PipelineCommand, protocolVersion: string | undefined, enums: EnumScope): PSObject {
  if (typeof cmd.command !== 'string' || cmd.command === '') invalid('A pipeline command has no command text');
  const merge = cmd.mergeStreams === 'all' ? { error: true, warning: true, verbose: true, debug: true, information: true } : (cmd.mergeStreams ?? {});
  const e = (v: number): PSObject => enums.get(PipelineResultTypes, EnumTypeName.PipelineResultTypes, v);
  const to = (on: boolean | undefined): PSObject => e(on === true ? PipelineResultTypes.Output : PipelineResultTypes.None);
  const args = parameterList(cmd.parameters).map(
    (p) =>
      new PSObject({
        extended: [
          ['N', p.name ?? null],
          // A switch given without a value is bound as present.
          ['V', p.name !== undefined && p.value === undefined ? true : toPSValue(p.value)],
        ],
      }),
  );
  const props: [string, PSValue][] = [
    ['Cmd', cmd.command],
    ['Args', createPSList(args)],
    ['IsScript', cmd.isScript === true],
    ['UseLocalScope', cmd.useLocalScope ?? null],
    // [MS-PSRP] 2.2.3.12 lists MergeMyResults/MergeToResults, but its example, PowerShell and psrpcore use these names.
    ['MergeMyResult', merge.error === true ? e(PipelineResultTypes.Error) : e(PipelineResultTypes.None)],
    ['MergeToResult', merge.error === true ? e(PipelineResultTypes.Output) : e(PipelineResultTypes.None)],
    ['MergePreviousResults', e(PipelineResultTypes.None)],
  ];
  // The per-stream merge fields exist from protocol 2.2 (MergeInformation from 2.3); older servers reject them.
  if (protocolVersion !== undefined && compareVersions(protocolVersion, '2.2') >= 0) {
    props.push(['MergeError', to(merge.error)], ['MergeWarning', to(merge.warning)], ['MergeVerbose', to(merge.verbose)], ['MergeDebug', to(merge.debug)]);
  }
  if (protocolVersion !== undefined && compareVersions(protocolVersion, '2.3') >= 0) props.push(['MergeInformation', to(merge.information)]);
  return new PSObject({ extended: props, toStringValue: cmd.command });
}

/**
 * Builds a CREATE_PIPELINE body as psrpcore (and PowerShell) do: `Cmds` holds the first statement and, when there are
 * several, `ExtraCmds` holds every statement. `protocolVersion` is the negotiated one (the server's SESSION_CAPABILITY);
 * undefined before negotiation, which sends only the merge fields every version knows.
 */
export function buildCreatePipeline(options: CreatePipelineOptions, protocolVersion: string | undefined): PSObject {
  if (options.statements.length === 0) invalid('CREATE_PIPELINE needs at least one statement');
  for (const s of options.statements) if (s.length === 0) invalid('A statement of CREATE_PIPELINE has no command');
  const enums = new EnumScope();
  const commands = (statement: PipelineStatement): PSObject => createPSList(statement.map((c) => buildCommand(c, protocolVersion, enums)));
  const powerShell: [string, PSValue][] = [
    ['Cmds', commands(options.statements[0]!)],
    ['IsNested', options.isNested === true],
    ['History', options.history ?? null],
    ['RedirectShellErrorOutputPipe', options.redirectShellErrorOutputPipe ?? true],
  ];
  if (options.statements.length > 1) {
    powerShell.push(['ExtraCmds', createPSList(options.statements.map((s) => new PSObject({ extended: [['Cmds', commands(s)]] })))]);
  }
  const streamOptions = options.remoteStreamOptions ?? 0;
  return new PSObject({
    typeNames: ['System.Object'],
    extended: [
      ['NoInput', options.noInput ?? true],
      ['ApartmentState', enums.get(ApartmentState, EnumTypeName.ApartmentState, ApartmentState[options.apartmentState ?? 'Unknown'])],
      ['RemoteStreamOptions', enums.get(RemoteStreamOptions, EnumTypeName.RemoteStreamOptions, streamOptions)],
      ['AddToHistory', options.addToHistory === true],
      ['HostInfo', options.hostInfo ?? buildNullHostInfo()],
      ['PowerShell', new PSObject({ extended: powerShell })],
      ['IsNested', options.isNested === true],
    ],
  });
}

function parseCommand(value: PSValue): ParsedCommand {
  const ctx = 'CREATE_PIPELINE command';
  const obj = asObject(ctx, value);
  const parameters = listItems(ctx, 'Args', prop(obj, 'Args')).map((a) => {
    const arg = asObject(`${ctx} argument`, a);
    const name = prop(arg, 'N');
    return { name: typeof name === 'string' ? name : undefined, value: prop(arg, 'V') ?? null };
  });
  const m = (name: string): number | undefined => intValue(prop(obj, name));
  const scope = prop(obj, 'UseLocalScope');
  return {
    command: requireString(ctx, obj, 'Cmd'),
    isScript: optionalBool(obj, 'IsScript') ?? false,
    useLocalScope: typeof scope === 'boolean' ? scope : undefined,
    parameters,
    merge: {
      myResult: m('MergeMyResult') ?? 0,
      toResult: m('MergeToResult') ?? 0,
      previousResults: m('MergePreviousResults') ?? 0,
      error: m('MergeError'),
      warning: m('MergeWarning'),
      verbose: m('MergeVerbose'),
      debug: m('MergeDebug'),
      information: m('MergeInformation'),
    },
  };
}

/** Parses a CREATE_PIPELINE body to its statements (from `ExtraCmds` when present, else the single `Cmds`). */
export function parseCreatePipeline(body: PSValue): ParsedCreatePipeline {
  const ctx = 'CREATE_PIPELINE';
  const obj = asObject(ctx, body);
  const ps = prop(obj, 'PowerShell');
  if (!(ps instanceof PSObject)) throw messageError(`${ctx}: the PowerShell property is missing`, PEER_BUG_REMEDY);
  const extra = prop(ps, 'ExtraCmds');
  const statements =
    extra instanceof PSObject && extra.container !== undefined
      ? listItems(ctx, 'ExtraCmds', extra).map((s) => listItems(ctx, 'Cmds', prop(asObject(ctx, s), 'Cmds')).map(parseCommand))
      : [listItems(ctx, 'Cmds', prop(ps, 'Cmds')).map(parseCommand)];
  const host = prop(obj, 'HostInfo');
  return {
    statements,
    noInput: optionalBool(obj, 'NoInput') ?? true,
    addToHistory: optionalBool(obj, 'AddToHistory') ?? false,
    isNested: optionalBool(obj, 'IsNested') ?? optionalBool(ps, 'IsNested') ?? false,
    apartmentState: intValue(prop(obj, 'ApartmentState')) ?? ApartmentState.Unknown,
    remoteStreamOptions: intValue(prop(obj, 'RemoteStreamOptions')) ?? 0,
    hostInfo: host instanceof PSObject ? host : null,
    history: optionalString(ps, 'History'),
    redirectShellErrorOutputPipe: optionalBool(ps, 'RedirectShellErrorOutputPipe') ?? true,
  };
}

/** GET_COMMAND_METADATA options ([MS-PSRP] 2.2.2.14). */
export interface GetCommandMetadataOptions {
  /** Name patterns, e.g. `['Get-Mailbox', 'Set-*']`. */
  readonly names: readonly string[];
  /** CommandTypes flags; default 511 (All). */
  readonly commandType?: number;
  readonly namespace?: readonly string[];
  readonly argumentList?: readonly PSInput[];
}

/** A parsed GET_COMMAND_METADATA. */
export interface ParsedGetCommandMetadata {
  readonly names: string[];
  readonly commandType: number;
  readonly namespace: string[] | undefined;
  readonly argumentList: PSValue[] | undefined;
}

const STRING_ARRAY = ['System.String[]', 'System.Array', 'System.Object'];

/** Builds GET_COMMAND_METADATA as pypsrp sent it to Windows (CommandType as a plain I32). */
export function buildGetCommandMetadata(options: GetCommandMetadataOptions): PSObject {
  return new PSObject({
    extended: [
      ['Name', createPSList([...options.names], STRING_ARRAY)],
      ['CommandType', options.commandType ?? CommandTypes.All],
      // pypsrp sent the namespaces as object[] and Windows accepted it.
      ['Namespace', options.namespace === undefined ? null : createPSList([...options.namespace], ['System.Object[]', 'System.Array', 'System.Object'])],
      ['ArgumentList', options.argumentList === undefined ? null : createPSList(options.argumentList.map(toPSValue), ['System.Object[]', 'System.Array', 'System.Object'])],
    ],
  });
}

/** Parses GET_COMMAND_METADATA. */
export function parseGetCommandMetadata(body: PSValue): ParsedGetCommandMetadata {
  const ctx = 'GET_COMMAND_METADATA';
  const obj = asObject(ctx, body);
  const strings = (name: string): string[] | undefined => {
    const v = prop(obj, name);
    return v === null || v === undefined ? undefined : listItems(ctx, name, v).map(String);
  };
  return {
    names: strings('Name') ?? [],
    commandType: intValue(prop(obj, 'CommandType')) ?? CommandTypes.All,
    namespace: strings('Namespace'),
    argumentList: prop(obj, 'ArgumentList') == null ? undefined : listItems(ctx, 'ArgumentList', prop(obj, 'ArgumentList')),
  };
}

/** PIPELINE_STATE ([MS-PSRP] 2.2.2.21). */
export interface PipelineStateInfo {
  readonly state: number;
  readonly stateName: PSInvocationStateName | undefined;
  /** `ExceptionAsErrorRecord`: why the pipeline failed or stopped. */
  readonly reason: PSErrorRecordInfo | undefined;
}

/** Builds a PIPELINE_STATE body. */
export function buildPipelineState(state: PSInvocationStateName, reason?: ErrorRecordInit): PSObject {
  const props: [string, PSValue][] = [['PipelineState', PSInvocationState[state]]];
  if (reason !== undefined) props.push(['ExceptionAsErrorRecord', buildErrorRecord({ fullyQualifiedErrorId: 'RemotePSInvocationStateInfoReason', ...reason })]);
  return new PSObject({ extended: props });
}

/** Parses a PIPELINE_STATE body. */
export function parsePipelineState(body: PSValue): PipelineStateInfo {
  const ctx = 'PIPELINE_STATE';
  const obj = asObject(ctx, body);
  const state = requireInt(ctx, obj, 'PipelineState');
  const err = prop(obj, 'ExceptionAsErrorRecord');
  return { state, stateName: enumName(PSInvocationState, state), reason: err instanceof PSObject ? parseErrorRecord(err) : undefined };
}
