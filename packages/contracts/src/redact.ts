/**
 * Redaction: applied before anything is stored in an error, a log line or a debug dump (octokit's rule).
 * Secrets are recognised by shape, so a token nobody registered is still caught.
 */

const REDACTED = '[REDACTED]';

/** A JWT (three base64url parts, the first two starting with `eyJ`, i.e. `{"`). */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/**
 * `Bearer <token>` as in an Authorization header or the RPS Basic credential's password. The value must look like a
 * token (8+ characters with a digit or `.`/`-`/`_`), so prose such as "Bearer token" stays readable.
 */
const BEARER_PATTERN = /(Bearer\s+)(?=[^\s"'&,;<>]*[0-9._-])[^\s"'&,;<>]{8,}/gi;
/** `Basic <base64>` Authorization values (their payload carries the token on RPS): 16+ base64 characters with a digit or `+/=`. */
const BASIC_PATTERN = /(Basic\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{16,}={0,2}/gi;
/** Form and query fields that carry secrets: `name=value`. */
const FORM_FIELD_PATTERN =
  /((?:^|[?&\s"'])(?:access_token|refresh_token|id_token|client_secret|client_assertion|password|code|device_code|assertion)=)[^&\s"',}]+/gi;
/** JSON or header-style fields that carry secrets: `"name": "value"`, `name: value` (not `code`, which errors use). */
const KEYED_FIELD_PATTERN =
  /((?:^|[\s"'{,])(?:access_token|refresh_token|id_token|client_secret|client_assertion|password|device_code)["']?\s*:\s*["']?)[^&\s"',}]+/gi;
/** A whole Authorization header value, whatever its scheme. */
const AUTHORIZATION_HEADER_PATTERN = /((?:proxy-)?authorization["']?\s*:\s*["']?)[^"'\r\n,}]+/gi;
/** PEM private keys. */
const PEM_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

const SECRET_HEADER_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-ms-refresh-token']);

/** Replaces every secret-shaped run in a string, plus any of `knownSecrets` verbatim. */
export function redactText(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(PEM_PATTERN, REDACTED)
    .replace(JWT_PATTERN, REDACTED)
    .replace(AUTHORIZATION_HEADER_PATTERN, `$1${REDACTED}`)
    .replace(BEARER_PATTERN, `$1${REDACTED}`)
    .replace(BASIC_PATTERN, `$1${REDACTED}`)
    .replace(FORM_FIELD_PATTERN, `$1${REDACTED}`)
    .replace(KEYED_FIELD_PATTERN, `$1${REDACTED}`);
}

/** A copy of HTTP headers with credential headers replaced. */
export function redactHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = typeof value === 'string' ? value : value.join(', ');
    out[name] = SECRET_HEADER_NAMES.has(name.toLowerCase()) ? REDACTED : redactText(joined);
  }
  return out;
}

/** The marker every redaction writes, for tests that assert on it. */
export const REDACTION_MARKER = REDACTED;
