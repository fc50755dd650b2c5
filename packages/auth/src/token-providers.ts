import http from 'node:http';
import {
  ConfidentialClientApplication,
  LogLevel,
  PublicClientApplication,
} from '@azure/msal-node';
import type { AccountInfo, AuthenticationResult, Configuration } from '@azure/msal-node';
import { EXO_CLIENT_IDS, ExopsError, ExopsErrorCode, redactText } from '@exops/contracts';
import type { AccessToken, CloudEnvironment, NetworkOptions, SignInFlow, TokenProvider, TokenRequest } from '@exops/contracts';
import { ERROR_TEMPLATE, SUCCESS_TEMPLATE, hasDisplay, openSystemBrowser } from './browser.js';
import { describeCertificateValidity, loadCertificate } from './certificate.js';
import type { CertificateSource, LoadedCertificate } from './certificate.js';
import { mapMsalError } from './msal-errors.js';
import type { MsalErrorContext } from './msal-errors.js';
import { createMsalNetworkClient } from './network-client.js';
import type { MsalNetworkClient } from './network-client.js';
import { assertExpectedUser, getTokenScopes, getTokenUser, parseTokenClaims } from './token-claims.js';
import type { TokenClaims } from './token-claims.js';
import { buildCachePlugin } from './msal-cache-plugin.js';
import { createFileTokenCache, createMemoryTokenCache } from './token-cache.js';
import type { TokenCacheStore } from './token-cache.js';

/** Severity of a sign-in log line. */
export type AuthLogLevel = 'error' | 'warning' | 'info' | 'verbose';

/** Receives MSAL's log, already redacted. Personal data logging stays off. */
export type AuthLogSink = (level: AuthLogLevel, message: string) => void;

/** Options every flow takes. */
export interface TokenProviderOptions {
  /** The cloud (with `--authority` / `--connection-uri` overrides applied). */
  readonly environment: CloudEnvironment;
  /** The public client to sign in as. Default: the REST module's id (`EXO_CLIENT_IDS.rest`), or the RPS one when `protocol` is `'rps'`. */
  readonly clientId?: string | undefined;
  /** Which module's client id is the default. */
  readonly protocol?: 'rest' | 'rps' | undefined;
  /** The user to sign in (`--upn`): the login hint, the cached account to use, and the user every token must name. */
  readonly upn?: string | undefined;
  /** A tenant id or domain replacing the authority's `organizations` / `common` segment. */
  readonly tenant?: string | undefined;
  /** Where tokens persist. Default: the file cache for delegated flows, memory for app-only. `false`: memory only. */
  readonly cache?: TokenCacheStore | false | undefined;
  /** Proxy, extra CA and timeouts for every request MSAL makes. */
  readonly network?: NetworkOptions | undefined;
  /** MSAL's log, redacted. */
  readonly log?: AuthLogSink | undefined;
  /** Messages for the person at the terminal (no browser, certificate expiry). Default: stderr. */
  readonly output?: ((message: string) => void) | undefined;
  /** The command that signs in again, named in errors (default `exops connect`). */
  readonly signInCommand?: string | undefined;
  /** Hosts MSAL trusts without instance discovery. Default: the authority's host when it is not a Microsoft login host (the emulator). */
  readonly knownAuthorities?: readonly string[] | undefined;
  /** The authority's OpenID configuration as JSON, to skip fetching it. */
  readonly authorityMetadata?: string | undefined;
  /** Instance discovery metadata as JSON, to skip fetching it. */
  readonly cloudDiscoveryMetadata?: string | undefined;
}

/** What the device code flow shows the user. */
export interface DeviceCodeInfo {
  readonly userCode: string;
  readonly verificationUri: string;
  /** Entra ID's sentence naming the address and the code. */
  readonly message: string;
  readonly expiresOn: Date;
}

/** Options of the system browser flow. */
export interface InteractiveTokenProviderOptions extends TokenProviderOptions {
  /** Opens the sign-in page. Default: the system browser through `open`. Tests drive a headless browser here. */
  readonly openBrowser?: ((url: string) => Promise<void>) | undefined;
  /** A fixed loopback port (when a proxy or firewall needs one); a random free port otherwise. */
  readonly preferredPort?: number | undefined;
  /** Whether a browser can be shown here. Default: {@link hasDisplay}. */
  readonly hasDisplay?: (() => boolean) | undefined;
  /** Give up waiting for the browser after this long (default 10 minutes). */
  readonly timeoutMs?: number | undefined;
  readonly successTemplate?: string | undefined;
  readonly errorTemplate?: string | undefined;
}

/** Options of the device code flow. */
export interface DeviceCodeTokenProviderOptions extends TokenProviderOptions {
  /** Shows the code. Default: writes `message` to `output`. */
  readonly onDeviceCode?: ((info: DeviceCodeInfo) => void) | undefined;
}

/** Options of the user name and password flow (`--credential`). */
export interface CredentialTokenProviderOptions extends TokenProviderOptions {
  readonly upn: string;
  /** Never logged or kept beyond the provider. */
  readonly password: string;
}

/** Options of app-only sign-in with a certificate. */
export interface CertificateTokenProviderOptions extends Omit<TokenProviderOptions, 'upn' | 'clientId' | 'protocol' | 'tenant'> {
  /** The application (client) id of the app registration holding the certificate. */
  readonly appId: string;
  /** The tenant: a verified domain such as contoso.onmicrosoft.com, or its id. */
  readonly organization: string;
  /** The certificate, from a file, or already loaded. */
  readonly certificate: CertificateSource | LoadedCertificate;
  /** Send the certificate chain (`x5c`) for subject name / issuer authentication. */
  readonly sendX5c?: boolean | undefined;
}

/** Options of the cache-only flow. */
export type SilentTokenProviderOptions = TokenProviderOptions;

/** One option bag for every flow, told apart by `flow`. */
export type CreateTokenProviderOptions =
  | ({ readonly flow: 'interactive' } & InteractiveTokenProviderOptions)
  | ({ readonly flow: 'device-code' } & DeviceCodeTokenProviderOptions)
  | ({ readonly flow: 'credential' } & CredentialTokenProviderOptions)
  | ({ readonly flow: 'certificate' } & CertificateTokenProviderOptions)
  | ({ readonly flow: 'silent' } & SilentTokenProviderOptions);

const DEFAULT_MIN_VALIDITY_SECONDS = 300;
const DEFAULT_INTERACTIVE_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_SIGN_IN_COMMAND = 'exops connect';
const MICROSOFT_LOGIN_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login.microsoftonline.de',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);
/** MSAL errors that mean "the cache cannot do it: the user has to sign in". */
const NEEDS_SIGN_IN_CODES = new Set(['no_tokens_found', 'no_account_found', 'no_account_in_silent_request', 'token_refresh_required', 'refresh_token_expired', 'invalid_grant']);
/** The error the loopback receives when exops itself stops waiting for the browser. */
const CANCELLED_BY_EXOPS = 'exops_cancelled';
const TIMED_OUT_BY_EXOPS = 'exops_timeout';

/** The authority URL for a tenant: the environment's authority with its tenant segment replaced. */
export function buildAuthority(environment: CloudEnvironment, tenant?: string): string {
  const url = new URL(environment.authority);
  if (tenant === undefined || tenant === '') return url.href.replace(/\/$/, '');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  segments[segments.length === 0 ? 0 : segments.length - 1] = encodeURIComponent(tenant);
  return `${url.origin}/${segments.join('/')}`;
}

/** The scopes Exchange Online is asked for: `${resource}/.default`, plus `offline_access` for a refresh token. */
export function buildExchangeScopes(environment: CloudEnvironment, delegated: boolean): string[] {
  const scope = `${environment.resource.replace(/\/$/, '')}/.default`;
  return delegated ? [scope, 'offline_access'] : [scope];
}

function defaultOutput(message: string): void {
  process.stderr.write(`${message}\n`);
}

const LOG_LEVELS: Record<LogLevel, AuthLogLevel> = {
  [LogLevel.Error]: 'error',
  [LogLevel.Warning]: 'warning',
  [LogLevel.Info]: 'info',
  [LogLevel.Verbose]: 'verbose',
  [LogLevel.Trace]: 'verbose',
};

/** MSAL's configuration from our options; nothing of MSAL's shape escapes this module. */
function buildMsalConfiguration(
  options: TokenProviderOptions,
  clientId: string,
  authority: string,
  cache: TokenCacheStore,
  secrets: () => readonly string[],
  networkClient: MsalNetworkClient,
): Configuration {
  const host = new URL(authority).host;
  const knownAuthorities = options.knownAuthorities ?? (MICROSOFT_LOGIN_HOSTS.has(new URL(authority).hostname) ? [] : [host]);
  const sink = options.log;
  return {
    auth: {
      clientId,
      authority,
      knownAuthorities: [...knownAuthorities],
      ...(options.authorityMetadata === undefined ? {} : { authorityMetadata: options.authorityMetadata }),
      ...(options.cloudDiscoveryMetadata === undefined ? {} : { cloudDiscoveryMetadata: options.cloudDiscoveryMetadata }),
    },
    cache: { cachePlugin: buildCachePlugin(cache) },
    system: {
      networkClient,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: sink === undefined ? LogLevel.Error : LogLevel.Verbose,
        loggerCallback: (level: LogLevel, message: string, containsPii: boolean) => {
          if (sink === undefined || containsPii) return;
          sink(LOG_LEVELS[level] ?? 'verbose', redactText(message, secrets()));
        },
      },
    },
  };
}

/** Builds the transports' view of a token from MSAL's result. */
function toAccessToken(result: AuthenticationResult, kind: 'delegated' | 'app', clientId: string): AccessToken {
  const claims = parseTokenClaims(result.accessToken);
  const idClaims = result.idTokenClaims as TokenClaims | undefined;
  const user = kind === 'app' ? undefined : (getTokenUser(claims) ?? getTokenUser(idClaims) ?? result.account?.username);
  const scopes = getTokenScopes(claims);
  const expiresOn = result.expiresOn ?? (typeof claims?.exp === 'number' ? new Date(claims.exp * 1000) : new Date(Date.now() + 3_600_000));
  return {
    token: result.accessToken,
    expiresOn,
    user,
    tenantId: result.tenantId !== '' ? result.tenantId : (claims?.tid ?? ''),
    scopes: scopes.length > 0 ? scopes : result.scopes,
    kind,
    clientId: (typeof claims?.appid === 'string' ? claims.appid : undefined) ?? (typeof claims?.azp === 'string' ? claims.azp : undefined) ?? clientId,
  };
}

function secondsLeft(token: AccessToken): number {
  return (token.expiresOn.getTime() - Date.now()) / 1000;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new ExopsError(ExopsErrorCode.ABORTED, 'The sign-in was cancelled.', { cause: signal.reason });
  }
}

/** Rejects when `signal` aborts, so a caller is not kept waiting for a flow that will stop later. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ExopsError(ExopsErrorCode.ABORTED, 'The sign-in was cancelled.', { cause: signal.reason }));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function unsupportedInCloud(flow: SignInFlow, environment: CloudEnvironment): ExopsError {
  return new ExopsError(
    ExopsErrorCode.AUTH_UNSUPPORTED_FLOW,
    `MFA authentication or federated authentication isn't available in ${environment.displayName}, so the ${flow} sign-in is not offered there.`,
    {
      remedy: 'Sign in with a user name and password (--credential) or app-only with a certificate (--certificate-path, --app-id, --organization).',
      details: { environment: environment.name, flow },
    },
  );
}

/** What the delegated flows share: the MSAL app, the account, silent renewal and the user check. */
interface DelegatedCore {
  readonly app: PublicClientApplication;
  readonly clientId: string;
  readonly scopes: string[];
  readonly authority: string;
  readonly context: MsalErrorContext;
  readonly output: (message: string) => void;
  /** The cached token, renewed ahead of expiry; undefined when the user must sign in (the reason is kept). */
  silent(request: TokenRequest): Promise<{ token: AccessToken } | { needsSignIn: ExopsError }>;
  /** Checks the user, remembers the account and converts. */
  accept(result: AuthenticationResult | null): AccessToken;
}

function createDelegatedCore(flow: SignInFlow, options: TokenProviderOptions, secrets: readonly string[] = []): DelegatedCore {
  const clientId = options.clientId ?? (options.protocol === 'rps' ? EXO_CLIENT_IDS.rps : EXO_CLIENT_IDS.rest);
  const authority = buildAuthority(options.environment, options.tenant);
  const cache = options.cache === false ? createMemoryTokenCache() : (options.cache ?? createFileTokenCache());
  const network = createMsalNetworkClient(options.network ?? {});
  const app = new PublicClientApplication(buildMsalConfiguration(options, clientId, authority, cache, () => secrets, network));
  const scopes = buildExchangeScopes(options.environment, true);
  const signInCommand = options.signInCommand ?? DEFAULT_SIGN_IN_COMMAND;
  const context: MsalErrorContext = { flow, signInCommand, user: options.upn, secrets, takeNetworkError: () => network.takeLastError() };
  let account: AccountInfo | undefined;

  async function findAccount(): Promise<AccountInfo | ExopsError> {
    if (account !== undefined) return account;
    const accounts = await app.getAllAccounts();
    const upn = options.upn?.toLowerCase();
    const matching = upn === undefined ? accounts : accounts.filter((a) => a.username.toLowerCase() === upn);
    if (matching.length === 1 && matching[0] !== undefined) return matching[0];
    if (matching.length > 1 && upn === undefined) {
      return new ExopsError(ExopsErrorCode.AUTH_INTERACTION_REQUIRED, `The token cache holds sign-ins for ${matching.length} users; exops cannot pick one.`, {
        remedy: `Name the user with --upn (one of: ${matching.map((a) => a.username).join(', ')}).`,
      });
    }
    if (matching.length > 1) return matching[0] as AccountInfo;
    return new ExopsError(
      ExopsErrorCode.AUTH_INTERACTION_REQUIRED,
      options.upn === undefined ? 'There is no cached sign-in.' : `There is no cached sign-in for '${options.upn}'.`,
      { remedy: `Sign in with '${signInCommand}${options.upn === undefined ? '' : ` --upn ${options.upn}`}' (browser or --device-code).` },
    );
  }

  function accept(result: AuthenticationResult | null): AccessToken {
    if (result === null) {
      throw new ExopsError(ExopsErrorCode.AUTH_FAILED, 'The sign-in ended without a token.', { remedy: 'Run the command again.' });
    }
    const token = toAccessToken(result, 'delegated', clientId);
    assertExpectedUser(token.user, options.upn);
    if (result.account !== null) account = result.account;
    return token;
  }

  async function silent(request: TokenRequest): Promise<{ token: AccessToken } | { needsSignIn: ExopsError }> {
    const found = await findAccount();
    if (found instanceof ExopsError) return { needsSignIn: found };
    const minValidity = request.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS;
    const forced = request.forceRefresh === true || request.claims !== undefined;
    try {
      let result = await app.acquireTokenSilent({
        account: found,
        scopes,
        authority,
        forceRefresh: forced,
        ...(request.claims === undefined ? {} : { claims: request.claims }),
      });
      let token = accept(result);
      if (!forced && secondsLeft(token) < minValidity) {
        result = await app.acquireTokenSilent({ account: found, scopes, authority, forceRefresh: true });
        token = accept(result);
      }
      return { token };
    } catch (error) {
      // Mapped as the silent step it is: for --credential an interaction answer here means "try the password".
      const mapped = mapMsalError(error, { ...context, flow: 'silent' });
      const code = (error as { errorCode?: unknown }).errorCode;
      if (mapped.code === ExopsErrorCode.AUTH_INTERACTION_REQUIRED || (typeof code === 'string' && NEEDS_SIGN_IN_CODES.has(code))) {
        account = undefined;
        return {
          needsSignIn: new ExopsError(ExopsErrorCode.AUTH_INTERACTION_REQUIRED, `The cached sign-in${options.upn === undefined ? '' : ` for '${options.upn}'`} can no longer be renewed without the user: ${mapped.message}`, {
            cause: error,
            remedy: `Sign in again with '${signInCommand}${options.upn === undefined ? '' : ` --upn ${options.upn}`}' (browser or --device-code).`,
            details: mapped.details,
          }),
        };
      }
      throw mapped;
    }
  }

  return { app, clientId, scopes, authority, context, output: options.output ?? defaultOutput, silent, accept };
}

/** A delegated provider: the cache first, then `signIn` when the user is needed. */
function createDelegatedProvider(
  flow: SignInFlow,
  options: TokenProviderOptions,
  core: DelegatedCore,
  signIn: ((request: TokenRequest) => Promise<AuthenticationResult | null>) | undefined,
): TokenProvider {
  let pending: Promise<AccessToken> | undefined;
  async function getToken(request: TokenRequest = {}): Promise<AccessToken> {
    throwIfAborted(request.signal);
    const cached = await core.silent(request);
    if ('token' in cached) return cached.token;
    if (signIn === undefined) throw cached.needsSignIn;
    try {
      return core.accept(await raceAbort(signIn(request), request.signal));
    } catch (error) {
      throw mapMsalError(error, core.context);
    }
  }
  return {
    flow,
    expectedUser: options.upn,
    getToken(request) {
      // Concurrent callers without special needs share one sign-in instead of opening two browsers.
      if (request?.claims !== undefined || request?.forceRefresh === true) return getToken(request);
      pending ??= getToken(request).finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

/** Posts an error to MSAL's loopback listener so it stops waiting (and closes its server). */
function stopLoopback(authorizeUrl: string, error: string): void {
  const url = new URL(authorizeUrl);
  const redirect = url.searchParams.get('redirect_uri');
  const state = url.searchParams.get('state');
  if (redirect === null || state === null) return;
  const target = new URL(redirect);
  const body = new URLSearchParams({ error, error_description: error, state }).toString();
  const request = http.request({
    host: '127.0.0.1',
    port: Number(target.port),
    path: '/',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
  });
  request.on('error', () => undefined);
  request.end(body);
}

/**
 * Sign-in in the system browser with a loopback redirect and PKCE, as the V3 module does on PowerShell 7. `--upn`
 * is the login hint. Without a display (SSH, no DISPLAY/WAYLAND_DISPLAY) or when no browser starts, the address is
 * printed and device code sign-in suggested; the flow keeps waiting (a browser on this machine, or a forwarded port,
 * can still finish it) until `timeoutMs` or the request's signal.
 */
export function createInteractiveTokenProvider(options: InteractiveTokenProviderOptions): TokenProvider {
  if (!options.environment.supportsMfa) throw unsupportedInCloud('interactive', options.environment);
  const core = createDelegatedCore('interactive', options);
  const canShow = options.hasDisplay ?? (() => hasDisplay());
  const timeoutMs = options.timeoutMs ?? DEFAULT_INTERACTIVE_TIMEOUT_MS;

  return createDelegatedProvider('interactive', options, core, async (request) => {
    const headless = !canShow();
    const opener = options.openBrowser ?? (headless ? undefined : openSystemBrowser);
    const cleanups: (() => void)[] = [];
    const fallbackMessage = (url: string, reason: string) =>
      `${reason} Open this address in a browser on this machine to sign in:\n\n  ${url}\n\n` +
      `On a machine without a browser, sign in with a device code instead: ${core.context.signInCommand} --device-code`;
    try {
      return await core.app.acquireTokenInteractive({
        scopes: core.scopes,
        authority: core.authority,
        ...(options.upn === undefined ? {} : { loginHint: options.upn }),
        ...(request.claims === undefined ? {} : { claims: request.claims }),
        ...(options.preferredPort === undefined ? {} : { preferredPort: options.preferredPort }),
        successTemplate: options.successTemplate ?? SUCCESS_TEMPLATE,
        errorTemplate: options.errorTemplate ?? ERROR_TEMPLATE,
        openBrowser: async (url: string) => {
          const timer = setTimeout(() => stopLoopback(url, TIMED_OUT_BY_EXOPS), timeoutMs);
          timer.unref();
          cleanups.push(() => clearTimeout(timer));
          if (request.signal !== undefined) {
            const onAbort = () => stopLoopback(url, CANCELLED_BY_EXOPS);
            request.signal.addEventListener('abort', onAbort, { once: true });
            cleanups.push(() => request.signal?.removeEventListener('abort', onAbort));
          }
          if (opener === undefined) {
            core.output(fallbackMessage(url, 'No browser can be shown here (no display, or an SSH session).'));
            return;
          }
          try {
            await opener(url);
          } catch (error) {
            core.output(fallbackMessage(url, `The browser could not be started (${redactText((error as Error).message)}).`));
          }
        },
      });
    } catch (error) {
      const code = (error as { errorCode?: unknown }).errorCode;
      if (code === CANCELLED_BY_EXOPS) throw new ExopsError(ExopsErrorCode.ABORTED, 'The sign-in was cancelled.', { cause: error });
      if (code === TIMED_OUT_BY_EXOPS) {
        throw new ExopsError(
          headless ? ExopsErrorCode.AUTH_NO_BROWSER : ExopsErrorCode.AUTH_FAILED,
          `The browser sign-in did not finish within ${Math.round(timeoutMs / 1000)} s.`,
          { cause: error, remedy: `Sign in with a device code instead: ${core.context.signInCommand} --device-code` },
        );
      }
      throw error;
    } finally {
      for (const cleanup of cleanups) cleanup();
    }
  });
}

/**
 * Device code sign-in: the user opens the address on any device and enters the code. For SSH sessions, containers
 * and machines without a browser. Cancel it with the request's AbortSignal.
 */
export function createDeviceCodeTokenProvider(options: DeviceCodeTokenProviderOptions): TokenProvider {
  if (!options.environment.supportsMfa) throw unsupportedInCloud('device-code', options.environment);
  const core = createDelegatedCore('device-code', options);
  const show = options.onDeviceCode ?? ((info: DeviceCodeInfo) => core.output(info.message));

  return createDelegatedProvider('device-code', options, core, (request) => {
    const msalRequest = {
      scopes: core.scopes,
      authority: core.authority,
      cancel: false,
      ...(request.claims === undefined ? {} : { claims: request.claims }),
      deviceCodeCallback: (response: { userCode: string; verificationUri: string; message: string; expiresIn: number }) => {
        show({
          userCode: response.userCode,
          verificationUri: response.verificationUri,
          message: response.message,
          expiresOn: new Date(Date.now() + response.expiresIn * 1000),
        });
      },
    };
    // MSAL reads `cancel` from this object before each poll.
    request.signal?.addEventListener('abort', () => {
      msalRequest.cancel = true;
    }, { once: true });
    return core.app.acquireTokenByDeviceCode(msalRequest);
  });
}

/**
 * User name and password (`--credential`), the resource owner password grant. Microsoft deprecates this grant and it
 * cannot satisfy MFA; exops keeps it only for the documented SSO workaround (sign in as another user than the
 * browser's). An MFA-required answer becomes AUTH_MFA_REQUIRED naming the interactive and device code flows.
 */
export function createCredentialTokenProvider(options: CredentialTokenProviderOptions): TokenProvider {
  if (options.password === '') {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'The password for --credential is empty.', { remedy: 'Give the password when prompted.' });
  }
  const core = createDelegatedCore('credential', options, [options.password]);
  const password = options.password;
  return createDelegatedProvider('credential', options, core, (request) =>
    core.app.acquireTokenByUsernamePassword({
      scopes: core.scopes,
      authority: core.authority,
      username: options.upn,
      password,
      ...(request.claims === undefined ? {} : { claims: request.claims }),
    }),
  );
}

/** Cache only: never prompts. A refresh that needs the user fails with AUTH_INTERACTION_REQUIRED naming the sign-in command. */
export function createSilentTokenProvider(options: SilentTokenProviderOptions): TokenProvider {
  const core = createDelegatedCore('silent', options);
  return createDelegatedProvider('silent', options, core, undefined);
}

function isLoaded(certificate: CertificateSource | LoadedCertificate): certificate is LoadedCertificate {
  return 'privateKeyPem' in certificate;
}

/**
 * App-only sign-in with a certificate (client credentials with a signed assertion), for unattended scripts. The app
 * needs `Exchange.ManageAsApp` and an Entra role. The certificate loads on the first `getToken`; an expired one is
 * warned about (Entra ID decides).
 */
export function createCertificateTokenProvider(options: CertificateTokenProviderOptions): TokenProvider {
  if (options.organization === '') {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, 'App-only sign-in needs the tenant (--organization).', {
      remedy: 'Give the tenant as its verified domain, for example --organization contoso.onmicrosoft.com.',
    });
  }
  const authority = buildAuthority(options.environment, options.organization);
  const scopes = buildExchangeScopes(options.environment, false);
  const output = options.output ?? defaultOutput;
  const cache = options.cache === false || options.cache === undefined ? createMemoryTokenCache() : options.cache;
  const network = createMsalNetworkClient(options.network ?? {});
  const context: MsalErrorContext = {
    flow: 'certificate',
    signInCommand: options.signInCommand ?? DEFAULT_SIGN_IN_COMMAND,
    takeNetworkError: () => network.takeLastError(),
  };
  let app: Promise<ConfidentialClientApplication> | undefined;

  async function createApp(): Promise<ConfidentialClientApplication> {
    const certificate = isLoaded(options.certificate) ? options.certificate : await loadCertificate(options.certificate);
    const warning = describeCertificateValidity(certificate);
    if (warning !== undefined) output(warning);
    const base = buildMsalConfiguration({ ...options, clientId: options.appId }, options.appId, authority, cache, () => [], network);
    return new ConfidentialClientApplication({
      ...base,
      auth: {
        ...base.auth,
        clientCertificate: {
          thumbprintSha256: certificate.thumbprintSha256,
          privateKey: certificate.privateKeyPem,
          ...(options.sendX5c === true ? { x5c: certificate.certificatePem } : {}),
        },
      },
    });
  }

  return {
    flow: 'certificate',
    expectedUser: undefined,
    async getToken(request: TokenRequest = {}) {
      throwIfAborted(request.signal);
      app ??= createApp().catch((error: unknown) => {
        app = undefined;
        throw error;
      });
      const client = await app;
      const minValidity = request.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS;
      const acquire = async (skipCache: boolean) => {
        try {
          const result = await raceAbort(
            client.acquireTokenByClientCredential({
              scopes,
              authority,
              skipCache,
              ...(request.claims === undefined ? {} : { claims: request.claims }),
            }),
            request.signal,
          );
          if (result === null) throw new ExopsError(ExopsErrorCode.AUTH_FAILED, 'The sign-in ended without a token.', { remedy: 'Run the command again.' });
          return toAccessToken(result, 'app', options.appId);
        } catch (error) {
          throw mapMsalError(error, context);
        }
      };
      const forced = request.forceRefresh === true || request.claims !== undefined;
      const token = await acquire(forced);
      return !forced && secondsLeft(token) < minValidity ? acquire(true) : token;
    },
  };
}

/** One entry for every flow: dispatches on `flow` to the factory of that flow. */
export function createTokenProvider(options: CreateTokenProviderOptions): TokenProvider {
  switch (options.flow) {
    case 'interactive':
      return createInteractiveTokenProvider(options);
    case 'device-code':
      return createDeviceCodeTokenProvider(options);
    case 'credential':
      return createCredentialTokenProvider(options);
    case 'certificate':
      return createCertificateTokenProvider(options);
    case 'silent':
      return createSilentTokenProvider(options);
  }
}
