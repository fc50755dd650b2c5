import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface TestPki {
  readonly caCertPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
}

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; privatePem: string } {
  // Node generates the RSA key natively (forge's pure-JS generation takes seconds); forge builds the certificates.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    privateKey: forge.pki.privateKeyFromPem(privatePem),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    privatePem,
  };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string, organization: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60 * 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 60 * 60_000);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: organization },
  ]);
  return cert;
}

/** A throw-away CA and a server certificate it signed (by default for 127.0.0.1 and localhost), made at test time. */
export function createTestPki(
  caName = 'exops Test Inspection CA',
  altNames: readonly object[] = [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }],
): TestPki {
  const ca = keyPair();
  const caCert = baseCertificate(ca.publicKey, caName, 'exops tests');
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = keyPair();
  const serverCert = baseCertificate(server.publicKey, 'localhost', 'exops tests');
  serverCert.setIssuer(caCert.subject.attributes);
  serverCert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...altNames] },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  serverCert.sign(ca.privateKey, forge.md.sha256.create());

  return { caCertPem: forge.pki.certificateToPem(caCert), serverCertPem: forge.pki.certificateToPem(serverCert), serverKeyPem: server.privatePem };
}
