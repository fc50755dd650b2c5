import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExopsError, ExopsErrorCode, type HttpTransport } from '@exops/contracts';
import { createUndiciHttpTransport, type UndiciTransportOptions } from './undici-transport.js';
import { createTestPki, type TestPki } from './test-support/certificates.js';
import { startConnectProxy, startTestServer, unusedPort, type TestProxy, type TestServer } from './test-support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function transport(options: UndiciTransportOptions = {}): HttpTransport {
  const t = createUndiciHttpTransport({ env: {}, ...options });
  cleanups.push(() => t.close());
  return t;
}

async function server(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const s = await startTestServer(...args);
  cleanups.push(() => s.close());
  return s;
}

async function proxy(options?: Parameters<typeof startConnectProxy>[0]): Promise<TestProxy> {
  const p = await startConnectProxy(options);
  cleanups.push(() => p.close());
  return p;
}

async function failure(promise: Promise<unknown>): Promise<ExopsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExopsError);
    return error as ExopsError;
  }
  throw new Error('expected a failure');
}

const text = (body: Uint8Array): string => Buffer.from(body).toString('utf8');

describe('createUndiciHttpTransport over HTTP', () => {
  it('keeps one socket alive per origin and sends Content-Length, never chunked', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const t = transport();
    for (let i = 0; i < 3; i += 1) {
      const r = await t.request({ method: 'POST', url: `${s.origin}/wsman`, body: `<s:Envelope n="${i}"/>`, headers: { 'Content-Type': 'application/soap+xml;charset=UTF-8' } });
      expect(r.status).toBe(200);
    }
    await Promise.all([1, 2, 3].map((i) => t.request({ method: 'POST', url: `${s.origin}/wsman`, body: `x${i}` })));
    expect(s.connections()).toBe(1);
    expect(s.requests).toHaveLength(6);
    for (const r of s.requests) {
      expect(r.headers['transfer-encoding']).toBeUndefined();
      expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
      expect(r.headers['user-agent']).toMatch(/^exops\/\d+\.\d+\.\d+/);
    }
  });

  it('stores Set-Cookie and sends the cookies back to the same origin', async () => {
    const s = await server((req, res) => {
      if (req.url === '/first') res.setHeader('set-cookie', ['MS-WSMAN=affinity-1; Path=/; HttpOnly', 'other=2; Path=/wsman']);
      res.end('ok');
    });
    const t = transport();
    await t.request({ method: 'POST', url: `${s.origin}/first`, body: 'a' });
    await t.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'b' });
    await t.request({ method: 'POST', url: `${s.origin}/elsewhere`, body: 'c' });
    expect(s.requests[0]?.headers.cookie).toBeUndefined();
    // RFC 6265 5.4: cookies with longer paths are listed first.
    expect(s.requests[1]?.headers.cookie).toBe('other=2; MS-WSMAN=affinity-1');
    expect(s.requests[2]?.headers.cookie).toBe('MS-WSMAN=affinity-1');
  });

  it('stores a cookie set on a redirect and sends it on the next hop', async () => {
    const s = await server((req, res) => {
      if (req.url === '/powershell-liveid') res.writeHead(302, { location: '/pod/powershell-liveid', 'set-cookie': 'MS-WSMAN=backend-7; Path=/' }).end();
      else res.end(req.headers.cookie ?? 'none');
    });
    const r = await transport().request({ method: 'POST', url: `${s.origin}/powershell-liveid`, body: 'x' });
    expect(text(r.body)).toBe('MS-WSMAN=backend-7');
  });

  it('follows a 302 keeping POST and body, and 307 keeping them too', async () => {
    const s = await server((req, res) => {
      if (req.url === '/a') {
        res.writeHead(302, { location: '/b' }).end();
      } else if (req.url === '/b') {
        res.writeHead(307, { location: '/c?x=1' }).end();
      } else {
        res.end(`${req.method} ${req.url} ${req.body}`);
      }
    });
    const t = transport();
    const r = await t.request({ method: 'POST', url: `${s.origin}/a`, body: '<e/>', headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' } });
    expect(text(r.body)).toBe('POST /c?x=1 <e/>');
    expect(r.url).toBe(`${s.origin}/c?x=1`);
    expect(s.requests.map((q) => q.headers.authorization)).toEqual(['Basic dXNlcjpwYXNzd29yZA==', 'Basic dXNlcjpwYXNzd29yZA==', 'Basic dXNlcjpwYXNzd29yZA==']);
  });

  it('turns a 303 into a GET without body', async () => {
    const s = await server((req, res) => {
      if (req.url === '/a') res.writeHead(303, { location: '/b' }).end();
      else res.end(`${req.method} ${req.body.length}`);
    });
    const r = await transport().request({ method: 'POST', url: `${s.origin}/a`, body: 'payload' });
    expect(text(r.body)).toBe('GET 0');
  });

  it('does not follow redirects when the request or the transport says so', async () => {
    const s = await server((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end('moved'));
    const byRequest = await transport().request({ method: 'POST', url: `${s.origin}/a`, body: 'x', followRedirects: false });
    expect(byRequest.status).toBe(302);
    const byTransport = await transport({ followRedirects: false }).request({ method: 'POST', url: `${s.origin}/a`, body: 'x' });
    expect(byTransport.status).toBe(302);
    expect(byTransport.headers['location']).toBe('/elsewhere');
    expect(s.requests).toHaveLength(2);
  });

  it('strips Authorization when a redirect crosses to another origin', async () => {
    const target = await server((req, res) => res.end(req.headers.authorization ?? 'none'));
    const origin = await server((_req, res) => res.writeHead(307, { location: `${target.origin}/wsman` }).end());
    const r = await transport().request({ method: 'POST', url: `${origin.origin}/wsman`, body: 'x', headers: { Authorization: 'Basic c2VjcmV0OnNlY3JldA==' } });
    expect(text(r.body)).toBe('none');
    expect(target.requests[0]?.body).toBe('x');
    expect(origin.requests[0]?.headers.authorization).toBe('Basic c2VjcmV0OnNlY3JldA==');
  });

  it('caps the number of redirects', async () => {
    const s = await server((_req, res) => res.writeHead(302, { location: '/loop' }).end());
    const e = await failure(transport({ maxRedirects: 3 }).request({ method: 'POST', url: `${s.origin}/loop`, body: 'x' }));
    expect(e.code).toBe(ExopsErrorCode.HTTP_STATUS);
    expect(e.message).toContain('more than 3 times');
    expect(s.requests).toHaveLength(4);
  });

  it('times out a response that does not come within the read timeout', async () => {
    const s = await server(() => undefined);
    const e = await failure(transport().request({ method: 'POST', url: `${s.origin}/slow`, body: 'x', readTimeoutMs: 150 }));
    expect(e.code).toBe(ExopsErrorCode.HTTP_TIMEOUT);
    expect(e.message).toContain(`127.0.0.1:${s.port}`);
    expect(e.message).toContain('150 ms');
    expect(e.remedy).toMatch(/OperationTimeout/);
  });

  it('maps a refused connection to NETWORK with the host:port and a remedy', async () => {
    const port = await unusedPort();
    const e = await failure(transport().request({ method: 'POST', url: `http://127.0.0.1:${port}/wsman`, body: 'x' }));
    expect(e.code).toBe(ExopsErrorCode.NETWORK);
    expect(e.message).toBe(`127.0.0.1:${port} refused the connection (ECONNREFUSED).`);
    expect(e.remedy).toBeDefined();
    expect(e.details?.['causeCode']).toBe('ECONNREFUSED');
  });

  it('maps a connection the server destroys to NETWORK', async () => {
    const s = await server((_req, _res, raw) => {
      raw.socket.destroy();
    });
    const e = await failure(transport().request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' }));
    expect(e.code).toBe(ExopsErrorCode.NETWORK);
    expect(e.message).toContain(`127.0.0.1:${s.port}`);
    expect(e.message).toMatch(/closed before the response was complete/);
  });

  it('maps an aborted signal to ABORTED', async () => {
    const s = await server(() => undefined);
    const controller = new AbortController();
    const pending = transport().request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed Ctrl+C')), 30);
    const e = await failure(pending);
    expect(e.code).toBe(ExopsErrorCode.ABORTED);
  });

  it('writes a redacted wire log, with bodies only when asked', async () => {
    const token = `eyJ${'a'.repeat(20)}.eyJ${'b'.repeat(20)}.${'c'.repeat(20)}`;
    const s = await server((_req, res) => {
      res.setHeader('set-cookie', 'MS-WSMAN=secretcookie');
      res.end(`<echo>${token}</echo>`);
    });
    const auth = `Basic ${Buffer.from(`user@contoso.com:Bearer ${token}`).toString('base64')}`;
    const quiet: string[] = [];
    await transport({ wireLog: (l) => quiet.push(l) }).request({ method: 'POST', url: `${s.origin}/wsman?access_token=abcdef123`, body: `<b>${token}</b>`, headers: { authorization: auth } });
    expect(quiet[0]).toMatch(/^> POST http:\/\/127\.0\.0\.1:\d+\/wsman\?access_token=\[REDACTED\]$/);
    expect(quiet.some((l) => /^< 200 POST .* \d+ ms, \d+ bytes$/.test(l))).toBe(true);
    expect(quiet).toContain('> authorization: [REDACTED]');
    expect(quiet).toContain('< set-cookie: [REDACTED]');
    expect(quiet.some((l) => l.includes('<b>') || l.includes('<echo>'))).toBe(false);

    const loud: string[] = [];
    await transport({ wireLog: (l) => loud.push(l), wireLogBodies: true }).request({ method: 'POST', url: `${s.origin}/wsman`, body: `<b>${token}</b>`, headers: { authorization: auth } });
    expect(loud).toContain('> <b>[REDACTED]</b>');
    expect(loud).toContain('< <echo>[REDACTED]</echo>');
    const all = [...quiet, ...loud].join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(auth.slice(6));
    expect(all).not.toContain('secretcookie');
  });

  it('refuses to use a closed transport', async () => {
    const t = createUndiciHttpTransport({ env: {} });
    await t.close();
    const e = await failure(t.request({ method: 'GET', url: 'http://127.0.0.1:1/' }));
    expect(e.code).toBe(ExopsErrorCode.INTERNAL);
  });
});

describe('createUndiciHttpTransport proxies', () => {
  it('tunnels through HTTP(S)_PROXY with CONNECT, and bypasses it for NO_PROXY hosts', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const p = await proxy();
    const viaEnv = transport({ env: { HTTP_PROXY: p.url } });
    expect((await viaEnv.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' })).status).toBe(200);
    expect(p.tunnels).toEqual([`127.0.0.1:${s.port}`]);

    const bypassed = transport({ env: { http_proxy: p.url, NO_PROXY: `example.com, 127.0.0.1:${s.port}` } });
    expect((await bypassed.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' })).status).toBe(200);
    expect(p.tunnels).toHaveLength(1);

    const explicit = transport({ proxy: p.url, env: { NO_PROXY: 'example.com' } });
    await explicit.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' });
    expect(p.tunnels).toHaveLength(2);

    const never = transport({ proxy: false, env: { HTTP_PROXY: p.url } });
    await never.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' });
    expect(p.tunnels).toHaveLength(2);
  });

  it('sends proxy credentials from the proxy URL and maps a 407 to PROXY', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const p = await proxy({ refuseWith: 407 });
    const e = await failure(transport({ proxy: p.url.replace('http://', 'http://alice:s3cret@') }).request({ method: 'POST', url: `${s.origin}/x`, body: 'x' }));
    expect(p.authorizations[0]).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(e.code).toBe(ExopsErrorCode.PROXY);
    expect(e.message).toContain('407');
    expect(JSON.stringify(e.toJSON())).not.toContain('s3cret');
  });

  it('maps an unreachable proxy to PROXY', async () => {
    const port = await unusedPort();
    const e = await failure(transport({ proxy: `http://127.0.0.1:${port}` }).request({ method: 'POST', url: 'https://outlook.office365.com/x', body: 'x' }));
    expect(e.code).toBe(ExopsErrorCode.PROXY);
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.remedy).toMatch(/NO_PROXY/);
  });

  it('rejects a malformed proxy URL when the transport is created', () => {
    expect(() => createUndiciHttpTransport({ proxy: 'socks9://x:1' })).toThrow(/not supported/);
  });
});

describe('createUndiciHttpTransport over TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });

  it('refuses an untrusted certificate with a TLS error naming --ca-file', async () => {
    const s = await server((_req, res) => res.end('ok'), pki.leaf);
    const e = await failure(transport().request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' }));
    expect(e.code).toBe(ExopsErrorCode.TLS);
    expect(e.message).toContain(`127.0.0.1:${s.port}`);
    expect(e.message).toMatch(/unknown authority/);
    expect(e.remedy).toMatch(/TLS-inspecting proxy or a private CA: pass --ca-file/);
  });

  it('names a self-signed certificate', async () => {
    const s = await server((_req, res) => res.end('ok'), pki.selfSigned);
    const e = await failure(transport().request({ method: 'GET', url: `${s.origin}/` }));
    expect(e.code).toBe(ExopsErrorCode.TLS);
    expect(e.message).toMatch(/self-signed/);
  });

  it('trusts a server issued by the custom CA, as PEM text or a file, on top of the default roots', async () => {
    const s = await server((_req, res) => res.end('ok'), pki.leaf);
    expect((await transport({ ca: pki.ca.certPem }).request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' })).status).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'exops-ca-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'ca.pem');
    writeFileSync(file, pki.ca.certPem);
    const viaFile = transport({ caFile: file });
    expect((await viaFile.request({ method: 'POST', url: `https://localhost:${s.port}/wsman`, body: 'x' })).status).toBe(200);
  });

  it('reports a hostname mismatch', async () => {
    const s = await server((_req, res) => res.end('ok'), pki.wrongName);
    const e = await failure(transport({ ca: pki.ca.certPem }).request({ method: 'GET', url: `${s.origin}/` }));
    expect(e.code).toBe(ExopsErrorCode.TLS);
    expect(e.message).toMatch(/another name/);
  });

  it('reports plain HTTP on a TLS URL', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const e = await failure(transport().request({ method: 'GET', url: `https://127.0.0.1:${s.port}/` }));
    expect(e.code).toBe(ExopsErrorCode.TLS);
    expect(e.remedy).toMatch(/scheme and port/);
  });

  it('tunnels HTTPS through the proxy and verifies the server beyond it', async () => {
    const s = await server((_req, res) => res.end('ok'), pki.leaf);
    const p = await proxy();
    const t = transport({ ca: pki.ca.certPem, env: { HTTPS_PROXY: p.url } });
    expect((await t.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'x' })).status).toBe(200);
    expect((await t.request({ method: 'POST', url: `${s.origin}/wsman`, body: 'y' })).status).toBe(200);
    expect(p.tunnels).toEqual([`127.0.0.1:${s.port}`]);
  });

  it('rejects a CA file that is not a certificate', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'exops-ca-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bad.pem');
    writeFileSync(file, 'not a certificate');
    expect(() => createUndiciHttpTransport({ caFile: file })).toThrow(/neither a PEM nor a DER/);
    expect(() => createUndiciHttpTransport({ caFile: path.join(dir, 'missing.pem') })).toThrow(/cannot be read/);
  });
});
