/**
 * Response shapes of the REST endpoint: the OData error body (reference §2.6), the success body (§2.5) and the
 * diagnostic headers (`request-id`, `X-CalculatedBETarget`, `Date`, `x-ExceptionType`).
 */
import type { EmulatorResponse } from '../../types.js';
import { ErrorCategory, type ExchangeErrorRecord } from '../cmdlets/error-records.js';

/** The content type of OData JSON responses. */
export const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** The diagnostic headers every response carries. */
export interface ResponseContext {
  readonly requestId: string;
  readonly clientRequestId: string;
  readonly backendTarget: string;
  readonly date: Date;
}

/** Headers of every response, errors included. */
export function baseHeaders(context: ResponseContext): Record<string, string> {
  return {
    'content-type': JSON_CONTENT_TYPE,
    'odata-version': '4.0',
    'request-id': context.requestId,
    'client-request-id': context.clientRequestId,
    'x-calculatedbetarget': context.backendTarget,
    'x-backendhttpstatus': '200',
    date: context.date.toUTCString(),
    'cache-control': 'no-cache',
  };
}

/** One `details` item (and one `@adminapi.errors` item): `ErrorId|ExceptionType|Message`, the category as an integer. */
export function buildErrorDetail(record: ExchangeErrorRecord): { code: string; target: string; message: string } {
  return {
    code: String(ErrorCategory[record.category]),
    target: record.targetName ?? '',
    message: `${record.errorId}|${record.exceptionType ?? ''}|${record.message}`,
  };
}

/** The error body for a cmdlet's terminating error. */
export function buildCmdletErrorResponse(record: ExchangeErrorRecord, context: ResponseContext, extraHeaders: Record<string, string> = {}): EmulatorResponse {
  const status = record.httpStatus;
  const withDetails = record.errorId !== 'CmdletAccessDenied';
  const body = {
    error: {
      code: STATUS_CODES[status] ?? 'Error',
      message: record.message,
      ...(withDetails ? { details: [buildErrorDetail(record)] } : {}),
      innererror: {
        message: record.message,
        type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
        ...(withDetails ? { internalexception: { message: record.innerMessage ?? record.message, type: record.exceptionType ?? '' } } : {}),
      },
    },
  };
  return {
    status,
    headers: {
      ...baseHeaders(context),
      'x-backendhttpstatus': String(status),
      ...(record.exceptionType === undefined ? {} : { 'x-exceptiontype': record.exceptionType.slice(record.exceptionType.lastIndexOf('.') + 1) }),
      ...(record.targetName === undefined ? {} : { 'x-exceptiontargettype': 'String' }),
      ...extraHeaders,
    },
    body: JSON.stringify(body),
  };
}

/** An error outside any cmdlet (auth, tenant, request shape): the same OData shape, no details. */
export function buildServiceErrorResponse(status: number, message: string, context: ResponseContext, extraHeaders: Record<string, string> = {}, exceptionType = 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException'): EmulatorResponse {
  return {
    status,
    headers: { ...baseHeaders(context), 'x-backendhttpstatus': String(status), ...extraHeaders },
    body: JSON.stringify({ error: { code: STATUS_CODES[status] ?? 'Error', message, innererror: { message, type: exceptionType } } }),
  };
}
