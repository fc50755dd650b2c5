import { describe, expect, it } from 'vitest';
import { matchesNoProxy, parseProxyUrl, resolveProxyFor } from './proxy.js';

const u = (s: string): URL => new URL(s);

describe('matchesNoProxy', () => {
  it.each([
    ['https://outlook.office365.com/x', '*', true],
    ['https://outlook.office365.com/x', 'office365.com', true],
    ['https://outlook.office365.com/x', '.office365.com', true],
    ['https://outlook.office365.com/x', '*.office365.com', true],
    ['https://office365.com/x', '.office365.com', true],
    ['https://notoffice365.com/x', 'office365.com', false],
    ['https://outlook.office365.com/x', 'OUTLOOK.OFFICE365.COM', true],
    ['https://outlook.office365.com/x', 'outlook.office365.com:443', true],
    ['https://outlook.office365.com/x', 'outlook.office365.com:8443', false],
    ['http://10.1.2.3:5985/wsman', '10.0.0.0/8', true],
    ['http://11.1.2.3:5985/wsman', '10.0.0.0/8', false],
    ['http://10.1.2.3:5985/wsman', '10.1.2.3:5985', true],
    ['http://[::1]:5985/wsman', '[::1]:5985', true],
    ['http://[::1]:5985/wsman', '::1', true],
    ['http://127.0.0.1/wsman', 'localhost, 127.0.0.1', true],
    ['http://127.0.0.1/wsman', 'localhost 127.0.0.2', false],
    ['http://1.2.3.4/wsman', '.3.4', false],
  ])('%s against %j is %s', (url, noProxy, expected) => {
    expect(matchesNoProxy(u(url), noProxy)).toBe(expected);
  });
});

describe('resolveProxyFor', () => {
  it('reads https_proxy before HTTPS_PROXY and HTTP_PROXY for http targets', () => {
    expect(resolveProxyFor(u('https://a.example/'), undefined, { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2' })?.host).toBe('low:1');
    expect(resolveProxyFor(u('https://a.example/'), undefined, { HTTPS_PROXY: 'http://up:2' })?.host).toBe('up:2');
    expect(resolveProxyFor(u('http://a.example/'), undefined, { HTTPS_PROXY: 'http://up:2' })).toBeUndefined();
    expect(resolveProxyFor(u('http://a.example/'), undefined, { HTTP_PROXY: 'proxy.corp:3128' })?.href).toBe('http://proxy.corp:3128/');
  });

  it('prefers an explicit proxy, honours NO_PROXY for it, and never proxies with false', () => {
    const env = { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'internal.example' };
    expect(resolveProxyFor(u('https://a.example/'), 'http://explicit:9', env)?.host).toBe('explicit:9');
    expect(resolveProxyFor(u('https://x.internal.example/'), 'http://explicit:9', env)).toBeUndefined();
    expect(resolveProxyFor(u('https://a.example/'), false, env)).toBeUndefined();
    expect(resolveProxyFor(u('https://a.example/'), undefined, { HTTPS_PROXY: '  ' })).toBeUndefined();
  });
});

describe('parseProxyUrl', () => {
  it('rejects unsupported schemes and hides credentials in the message', () => {
    expect(() => parseProxyUrl('ftp://proxy:21')).toThrow(/not supported/);
    expect(() => parseProxyUrl('http://user:pw@[bad')).toThrow(/'http:\/\/\[REDACTED\]@\[bad' is not a valid URL/);
  });
});
