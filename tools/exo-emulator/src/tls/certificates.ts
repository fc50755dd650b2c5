/**
 * The emulator's TLS material: a local CA and a leaf for 127.0.0.1/localhost/::1, made with node-forge, kept in the
 * state folder (keys mode 0600) and reused across runs so a client trusts the CA once. Nothing here turns
 * verification off: clients trust `ca.pem` through NODE_EXTRA_CA_CERTS or exops's `--ca-file`.
 */
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';

/** The files and PEM texts of the TLS material. */
export interface TlsMaterial {
  readonly caCertPem: string;
  readonly caFile: string;
  readonly leafCertPem: string;
  readonly leafKeyPem: string;
  /** SHA-256 of the leaf's SubjectPublicKeyInfo, base64: what Chromium's `--ignore-certificate-errors-spki-list` pins. */
  readonly leafSpkiSha256: string;
  /** True when the files were made in this call (first run, or the old ones were unusable). */
  readonly created: boolean;
}

const CA_CERT = 'ca.pem';
const CA_KEY = 'ca-key.pem';
const LEAF_CERT = 'localhost.pem';
const LEAF_KEY = 'localhost-key.pem';
const LEAF_NAMES = ['127.0.0.1', 'localhost', '::1'];
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/** Writes a file atomically (temp + rename) with the given mode. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, data, { mode });
  await chmod(temp, mode);
  await rename(temp, path);
}

function serialNumber(): string {
  // A positive 128-bit serial: RFC 5280 4.1.2.2 asks for positive integers of at most 20 octets.
  return `01${randomBytes(15).toString('hex')}`;
}

/** An RSA 2048 key pair from node:crypto (native, fast) in forge's types; forge then builds the certificate. */
function generateRsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function createCa(now: Date): { certPem: string; keyPem: string } {
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600_000);
  const subject = [
    { name: 'commonName', value: 'exops emulator local CA' },
    { name: 'organizationName', value: 'exops (local testing only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

function createLeaf(caCertPem: string, caKeyPem: string, now: Date): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  // 397 days: the longest leaf lifetime browsers accept.
  cert.validity.notAfter = new Date(now.getTime() + 397 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function usable(certPem: string, now: Date, issuer?: X509Certificate): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return false;
    if (new Date(cert.validFrom).getTime() > now.getTime()) return false;
    if (issuer !== undefined) {
      if (!cert.verify(issuer.publicKey)) return false;
      if (!LEAF_NAMES.every((name) => (name.includes('.') || name.includes(':') ? cert.checkIP(name) : cert.checkHost(name)) !== undefined)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function spkiSha256(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return forge.util.encode64(forge.md.sha256.create().update(der.toString('binary')).digest().getBytes());
}

/**
 * Loads the CA and leaf from `stateDir`, making (and saving) whichever is missing, expiring within a week, or not
 * signed by the CA. The folder is created mode 0700, keys are written mode 0600.
 */
export async function ensureTlsMaterial(stateDir: string, now: Date = new Date()): Promise<TlsMaterial> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const caFile = join(stateDir, CA_CERT);
  let created = false;
  let caCertPem = await readIfPresent(caFile);
  let caKeyPem = await readIfPresent(join(stateDir, CA_KEY));
  if (caCertPem === undefined || caKeyPem === undefined || !usable(caCertPem, now)) {
    const ca = createCa(now);
    caCertPem = ca.certPem;
    caKeyPem = ca.keyPem;
    await writeFileAtomic(join(stateDir, CA_KEY), caKeyPem, 0o600);
    await writeFileAtomic(caFile, caCertPem, 0o644);
    created = true;
  }
  let leafCertPem = created ? undefined : await readIfPresent(join(stateDir, LEAF_CERT));
  let leafKeyPem = created ? undefined : await readIfPresent(join(stateDir, LEAF_KEY));
  if (leafCertPem === undefined || leafKeyPem === undefined || !usable(leafCertPem, now, new X509Certificate(caCertPem))) {
    const leaf = createLeaf(caCertPem, caKeyPem, now);
    leafCertPem = leaf.certPem;
    leafKeyPem = leaf.keyPem;
    await writeFileAtomic(join(stateDir, LEAF_KEY), leafKeyPem, 0o600);
    await writeFileAtomic(join(stateDir, LEAF_CERT), leafCertPem, 0o644);
    created = true;
  }
  return { caCertPem, caFile, leafCertPem, leafKeyPem, leafSpkiSha256: spkiSha256(leafCertPem), created };
}
