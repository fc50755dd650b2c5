import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createEmulatorEnvironment } from '@exops/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockSkewCheck } from '../checks/clock-skew.js';
import { proxyCheck } from '../checks/proxy.js';
import { tcpCheck } from '../checks/tcp.js';
import { tlsCheck } from '../checks/tls.js';
import { createDoctorContext } from '../context.js';
import { runDoctor } from '../run-doctor.js';
import { createTestPki, type TestPki } from '../test-support/pki.js';
import type { DoctorContext, DoctorProbes, ProxySettings } from '../types.js';
import { createDnsProbe, createHttpProbe, createNetworkProbes, createOidcProbe, createOsCommandProbe, createProxyProbe, createTcpProbe, createTlsProbe } from './index.js';

const NO_PROXY: ProxySettings = { url: undefined, source: 'none', noProxy: '' };

function listen<T extends HttpServer | HttpsServer | ReturnType<typeof createNetServer>>(server: T): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: { close(cb: () => void): unknown; closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A closed port: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await close(server);
  return port;
}

function emulatorContext(port: number, probes: Partial<DoctorProbes>, extra: Partial<Parameters<typeof createDoctorContext>[0]> = {}): DoctorContext {
  return createDoctorContext({ environment: createEmulatorEnvironment(`https://127.0.0.1:${port}`), upn: 'admin@contoso.com', probes, env: {}, ...extra });
}

let pki: TestPki;
let httpsServer: HttpsServer;
let httpsPort: number;
let skewMs = 0;
let proxyServer: HttpServer;
let proxyPort: number;
const proxyConnects: string[] = [];

beforeAll(async () => {
  pki = createTestPki();
  httpsServer = createHttpsServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
    if (req.url?.endsWith('/.well-known/openid-configuration') === true) {
      res.writeHead(req.url.includes('/unknown.example/') ? 400 : 200, { 'content-type': 'application/json' });
      res.end(
        req.url.includes('/unknown.example/')
          ? JSON.stringify({ error: 'invalid_tenant', error_description: "AADSTS90002: Tenant 'unknown.example' not found." })
          : JSON.stringify({ issuer: 'https://127.0.0.1/v2.0', cloud_instance_name: 'microsoftonline.com', tenant_region_scope: 'EU', extra: 1 }),
      );
      return;
    }
    // Node writes Date itself; a skewed server is simulated by overriding it.
    res.setHeader('date', new Date(Date.now() + skewMs).toUTCString());
    res.writeHead(200);
    res.end();
  });
  httpsPort = await listen(httpsServer);

  // A minimal CONNECT proxy (RFC 9110 §9.3.6) that demands credentials for user "ops".
  proxyServer = createHttpServer((_req, res) => res.writeHead(405).end());
  proxyServer.on('connect', (req, client: Socket, head: Buffer) => {
    proxyConnects.push(req.url ?? '');
    const auth = req.headers['proxy-authorization'];
    if (auth !== `Basic ${Buffer.from('ops:pa ss').toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  proxyPort = await listen(proxyServer);
});

afterAll(async () => {
  await close(httpsServer);
  await close(proxyServer);
});

describe('tcp probe on real sockets', () => {
  it('connects to a listening port', async () => {
    const result = await createTcpProbe().connect('127.0.0.1', httpsPort, 2_000);
    expect(result.ok).toBe(true);
  });
  it('fails tcp on a closed port, naming firewall or proxy', async () => {
    const port = await closedPort();
    const result = await createTcpProbe().connect('127.0.0.1', port, 2_000);
    expect(result).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    const outcome = await tcpCheck.run(emulatorContext(port, { tcp: createTcpProbe() }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/refused/);
    expect(outcome.remedy).toMatch(/firewall or a required proxy/);
  });
});

describe('tls probe on real sockets', () => {
  it('fails an untrusted self-signed chain with the fix', async () => {
    const probes = { tls: createTlsProbe() };
    const inspection = await probes.tls.inspect('127.0.0.1', httpsPort);
    expect(inspection.authorized).toBe(false);
    expect(inspection.authorizationError).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED/);
    expect(inspection.chain[0]?.issuer).toContain('exops Test Inspection CA');
    const outcome = await tlsCheck.run(emulatorContext(httpsPort, probes));
    expect(outcome.status).toBe('fail');
    expect(outcome.remedy).toContain('--ca-file');
    expect(outcome.remedy).toContain('NODE_EXTRA_CA_CERTS');
  });
  it('passes with the CA configured', async () => {
    const outcome = await tlsCheck.run(emulatorContext(httpsPort, { tls: createTlsProbe({ ca: [pki.caCertPem] }) }, { caFile: true }));
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toContain('exops Test Inspection CA');
  });
  it('names a host the certificate does not cover', async () => {
    const other = createTestPki('exops Other CA', [{ type: 2, value: 'other.example' }]);
    const server = createHttpsServer({ cert: other.serverCertPem, key: other.serverKeyPem }, (_req, res) => res.end());
    const port = await listen(server);
    try {
      const inspection = await createTlsProbe({ ca: [other.caCertPem] }).inspect('127.0.0.1', port);
      expect(inspection).toMatchObject({ authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      const outcome = await tlsCheck.run(emulatorContext(port, { tls: createTlsProbe({ ca: [other.caCertPem] }) }));
      expect(outcome.remedy).toMatch(/does not name this host/);
    } finally {
      await close(server);
    }
  });
  it('inspects through a CONNECT proxy', async () => {
    const proxy: ProxySettings = { url: `http://ops:pa%20ss@127.0.0.1:${proxyPort}`, source: 'HTTPS_PROXY', noProxy: '' };
    const inspection = await createTlsProbe({ ca: [pki.caCertPem], proxy }).inspect('127.0.0.1', httpsPort);
    expect(inspection).toMatchObject({ authorized: true, viaProxy: true });
    expect(proxyConnects).toContain(`127.0.0.1:${httpsPort}`);
  });
});

describe('http probe and clock-skew on real sockets', () => {
  const clockContext = (): DoctorContext => emulatorContext(httpsPort, { http: createHttpProbe({ ca: [pki.caCertPem], proxy: NO_PROXY }) });
  it('passes with a correct Date header', async () => {
    skewMs = 0;
    expect((await clockSkewCheck.run(clockContext())).status).toBe('pass');
  });
  it('warns over a minute of skew', async () => {
    skewMs = -3 * 60_000;
    const outcome = await clockSkewCheck.run(clockContext());
    expect(outcome.status).toBe('warn');
    expect(outcome.summary).toMatch(/ahead of the server/);
  });
  it('fails over five minutes of skew', async () => {
    skewMs = 20 * 60_000;
    const outcome = await clockSkewCheck.run(clockContext());
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/behind the server/);
    skewMs = 0;
  });
  it('refuses an untrusted server without the CA', async () => {
    const http = createHttpProbe({ proxy: NO_PROXY });
    await expect(http.head(`https://127.0.0.1:${httpsPort}/`)).rejects.toThrow();
    await http.close();
  });
});

describe('oidc probe', () => {
  it('reads the discovery document and the error of an unknown tenant', async () => {
    const http = createHttpProbe({ ca: [pki.caCertPem], proxy: NO_PROXY });
    const probe = createOidcProbe(http);
    const ok = await probe.discover(`https://127.0.0.1:${httpsPort}/contoso.com`);
    expect(ok).toMatchObject({ ok: true, document: { cloud_instance_name: 'microsoftonline.com', tenant_region_scope: 'EU' } });
    expect(ok.ok && 'extra' in ok.document).toBe(false);
    const bad = await probe.discover(`https://127.0.0.1:${httpsPort}/unknown.example`);
    expect(bad).toMatchObject({ ok: false, status: 400, error: 'invalid_tenant' });
    await http.close();
  });
});

describe('proxy probe', () => {
  it('opens a tunnel with credentials and passes the proxy check', async () => {
    const proxy: ProxySettings = { url: `http://ops:pa%20ss@127.0.0.1:${proxyPort}`, source: 'HTTPS_PROXY', noProxy: '' };
    const ctx = { ...emulatorContext(httpsPort, { proxy: createProxyProbe() }), proxy };
    const outcome = await proxyCheck.run(ctx);
    expect(outcome.status).toBe('pass');
    expect(JSON.stringify(outcome)).not.toContain('pa%20ss');
  });
  it('fails with the credentials fix on 407', async () => {
    const proxy: ProxySettings = { url: `http://127.0.0.1:${proxyPort}`, source: 'HTTPS_PROXY', noProxy: '' };
    const outcome = await proxyCheck.run({ ...emulatorContext(httpsPort, { proxy: createProxyProbe() }), proxy });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/407/);
  });
});

describe('dns and os probes', () => {
  it('resolves localhost and reports a name that does not exist', async () => {
    const dns = createDnsProbe();
    expect((await dns.lookup('localhost')).ok).toBe(true);
    expect(await dns.lookup('does-not-exist.invalid')).toMatchObject({ ok: false });
  });
  it('runs a program and reports its exit code; a missing program rejects', async () => {
    const os = createOsCommandProbe();
    expect(await os.run(process.execPath, ['-e', 'process.stdout.write("hi"); process.exit(3)'])).toMatchObject({ exitCode: 3, stdout: 'hi' });
    await expect(os.run('exops-no-such-program', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('runDoctor over the real network probes', () => {
  it('runs the network checks against a local server, skipping what needs the caller', async () => {
    const network = createNetworkProbes({ proxy: NO_PROXY, ca: [pki.caCertPem] });
    const ctx = emulatorContext(httpsPort, network.probes, { caFile: true });
    const report = await runDoctor(ctx, { skip: ['dns'] });
    await network.close();
    const status = Object.fromEntries(report.results.map((r) => [r.id, r.status]));
    expect(status).toMatchObject({ runtime: 'pass', 'winrm-basic-auth': 'skip', tcp: 'pass', tls: 'pass', proxy: 'pass', 'clock-skew': 'pass', authority: 'pass', 'sign-in': 'skip' });
  });
});
