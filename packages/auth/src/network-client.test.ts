import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExopsErrorCode } from '@exops/contracts';
import { createMsalNetworkClient } from './network-client.js';
import { isNoProxyHost, resolveProxy } from './proxy.js';
import { createTestCertificate } from './test-support/certificates.js';

describe('proxy resolution', () => {
  const target = new URL('https://login.microsoftonline.com/organizations');
  it('takes HTTPS_PROXY, honours NO_PROXY, and lets an explicit setting win', () => {
    expect(resolveProxy(target, undefined, { HTTPS_PROXY: 'http://proxy:3128' })?.href).toBe('http://proxy:3128/');
    expect(resolveProxy(target, undefined, { https_proxy: 'proxy:8080' })?.host).toBe('proxy:8080');
    expect(resolveProxy(target, undefined, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.microsoftonline.com' })).toBeUndefined();
    expect(resolveProxy(target, 'http://other:1', {})?.host).toBe('other:1');
    expect(resolveProxy(target, false, { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(resolveProxy(target, undefined, {})).toBeUndefined();
  });

  it('reaches loopback directly despite HTTPS_PROXY', () => {
    expect(resolveProxy(new URL('https://127.0.0.1:8443/organizations'), undefined, { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
  });

  it('matches NO_PROXY entries by suffix, port and wildcard', () => {
    expect(isNoProxyHost('login.microsoftonline.com', 443, 'microsoftonline.com')).toBe(true);
    expect(isNoProxyHost('login.microsoftonline.com', 443, '*.microsoftonline.com')).toBe(true);
    expect(isNoProxyHost('notmicrosoftonline.com', 443, 'microsoftonline.com')).toBe(false);
    expect(isNoProxyHost('a.example', 443, 'a.example:8443')).toBe(false);
    expect(isNoProxyHost('a.example', 8443, 'a.example:8443')).toBe(true);
    expect(isNoProxyHost('anything', 443, '*')).toBe(true);
    expect(isNoProxyHost('anything', 443, undefined)).toBe(false);
  });

  it('rejects a malformed proxy URL with a PROXY error', () => {
    expect(() => resolveProxy(target, 'http://[bad', {})).toThrow(expect.objectContaining({ code: ExopsErrorCode.PROXY }));
  });
});

describe('the MSAL network client against real servers', () => {
  const certificate = createTestCertificate({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] });
  let origin = '';
  let proxyUrl = '';
  const connects: string[] = [];
  let lastBody = '';
  const servers: (http.Server | https.Server)[] = [];
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    const api = https.createServer({ key: certificate.privateKeyPem, cert: certificate.certificatePem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        lastBody = Buffer.concat(chunks).toString('utf8');
        if (req.url === '/html') {
          res.writeHead(502, { 'content-type': 'text/html' }).end('<html>proxy error</html>');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'X-Ms-Request-Id': 'r1' }).end(JSON.stringify({ method: req.method, url: req.url }));
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;

    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket) => {
      connects.push(req.url ?? '');
      if (req.headers['proxy-authorization'] === undefined && req.url?.startsWith('127.0.0.1') !== true) {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        sockets.add(upstream);
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    servers.push(api, proxy);
    for (const s of servers) s.on('connection', (socket: net.Socket) => sockets.add(socket));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('refuses a certificate it does not trust with a TLS error, and trusts it with network.ca', async () => {
    const strict = createMsalNetworkClient({ proxy: false });
    await expect(strict.sendGetRequestAsync(`${origin}/x`)).rejects.toMatchObject({ code: ExopsErrorCode.TLS, remedy: expect.stringContaining('--ca-file') });
    expect(strict.takeLastError()).toMatchObject({ code: ExopsErrorCode.TLS });
    expect(strict.takeLastError()).toBeUndefined();
    const trusting = createMsalNetworkClient({ proxy: false, ca: certificate.certificatePem });
    const get = await trusting.sendGetRequestAsync<{ method: string; url: string }>(`${origin}/x?y=1`);
    expect(get).toMatchObject({ status: 200, body: { method: 'GET', url: '/x?y=1' } });
    expect(get.headers['x-ms-request-id']).toBe('r1');
    const post = await trusting.sendPostRequestAsync<{ method: string }>(`${origin}/token`, { body: 'grant_type=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.body.method).toBe('POST');
    expect(lastBody).toBe('grant_type=x');
  });

  it('tunnels through a CONNECT proxy and logs a redacted wire line', async () => {
    const lines: string[] = [];
    const client = createMsalNetworkClient({ proxy: proxyUrl, ca: certificate.certificatePem, wireLog: (l) => lines.push(l) });
    const response = await client.sendPostRequestAsync<{ method: string }>(`${origin}/token?code=secret-code`, { body: 'a=b' });
    expect(response.body.method).toBe('POST');
    expect(connects.at(-1)).toBe(origin.replace('https://', ''));
    expect(lines[0]).toMatch(/^POST https:\/\/127\.0\.0\.1:\d+\/token -> 200/);
    expect(lines.join('\n')).not.toContain('secret-code');
  });

  it('reports a proxy that refuses the tunnel, and an unreachable proxy', async () => {
    const refusing = createMsalNetworkClient({ proxy: proxyUrl, ca: certificate.certificatePem });
    await expect(refusing.sendGetRequestAsync('https://localhost:1/x')).rejects.toMatchObject({ code: ExopsErrorCode.PROXY, remedy: expect.stringContaining('credentials') });
    const dead = createMsalNetworkClient({ proxy: 'http://127.0.0.1:1' });
    await expect(dead.sendGetRequestAsync(`${origin}/x`)).rejects.toMatchObject({ code: ExopsErrorCode.PROXY });
  });

  it('turns a non-JSON answer into an error that says who answered', async () => {
    const client = createMsalNetworkClient({ proxy: false, ca: certificate.certificatePem });
    await expect(client.sendGetRequestAsync(`${origin}/html`)).rejects.toMatchObject({
      code: ExopsErrorCode.HTTP_STATUS,
      details: expect.objectContaining({ status: 502, contentType: 'text/html' }),
    });
  });

  it('refuses plain http', async () => {
    await expect(createMsalNetworkClient().sendGetRequestAsync('http://127.0.0.1:1/')).rejects.toMatchObject({ code: ExopsErrorCode.CONFIG });
  });
});
