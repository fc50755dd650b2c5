export { DOCTOR_CHECK_IDS } from './types.js';
export type {
  CertificateSummary,
  CheckOutcome,
  CheckResult,
  CheckStatus,
  DnsLookupResult,
  DnsProbe,
  DoctorCheck,
  DoctorCheckId,
  DoctorContext,
  DoctorExitCode,
  DoctorProbes,
  DoctorProgressEvent,
  DoctorReport,
  DoctorSummary,
  ExchangeProbe,
  ExchangeUserInfo,
  HttpProbe,
  HttpProbeResponse,
  NetworkFailure,
  OidcDiscoveryResult,
  OidcDocument,
  OidcProbe,
  OsCommandProbe,
  OsCommandResult,
  ProxyConnectResult,
  ProxyProbe,
  ProxySettings,
  RunDoctorOptions,
  TcpConnectResult,
  TcpProbe,
  TlsInspection,
  TlsProbe,
  TokenClaimsSummary,
  TokenProbe,
  TransportProbeResult,
  TransportProbeState,
  TransportState,
} from './types.js';
export { DOCTOR_CHECKS } from './checks/index.js';
export { SESSION_CAP, SESSION_WARN_AT } from './checks/sessions.js';
export { CLOCK_SKEW_FAIL_MS, CLOCK_SKEW_WARN_MS } from './checks/clock-skew.js';
export { runDoctor, parseCheckIds, summarizeResults, exitCodeFor } from './run-doctor.js';
export {
  createDoctorContext,
  readProxySettings,
  proxyForHost,
  isExemptFromProxy,
  summarizeAccessToken,
  getConnectionHost,
  getAuthorityHost,
} from './context.js';
export type { DoctorContextOptions } from './context.js';
export {
  createNetworkProbes,
  createDnsProbe,
  createTcpProbe,
  createTlsProbe,
  createHttpProbe,
  createProxyProbe,
  createOidcProbe,
  createOsCommandProbe,
} from './probes/index.js';
export type { NetworkProbes, NetworkProbesOptions, ClosableHttpProbe, HttpProbeOptions, TlsProbeOptions } from './probes/index.js';
export { renderJson } from './render/json.js';
export { renderSummaryTable } from './render/table.js';
export type { SummaryTableOptions } from './render/table.js';
export { renderListr } from './render/listr.js';
export type { ListrRenderOptions } from './render/listr.js';
export { shouldUseColor } from './render/color.js';
