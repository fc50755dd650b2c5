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

/**
 * SGR codes written directly: the caller has already decided on colour (`--color`, FORCE_COLOR), and `util.styleText`
 * re-checks stdout itself on newer Node versions, dropping colour that was asked for when output is piped.
 */
const STATUS_STYLE = { pass: '32', warn: '33', fail: '31', skip: '90' } as const;
const STATUS_LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;

/** The status as a fixed label, coloured when asked. */
export function formatStatus(status: CheckStatus, color: boolean): string {
  return color ? `\u001b[${STATUS_STYLE[status]}m${STATUS_LABEL[status]}\u001b[39m` : STATUS_LABEL[status];
}
