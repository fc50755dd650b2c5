import { describe, expect, it } from 'vitest';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { mapMsalError, parseAadstsCode } from './msal-errors.js';
import type { MsalErrorContext } from './msal-errors.js';

const interactive: MsalErrorContext = { flow: 'interactive', signInCommand: 'exops connect', user: 'a@b.c' };
const msal = (errorCode: string, errorMessage: string, subError = '') => Object.assign(new Error(`${errorCode}: ${errorMessage}`), { errorCode, errorMessage, subError });

describe('mapMsalError', () => {
  it('reads the AADSTS code', () => {
    expect(parseAadstsCode('AADSTS50076: Due to')).toBe(50076);
    expect(parseAadstsCode('no code')).toBeUndefined();
  });

  it('keeps only the first line of the Entra text and redacts secrets in it', () => {
    const error = mapMsalError(msal('invalid_request', 'AADSTS90014: bad refresh_token=abcdefgh\r\nTrace ID: 1\r\nCorrelation ID: 2'), interactive);
    expect(error.code).toBe(ExopsErrorCode.AUTH_FAILED);
    expect(error.message).not.toContain('Trace ID');
    expect(error.message).not.toContain('abcdefgh');
    expect(error.details).toMatchObject({ aadsts: 90014, msalErrorCode: 'invalid_request' });
  });

  it('strips a known password from the kept text', () => {
    const error = mapMsalError(msal('invalid_request', 'AADSTS9000: echo hunter2hunter2'), { ...interactive, flow: 'credential', secrets: ['hunter2hunter2'] });
    expect(error.message).not.toContain('hunter2hunter2');
  });

  it('maps interaction required to AUTH_INTERACTION_REQUIRED outside the credential flow', () => {
    expect(mapMsalError(msal('invalid_grant', 'AADSTS50076: MFA', 'basic_action'), interactive).code).toBe(ExopsErrorCode.AUTH_INTERACTION_REQUIRED);
    expect(mapMsalError(msal('interaction_required', 'AADSTS50079: enroll'), { ...interactive, flow: 'credential' }).code).toBe(ExopsErrorCode.AUTH_MFA_REQUIRED);
  });

  it('maps certificate, tenant, Conditional Access and device code outcomes', () => {
    expect(mapMsalError(msal('invalid_client', 'AADSTS700027: assertion'), interactive).code).toBe(ExopsErrorCode.AUTH_CERTIFICATE);
    expect(mapMsalError(msal('invalid_request', 'AADSTS90002: Tenant not found'), interactive).remedy).toMatch(/--organization/);
    expect(mapMsalError(msal('access_denied', 'AADSTS53003: blocked by CA'), interactive).code).toBe(ExopsErrorCode.AUTH_ACCESS_DENIED);
    expect(mapMsalError(msal('post_request_failed', 'expired_token'), interactive).message).toMatch(/device code expired/);
    expect(mapMsalError(msal('device_code_polling_cancelled', ''), interactive).code).toBe(ExopsErrorCode.ABORTED);
  });

  it('prefers the network module’s own error over MSAL’s bare network_error', () => {
    const own = new ExopsError(ExopsErrorCode.PROXY, 'proxy said no');
    expect(mapMsalError(msal('network_error', 'See https://aka.ms'), { ...interactive, takeNetworkError: () => own })).toBe(own);
    expect(mapMsalError(msal('network_error', 'self signed certificate in chain'), interactive).code).toBe(ExopsErrorCode.TLS);
  });

  it('passes an ExopsError through unchanged', () => {
    const own = new ExopsError(ExopsErrorCode.AUTH_USER_MISMATCH, 'x');
    expect(mapMsalError(own, interactive)).toBe(own);
  });
});
