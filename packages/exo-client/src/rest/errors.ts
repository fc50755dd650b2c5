/**
 * The REST service's error body (reference §2.6) mapped to typed errors:
 * `{"error":{"code","message","details":[{"code","target","message"}],"innererror":{"message","type","internalexception"}}}`,
 * where `details[0].message` is `ErrorId|ExceptionClass|Message` (or a JSON-serialized exception).
 */
import { ExopsError, ExopsErrorCode, headerValue, redactText } from '@exops/contracts';
import type { HttpResponse, PSErrorRecordInfo } from '@exops/contracts';

/** What the module prints when the body cannot be read. */
export const GENERIC_SERVER_ERROR =
  'A server side error has occurred because of which the operation could not be completed. Please try again after some time. If the problem still persists, please reach out to MS support.';

/** PowerShell's ErrorCategory names by their integer value (System.Management.Automation.ErrorCategory). */
const ERROR_CATEGORIES = [
  'NotSpecified', 'OpenError', 'CloseError', 'DeviceError', 'DeadlockDetected', 'InvalidArgument', 'InvalidData',
  'InvalidOperation', 'InvalidResult', 'InvalidType', 'MetadataError', 'NotImplemented', 'NotInstalled',
  'ObjectNotFound', 'OperationStopped', 'OperationTimeout', 'SyntaxError', 'ParserError', 'PermissionDenied',
  'ResourceBusy', 'ResourceExists', 'ResourceUnavailable', 'ReadError', 'WriteError', 'FromStdErr', 'SecurityError',
  'ProtocolError', 'ConnectionError', 'AuthenticationError', 'LimitsExceeded', 'QuotaExceeded', 'NotEnabled',
] as const;

interface ODataErrorDetail {
  code?: unknown;
  target?: unknown;
  message?: unknown;
}

interface ODataErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    details?: ODataErrorDetail[];
    innererror?: { message?: unknown; type?: unknown; internalexception?: { message?: unknown; type?: unknown } };
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Splits `ErrorId|Class|Message` as ExoHelper does; a message without two bars is returned whole. */
export function splitServiceErrorMessage(text: string): { errorId: string | undefined; exceptionType: string | undefined; message: string } {
  const first = text.indexOf('|');
  const second = first < 0 ? -1 : text.indexOf('|', first + 1);
  if (first < 0 || second < 0) return { errorId: undefined, exceptionType: undefined, message: text };
  return { errorId: text.slice(0, first), exceptionType: text.slice(first + 1, second), message: text.slice(second + 1) };
}

function categoryName(code: unknown): string | undefined {
  const n = typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
  if (n !== undefined) return ERROR_CATEGORIES[n] ?? String(n);
  return str(code);
}

/** An error record from one `@adminapi.errors` item or one error body detail. */
export function parseServiceErrorRecord(detail: ODataErrorDetail | string): PSErrorRecordInfo {
  if (typeof detail === 'string') {
    const parts = splitServiceErrorMessage(detail);
    return { message: parts.message, fullyQualifiedErrorId: parts.errorId, category: undefined, targetName: undefined, exceptionType: parts.exceptionType };
  }
  const parts = splitServiceErrorMessage(str(detail.message) ?? '');
  return {
    message: parts.message,
    fullyQualifiedErrorId: parts.errorId,
    category: categoryName(detail.code),
    targetName: str(detail.target),
    exceptionType: parts.exceptionType,
  };
}

/** A command failed on the server: the record says what PowerShell would have printed. */
export class ExoCommandError extends ExopsError {
  readonly record: PSErrorRecordInfo;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(code: ExopsErrorCode, record: PSErrorRecordInfo, options: { status?: number; requestId?: string; remedy?: string; cause?: unknown } = {}) {
    super(code, record.message, {
      remedy: options.remedy,
      cause: options.cause,
      details: {
        ...(record.fullyQualifiedErrorId === undefined ? {} : { errorId: record.fullyQualifiedErrorId }),
        ...(record.exceptionType === undefined ? {} : { exceptionType: record.exceptionType }),
        ...(record.category === undefined ? {} : { category: record.category }),
        ...(record.targetName === undefined ? {} : { target: record.targetName }),
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      },
    });
    this.name = 'ExoCommandError';
    this.record = record;
    this.status = options.status;
    this.requestId = options.requestId;
  }
}

/** What fixes a refused delegated organization (`--delegated-org`), on either transport. */
export const DELEGATED_ORG_REMEDY =
  'The signed-in account may not manage that organization: it needs a partner relationship with it (Partner Center, ' +
  'DAP or GDAP) and an Exchange administrator role there. Sign in with such an account, or drop --delegated-org to ' +
  'manage your own tenant.';

function remedyFor(record: PSErrorRecordInfo, status: number, cmdlet: string): { code: ExopsErrorCode; remedy: string | undefined } {
  const type = record.exceptionType ?? '';
  const text = record.message;
  if (/ParameterBinding|ParameterTransformation|CannotConvertArgument/i.test(type) || /parameter cannot be found|Cannot bind parameter/i.test(text)) {
    return { code: ExopsErrorCode.EXO_PARAMETER, remedy: `Check the parameters of ${cmdlet}: \`exops cmdlets ${cmdlet}\` lists them.` };
  }
  if (/is not recognized as the name of a cmdlet|CommandNotFound/i.test(text + type)) {
    return { code: ExopsErrorCode.EXO_CMDLET_NOT_FOUND, remedy: `Check the name, or whether your roles include ${cmdlet}: \`exops cmdlets\` lists what you may run.` };
  }
  // The code RPS gives the same refusal (rps/errors.ts), so a caller handles it once for both transports.
  if (/DelegatedAccessDeniedException/.test(type)) return { code: ExopsErrorCode.EXO_DELEGATED_ORG, remedy: DELEGATED_ORG_REMEDY };
  if (/n't allowed to use remote ?PowerShell|not allowed to use remote ?PowerShell|RemotePowerShellNotEnabled/i.test(text + type)) {
    return {
      code: ExopsErrorCode.EXO_REMOTE_POWERSHELL_DISABLED,
      remedy: 'Remote PowerShell is turned off for this account: another administrator can run `Set-User -Identity <you> -RemotePowerShellEnabled $true` (EXOModuleEnabled toggles with it).',
    };
  }
  if (status === 403 || /not allowed to call|AccessDenied|isn't assigned to any management roles/i.test(text + type)) {
    return {
      code: ExopsErrorCode.AUTH_ACCESS_DENIED,
      remedy: `Your account (or app) lacks a role that allows ${cmdlet}: ask an Exchange administrator to assign one (e.g. Exchange Administrator, or a role group with ${cmdlet}), or check RemotePowerShellEnabled with Get-User.`,
    };
  }
  if (status === 429) return { code: ExopsErrorCode.EXO_THROTTLED, remedy: 'The service is throttling this tenant: wait and run again, or lower --concurrency.' };
  if (status >= 500) return { code: ExopsErrorCode.EXO_SERVICE, remedy: 'The service failed; run the command again in a few minutes. `exo-doctor` checks the connection.' };
  return { code: ExopsErrorCode.EXO_CMDLET_ERROR, remedy: undefined };
}

/** Maps a non-2xx InvokeCommand response to a typed error. */
export function parseRestErrorResponse(response: HttpResponse, cmdlet: string): ExoCommandError {
  const requestId = headerValue(response.headers, 'request-id');
  const text = Buffer.from(response.body).toString('utf8');
  let body: ODataErrorBody | undefined;
  try {
    body = JSON.parse(text) as ODataErrorBody;
  } catch {
    body = undefined;
  }
  // Any JSON may arrive (a proxy's page, `{"error":null}`): only an object is read as the service's error body.
  const err = typeof body === 'object' && body !== null && typeof body.error === 'object' && body.error !== null ? body.error : undefined;
  let record: PSErrorRecordInfo;
  if (err === undefined) {
    const snippet = redactText(text.replace(/\s+/g, ' ').slice(0, 200));
    record = {
      message: `${GENERIC_SERVER_ERROR} (HTTP ${response.status}${snippet === '' ? '' : `: ${snippet}`})`,
      fullyQualifiedErrorId: undefined,
      category: undefined,
      targetName: undefined,
      exceptionType: headerValue(response.headers, 'x-exceptiontype'),
    };
  } else {
    const first: unknown = Array.isArray(err.details) ? err.details[0] : undefined;
    const detail = typeof first === 'object' && first !== null ? (first as ODataErrorDetail) : undefined;
    if (detail !== undefined && str(detail.message) !== undefined) record = parseServiceErrorRecord(detail);
    else {
      const inner = str(err.innererror?.internalexception?.message) ?? str(err.innererror?.message) ?? str(err.message) ?? GENERIC_SERVER_ERROR;
      const parts = splitServiceErrorMessage(inner);
      record = {
        message: parts.message,
        fullyQualifiedErrorId: parts.errorId ?? str(err.code),
        category: undefined,
        targetName: undefined,
        exceptionType: parts.exceptionType ?? str(err.innererror?.type) ?? headerValue(response.headers, 'x-exceptiontype'),
      };
    }
  }
  record = { ...record, message: redactText(record.message) };
  const { code, remedy } = remedyFor(record, response.status, cmdlet);
  return new ExoCommandError(code, record, { status: response.status, ...(requestId === undefined ? {} : { requestId }), ...(remedy === undefined ? {} : { remedy }) });
}
