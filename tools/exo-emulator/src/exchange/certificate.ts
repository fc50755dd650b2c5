/**
 * The certificate app's key pair and self-signed certificate. The key comes from node:crypto (fast, native); forge
 * builds the X.509 certificate around it, because node:crypto can read certificates but not create them.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** A self-signed certificate and its private key, both PEM. The private key is for tests only: never log it. */
export interface AppCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** SHA-256 of the DER certificate, upper-case hex (what MSAL's `thumbprintSha256` takes). */
  readonly thumbprintSha256: string;
  /** SHA-1 thumbprint, upper-case hex (what the Entra portal shows). */
  readonly thumbprintSha1: string;
}

/** Builds a 2048-bit RSA key and a self-signed certificate valid from `notBefore` for two years. */
export function buildAppCertificate(commonName: string, serialHex: string, notBefore: Date): AppCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  // A leading 0 keeps the DER INTEGER positive whatever the first hex digit is.
  cert.serialNumber = `00${serialHex}`;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + 2 * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    certificatePem,
    privateKeyPem,
    thumbprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
    thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
  };
}
