/**
 * Token issuing and checking: RS256 JWTs signed with the emulator's key (published in the JWKS), shaped like the v1
 * access tokens Exchange Online receives and the v2 id tokens MSAL reads; and the verification the Exchange half
 * runs on every request.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWK } from 'jose';
import forge from 'node-forge';
import { writeFileAtomic } from '../tls/certificates.js';
import type { EmulatorClock, TokenVerification } from '../types.js';
import { findTenant, type DirectoryUser, type IdentityDirectory } from './directory.js';

/** The resource Exchange Online's tokens are issued for. */
export const EXCHANGE_RESOURCE = 'https://outlook.office365.com';
/** "Office 365 Exchange Online", the resource's application id. */
export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
/** Audiences an Exchange token may carry. */
export const EXCHANGE_AUDIENCES: readonly string[] = [EXCHANGE_RESOURCE, `${EXCHANGE_RESOURCE}/`, EXCHANGE_APP_ID];

/** Entra directory role names and their role template ids, as they appear in the `wids` claim. */
export const DIRECTORY_ROLE_TEMPLATES: Readonly<Record<string, string>> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
  'Exchange Recipient Administrator': '31392ffb-586c-42d1-9346-e59415a2cc4e',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  'Compliance Administrator': '17315797-102d-40b4-93e0-432062caca18',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Security Reader': '5d6b6bb7-de71-4623-b4af-96380a352509',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
};

/** The key that signs every token, with the certificate the JWKS publishes in `x5c`. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
  readonly certificateDerBase64: string;
}

function selfSignedCertificate(privateKeyPem: string, publicKeyPem: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = `01${createHash('sha256').update(publicKeyPem).digest('hex').slice(0, 30)}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: 'accounts.accesscontrol.windows.net (exops emulator)' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
}

function signingKeyFrom(privateKeyPem: string, certificateDerBase64: string): SigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  // Entra's kid is the certificate's SHA-1 thumbprint in base64url, the same value as x5t.
  const kid = createHash('sha1').update(Buffer.from(certificateDerBase64, 'base64')).digest('base64url');
  return { privateKey, publicKey, kid, certificateDerBase64 };
}

/** Makes a fresh signing key (RSA 2048) and its certificate. */
export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return signingKeyFrom(privatePem, selfSignedCertificate(privatePem, publicPem));
}

/** Loads the signing key from the state folder (mode 0600), making it on first use, so tokens survive a restart. */
export async function loadOrCreateSigningKey(stateDir: string): Promise<SigningKey> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const keyFile = join(stateDir, 'token-signing-key.pem');
  const certFile = join(stateDir, 'token-signing-cert.b64');
  try {
    const [pem, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    return signingKeyFrom(pem, cert.trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = createSigningKey();
  await writeFileAtomic(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  await writeFileAtomic(certFile, `${key.certificateDerBase64}\n`, 0o644);
  return key;
}

/** The JWKS document (`keys` as Entra publishes them: kid, x5t, n, e, x5c). */
export function buildJwks(key: SigningKey, issuer: string): { keys: JWK[] } {
  const jwk = key.publicKey.export({ format: 'jwk' }) as JWK;
  return { keys: [{ kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e, x5c: [key.certificateDerBase64], issuer } as JWK] };
}

/** The v1 issuer Exchange Online's access tokens carry. */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** The v2 issuer the emulator's discovery documents and id tokens carry. */
export function v2Issuer(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

/** A deterministic GUID from text, for service principal object ids. */
export function guidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What a delegated access token is about. */
export interface DelegatedTokenSubject {
  readonly kind: 'delegated';
  readonly user: DirectoryUser;
  /** The tenant the token is for (the user's, or a customer tenant for a delegated-org partner). */
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly authMethods: readonly string[];
}

/** What an app-only access token is about. */
export interface AppTokenSubject {
  readonly kind: 'app';
  readonly appId: string;
  readonly appName: string;
  readonly tenantId: string;
  readonly roles: readonly string[];
}

/** Options of {@link createTokenService}. */
export interface TokenServiceOptions {
  readonly key: SigningKey;
  readonly clock: EmulatorClock;
  readonly directory: () => IdentityDirectory;
  /** The emulator's origin, `https://127.0.0.1:<port>`; read lazily because the port is known only after listen. */
  readonly origin: () => string;
  readonly accessTokenLifetimeSeconds: number;
}

/** Issues and verifies tokens. */
export interface TokenService {
  issueAccessToken(subject: DelegatedTokenSubject | AppTokenSubject, resource: string): Promise<{ token: string; expiresIn: number }>;
  issueIdToken(options: { user: DirectoryUser; tenantId: string; clientId: string; nonce?: string | undefined }): Promise<string>;
  verifyAccessToken(token: string): Promise<TokenVerification>;
}

/** Creates the token service. */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const { key, clock } = options;
  const sign = async (claims: Record<string, unknown>): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid }).sign(key.privateKey);

  const roleTemplateIds = (roles: readonly string[]): string[] => roles.map((role) => DIRECTORY_ROLE_TEMPLATES[role] ?? role);
  const roleNames = (ids: readonly string[]): string[] =>
    ids.map((id) => Object.entries(DIRECTORY_ROLE_TEMPLATES).find(([, template]) => template === id)?.[0] ?? id);

  return {
    async issueAccessToken(subject, resource) {
      const now = Math.floor(clock.now().getTime() / 1000);
      const lifetime = options.accessTokenLifetimeSeconds;
      const common = {
        aud: resource,
        iss: v1Issuer(subject.tenantId),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        tid: subject.tenantId,
        uti: randomUUID().replace(/-/g, '').slice(0, 22),
        ver: '1.0',
        rh: '0.emulator.',
      };
      if (subject.kind === 'app') {
        const objectId = guidFrom(`service-principal:${subject.tenantId}:${subject.appId}`);
        const token = await sign({
          ...common,
          app_displayname: subject.appName,
          appid: subject.appId,
          azp: subject.appId,
          appidacr: '2',
          idp: v1Issuer(subject.tenantId),
          idtyp: 'app',
          oid: objectId,
          sub: objectId,
          // Application permissions go to `roles`; directory roles of the service principal to `wids`, as Entra splits them.
          roles: subject.roles.filter((role) => DIRECTORY_ROLE_TEMPLATES[role] === undefined),
          wids: [...roleTemplateIds(subject.roles.filter((role) => DIRECTORY_ROLE_TEMPLATES[role] !== undefined)), '0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
        });
        return { token, expiresIn: lifetime };
      }
      const { user } = subject;
      const [given = user.displayName, ...rest] = user.displayName.split(' ');
      const token = await sign({
        ...common,
        acr: '1',
        amr: [...subject.authMethods],
        app_displayname: subject.clientName,
        appid: subject.clientId,
        azp: subject.clientId,
        appidacr: '0',
        family_name: rest.join(' '),
        given_name: given,
        idtyp: 'user',
        ipaddr: '127.0.0.1',
        name: user.displayName,
        oid: user.objectId,
        puid: createHash('sha256').update(user.objectId).digest('hex').slice(0, 16).toUpperCase(),
        scp: subject.scopes.join(' '),
        sid: randomUUID(),
        sub: createHash('sha256').update(`${user.objectId}:${subject.clientId}`).digest('base64url').slice(0, 43),
        unique_name: user.upn,
        upn: user.upn,
        preferred_username: user.upn,
        wids: roleTemplateIds(user.roles),
        ...(user.tenantId !== subject.tenantId ? { idp: v1Issuer(user.tenantId), altsecid: `5::${user.objectId}` } : {}),
      });
      return { token, expiresIn: lifetime };
    },

    async issueIdToken({ user, tenantId, clientId, nonce }) {
      const now = Math.floor(clock.now().getTime() / 1000);
      return sign({
        aud: clientId,
        iss: v2Issuer(options.origin(), tenantId),
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: user.displayName,
        oid: user.objectId,
        preferred_username: user.upn,
        sub: createHash('sha256').update(`${user.objectId}:${clientId}:id`).digest('base64url').slice(0, 43),
        tid: tenantId,
        uti: randomUUID().replace(/-/g, '').slice(0, 22),
        ver: '2.0',
        ...(nonce !== undefined ? { nonce } : {}),
      });
    },

    async verifyAccessToken(token) {
      if (token.trim() === '') return { ok: false, reason: 'missing', message: 'No access token was sent; send Authorization: Bearer <token>.' };
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        return { ok: false, reason: 'malformed', message: 'The access token is not a JWT (three base64url parts separated by dots).' };
      }
      if (header.alg !== 'RS256') return { ok: false, reason: 'bad-signature', message: `The access token is signed with '${String(header.alg)}'; only RS256 tokens from this emulator are accepted.` };
      if (header.kid !== undefined && header.kid !== key.kid) {
        return { ok: false, reason: 'bad-signature', message: 'The access token is signed with a key this emulator does not publish (kid mismatch); get a token from this emulator.' };
      }
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key.publicKey, { algorithms: ['RS256'], currentDate: clock.now() }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', message: 'The access token has expired; acquire a new token (refresh) and retry.' };
        if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
          return { ok: false, reason: 'bad-signature', message: 'The access token signature does not verify against the emulator signing key.' };
        }
        if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') {
          return { ok: false, reason: 'expired', message: 'The access token is not valid yet (nbf is in the future); check the client clock.' };
        }
        return { ok: false, reason: 'malformed', message: `The access token could not be read: ${(error as Error).message}.` };
      }
      const audience = payload['aud'];
      if (typeof audience !== 'string' || !EXCHANGE_AUDIENCES.includes(audience)) {
        return { ok: false, reason: 'wrong-audience', message: `The access token is for '${String(audience)}', not Exchange Online; request the scope ${EXCHANGE_RESOURCE}/.default.` };
      }
      const tenantId = payload['tid'];
      if (typeof tenantId !== 'string' || findTenant(options.directory(), tenantId) === undefined) {
        return { ok: false, reason: 'unknown-tenant', message: `The access token's tenant '${String(tenantId)}' is not known to this emulator.` };
      }
      const issuer = payload['iss'];
      if (issuer !== v1Issuer(tenantId) && issuer !== v2Issuer(options.origin(), tenantId)) {
        return { ok: false, reason: 'wrong-issuer', message: `The access token's issuer '${String(issuer)}' does not match its tenant '${tenantId}'.` };
      }
      const exp = payload['exp'];
      const isApp = payload['idtyp'] === 'app';
      const upn = payload['upn'];
      const scopes = typeof payload['scp'] === 'string' ? payload['scp'].split(' ').filter(Boolean) : [];
      // Exchange sees one list: application permissions (`roles`) and directory role names (from `wids`).
      const permissionRoles = Array.isArray(payload['roles']) ? payload['roles'].map(String) : [];
      const directoryRoles = Array.isArray(payload['wids']) ? roleNames(payload['wids'].map(String).filter((id) => Object.values(DIRECTORY_ROLE_TEMPLATES).includes(id))) : [];
      const roles = [...permissionRoles, ...directoryRoles];
      return {
        ok: true,
        token: {
          tenantId,
          upn: !isApp && typeof upn === 'string' ? upn : undefined,
          objectId: String(payload['oid'] ?? ''),
          appId: String(payload['appid'] ?? payload['azp'] ?? ''),
          scopes,
          roles,
          expiresAt: new Date(typeof exp === 'number' ? exp * 1000 : 0),
          kind: isApp ? 'app' : 'delegated',
        },
      };
    },
  };
}
