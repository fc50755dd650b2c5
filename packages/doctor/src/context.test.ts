import { type AccessToken, CLOUD_ENVIRONMENTS, createEmulatorEnvironment } from '@exops/contracts';
import { describe, expect, it } from 'vitest';
import { createDoctorContext, describeProxyUrl, getConnectionHost, isExemptFromProxy, proxyForHost, readProxySettings, summarizeAccessToken } from './context.js';

describe('proxy settings', () => {
  it('reads HTTPS_PROXY before https_proxy and HTTP_PROXY, and NO_PROXY', () => {
    expect(readProxySettings({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:2', NO_PROXY: '.corp' })).toEqual({ url: 'http://a:1', source: 'HTTPS_PROXY', noProxy: '.corp' });
    expect(readProxySettings({ http_proxy: 'http://c:3', no_proxy: 'x' })).toEqual({ url: 'http://c:3', source: 'http_proxy', noProxy: 'x' });
    expect(readProxySettings({})).toEqual({ url: undefined, source: 'none', noProxy: '' });
  });
  it('lets the option win, and false disable', () => {
    expect(readProxySettings({ HTTPS_PROXY: 'http://a:1' }, 'http://o:9').source).toBe('option');
    expect(readProxySettings({ HTTPS_PROXY: 'http://a:1' }, false)).toMatchObject({ url: undefined, source: 'disabled' });
  });
  it('matches NO_PROXY like curl: suffixes, leading dots, *, ports', () => {
    expect(isExemptFromProxy('office365.com', 'outlook.office365.com', 443)).toBe(true);
    expect(isExemptFromProxy('.office365.com', 'outlook.office365.com', 443)).toBe(true);
    expect(isExemptFromProxy('*.office365.com', 'outlook.office365.com', 443)).toBe(true);
    expect(isExemptFromProxy('365.com', 'outlook.office365.com', 443)).toBe(false);
    expect(isExemptFromProxy('localhost, 127.0.0.1:8443', '127.0.0.1', 8443)).toBe(true);
    expect(isExemptFromProxy('127.0.0.1:8443', '127.0.0.1', 443)).toBe(false);
    expect(isExemptFromProxy('*', 'anything', 1)).toBe(true);
    expect(proxyForHost({ url: 'http://p:1', source: 'HTTPS_PROXY', noProxy: 'login.microsoftonline.com' }, 'outlook.office365.com')).toBe('http://p:1');
  });
  it('hides proxy credentials', () => {
    expect(describeProxyUrl('http://user:secret@proxy.corp:8080/')).toBe('http://***@proxy.corp:8080');
    expect(describeProxyUrl('::')).toBe('(not a URL)');
  });
});

describe('createDoctorContext', () => {
  it('defaults to REST, Get-Mailbox and the process values, and drops the UPN for app-only', () => {
    const ctx = createDoctorContext({ environment: CLOUD_ENVIRONMENTS.O365Default, upn: 'a@b.com', probes: {}, env: { NODE_EXTRA_CA_CERTS: '/ca.pem' } });
    expect(ctx).toMatchObject({ transport: 'rest', cmdlets: ['Get-Mailbox'], flow: 'interactive', extraCaConfigured: true, platform: process.platform });
    expect(createDoctorContext({ environment: CLOUD_ENVIRONMENTS.O365Default, upn: 'a@b.com', flow: 'certificate', probes: {}, env: {} }).upn).toBeUndefined();
  });
  it('picks the connection host by transport', () => {
    expect(getConnectionHost(CLOUD_ENVIRONMENTS.O365USGovDoD, 'rest')).toBe('outlook-dod.office365.us');
    expect(getConnectionHost(CLOUD_ENVIRONMENTS.O365USGovDoD, 'rps')).toBe('webmail.apps.mil');
    expect(getConnectionHost(CLOUD_ENVIRONMENTS.O365GermanyCloud, 'rest')).toBe('outlook.office.de');
    expect(getConnectionHost(createEmulatorEnvironment('https://127.0.0.1:9443'), 'rest')).toBe('127.0.0.1');
  });
});

describe('summarizeAccessToken', () => {
  it('keeps the claims and drops the token', () => {
    const secret = `eyJ${'x'.repeat(10)}.eyJ${'y'.repeat(10)}.zzz`;
    const token: AccessToken = { token: secret, expiresOn: new Date(0), user: 'a@b.com', tenantId: 't', scopes: ['Exchange.Manage'], kind: 'delegated', clientId: 'c' };
    const summary = summarizeAccessToken(token, { audience: 'https://outlook.office365.com' });
    expect(JSON.stringify(summary)).not.toContain(secret);
    expect(summary).toMatchObject({ user: 'a@b.com', audience: 'https://outlook.office365.com', scopes: ['Exchange.Manage'] });
  });
});
