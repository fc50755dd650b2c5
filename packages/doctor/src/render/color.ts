import { styleText } from 'node:util';
import type { CheckStatus } from '../types.js';

/** Colour only on a TTY and never under NO_COLOR (https://no-color.org) or TERM=dumb. */
export function shouldUseColor(
  stream: { readonly isTTY?: boolean } = process.stdout,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

const STATUS_STYLE = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'gray' } as const;
const STATUS_LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;

/** The status as a fixed label, coloured when asked. */
export function formatStatus(status: CheckStatus, color: boolean): string {
  return color ? styleText(STATUS_STYLE[status], STATUS_LABEL[status]) : STATUS_LABEL[status];
}
