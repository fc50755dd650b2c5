/**
 * Stable exit codes: scripts branch on them, so they never change meaning.
 * 0 success · 1 the command ran and reported errors · 2 bad input or usage · 3 sign-in · 4 network, TLS, proxy ·
 * 5 the service refused (session cap, RPS off, remote PowerShell disabled, throttling) · 130 interrupted (Ctrl-C).
 */
import { ExopsErrorCode, isExopsError } from '@exops/contracts';

export const ExitCode = {
  OK: 0,
  COMMAND_ERRORS: 1,
  USAGE: 2,
  AUTH: 3,
  NETWORK: 4,
  SERVICE: 5,
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const USAGE_CODES = new Set<string>([
  ExopsErrorCode.INVALID_ARGUMENT, ExopsErrorCode.EXO_PARAMETER, ExopsErrorCode.EXO_CMDLET_NOT_FOUND, ExopsErrorCode.CONFIG,
  ExopsErrorCode.CLOUD, ExopsErrorCode.PSRP_FRAGMENT, ExopsErrorCode.PSRP_MESSAGE, ExopsErrorCode.PSRP_CLIXML,
  ExopsErrorCode.PSRP_XML_FORBIDDEN, ExopsErrorCode.PSRP_LIMIT, ExopsErrorCode.WSMAN_ENVELOPE,
]);
const NETWORK_CODES = new Set<string>([ExopsErrorCode.NETWORK, ExopsErrorCode.TLS, ExopsErrorCode.PROXY, ExopsErrorCode.HTTP_TIMEOUT]);
const SERVICE_CODES = new Set<string>([
  ExopsErrorCode.EXO_SESSION_CAP, ExopsErrorCode.EXO_RUNSPACE_BUDGET, ExopsErrorCode.EXO_RPS_DISABLED,
  ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED, ExopsErrorCode.EXO_THROTTLED, ExopsErrorCode.EXO_SERVICE,
  ExopsErrorCode.WSMAN_QUOTA, ExopsErrorCode.EXO_DELEGATED_ORG, ExopsErrorCode.HTTP_STATUS, ExopsErrorCode.WSMAN_FAULT,
  ExopsErrorCode.WSMAN_SHELL_NOT_FOUND, ExopsErrorCode.EXO_SESSION_LOST, ExopsErrorCode.EXO_STREAM_INTERRUPTED,
]);

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (!isExopsError(error)) return ExitCode.COMMAND_ERRORS;
  const code: string = error.code;
  if (code === ExopsErrorCode.ABORTED) return ExitCode.INTERRUPTED;
  if (USAGE_CODES.has(code)) return ExitCode.USAGE;
  if (code.startsWith('EXOPS_AUTH_')) return ExitCode.AUTH;
  if (NETWORK_CODES.has(code)) return ExitCode.NETWORK;
  if (SERVICE_CODES.has(code)) return ExitCode.SERVICE;
  return ExitCode.COMMAND_ERRORS;
}
