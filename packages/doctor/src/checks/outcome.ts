import type { CheckOutcome } from '../types.js';

/** A passing outcome. */
export function pass(summary: string, detail?: string): CheckOutcome {
  return detail === undefined ? { status: 'pass', summary } : { status: 'pass', summary, detail };
}

/** A warning: the connection may work, but something will bite. A remedy is required. */
export function warn(summary: string, remedy: string, detail?: string): CheckOutcome {
  return detail === undefined ? { status: 'warn', summary, remedy } : { status: 'warn', summary, remedy, detail };
}

/** A failure: the connection will not work until the remedy is applied. */
export function fail(summary: string, remedy: string, detail?: string): CheckOutcome {
  return detail === undefined ? { status: 'fail', summary, remedy } : { status: 'fail', summary, remedy, detail };
}

/** The check does not apply here, or cannot run. */
export function skip(summary: string, detail?: string): CheckOutcome {
  return detail === undefined ? { status: 'skip', summary } : { status: 'skip', summary, detail };
}
