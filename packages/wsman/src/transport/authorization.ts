/**
 * Authorization for the WS-Management endpoints: Basic carrying the OAuth token (Exchange Online RPS), plain Basic
 * (on-premises endpoints), and the typed errors for 401/403 answers, built with every secret redacted.
 */
import {
  ExopsError,
  ExopsErrorCode,
  buildRpsAuthorizationHeader,
  redactText,
  type TokenProvider,
  type TokenRequest,
} from '@exops/contracts';
import { redactUrl } from './network-errors.js';

/** What kind of credential an Authorization header carries; it decides the remedies of an auth failure. */
export type WsmanCredentialKind = 'rps-oauth' | 'basic' | 'other';

/** An Authorization header value and what is known about it. */
export interface WsmanAuthorizationValue {
  /** The header value, e.g. `Basic dXNlcjpCZWFyZXIg...`. */
  readonly value: string;
  /** When the token inside expires; a 401 after this instant is an expired token, not a denial. */
  readonly expiresOn?: Date | undefined;
  readonly kind?: WsmanCredentialKind | undefined;
}

/**
 * Yields the Authorization header for the next request. Called before every request, so a token renewed in the
 * meantime is used at once.
 */
export type WsmanAuthorization = () => Promise<string | WsmanAuthorizationValue>;

/** `Basic base64("<user>:<password>")` for endpoints that take a user name and password. */
export function buildBasicAuthorizationHeader(user: string, password: string): string {
  if (user.includes(':')) {
    // RFC 7617 2: the user-id cannot contain a colon; the server would split the credential in the wrong place.
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'A Basic user name cannot contain a colon.', {
      remedy: 'Use the user principal name (user@domain) or DOMAIN\\user form.',
    });
  }
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Every string derived from an Authorization value that could leak the secret inside it: the whole value, its
 * credentials part, the decoded Basic pair, the password and a bearer token inside that password.
 */
export function secretsOfAuthorization(value: string): string[] {
  const out = new Set<string>([value.trim()]);
  const m = /^\s*([A-Za-z-]+)\s+(\S+)\s*$/.exec(value);
  if (m?.[2] !== undefined) {
    out.add(m[2]);
    if (m[1]?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(m[2], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        out.add(decoded);
        const password = decoded.slice(colon + 1);
        out.add(password);
        const bearer = /^Bearer\s+(.+)$/i.exec(password);
        if (bearer?.[1] !== undefined) out.add(bearer[1]);
      }
    }
  }
  return [...out].filter((s) => s.length >= 6);
}

/** What an Authorization value carries: Basic with a `Bearer` password is the RPS OAuth form (reference 1.3). */
export function inferCredentialKind(value: string): WsmanCredentialKind {
  const m = /^\s*Basic\s+(\S+)\s*$/i.exec(value);
  if (m?.[1] === undefined) return 'other';
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  return /^[^:]*:Bearer\s/i.test(decoded) ? 'rps-oauth' : 'basic';
}

/** Options of {@link buildRpsConnectionUri}. */
export interface RpsConnectionUriOptions {
  /** `DelegatedOrg=<customer domain or tenant id>`: manage another tenant as its partner (reference 1.4). */
  readonly delegatedOrg?: string | undefined;
  /**
   * `PSVersion=<x>`: Windows' WinRM client appends it to every connection URI and AADInternals, the one documented
   * cross-platform RPS client, sent `5.1.17134.590` (reference 1.4, 1.7). Sent by default so the service sees what
   * every client it was built for sent; `false` omits it. An existing `PSVersion` in the URI is kept.
   */
  readonly psVersion?: string | false | undefined;
}

/** The PSVersion AADInternals sent to Exchange Online RPS (reference 1.7). */
export const DEFAULT_RPS_PS_VERSION = '5.1.17134.590';

/**
 * The Exchange Online RPS URI: the connection URI with `BasicAuthToOAuthConversion=true` (the server then reads the
 * Basic password as `Bearer <token>`, reference 1.3), keeping existing query parameters such as `DelegatedOrg`.
 */
export function buildRpsConnectionUri(connectionUri: string, options: RpsConnectionUriOptions = {}): string {
  let url: URL;
  try {
    url = new URL(connectionUri);
  } catch (cause) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `'${redactText(connectionUri)}' is not a valid connection URI.`, {
      remedy: 'Give an absolute URI such as https://outlook.office365.com/powershell-liveid/.',
      cause,
    });
  }
  const has = (name: string): string | undefined => {
    for (const [key] of url.searchParams) if (key.toLowerCase() === name.toLowerCase()) return key;
    return undefined;
  };
  const conversionKey = has('BasicAuthToOAuthConversion');
  if (conversionKey === undefined) url.searchParams.append('BasicAuthToOAuthConversion', 'true');
  else url.searchParams.set(conversionKey, 'true');
  if (options.delegatedOrg !== undefined && options.delegatedOrg !== '') {
    const key = has('DelegatedOrg');
    if (key === undefined) url.searchParams.append('DelegatedOrg', options.delegatedOrg);
    else url.searchParams.set(key, options.delegatedOrg);
  }
  const psVersion = options.psVersion ?? DEFAULT_RPS_PS_VERSION;
  if (psVersion !== false && has('PSVersion') === undefined) url.searchParams.append('PSVersion', psVersion);
  return url.href;
}

/** Options of {@link createRpsAuthorization}. */
export interface RpsAuthorizationOptions {
  /** The Basic user name; default the token's user (app-only tokens: see `buildRpsAuthorizationHeader`). */
  readonly user?: string | undefined;
  /** Passed to the token provider on every call (e.g. renew when fewer than N seconds remain). */
  readonly tokenRequest?: TokenRequest | undefined;
}

/** A {@link WsmanAuthorization} that asks `tokens` before every request and wraps the token as RPS Basic. */
export function createRpsAuthorization(tokens: TokenProvider, options: RpsAuthorizationOptions = {}): WsmanAuthorization {
  return async () => {
    const token = await tokens.getToken(options.tokenRequest);
    return { value: buildRpsAuthorizationHeader(token, options.user ?? token.user), expiresOn: token.expiresOn, kind: 'rps-oauth' };
  };
}

/** The normalized form of a {@link WsmanAuthorization} result. */
export function toAuthorizationValue(value: string | WsmanAuthorizationValue): WsmanAuthorizationValue {
  return typeof value === 'string' ? { value } : value;
}

/** What the server said when it refused the credential. */
export interface AuthFailureInput {
  readonly status: number;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Uint8Array | string;
  readonly credential?: WsmanAuthorizationValue | undefined;
  /** Defaults to the current time. */
  readonly now?: Date | undefined;
  /** The final URL differs in origin from the one asked: the Authorization header was not sent there. */
  readonly redirectedFrom?: string | undefined;
}

const EXPIRED_TEXT = /token[^.]{0,40}expired|expired[^.]{0,20}token|TokenExpired|IDX10223|Lifetime validation failed|invalid_token[^.]*expired/i;
const MAX_TEXT = 4000;

/** Readable text from an HTML, XML or plain body: tags dropped, whitespace collapsed, bounded. */
export function bodyTextOf(body: Uint8Array | string): string {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const plain = /<[a-z!?/][^>]*>/i.test(text)
    ? text
        .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
        .replace(/<[^>]+>/g, ' ')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
    : text;
  const collapsed = plain.replace(/\s+/g, ' ').trim();
  return collapsed.length > MAX_TEXT ? `${collapsed.slice(0, MAX_TEXT)}…` : collapsed;
}

function headerText(headers: Readonly<Record<string, string | string[]>>, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The typed error for a 401 or 403: AUTH_TOKEN_EXPIRED when the token's expiry has passed or the server says the
 * token expired, else AUTH_ACCESS_DENIED with the remedies of reference 3.2. The server's text (WWW-Authenticate,
 * body, X-* diagnostic headers) is kept in `details`, with the credential and anything secret-shaped redacted.
 */
export function buildAuthFailureError(input: AuthFailureInput): ExopsError {
  const secrets = input.credential === undefined ? [] : secretsOfAuthorization(input.credential.value);
  const redact = (text: string): string => redactText(text, secrets);
  const wwwAuthenticate = headerText(input.headers, 'www-authenticate');
  const diagnostics: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (name.startsWith('x-') || name === 'request-id') diagnostics[name] = redact(Array.isArray(value) ? value.join(', ') : value);
  }
  const serverText = redact(bodyTextOf(input.body));
  const host = new URL(input.url).host;
  const now = input.now ?? new Date();
  const expiresOn = input.credential?.expiresOn;
  const expiredByClock = expiresOn !== undefined && expiresOn.getTime() <= now.getTime();
  const expiredByServer = EXPIRED_TEXT.test(`${wwwAuthenticate ?? ''} ${serverText} ${Object.values(diagnostics).join(' ')}`);
  const details: Record<string, unknown> = {
    status: input.status,
    url: redactUrl(input.url),
    ...(wwwAuthenticate === undefined ? {} : { wwwAuthenticate: redact(wwwAuthenticate) }),
    ...(serverText === '' ? {} : { serverText }),
    ...(Object.keys(diagnostics).length === 0 ? {} : { diagnostics }),
    ...(expiresOn === undefined ? {} : { tokenExpiresOn: expiresOn.toISOString() }),
    ...(input.redirectedFrom === undefined ? {} : { redirectedFrom: redactUrl(input.redirectedFrom) }),
  };
  const said = serverText === '' ? '' : ` The server said: ${serverText.length > 300 ? `${serverText.slice(0, 300)}…` : serverText}`;

  if (input.redirectedFrom !== undefined && input.status === 401) {
    return new ExopsError(
      ExopsErrorCode.AUTH_ACCESS_DENIED,
      `${host} asked for credentials after a redirect from ${new URL(input.redirectedFrom).host}; exops does not send them to another host.`,
      {
        remedy: `If you trust ${host}, connect to it directly with --connection-uri ${redactUrl(input.url)}.`,
        details,
      },
    );
  }
  if ((expiredByClock || expiredByServer) && input.status === 401) {
    return new ExopsError(ExopsErrorCode.AUTH_TOKEN_EXPIRED, `The access token was refused by ${host} because it has expired (HTTP 401).${said}`, {
      remedy: 'Sign in again (or let exops renew the token) and reconnect; Exchange Online tokens last about one hour.',
      details,
    });
  }
  const kind = input.credential === undefined ? 'other' : (input.credential.kind ?? inferCredentialKind(input.credential.value));
  const remedy =
    kind === 'rps-oauth'
      ? 'Check that the account may use remote PowerShell (Get-User <upn> | Format-List RemotePowerShellEnabled,EXOModuleEnabled; ' +
        'enable it with Set-User <upn> -RemotePowerShellEnabled $true), that it holds an Exchange management role ' +
        '(e.g. Exchange Administrator or a role group with the cmdlets you need), and that Security Defaults or a ' +
        'Conditional Access policy do not block this sign-in. The connection URI must carry BasicAuthToOAuthConversion=true.'
      : kind === 'basic'
        ? 'Check the user name and password, and that Basic authentication is enabled on the endpoint (WinRM service Auth/Basic or the PowerShell virtual directory).'
        : 'Check the credential and that this account is allowed to use the endpoint.';
  return new ExopsError(
    ExopsErrorCode.AUTH_ACCESS_DENIED,
    `${host} refused the credential (HTTP ${input.status}${input.status === 403 ? ' Forbidden' : ' Unauthorized'}).${said}`,
    { remedy, details },
  );
}
