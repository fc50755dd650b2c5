import { ExopsError, ExopsErrorCode } from '@exops/contracts';

/** A malformed fragment stream ([MS-PSRP] 2.2.4). */
export function fragmentError(message: string, remedy: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_FRAGMENT, message, { remedy, details });
}

/** A malformed PSRP message header or payload ([MS-PSRP] 2.2.1, 2.2.2). */
export function messageError(message: string, remedy: string, details?: Record<string, unknown>, cause?: unknown): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_MESSAGE, message, { remedy, details, cause });
}

/** A size limit was exceeded. */
export function limitError(message: string, remedy: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_LIMIT, message, { remedy, details });
}

/** An operation that the current runspace pool or pipeline state does not allow. */
export function stateError(message: string, remedy: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_STATE, message, { remedy, details });
}

export const PEER_BUG_REMEDY =
  'The peer sent bytes that do not follow MS-PSRP; close the runspace pool and reconnect. If it repeats, capture the traffic (exops --debug) and report it.';
