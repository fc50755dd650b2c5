/**
 * Checks a certificate client assertion (RFC 7523 JWT bearer, `client_assertion_type=urn:ietf:params:oauth:
 * client-assertion-type:jwt-bearer`) the way Entra does: the header's x5t (SHA-1) or x5t#S256 (SHA-256) must name a
 * certificate registered on the app, the signature (RS256 or PS256) must verify with that certificate's key, iss and
 * sub must be the client id, aud the token endpoint, and now within nbf..exp.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { AadstsCode } from './entra-errors.js';

/** The assertion's type value (RFC 7523 2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Why an assertion was refused, with the AADSTS code Entra reports. */
export interface AssertionRejection {
  readonly ok: false;
  readonly code: AadstsCode;
  readonly message: string;
}

/** Thumbprints of a PEM certificate as JOSE headers carry them (base64url of SHA-1 / SHA-256 of the DER). */
export function certificateThumbprints(certificatePem: string): { x5t: string; x5tS256: string; publicKey: X509Certificate['publicKey'] } {
  const cert = new X509Certificate(certificatePem);
  return {
    x5t: createHash('sha1').update(cert.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    publicKey: cert.publicKey,
  };
}

/** Options of {@link verifyClientAssertion}. */
export interface ClientAssertionCheck {
  readonly assertion: string;
  readonly clientId: string;
  readonly certificatePems: readonly string[];
  /** Token endpoint URLs the `aud` may name. */
  readonly audiences: readonly string[];
  readonly now: Date;
}

/** Verifies the assertion; resolves `{ ok: true }` or the rejection to report. */
export async function verifyClientAssertion(check: ClientAssertionCheck): Promise<{ readonly ok: true } | AssertionRejection> {
  let header;
  try {
    header = decodeProtectedHeader(check.assertion);
  } catch {
    return { ok: false, code: 50027, message: 'Invalid JWT token. The client_assertion is not a JWT.' };
  }
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  if (x5t === undefined && x5tS256 === undefined) {
    return { ok: false, code: 700027, message: "Client assertion failed signature validation. [Reason - The header does not carry 'x5t' or 'x5t#S256' naming the signing certificate.]" };
  }
  const registered = check.certificatePems.map(certificateThumbprints).find((thumbprints) => thumbprints.x5t === x5t || thumbprints.x5tS256 === x5tS256);
  if (registered === undefined) {
    return {
      ok: false,
      code: 700027,
      message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${Buffer.from(x5tS256 ?? x5t ?? '', 'base64url').toString('hex').toUpperCase()}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${check.clientId}'.]`,
    };
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(check.assertion, registered.publicKey, { algorithms: ['RS256', 'PS256'], currentDate: check.now, clockTolerance: 300 }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired || (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf')) {
      return { ok: false, code: 700024, message: `Client assertion is not within its valid time range. Current time: ${check.now.toISOString()}.` };
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JOSEAlgNotAllowed) {
      return { ok: false, code: 700027, message: 'Client assertion contains an invalid signature.' };
    }
    return { ok: false, code: 50027, message: `Invalid JWT token. ${(error as Error).message}.` };
  }
  if (payload.iss !== check.clientId || payload.sub !== check.clientId) {
    return { ok: false, code: 50027, message: `Invalid JWT token. The assertion's iss and sub must both be the client id '${check.clientId}'.` };
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const wanted = check.audiences.map((audience) => audience.toLowerCase());
  if (!audiences.some((audience) => typeof audience === 'string' && wanted.includes(audience.toLowerCase()))) {
    return { ok: false, code: 50027, message: `Invalid JWT token. The assertion's aud must be the token endpoint (${check.audiences[0] ?? ''}).` };
  }
  return { ok: true };
}
