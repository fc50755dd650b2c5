import { ExopsError, ExopsErrorCode } from '@exops/contracts';

/** An ExopsError WSMAN_ENVELOPE: the input is not a WS-Management envelope this package understands. */
export function envelopeError(message: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.WSMAN_ENVELOPE, message, {
    remedy: 'The peer sent something that is not a WS-Management envelope this client understands; run with --verbose to see it and report it if a server sent it.',
    details,
  });
}
