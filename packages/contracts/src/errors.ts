/**
 * One error hierarchy for every exops package: a stable `code` callers can switch on, a `remedy` the CLI prints,
 * and `cause` chaining. The brand is a `Symbol.for` key so `isExopsError` holds across two loaded copies of this
 * package (as undici does with its `UND_ERR_*` errors).
 */

const EXOPS_ERROR_BRAND = Symbol.for('exops.error');

/** Every error code exops raises. Codes are API: never rename one, only add. */
export const ExopsErrorCode = {
  // generic
  INVALID_ARGUMENT: 'EXOPS_INVALID_ARGUMENT',
  ABORTED: 'EXOPS_ABORTED',
  INTERNAL: 'EXOPS_INTERNAL',
  // psrp
  PSRP_FRAGMENT: 'EXOPS_PSRP_FRAGMENT',
  PSRP_MESSAGE: 'EXOPS_PSRP_MESSAGE',
  PSRP_CLIXML: 'EXOPS_PSRP_CLIXML',
  PSRP_XML_FORBIDDEN: 'EXOPS_PSRP_XML_FORBIDDEN',
  PSRP_LIMIT: 'EXOPS_PSRP_LIMIT',
  PSRP_STATE: 'EXOPS_PSRP_STATE',
  PSRP_PIPELINE_FAILED: 'EXOPS_PSRP_PIPELINE_FAILED',
  PSRP_POOL_BROKEN: 'EXOPS_PSRP_POOL_BROKEN',
  // wsman
  WSMAN_ENVELOPE: 'EXOPS_WSMAN_ENVELOPE',
  WSMAN_FAULT: 'EXOPS_WSMAN_FAULT',
  WSMAN_SHELL_NOT_FOUND: 'EXOPS_WSMAN_SHELL_NOT_FOUND',
  WSMAN_QUOTA: 'EXOPS_WSMAN_QUOTA',
  // http / network
  HTTP_STATUS: 'EXOPS_HTTP_STATUS',
  HTTP_TIMEOUT: 'EXOPS_HTTP_TIMEOUT',
  NETWORK: 'EXOPS_NETWORK',
  TLS: 'EXOPS_TLS',
  PROXY: 'EXOPS_PROXY',
  // auth
  AUTH_FAILED: 'EXOPS_AUTH_FAILED',
  AUTH_ACCESS_DENIED: 'EXOPS_AUTH_ACCESS_DENIED',
  AUTH_USER_MISMATCH: 'EXOPS_AUTH_USER_MISMATCH',
  AUTH_MFA_REQUIRED: 'EXOPS_AUTH_MFA_REQUIRED',
  AUTH_INTERACTION_REQUIRED: 'EXOPS_AUTH_INTERACTION_REQUIRED',
  AUTH_TOKEN_EXPIRED: 'EXOPS_AUTH_TOKEN_EXPIRED',
  AUTH_CERTIFICATE: 'EXOPS_AUTH_CERTIFICATE',
  AUTH_NO_BROWSER: 'EXOPS_AUTH_NO_BROWSER',
  AUTH_UNSUPPORTED_FLOW: 'EXOPS_AUTH_UNSUPPORTED_FLOW',
  AUTH_CACHE: 'EXOPS_AUTH_CACHE',
  // exchange
  EXO_SESSION_CAP: 'EXOPS_EXO_SESSION_CAP',
  EXO_RUNSPACE_BUDGET: 'EXOPS_EXO_RUNSPACE_BUDGET',
  EXO_RPS_DISABLED: 'EXOPS_EXO_RPS_DISABLED',
  EXO_REMOTE_POWERSHELL_DISABLED: 'EXOPS_EXO_REMOTE_POWERSHELL_DISABLED',
  EXO_CMDLET_ERROR: 'EXOPS_EXO_CMDLET_ERROR',
  EXO_CMDLET_NOT_FOUND: 'EXOPS_EXO_CMDLET_NOT_FOUND',
  EXO_PARAMETER: 'EXOPS_EXO_PARAMETER',
  EXO_THROTTLED: 'EXOPS_EXO_THROTTLED',
  EXO_SERVICE: 'EXOPS_EXO_SERVICE',
  EXO_SESSION_LOST: 'EXOPS_EXO_SESSION_LOST',
  EXO_STREAM_INTERRUPTED: 'EXOPS_EXO_STREAM_INTERRUPTED',
  EXO_DELEGATED_ORG: 'EXOPS_EXO_DELEGATED_ORG',
  // configuration
  CONFIG: 'EXOPS_CONFIG',
  CLOUD: 'EXOPS_CLOUD',
} as const;

export type ExopsErrorCode = (typeof ExopsErrorCode)[keyof typeof ExopsErrorCode];

/** Options shared by every exops error. */
export interface ExopsErrorOptions {
  /** What the user should do about it, in one or two sentences. The CLI prints it under the message. */
  readonly remedy?: string | undefined;
  readonly cause?: unknown;
  /** Structured, already-redacted facts for `--verbose` and `--json` output. Never a secret. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** The base of every error exops throws. */
export class ExopsError extends Error {
  readonly code: ExopsErrorCode;
  readonly remedy: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ExopsErrorCode, message: string, options: ExopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExopsError';
    this.code = code;
    this.remedy = options.remedy;
    this.details = options.details;
    Object.defineProperty(this, EXOPS_ERROR_BRAND, { value: true });
  }

  /**
   * `instanceof ExopsError` also holds across two loaded copies of this package. Subclasses keep the ordinary
   * prototype check, so `instanceof SomeSubclass` stays precise.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === ExopsError) return isExopsError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /** A JSON form for `--json` output and logs: message, code, remedy and details; no stack. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.remedy === undefined ? {} : { remedy: this.remedy }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** True for any error raised by any copy of exops. */
export function isExopsError(value: unknown): value is ExopsError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXOPS_ERROR_BRAND] === true;
}

/** Turns anything thrown into an ExopsError, keeping an existing one as it is. */
export function toExopsError(value: unknown, code: ExopsErrorCode = ExopsErrorCode.INTERNAL): ExopsError {
  if (isExopsError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new ExopsError(code, message, { cause: value });
}
