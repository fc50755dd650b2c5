import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { CLOUD_ENVIRONMENTS, ExopsErrorCode } from '@exops/contracts';
import { createCertificateTokenProvider, describeCertificateValidity, loadCertificate } from './index.js';
import { buildPfx, createTestCertificate } from './test-support/certificates.js';
import { buildEntraError, buildTokenResponse, entraHandlers } from './test-support/entra-mock.js';
import type { RecordedTokenRequest, TokenAnswer } from './test-support/entra-mock.js';

const dir = mkdtempSync(join(tmpdir(), 'exops-cert-'));
const certificate = createTestCertificate({ commonName: 'exops-app' });
const expectedSha256 = new X509Certificate(certificate.certificatePem).fingerprint256.replaceAll(':', '');
const pfxPath = join(dir, 'app.pfx');
writeFileSync(pfxPath, buildPfx(certificate, 'pfx-pass'));
const pemPath = join(dir, 'app.pem');
writeFileSync(pemPath, certificate.certificatePem + certificate.privateKeyPem);
const certOnlyPath = join(dir, 'cert-only.pem');
writeFileSync(certOnlyPath, certificate.certificatePem);
const keyPath = join(dir, 'key.pem');
writeFileSync(keyPath, certificate.privateKeyPem);

describe('loadCertificate', () => {
  it('reads a PFX with its password and computes the SHA-256 thumbprint', async () => {
    const loaded = await loadCertificate({ path: pfxPath, password: 'pfx-pass' });
    expect(loaded.thumbprintSha256).toBe(expectedSha256);
    expect(loaded.thumbprintSha1).toMatch(/^[0-9A-F]{40}$/);
    expect(loaded.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(loaded.subject).toContain('CN=exops-app');
  });

  it('fails on a wrong PFX password in the V3 module words', async () => {
    const failure = await loadCertificate({ path: pfxPath, password: 'wrong' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      code: ExopsErrorCode.AUTH_CERTIFICATE,
      message: expect.stringContaining('2. Missing or invalid CertificatePassword provided to load the certificate.'),
      remedy: expect.stringContaining('--certificate-password'),
    });
    expect((failure as Error).message).not.toContain('wrong');
  });

  it('fails on a PFX without a private key', async () => {
    const path = join(dir, 'nokey.pfx');
    writeFileSync(path, buildPfx(certificate, 'p', false));
    await expect(loadCertificate({ path, password: 'p' })).rejects.toMatchObject({
      code: ExopsErrorCode.AUTH_CERTIFICATE,
      message: expect.stringContaining('holds no private key'),
    });
  });

  it('reads a PEM with the key inside, or beside it', async () => {
    await expect(loadCertificate({ path: pemPath })).resolves.toMatchObject({ thumbprintSha256: expectedSha256 });
    await expect(loadCertificate({ path: certOnlyPath, keyPath })).resolves.toMatchObject({ thumbprintSha256: expectedSha256 });
  });

  it('fails on a PEM without a key, a missing file and a file that is no certificate', async () => {
    await expect(loadCertificate({ path: certOnlyPath })).rejects.toMatchObject({ message: expect.stringContaining('holds no private key') });
    await expect(loadCertificate({ path: join(dir, 'absent.pfx') })).rejects.toMatchObject({
      code: ExopsErrorCode.AUTH_CERTIFICATE,
      message: expect.stringContaining('the file does not exist'),
    });
    const junk = join(dir, 'junk.pfx');
    writeFileSync(junk, 'not a certificate');
    await expect(loadCertificate({ path: junk })).rejects.toMatchObject({ message: expect.stringContaining('is neither a PFX') });
  });

  it('fails when the key belongs to another certificate', async () => {
    const other = createTestCertificate();
    const path = join(dir, 'mismatch.pem');
    // Same key pair is cached across test certificates, so forge a mismatch with a freshly generated key.
    const { generateKeyPairSync } = await import('node:crypto');
    const foreign = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(path, other.certificatePem + foreign);
    await expect(loadCertificate({ path })).rejects.toMatchObject({ message: expect.stringContaining('does not belong') });
  });

  it('warns about an expired certificate', async () => {
    const expired = createTestCertificate({ notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
    const path = join(dir, 'expired.pem');
    writeFileSync(path, expired.certificatePem + expired.privateKeyPem);
    const loaded = await loadCertificate({ path });
    expect(describeCertificateValidity(loaded)).toMatch(/expired on 2021-01-01/);
    expect(describeCertificateValidity(await loadCertificate({ path: pemPath }))).toBeUndefined();
  });
});

describe('certificate app-only sign-in', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  const appId = '99999999-8888-7777-6666-555555555555';
  function use(answer: TokenAnswer): RecordedTokenRequest[] {
    const requests: RecordedTokenRequest[] = [];
    server.use(...entraHandlers(answer, requests));
    return requests;
  }

  it('signs a client assertion with the x5t#S256 thumbprint against the organization', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ clientId: appId, app: true }) }));
    const provider = createCertificateTokenProvider({
      environment: CLOUD_ENVIRONMENTS.O365Default,
      appId,
      organization: 'contoso.onmicrosoft.com',
      certificate: { path: pfxPath, password: 'pfx-pass' },
      network: { proxy: false },
    });
    const token = await provider.getToken();
    expect(token).toMatchObject({ kind: 'app', user: undefined, clientId: appId, scopes: ['Exchange.ManageAsApp'] });
    expect(provider.expectedUser).toBeUndefined();
    const request = requests[0]!;
    expect(new URL(request.url).pathname).toBe('/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(request.form.get('grant_type')).toBe('client_credentials');
    expect(request.form.get('scope')).toBe('https://outlook.office365.com/.default');
    expect(request.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const header = JSON.parse(Buffer.from(request.form.get('client_assertion')!.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, string>;
    expect(Buffer.from(header['x5t#S256']!, 'base64url').toString('hex').toUpperCase()).toBe(expectedSha256);
    await provider.getToken();
    expect(requests).toHaveLength(1);
  });

  it('answers a claims challenge with a new token, bypassing the cache', async () => {
    const requests = use(() => ({ body: buildTokenResponse({ clientId: appId, app: true }) }));
    const provider = createCertificateTokenProvider({
      environment: CLOUD_ENVIRONMENTS.O365Default,
      appId,
      organization: 'contoso.onmicrosoft.com',
      certificate: await loadCertificate({ path: pemPath }),
      network: { proxy: false },
    });
    const first = await provider.getToken();
    const claims = JSON.stringify({ access_token: { xms_cc: { values: ['cp1'] } } });
    const second = await provider.getToken({ claims });
    expect(second.token).not.toBe(first.token);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.form.get('claims')).toContain('xms_cc');
  });

  it('warns about an expired certificate and maps AADSTS700027 to AUTH_CERTIFICATE', async () => {
    use(() => ({ status: 401, body: buildEntraError('invalid_client', 700027, 'Client assertion failed signature validation.') }));
    const expired = createTestCertificate({ notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
    const path = join(dir, 'expired2.pem');
    writeFileSync(path, expired.certificatePem + expired.privateKeyPem);
    const messages: string[] = [];
    const provider = createCertificateTokenProvider({
      environment: CLOUD_ENVIRONMENTS.O365Default,
      appId,
      organization: 'contoso.onmicrosoft.com',
      certificate: { path },
      network: { proxy: false },
      output: (m) => messages.push(m),
    });
    await expect(provider.getToken()).rejects.toMatchObject({ code: ExopsErrorCode.AUTH_CERTIFICATE, remedy: expect.stringContaining('upload') });
    expect(messages[0]).toMatch(/expired on 2021-01-01/);
  });

  it('reports an unreadable certificate on the first getToken', async () => {
    const provider = createCertificateTokenProvider({
      environment: CLOUD_ENVIRONMENTS.O365Default,
      appId,
      organization: 'contoso.onmicrosoft.com',
      certificate: { path: join(dir, 'nope.pfx') },
    });
    await expect(provider.getToken()).rejects.toMatchObject({ code: ExopsErrorCode.AUTH_CERTIFICATE });
  });
});
