import type { CloudEnvironment, RemoteSessionInfo, SignInFlow, TransportKind } from '@exops/contracts';

/** The outcome of one check. `skip` is neither good nor bad: the check did not apply or could not run. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/**
 * The stable ids of the checks, in the order a connection needs them. They are API: `--only` and `--skip` take them,
 * scripts read them from `--json`. Never rename one, only add.
 */
export const DOCTOR_CHECK_IDS = [
  'runtime',
  'winrm-basic-auth',
  'dns',
  'tcp',
  'tls',
  'proxy',
  'clock-skew',
  'authority',
  'sign-in',
  'rbac',
  'sessions',
  'transports',
] as const;

export type DoctorCheckId = (typeof DOCTOR_CHECK_IDS)[number];

/** What a check's `run` returns; the runner adds id, title and duration. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** Supporting facts (several lines allowed): addresses, chains, the error text quoted. */
  readonly detail?: string;
  /** The exact fix. Present on every `fail` and `warn`. */
  readonly remedy?: string;
}

/** One row of the report. */
export interface CheckResult extends CheckOutcome {
  readonly id: DoctorCheckId;
  readonly title: string;
  readonly durationMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Probes: the only way a check touches the world. `createNetworkProbes` implements the network ones; the token and
// exchange probes come from the caller (over @exops/auth and @exops/exo-client).
// ---------------------------------------------------------------------------------------------------------------

/** A failed network operation, as Node reports it (`ENOTFOUND`, `ECONNREFUSED`, `ETIMEDOUT`, ...). */
export interface NetworkFailure {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

export type DnsLookupResult = { readonly ok: true; readonly addresses: readonly string[] } | NetworkFailure;

export interface DnsProbe {
  lookup(host: string): Promise<DnsLookupResult>;
}

export type TcpConnectResult = { readonly ok: true; readonly remoteAddress: string; readonly elapsedMs: number } | NetworkFailure;

export interface TcpProbe {
  connect(host: string, port: number, timeoutMs: number): Promise<TcpConnectResult>;
}

/** One certificate of the peer's chain, leaf first. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

export interface TlsInspection {
  /** True when the chain verified against the trusted roots (Node's plus the configured CA). */
  readonly authorized: boolean;
  /** OpenSSL's reason when not authorized, e.g. `SELF_SIGNED_CERT_IN_CHAIN`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`. */
  readonly authorizationError?: string;
  readonly protocol?: string;
  readonly chain: readonly CertificateSummary[];
  /** True when the connection went through a proxy's CONNECT tunnel. */
  readonly viaProxy: boolean;
}

export interface TlsProbe {
  /** Completes a handshake without sending a request; never rejects an untrusted chain, reports it. */
  inspect(host: string, port: number): Promise<TlsInspection>;
}

export interface HttpProbeResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text (GET only), capped. */
  readonly bodyText?: string;
}

export interface HttpProbe {
  head(url: string): Promise<HttpProbeResponse>;
  get(url: string): Promise<HttpProbeResponse>;
}

export interface ProxyConnectResult {
  /** The proxy's answer to `CONNECT host:port`: 200 means the tunnel opened. */
  readonly status: number;
  readonly statusText: string;
}

export interface ProxyProbe {
  /** Asks the proxy to open a tunnel to `host:port` and closes it at once. */
  connect(proxyUrl: string, host: string, port: number, timeoutMs: number): Promise<ProxyConnectResult>;
}

/** The fields of an OpenID Connect discovery document the doctor reads. Entra ID adds the last three. */
export interface OidcDocument {
  readonly issuer?: string;
  readonly token_endpoint?: string;
  readonly authorization_endpoint?: string;
  readonly tenant_region_scope?: string | null;
  readonly tenant_region_sub_scope?: string | null;
  readonly cloud_instance_name?: string;
}

export type OidcDiscoveryResult =
  | { readonly ok: true; readonly url: string; readonly document: OidcDocument }
  | { readonly ok: false; readonly url: string; readonly status: number; readonly error?: string; readonly errorDescription?: string };

export interface OidcProbe {
  /** GETs `<authority>/v2.0/.well-known/openid-configuration`, where the authority names a tenant or domain. */
  discover(authority: string): Promise<OidcDiscoveryResult>;
}

/**
 * What the doctor learns from a token: the claims that matter, never the token itself. `@exops/auth`'s
 * `parseTokenClaims` gives `aud`, `iat` and `nbf`; {@link summarizeAccessToken} builds it from an `AccessToken`.
 */
export interface TokenClaimsSummary {
  readonly kind: 'delegated' | 'app';
  /** `upn` / `preferred_username`; undefined for app-only. */
  readonly user: string | undefined;
  readonly tenantId: string;
  readonly clientId: string;
  /** `aud`: the resource URI or the Exchange app id `00000002-0000-0ff1-ce00-000000000000`. */
  readonly audience: string | undefined;
  /** `scp` (delegated) or `roles` (app-only). */
  readonly scopes: readonly string[];
  readonly expiresOn: Date;
  readonly issuedAt?: Date;
  readonly notBefore?: Date;
}

export interface TokenProbe {
  /** Signs in with the chosen flow. A user mismatch should reject with `EXOPS_AUTH_USER_MISMATCH`. */
  acquire(): Promise<TokenClaimsSummary>;
}

/** `Get-User` fields that decide whether a user may use remote PowerShell (reference §3.2). */
export interface ExchangeUserInfo {
  readonly identity: string;
  readonly remotePowerShellEnabled?: boolean;
  /** The newer name of the same switch; the two toggle together. */
  readonly exoModuleEnabled?: boolean;
}

export type TransportState = 'available' | 'disabled' | 'unavailable' | 'unknown';

export interface TransportProbeState {
  readonly state: TransportState;
  /** HTTP status seen, when there was one. */
  readonly status?: number;
  /** The server's words, redacted. */
  readonly message?: string;
}

export interface TransportProbeResult {
  readonly rps: TransportProbeState;
  readonly rest: TransportProbeState;
}

export interface ExchangeProbe {
  /** `Get-User -Identity <upn>`. */
  getUser(upn: string): Promise<ExchangeUserInfo>;
  /** The cmdlets the signed-in identity's roles allow (`exportedCmdlets` of the REST module file, or Get-Command). */
  listAllowedCmdlets(): Promise<readonly string[]>;
  /** The user's open remote sessions (Get-PSSession / WS-Man Enumerate of shells). */
  listSessions(): Promise<readonly RemoteSessionInfo[]>;
  /** Whether RPS and REST answer for this tenant. */
  probeTransports(): Promise<TransportProbeResult>;
}

export interface OsCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface OsCommandProbe {
  /** Runs a program without a shell. A program that cannot start rejects. */
  run(command: string, args: readonly string[]): Promise<OsCommandResult>;
}

/** Every probe a check may use. Any of them may be absent: its checks then `skip`. */
export interface DoctorProbes {
  readonly dns: DnsProbe;
  readonly tcp: TcpProbe;
  readonly tls: TlsProbe;
  readonly http: HttpProbe;
  readonly proxy: ProxyProbe;
  readonly oidc: OidcProbe;
  readonly token: TokenProbe;
  readonly exchange: ExchangeProbe;
  readonly os: OsCommandProbe;
}

/** The proxy as exops will use it: from `--proxy` or HTTPS_PROXY / https_proxy, with NO_PROXY. */
export interface ProxySettings {
  /** The proxy URL, or undefined for direct connections. */
  readonly url: string | undefined;
  /** Where the URL came from, for the report. */
  readonly source: 'option' | 'HTTPS_PROXY' | 'https_proxy' | 'HTTP_PROXY' | 'http_proxy' | 'none' | 'disabled';
  /** The NO_PROXY list as given ('' when unset). */
  readonly noProxy: string;
}

/** Everything the checks read. Build it with `createDoctorContext`, or by hand in tests. */
export interface DoctorContext {
  /** The cloud, with `--connection-uri` / `--authority` applied (`resolveCloudEnvironment`). */
  readonly environment: CloudEnvironment;
  /** `--upn`; undefined for app-only sign-in. */
  readonly upn: string | undefined;
  /** `--organization` / `--delegated-org`: the tenant app-only and partner sign-ins name. */
  readonly tenant: string | undefined;
  readonly flow: SignInFlow;
  /** The transport the user intends (`--transport`); REST by default since RPS was switched off. */
  readonly transport: TransportKind;
  /** Cmdlets the user wants to run (`--cmdlets`); default `['Get-Mailbox']`. */
  readonly cmdlets: readonly string[];
  readonly proxy: ProxySettings;
  /** True when `--ca-file` or NODE_EXTRA_CA_CERTS adds CAs; changes the TLS remedies. */
  readonly extraCaConfigured: boolean;
  readonly platform: NodeJS.Platform;
  /** `process.versions.node`. */
  readonly nodeVersion: string;
  readonly now: () => Date;
  readonly probes: Partial<DoctorProbes>;
}

/** A check: data plus a `run` over the context's probes. */
export interface DoctorCheck {
  readonly id: DoctorCheckId;
  readonly title: string;
  /** Checks whose failure makes this one meaningless; it is then skipped, naming the failed one. */
  readonly dependsOn: readonly DoctorCheckId[];
  /**
   * Further dependencies that hold only in some contexts, e.g. the authority served from the connection's own
   * host (the emulator): a refused port there is the same failure, not a second one.
   */
  readonly dependsOnWhen?: (context: DoctorContext) => readonly DoctorCheckId[];
  /** Probes without which the check skips with "not available in this context". */
  readonly requires: readonly (keyof DoctorProbes)[];
  readonly timeoutMs: number;
  /** The fix printed when a probe throws or the check times out. */
  readonly failureRemedy: string;
  run(context: DoctorContext): Promise<CheckOutcome>;
}

/** Counts by status. */
export interface DoctorSummary {
  readonly pass: number;
  readonly warn: number;
  readonly fail: number;
  readonly skip: number;
  readonly total: number;
}

/** 0 all pass (or skip), 1 warnings only, 2 any failure. */
export type DoctorExitCode = 0 | 1 | 2;

/** The report: what `--json` prints, `doctor-report.schema.json` describes. */
export interface DoctorReport {
  readonly schemaVersion: 1;
  readonly tool: 'exo-doctor';
  readonly generatedAt: string;
  readonly environment: string;
  readonly connectionHost: string;
  readonly authorityHost: string;
  readonly upn: string | null;
  readonly flow: SignInFlow;
  readonly transport: TransportKind;
  readonly results: readonly CheckResult[];
  readonly summary: DoctorSummary;
  readonly exitCode: DoctorExitCode;
}

/** Progress events, in order: `start` then `finish` per check. */
export type DoctorProgressEvent =
  | { readonly type: 'start'; readonly id: DoctorCheckId; readonly title: string; readonly index: number; readonly count: number }
  | { readonly type: 'finish'; readonly result: CheckResult; readonly index: number; readonly count: number };

export interface RunDoctorOptions {
  /** Run only these checks (others are left out of the report). */
  readonly only?: readonly DoctorCheckId[];
  /** Leave these checks out. */
  readonly skip?: readonly DoctorCheckId[];
  /** Per-check timeout overrides in ms. */
  readonly timeouts?: Partial<Record<DoctorCheckId, number>>;
  readonly onProgress?: (event: DoctorProgressEvent) => void;
  /** The checks to run; default {@link DOCTOR_CHECKS}. Tests inject their own. */
  readonly checks?: readonly DoctorCheck[];
}
