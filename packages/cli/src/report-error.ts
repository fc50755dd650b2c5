/**
 * How an error reaches the admin: one line saying what happened, one saying what to do, and with --verbose the
 * details and the cause chain. Everything passes through redaction first.
 */
import { isExopsError, redactText } from '@exops/contracts';

export interface ErrorReportOptions {
  readonly verbose: boolean;
  readonly color: boolean;
}

function paint(color: boolean, code: string, text: string): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The text to print on stderr for an error. */
export function formatError(error: unknown, options: ErrorReportOptions): string {
  const lines: string[] = [];
  const message = redactText(error instanceof Error ? error.message : String(error));
  lines.push(paint(options.color, '31', `error: ${message}`));
  if (isExopsError(error) && error.remedy !== undefined) lines.push(paint(options.color, '33', `  fix: ${redactText(error.remedy)}`));
  if (options.verbose) {
    if (isExopsError(error)) {
      lines.push(`  code: ${error.code}`);
      if (error.details !== undefined) lines.push(`  details: ${redactText(JSON.stringify(error.details))}`);
    }
    let cause = error instanceof Error ? error.cause : undefined;
    for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
      lines.push(`  cause: ${redactText(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause))}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  } else if (isExopsError(error)) {
    lines.push(paint(options.color, '2', `  (${error.code}; --verbose shows more)`));
  }
  return `${lines.join('\n')}\n`;
}
