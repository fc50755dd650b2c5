import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

let keyPair: { publicKey: string; privateKey: string } | undefined;

/** A self-signed RSA certificate made at test time (the key from node:crypto: forge's pure-JS keygen is slow). */
export function createTestCertificate(options: { commonName?: string; notBefore?: Date; notAfter?: Date; altNames?: string[] } = {}): TestCertificate {
  keyPair ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(keyPair.privateKey);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keyPair.publicKey);
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: options.commonName ?? 'exops-test' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const extensions: object[] = [{ name: 'basicConstraints', cA: true }];
  if (options.altNames !== undefined) {
    extensions.push({
      name: 'subjectAltName',
      altNames: options.altNames.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(key, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keyPair.privateKey, cert, key };
}

/** A PFX (PKCS#12) file's bytes; `withKey: false` leaves the private key out. */
export function buildPfx(certificate: TestCertificate, password: string, withKey = true): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(withKey ? certificate.key : null, [certificate.cert], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
