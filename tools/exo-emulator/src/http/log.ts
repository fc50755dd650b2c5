/** Request log lines that never carry a secret: paths and queries pass through redactText, headers are not logged. */
import { redactText } from '@exops/contracts';

/** Where log lines go; the CLI prints them, the library API is silent unless given one. */
export type EmulatorLogger = (line: string) => void;

/** One access-log line: `2026-11-25T16:52:21.000Z POST /organizations/oauth2/v2.0/token 200 12ms`. */
export function formatAccessLine(at: Date, method: string, target: string, status: number | string, elapsedMs: number): string {
  return `${at.toISOString()} ${method} ${redactText(target)} ${status} ${Math.round(elapsedMs)}ms`;
}
