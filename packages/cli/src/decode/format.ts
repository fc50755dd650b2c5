/** Output of `exops decode`: one JSON line per record (`--json`), or a block per record an admin can read. */
import { PSObject, PSPrimitive, psValueToJson, type PSJson, type PSValue } from '@exops/contracts';
import { PSInvocationState, RunspacePoolState, enumName } from '@exops/psrp';
import { withoutCycles } from './acyclic.js';
import type { DecodedRecord, PsrpMessageRecord } from './decode-capture.js';

/** Options of {@link formatRecordJson}. */
export interface JsonFormatOptions {
  /** Put `"@types": [...]` first in each object. */
  readonly typed?: boolean;
}

/**
 * One record as one line of JSON (no newline). A PSRP message is
 * `{"destination","messageType","rpid","pid","data"}`, a CLIXML object `{"data"}` (with `"stream"` first for
 * `#< CLIXML` stream entries), WinRS stream text `{"destination","stream","text"}`, a WinRS command line
 * `{"destination","command","arguments"}` and a fault `{"destination","fault"}`. Values follow `psValueToJson`.
 */
export function formatRecordJson(record: DecodedRecord, options: JsonFormatOptions = {}): string {
  const json = options.typed === true ? { typed: true } : {};
  switch (record.kind) {
    case 'message':
      return JSON.stringify({
        destination: record.destination,
        messageType: record.messageType,
        rpid: record.rpid,
        pid: record.pid,
        data: psValueToJson(withoutCycles(record.value), json),
      });
    case 'clixml':
      return JSON.stringify(
        record.stream === undefined
          ? { data: psValueToJson(withoutCycles(record.value), json) }
          : { stream: record.stream, data: psValueToJson(withoutCycles(record.value), json) },
      );
    case 'text':
      return JSON.stringify({ destination: record.destination, stream: record.stream, text: record.text });
    case 'command':
      return JSON.stringify({ destination: record.destination, command: record.command, arguments: record.arguments });
    case 'fault': {
      const f = record.fault;
      const fault: Record<string, PSJson> = { code: f.code };
      if (f.subcode !== undefined) fault['subcode'] = f.subcode;
      if (f.wsmanCode !== undefined) fault['wsmanCode'] = f.wsmanCode;
      if (f.wsmanCodeName !== undefined) fault['wsmanCodeName'] = f.wsmanCodeName;
      if (f.machine !== undefined) fault['machine'] = f.machine;
      if (f.faultDetail !== undefined) fault['faultDetail'] = f.faultDetail;
      fault['reason'] = f.reason;
      fault['message'] = f.message;
      return JSON.stringify({ destination: record.destination, fault });
    }
  }
}

/** Options of {@link formatRecordHuman}. */
export interface HumanFormatOptions {
  /** ANSI colours for the header lines. */
  readonly color?: boolean;
}

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
const INDENT = '    ';
const MAX_INLINE = 72;
const MAX_BYTES_SHOWN = 48;

function paint(on: boolean | undefined, code: string, text: string): string {
  return on === true ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function arrow(destination: 'client' | 'server'): string {
  return destination === 'client' ? 'server → client' : 'client → server';
}

/**
 * One record as a block of text: a header line (number, what it is, direction), the ids and where it came from,
 * then the value with objects as `Name : value` lists (type name first, nested objects indented). Ends with a
 * newline; blocks are separated by a blank line.
 */
export function formatRecordHuman(record: DecodedRecord, index: number, options: HumanFormatOptions = {}): string {
  const lines: string[] = [];
  const number = `[${index}]`;
  const from = [record.origin.input, record.origin.where].filter((p) => p !== '').join(', ');
  const source = paint(options.color, '2', `${INDENT}from ${from}`);
  switch (record.kind) {
    case 'message': {
      const state = stateSummary(record);
      lines.push(`${number} ${paint(options.color, '1', record.messageType)}  ${arrow(record.destination)}${state === undefined ? '' : `  (${state})`}`);
      lines.push(`${INDENT}RPID ${record.rpid}${record.pid === EMPTY_GUID ? '' : `  PID ${record.pid}`}`);
      lines.push(source);
      lines.push(...valueBlock(withoutCycles(record.value)).map((l) => INDENT + l));
      break;
    }
    case 'clixml':
      lines.push(`${number} ${paint(options.color, '1', 'CLIXML object')}${record.stream === undefined ? '' : `  (stream ${record.stream})`}`);
      lines.push(source);
      lines.push(...valueBlock(withoutCycles(record.value)).map((l) => INDENT + l));
      break;
    case 'text':
      lines.push(`${number} ${paint(options.color, '1', record.stream)}  ${arrow(record.destination)}  (WinRS${record.commandId === undefined ? '' : `, CommandId ${record.commandId}`})`);
      lines.push(source);
      lines.push(...textLines(record.text.replace(/\r?\n$/, '')).map((l) => INDENT + l));
      break;
    case 'command':
      lines.push(`${number} ${paint(options.color, '1', 'WinRS command')}  ${arrow(record.destination)}${record.commandId === undefined ? '' : `  (CommandId ${record.commandId})`}`);
      lines.push(source);
      lines.push(INDENT + visible([record.command, ...record.arguments].join(' ')));
      break;
    case 'fault': {
      const f = record.fault;
      lines.push(`${number} ${paint(options.color, '1;31', 'WS-Management fault')}  ${arrow(record.destination)}`);
      lines.push(source);
      const code = f.wsmanCode === undefined ? '' : `  WSManFault ${f.wsmanCode} (0x${f.wsmanCode.toString(16).toUpperCase()}${f.wsmanCodeName === undefined ? '' : ` ${f.wsmanCodeName}`})`;
      lines.push(`${INDENT}${f.code}${f.subcode === undefined ? '' : ` / ${f.subcode}`}${code}${f.machine === undefined ? '' : `  on ${f.machine}`}`);
      lines.push(...textLines(f.message).map((l) => INDENT + l));
      break;
    }
  }
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n\n`;
}

function stateSummary(record: PsrpMessageRecord): string | undefined {
  if (!(record.value instanceof PSObject)) return undefined;
  if (record.messageType === 'RUNSPACEPOOL_STATE') {
    const state = record.value.get('RunspaceState');
    return typeof state === 'number' ? enumName(RunspacePoolState, state) ?? String(state) : undefined;
  }
  if (record.messageType === 'PIPELINE_STATE') {
    const state = record.value.get('PipelineState');
    return typeof state === 'number' ? enumName(PSInvocationState, state) ?? String(state) : undefined;
  }
  return undefined;
}

/** Control characters other than tab and newline shown as escapes, so a capture cannot drive the terminal. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function textLines(text: string): string[] {
  return text.split(/\r?\n/).map(visible);
}

/** The one-line form of a value, or undefined when it needs a block. */
function inline(value: PSValue | undefined): string | undefined {
  if (value === undefined || value === null) return '$null';
  if (typeof value === 'string') return /\r|\n/.test(value) ? undefined : visible(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (value instanceof PSPrimitive) return primitiveText(value);
  const hasProperties = value.adapted.size > 0 || value.extended.size > 0;
  const c = value.container;
  if (!hasProperties && c === undefined) {
    if (value.toStringValue !== undefined) return visible(value.toStringValue);
    if (value.value !== undefined) return inline(value.value);
    return value.typeNames[0] === undefined ? '{}' : `[${value.typeNames[0]}]`;
  }
  if (!hasProperties && c !== undefined) {
    if (c.kind === 'DCT') return c.entries.length === 0 ? '{}' : undefined;
    if (c.items.length === 0) return '{}';
    const parts = c.items.map((item) => (item instanceof PSObject ? undefined : inline(item)));
    if (parts.some((p) => p === undefined)) return undefined;
    const text = `{${parts.join(', ')}}`;
    return text.length <= MAX_INLINE ? text : undefined;
  }
  return undefined;
}

function primitiveText(p: PSPrimitive): string {
  switch (p.tag) {
    case 'BA': {
      const bytes = p.value as Uint8Array;
      const shown = Buffer.from(bytes.subarray(0, MAX_BYTES_SHOWN)).toString('base64');
      return `byte[${bytes.length}] ${shown}${bytes.length > MAX_BYTES_SHOWN ? '…' : ''}`;
    }
    case 'SS':
      return `SecureString (encrypted: ${String(p.value).length} base64 characters)`;
    default:
      return visible(p.toString());
  }
}

/** The lines of a value as a block (no leading indent). */
function valueBlock(value: PSValue | undefined): string[] {
  const one = inline(value);
  if (one !== undefined) return [one];
  if (typeof value === 'string') return textLines(value);
  const obj = value as PSObject;
  const lines: string[] = [];
  const c = obj.container;
  const properties: [string, PSValue][] = [...obj.adapted];
  for (const [k, v] of obj.extended) if (!obj.adapted.has(k)) properties.push([k, v]);
  // Lists print as their items, as PowerShell does; objects and dictionaries lead with their type name, and an
  // extended primitive (a string with note properties) with its value.
  const primitive = obj.value === undefined ? undefined : inline(obj.value) ?? String(obj.value);
  const head = [obj.typeNames[0] === undefined ? undefined : `[${obj.typeNames[0]}]`, primitive].filter((p) => p !== undefined).join(' ');
  if (head !== '' && (properties.length > 0 || c?.kind === 'DCT' || primitive !== undefined)) lines.push(head);
  if (c?.kind === 'DCT') properties.push(...c.entries.map(([k, v]): [string, PSValue] => [inline(k) ?? String(k), v]));
  lines.push(...propertyLines(properties));
  if (c !== undefined && c.kind !== 'DCT') {
    for (const item of c.items) {
      const block = valueBlock(item);
      lines.push(`- ${block[0] ?? ''}`, ...block.slice(1).map((l) => `  ${l}`));
    }
  }
  return lines;
}

function propertyLines(properties: readonly [string, PSValue][]): string[] {
  const width = Math.min(48, Math.max(0, ...properties.map(([k]) => k.length)));
  const lines: string[] = [];
  for (const [key, value] of properties) {
    const name = visible(key).padEnd(width);
    const one = inline(value);
    if (one !== undefined) {
      lines.push(`${name} : ${one}`);
    } else if (typeof value === 'string') {
      const [first, ...rest] = textLines(value);
      lines.push(`${name} : ${first ?? ''}`, ...rest.map((l) => `${' '.repeat(width + 3)}${l}`));
    } else {
      lines.push(`${name} :`, ...valueBlock(value).map((l) => INDENT + l));
    }
  }
  return lines;
}
