/** Test-only: a CA and leaf certificates generated in memory at test time (nothing is written to disk). */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestPki {
  readonly ca: TestCertificate;
  /** Issued by `ca` for localhost and 127.0.0.1. */
  readonly leaf: TestCertificate;
  /** Issued by `ca` for another name only. */
  readonly wrongName: TestCertificate;
  /** Self-signed for localhost and 127.0.0.1. */
  readonly selfSigned: TestCertificate;
}

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  // Node's native generator: node-forge's pure-JS RSA generation takes seconds.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

let serial = 1;

function issue(
  subjectCn: string,
  subject: { publicKey: forge.pki.rsa.PublicKey },
  issuer: { cert: forge.pki.Certificate | undefined; privateKey: forge.pki.rsa.PrivateKey },
  options: { ca: boolean; altNames: readonly { type: number; value?: string; ip?: string }[] },
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subject.publicKey;
  serial += 1;
  cert.serialNumber = serial.toString(16).padStart(4, '0');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: subjectCn }];
  cert.setSubject(attrs);
  cert.setIssuer(issuer.cert === undefined ? attrs : issuer.cert.subject.attributes);
  const extensions: object[] = [{ name: 'basicConstraints', cA: options.ca }];
  if (options.ca) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true });
  else extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, { name: 'extKeyUsage', serverAuth: true });
  if (options.altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames: options.altNames });
  cert.setExtensions(extensions);
  cert.sign(issuer.privateKey, forge.md.sha256.create());
  return cert;
}

const LOCAL_NAMES = [
  { type: 2, value: 'localhost' },
  { type: 7, ip: '127.0.0.1' },
];

/** A fresh CA with a leaf for 127.0.0.1, a leaf for another name, and a self-signed certificate. */
export function createTestPki(): TestPki {
  const caKeys = keyPair();
  const caCert = issue('exops test CA', caKeys, { cert: undefined, privateKey: caKeys.privateKey }, { ca: true, altNames: [] });
  const leafKeys = keyPair();
  const leaf = issue('localhost', leafKeys, { cert: caCert, privateKey: caKeys.privateKey }, { ca: false, altNames: LOCAL_NAMES });
  const wrong = issue('other.example', leafKeys, { cert: caCert, privateKey: caKeys.privateKey }, {
    ca: false,
    altNames: [{ type: 2, value: 'other.example' }],
  });
  const selfKeys = keyPair();
  const self = issue('localhost', selfKeys, { cert: undefined, privateKey: selfKeys.privateKey }, { ca: false, altNames: LOCAL_NAMES });
  return {
    ca: { certPem: forge.pki.certificateToPem(caCert), keyPem: caKeys.keyPem },
    leaf: { certPem: forge.pki.certificateToPem(leaf), keyPem: leafKeys.keyPem },
    wrongName: { certPem: forge.pki.certificateToPem(wrong), keyPem: leafKeys.keyPem },
    selfSigned: { certPem: forge.pki.certificateToPem(self), keyPem: selfKeys.keyPem },
  };
}
