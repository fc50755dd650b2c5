import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import { ExopsError, ExopsErrorCode, redactText } from '@exops/contracts';

/** Where the app-only certificate comes from: a PFX (PKCS#12) file, or a PEM file with the key inside or beside it. */
export interface CertificateSource {
  /** A `.pfx`/`.p12` file, or a PEM file holding the certificate (and usually the private key). */
  readonly path: string;
  /** The PFX password, or the passphrase of an encrypted PEM key. */
  readonly password?: string | undefined;
  /** A separate PEM private key file, when `path` holds only the certificate. */
  readonly keyPath?: string | undefined;
}

/** A certificate ready for MSAL: the key as PKCS#8 PEM and the facts shown to the user. */
export interface LoadedCertificate {
  /** PKCS#8 PEM. Never log it. */
  readonly privateKeyPem: string;
  /** Hex SHA-256 of the DER certificate, upper case (what Entra ID shows and `x5t#S256` carries). */
  readonly thumbprintSha256: string;
  /** Hex SHA-1 of the DER certificate, upper case (what Windows and `-CertificateThumbprint` show). */
  readonly thumbprintSha1: string;
  /** The certificate as PEM (public), for `x5c` (subject name / issuer authentication). */
  readonly certificatePem: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

// The V3 module's wording for an unusable certificate (reference §3.6), which admins search for.
const V3_LOAD_FAILURE =
  'Failed to load the Certificate, this can be because of any of the following reasons. 1. Certificate file referred by ' +
  'CertificateFilePath is not a valid Certificate file. 2. Missing or invalid CertificatePassword provided to load the certificate.';

function certificateError(message: string, remedy: string, cause?: unknown): ExopsError {
  return new ExopsError(ExopsErrorCode.AUTH_CERTIFICATE, message, { remedy, cause });
}

async function readSource(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? '';
    throw certificateError(
      `Cannot read the ${what} '${path}': ${code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : redactText((cause as Error).message)}.`,
      `Check the path and that the file is readable by the user running exops.`,
      cause,
    );
  }
}

function toLoaded(certificate: X509Certificate, key: KeyObject): LoadedCertificate {
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: certificate.fingerprint256.replaceAll(':', '').toUpperCase(),
    thumbprintSha1: certificate.fingerprint.replaceAll(':', '').toUpperCase(),
    certificatePem: certificate.toString(),
    subject: certificate.subject.replaceAll('\n', ', '),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

/** Picks the certificate that belongs to `key` (a PFX or PEM may carry the chain too). */
function pickLeaf(certificates: X509Certificate[], key: KeyObject, path: string): X509Certificate {
  const leaf = certificates.find((c) => c.checkPrivateKey(key));
  if (leaf === undefined) {
    throw certificateError(
      `The private key in '${path}' does not belong to any certificate in it.`,
      'Export the certificate together with its own private key (a PFX with the key, or the matching key PEM).',
    );
  }
  return leaf;
}

function parsePfx(bytes: Buffer, source: CertificateSource): LoadedCertificate {
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    pfx = forge.pkcs12.pkcs12FromAsn1(asn1, false, source.password ?? '');
  } catch (cause) {
    const message = (cause as Error).message ?? '';
    if (/MAC could not be verified|Invalid password|decrypt/i.test(message)) {
      throw certificateError(
        `${V3_LOAD_FAILURE} InnerException : The specified certificate password is not correct (file '${source.path}').`,
        source.password === undefined
          ? 'The PFX file is protected by a password: give it with --certificate-password.'
          : 'Give the password the PFX was exported with (--certificate-password).',
        cause,
      );
    }
    throw certificateError(
      `${V3_LOAD_FAILURE} InnerException : '${source.path}' is neither a PFX (PKCS#12) nor a PEM file.`,
      'Give a .pfx/.p12 file, or a PEM file with -----BEGIN CERTIFICATE----- and the private key.',
      cause,
    );
  }
  const bagsOf = (bagType: string | undefined): forge.pkcs12.Bag[] =>
    bagType === undefined ? [] : (pfx.getBags({ bagType })[bagType] ?? []);
  const keyBags = [...bagsOf(forge.pki.oids['pkcs8ShroudedKeyBag']), ...bagsOf(forge.pki.oids['keyBag'])];
  const certBags = bagsOf(forge.pki.oids['certBag']);
  const certificates = certBags.flatMap((bag) =>
    bag.cert === undefined ? [] : [new X509Certificate(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes(), 'binary'))],
  );
  if (certificates.length === 0) {
    throw certificateError(`The PFX file '${source.path}' holds no certificate.`, 'Export the certificate with its private key into the PFX.');
  }
  const keyBag = keyBags.find((bag) => bag.key !== undefined);
  if (keyBag?.key === undefined) {
    throw certificateError(
      `The PFX file '${source.path}' holds no private key: app-only sign-in signs its assertion with the certificate's private key.`,
      'Export the certificate again with "Yes, export the private key" (or openssl pkcs12 -export -inkey key.pem).',
    );
  }
  const key = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  return toLoaded(pickLeaf(certificates, key, source.path), key);
}

function parsePemKey(text: string, source: CertificateSource, keyFile: string): KeyObject | undefined {
  const match = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(text);
  if (match === null) return undefined;
  try {
    return createPrivateKey({ key: match[0], format: 'pem', ...(source.password === undefined ? {} : { passphrase: source.password }) });
  } catch (cause) {
    const encrypted = match[0].includes('ENCRYPTED');
    throw certificateError(
      encrypted
        ? `${V3_LOAD_FAILURE} InnerException : The private key in '${keyFile}' is encrypted and the password is missing or not correct.`
        : `The private key in '${keyFile}' cannot be read: ${redactText((cause as Error).message)}.`,
      encrypted ? 'Give the key passphrase with --certificate-password.' : 'Give an unencrypted or PKCS#8 PEM private key.',
      cause,
    );
  }
}

/**
 * Loads an app-only certificate from a PFX or PEM file. Errors are specific: an unreadable file, a wrong password
 * (in the V3 module's words), a file without a private key, a key that does not match. Expiry is not an error here:
 * see {@link describeCertificateValidity}.
 */
export async function loadCertificate(source: CertificateSource): Promise<LoadedCertificate> {
  const bytes = await readSource(source.path, 'certificate file');
  const text = bytes.toString('utf8');
  if (!text.includes('-----BEGIN')) return parsePfx(bytes, source);

  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw certificateError(
      `${V3_LOAD_FAILURE} InnerException : '${source.path}' holds no -----BEGIN CERTIFICATE----- block.`,
      'Give the certificate PEM (with the key, or the key in --certificate-key), or a PFX file.',
    );
  }
  let certificates: X509Certificate[];
  try {
    certificates = blocks.map((block) => new X509Certificate(block));
  } catch (cause) {
    throw certificateError(`${V3_LOAD_FAILURE} InnerException : a certificate in '${source.path}' cannot be parsed.`, 'Export the certificate again as PEM.', cause);
  }
  const keyText = source.keyPath === undefined ? text : (await readSource(source.keyPath, 'private key file')).toString('utf8');
  const key = parsePemKey(keyText, source, source.keyPath ?? source.path);
  if (key === undefined) {
    throw certificateError(
      `The file '${source.keyPath ?? source.path}' holds no private key: app-only sign-in signs its assertion with the certificate's private key.`,
      'Put the private key PEM in the same file, or give it with --certificate-key.',
    );
  }
  return toLoaded(pickLeaf(certificates, key, source.path), key);
}

/** A warning when the certificate is outside its validity period (Entra ID refuses it), else undefined. */
export function describeCertificateValidity(certificate: LoadedCertificate, now: Date = new Date()): string | undefined {
  const name = `${certificate.subject} (SHA-256 thumbprint ${certificate.thumbprintSha256})`;
  if (now > certificate.notAfter) {
    return `exops: warning: the certificate ${name} expired on ${certificate.notAfter.toISOString()}; Entra ID will refuse it. Create a new certificate and upload it to the app registration.`;
  }
  if (now < certificate.notBefore) {
    return `exops: warning: the certificate ${name} is not valid before ${certificate.notBefore.toISOString()}; check the clock.`;
  }
  return undefined;
}
