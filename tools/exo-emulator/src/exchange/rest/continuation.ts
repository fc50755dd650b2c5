/**
 * Continuation tokens for `@odata.nextLink`: the resume point of the engine plus a fingerprint of the request body,
 * HMAC-signed so a client cannot forge a position and a different body cannot reuse the token. Stateless: 100,000
 * results page through without the server holding any of them.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ResumePoint } from '../cmdlets/catalog-types.js';

/** Encodes and checks `$skiptoken` values. */
export interface ContinuationCodec {
  encode(resume: ResumePoint, fingerprint: string): string;
  /** The resume point, or a reason the token is unusable. */
  decode(token: string, fingerprint: string): ResumePoint | { readonly error: string };
}

/** A fingerprint of what a page depends on: cmdlet name and parameters. */
export function requestFingerprint(cmdletName: string, parameters: unknown): string {
  return createHash('sha256').update(cmdletName.toLowerCase()).update('\u0000').update(JSON.stringify(parameters ?? {})).digest('base64url').slice(0, 22);
}

/** A codec signing with `key` (random per service by default, so tokens do not outlive the emulator). */
export function createContinuationCodec(key: Buffer = randomBytes(32)): ContinuationCodec {
  const sign = (payload: string): string => createHmac('sha256', key).update(payload).digest('base64url').slice(0, 22);
  return {
    encode(resume, fingerprint) {
      const payload = Buffer.from(JSON.stringify({ p: resume.position, e: resume.emitted, f: fingerprint })).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decode(token, fingerprint) {
      const [payload = '', signature = ''] = token.split('.');
      const expected = sign(payload);
      if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
        return { error: 'The continuation token ($skiptoken) is not valid: it was not issued by this server or was altered.' };
      }
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { p: number; e: number; f: string };
      if (parsed.f !== fingerprint) return { error: 'The continuation token ($skiptoken) belongs to a different request: POST the same body to the nextLink.' };
      return { position: parsed.p, emitted: parsed.e };
    },
  };
}
