/** Errors of `exops decode`: one line naming the input, where in it, and what was wrong. */
import { ExopsError, ExopsErrorCode, isExopsError } from '@exops/contracts';

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** An input of no known kind, or a problem found by `exops decode` itself. */
export function decodeError(input: string, what: string, remedy: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, oneLine(`${input}: ${what}`), { remedy, details });
}

/**
 * Wraps an error raised while decoding part of an input, prefixing where it happened. Keeps the cause's code (so the
 * exit code still says "bad input") and its details; the remedy is the decoder's, since the cause's remedy speaks to
 * a live session, not to a capture.
 */
export function wrapDecodeError(error: unknown, where: string, remedy: string): ExopsError {
  const message = error instanceof Error ? error.message : String(error);
  const code = isExopsError(error) ? error.code : ExopsErrorCode.INVALID_ARGUMENT;
  const details = isExopsError(error) ? error.details : undefined;
  return new ExopsError(code, oneLine(`${where}: ${message}`), { remedy, cause: error, details });
}
