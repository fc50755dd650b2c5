import { describe, expect, it } from 'vitest';
import { ExopsErrorCode } from '@exops/contracts';
import { errorCodeOf, redactUrl, toNetworkError } from './network-errors.js';

const url = new URL('https://outlook.office365.com/powershell-liveid/');
const systemError = (code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(`${code} happened`), { code, ...extra });

describe('toNetworkError', () => {
  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', ExopsErrorCode.HTTP_TIMEOUT, /timed out after 5000 ms/],
    ['ENOTFOUND', ExopsErrorCode.NETWORK, /could not be resolved/],
    ['ECONNRESET', ExopsErrorCode.NETWORK, /closed before the response was complete/],
    ['ENETUNREACH', ExopsErrorCode.NETWORK, /could not be reached/],
    ['CERT_HAS_EXPIRED', ExopsErrorCode.TLS, /validity period/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', ExopsErrorCode.TLS, /another name/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', ExopsErrorCode.TLS, /unknown authority/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', ExopsErrorCode.TLS, /did not answer with TLS/],
  ])('maps %s to %s', (code, expected, message) => {
    const e = toNetworkError(systemError(code), { url, method: 'POST', connectTimeoutMs: 5000 });
    expect(e.code).toBe(expected);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/outlook\.office365\.com(:443)?/);
    expect(e.remedy).toBeTruthy();
    expect(e.details?.['causeCode']).toBe(code);
  });

  it('finds the code inside an AggregateError (happy eyeballs) and a cause chain', () => {
    const aggregate = Object.assign(new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], 'all failed'), { code: undefined });
    expect(errorCodeOf(aggregate)).toBe('ECONNREFUSED');
    expect(errorCodeOf(new Error('outer', { cause: systemError('EAI_AGAIN') }))).toBe('EAI_AGAIN');
    expect(errorCodeOf(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: systemError('ECONNRESET') }))).toBe('ECONNRESET');
  });

  it('blames the proxy when the failing address is the proxy, and for a connect timeout through it', () => {
    const proxy = new URL('http://proxy.corp:3128');
    const refused = toNetworkError(systemError('ECONNREFUSED', { address: 'proxy.corp', port: 3128 }), { url, proxy, method: 'POST' });
    expect(refused.code).toBe(ExopsErrorCode.PROXY);
    expect(toNetworkError(systemError('UND_ERR_CONNECT_TIMEOUT'), { url, proxy, method: 'POST' }).code).toBe(ExopsErrorCode.PROXY);
    const tunnel = toNetworkError(Object.assign(new Error('Proxy response (403) !== 200 when HTTP Tunneling'), { code: 'UND_ERR_ABORTED' }), { url, proxy, method: 'POST' });
    expect(tunnel.code).toBe(ExopsErrorCode.PROXY);
    expect(tunnel.message).toMatch(/HTTP 403/);
  });

  it('redacts credentials of proxy and target URLs', () => {
    expect(redactUrl('http://alice:s3cret@proxy:1/?access_token=abcdefgh')).toBe('http://[REDACTED]@proxy:1/?access_token=[REDACTED]');
    const e = toNetworkError(systemError('ECONNRESET'), { url, proxy: new URL('http://alice:s3cret@proxy:1'), method: 'POST' });
    expect(JSON.stringify(e.toJSON())).not.toContain('s3cret');
  });
});
