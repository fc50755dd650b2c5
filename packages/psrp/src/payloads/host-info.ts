/** [MS-PSRP] 2.2.3.14 HostInfo and its HostDefaultData (keys 0..9 of the `data` Hashtable). */
import { PSObject, createPSDictionary, type PSValue } from '@exops/contracts';
import { intValue, prop } from '../ps-read.js';
import { buildNullHostInfo } from './values.js';

/** A position in characters. */
export interface HostCoordinates {
  readonly x: number;
  readonly y: number;
}

/** A size in characters. */
export interface HostSize {
  readonly width: number;
  readonly height: number;
}

/** What a client tells the server about its console (HostDefaultData); every field optional. */
export interface HostDefaultData {
  /** System.ConsoleColor values (0..15). */
  readonly foregroundColor?: number;
  readonly backgroundColor?: number;
  readonly cursorPosition?: HostCoordinates;
  readonly windowPosition?: HostCoordinates;
  readonly cursorSize?: number;
  readonly bufferSize?: HostSize;
  readonly windowSize?: HostSize;
  readonly maxWindowSize?: HostSize;
  readonly maxPhysicalWindowSize?: HostSize;
  readonly windowTitle?: string;
}

const COORDINATES = 'System.Management.Automation.Host.Coordinates';
const SIZE = 'System.Management.Automation.Host.Size';

function entry(type: string, value: PSValue): PSObject {
  return new PSObject({ extended: [['T', type], ['V', value]] });
}

/** HostInfo ([MS-PSRP] 2.2.3.14): the four flags and, for a host with a console, its default data. */
export interface HostInfoOptions {
  readonly hostDefaultData?: HostDefaultData;
  /** Default false when the options are given (true only in the "no host" HostInfo). */
  readonly isHostNull?: boolean;
  readonly isHostUINull?: boolean;
  readonly isHostRawUINull?: boolean;
  readonly useRunspaceHost?: boolean;
}

/**
 * HostInfo in the order pypsrp sent it to Windows: `_hostDefaultData` (when given), then the four flags. Without
 * options, the "no host" HostInfo ({@link buildNullHostInfo}) psrpcore sends.
 */
export function buildHostInfo(options?: HostInfoOptions): PSObject {
  if (options === undefined) return buildNullHostInfo();
  const flags: [string, PSValue][] = [
    ['_isHostNull', options.isHostNull ?? false],
    ['_isHostUINull', options.isHostUINull ?? false],
    ['_isHostRawUINull', options.isHostRawUINull ?? false],
    ['_useRunspaceHost', options.useRunspaceHost ?? false],
  ];
  const data = options.hostDefaultData;
  if (data === undefined) return new PSObject({ extended: flags });
  const entries: [PSValue, PSValue][] = [];
  const add = (key: number, value: PSObject | undefined): void => {
    if (value !== undefined) entries.push([key, value]);
  };
  const coords = (c: HostCoordinates | undefined): PSObject | undefined =>
    c === undefined ? undefined : entry(COORDINATES, new PSObject({ extended: [['x', c.x], ['y', c.y]] }));
  const size = (s: HostSize | undefined): PSObject | undefined =>
    s === undefined ? undefined : entry(SIZE, new PSObject({ extended: [['height', s.height], ['width', s.width]] }));
  add(0, data.foregroundColor === undefined ? undefined : entry('System.ConsoleColor', data.foregroundColor));
  add(1, data.backgroundColor === undefined ? undefined : entry('System.ConsoleColor', data.backgroundColor));
  add(2, coords(data.cursorPosition));
  add(3, coords(data.windowPosition));
  add(4, data.cursorSize === undefined ? undefined : entry('System.Int32', data.cursorSize));
  add(5, size(data.bufferSize));
  add(6, size(data.windowSize));
  add(7, size(data.maxWindowSize));
  add(8, size(data.maxPhysicalWindowSize));
  add(9, data.windowTitle === undefined ? undefined : entry('System.String', data.windowTitle));
  return new PSObject({ extended: [['_hostDefaultData', new PSObject({ extended: [['data', createPSDictionary(entries)]] })], ...flags] });
}

/** Reads a HostInfo's flags and default data; undefined for a missing HostInfo. */
export function parseHostInfo(hostInfo: PSObject | null): HostInfoOptions | undefined {
  if (hostInfo === null) return undefined;
  const flag = (name: string): boolean => prop(hostInfo, name) === true;
  const data = parseHostDefaultData(hostInfo);
  return {
    ...(data === undefined ? {} : { hostDefaultData: data }),
    isHostNull: flag('_isHostNull'),
    isHostUINull: flag('_isHostUINull'),
    isHostRawUINull: flag('_isHostRawUINull'),
    useRunspaceHost: flag('_useRunspaceHost'),
  };
}

function parseHostDefaultData(hostInfo: PSObject): HostDefaultData | undefined {
  const holder = prop(hostInfo, '_hostDefaultData');
  const dict = holder instanceof PSObject ? prop(holder, 'data') : undefined;
  if (!(dict instanceof PSObject) || dict.container?.kind !== 'DCT') return undefined;
  const byKey = new Map<number, PSValue | undefined>();
  for (const [k, v] of dict.container.entries) {
    const key = intValue(k);
    if (key !== undefined && v instanceof PSObject) byKey.set(key, prop(v, 'V'));
  }
  const num = (k: number): number | undefined => intValue(byKey.get(k));
  const coords = (k: number): HostCoordinates | undefined => {
    const v = byKey.get(k);
    if (!(v instanceof PSObject)) return undefined;
    return { x: intValue(prop(v, 'x')) ?? 0, y: intValue(prop(v, 'y')) ?? 0 };
  };
  const size = (k: number): HostSize | undefined => {
    const v = byKey.get(k);
    if (!(v instanceof PSObject)) return undefined;
    return { width: intValue(prop(v, 'width')) ?? 0, height: intValue(prop(v, 'height')) ?? 0 };
  };
  const title = byKey.get(9);
  const out: Record<string, unknown> = {
    foregroundColor: num(0),
    backgroundColor: num(1),
    cursorPosition: coords(2),
    windowPosition: coords(3),
    cursorSize: num(4),
    bufferSize: size(5),
    windowSize: size(6),
    maxWindowSize: size(7),
    maxPhysicalWindowSize: size(8),
    windowTitle: typeof title === 'string' ? title : undefined,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as HostDefaultData;
}

