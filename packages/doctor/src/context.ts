import type { AccessToken, CloudEnvironment, SignInFlow, TransportKind } from '@exops/contracts';
import type { DoctorContext, DoctorProbes, ProxySettings, TokenClaimsSummary } from './types.js';

/** The host a connection goes to: the REST base for REST, the RPS endpoint for RPS. */
export function getConnectionHost(environment: CloudEnvironment, transport: TransportKind): string {
  const uri = transport === 'rest' && environment.restBaseUrl !== undefined ? environment.restBaseUrl : environment.rpsConnectionUri;
  return new URL(uri).hostname;
}

/** The connection's origin (`https://host[:port]`), where the clock and proxy checks knock. */
export function getConnectionOrigin(context: Pick<DoctorContext, 'environment' | 'transport'>): string {
  const { environment, transport } = context;
  const uri = transport === 'rest' && environment.restBaseUrl !== undefined ? environment.restBaseUrl : environment.rpsConnectionUri;
  return new URL(uri).origin;
}

/** The connection's port: 443 unless the URI says otherwise (the emulator). */
export function getConnectionPort(context: Pick<DoctorContext, 'environment' | 'transport'>): number {
  const url = new URL(getConnectionOrigin(context));
  return url.port === '' ? 443 : Number(url.port);
}

export function getAuthorityHost(environment: CloudEnvironment): string {
  return new URL(environment.authority).hostname;
}

/**
 * Reads the proxy the way exops's network layer does: an explicit option wins (`false` disables), then
 * HTTPS_PROXY, https_proxy, HTTP_PROXY, http_proxy; NO_PROXY / no_proxy lists the exceptions.
 */
export function readProxySettings(
  env: Readonly<Record<string, string | undefined>>,
  option?: string | false,
): ProxySettings {
  const noProxy = env['NO_PROXY'] ?? env['no_proxy'] ?? '';
  if (option === false) return { url: undefined, source: 'disabled', noProxy };
  if (option !== undefined && option !== '') return { url: option, source: 'option', noProxy };
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const) {
    const value = env[name];
    if (value !== undefined && value !== '') return { url: value, source: name, noProxy };
  }
  return { url: undefined, source: 'none', noProxy };
}

/**
 * Whether NO_PROXY exempts `host[:port]`, with the rules curl and undici share: `*` matches all, an entry matches
 * the host itself and its subdomains (a leading dot is optional), and an entry with a port matches only that port.
 */
export function isExemptFromProxy(noProxy: string, host: string, port: number): boolean {
  const hostname = host.toLowerCase().replace(/\.$/, '');
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/.exec(entry);
    const entryHost = (match?.[1] ?? entry).replace(/^\*?\./, '').replace(/\.$/, '');
    const entryPort = match?.[2];
    if (entryPort !== undefined && Number(entryPort) !== port) continue;
    if (hostname === entryHost || hostname.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}

/** The proxy URL used for `host:port`, or undefined for a direct connection. */
export function proxyForHost(settings: ProxySettings, host: string, port = 443): string | undefined {
  if (settings.url === undefined) return undefined;
  return isExemptFromProxy(settings.noProxy, host, port) ? undefined : settings.url;
}

/** A proxy URL fit for a report: credentials in it are replaced. */
export function describeProxyUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.href.replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/** The claims summary of an `AccessToken`: everything the sign-in check reads, without the token. */
export function summarizeAccessToken(
  token: AccessToken,
  extra: { readonly audience?: string; readonly issuedAt?: Date; readonly notBefore?: Date } = {},
): TokenClaimsSummary {
  return {
    kind: token.kind,
    user: token.user,
    tenantId: token.tenantId,
    clientId: token.clientId,
    audience: extra.audience,
    scopes: [...token.scopes],
    expiresOn: token.expiresOn,
    ...(extra.issuedAt === undefined ? {} : { issuedAt: extra.issuedAt }),
    ...(extra.notBefore === undefined ? {} : { notBefore: extra.notBefore }),
  };
}

/** Options of {@link createDoctorContext}: the CLI's parsed flags. */
export interface DoctorContextOptions {
  readonly environment: CloudEnvironment;
  readonly upn?: string | undefined;
  readonly tenant?: string | undefined;
  readonly flow?: SignInFlow | undefined;
  readonly transport?: TransportKind | undefined;
  readonly cmdlets?: readonly string[] | undefined;
  /** `--proxy`; `false` for `--no-proxy`. Default: the environment variables. */
  readonly proxy?: string | false | undefined;
  /** True when `--ca-file` was given. NODE_EXTRA_CA_CERTS is read from `env`. */
  readonly caFile?: boolean | undefined;
  readonly probes: Partial<DoctorProbes>;
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly platform?: NodeJS.Platform | undefined;
  readonly nodeVersion?: string | undefined;
  readonly now?: (() => Date) | undefined;
}

/** Fills a context from the options and the running process. */
export function createDoctorContext(options: DoctorContextOptions): DoctorContext {
  const env = options.env ?? process.env;
  const flow = options.flow ?? 'interactive';
  return {
    environment: options.environment,
    upn: flow === 'certificate' ? undefined : options.upn,
    tenant: options.tenant,
    flow,
    transport: options.transport ?? 'rest',
    cmdlets: options.cmdlets !== undefined && options.cmdlets.length > 0 ? options.cmdlets : ['Get-Mailbox'],
    proxy: readProxySettings(env, options.proxy),
    extraCaConfigured: options.caFile === true || (env['NODE_EXTRA_CA_CERTS'] ?? '') !== '',
    platform: options.platform ?? process.platform,
    nodeVersion: options.nodeVersion ?? process.versions.node,
    now: options.now ?? (() => new Date()),
    probes: options.probes,
  };
}
