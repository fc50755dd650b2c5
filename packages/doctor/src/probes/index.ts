import type { DoctorProbes, ProxySettings } from '../types.js';
import { createDnsProbe } from './dns.js';
import { createHttpProbe } from './http.js';
import { createOidcProbe } from './oidc.js';
import { createOsCommandProbe } from './os.js';
import { createProxyProbe } from './proxy.js';
import { createTcpProbe } from './tcp.js';
import { createTlsProbe } from './tls.js';

/** Options of {@link createNetworkProbes}. */
export interface NetworkProbesOptions {
  /** The proxy as the context has it (`readProxySettings`). */
  readonly proxy: ProxySettings;
  /** Extra CA certificates (PEM text), as `--ca-file` gives them. */
  readonly ca?: readonly string[] | undefined;
  readonly timeoutMs?: number | undefined;
}

/** The real network and OS probes; the token and exchange probes come from the caller. Close them when done. */
export interface NetworkProbes {
  readonly probes: Pick<DoctorProbes, 'dns' | 'tcp' | 'tls' | 'http' | 'proxy' | 'oidc' | 'os'>;
  close(): Promise<void>;
}

export function createNetworkProbes(options: NetworkProbesOptions): NetworkProbes {
  const http = createHttpProbe({ ca: options.ca, proxy: options.proxy, timeoutMs: options.timeoutMs });
  return {
    probes: {
      dns: createDnsProbe(),
      tcp: createTcpProbe(),
      tls: createTlsProbe({ ca: options.ca, proxy: options.proxy, timeoutMs: options.timeoutMs }),
      http,
      proxy: createProxyProbe({ ca: options.ca }),
      oidc: createOidcProbe(http),
      os: createOsCommandProbe(),
    },
    close: () => http.close(),
  };
}

export { createDnsProbe, createHttpProbe, createOidcProbe, createOsCommandProbe, createProxyProbe, createTcpProbe, createTlsProbe };
export type { ClosableHttpProbe, HttpProbeOptions } from './http.js';
export type { TlsProbeOptions } from './tls.js';
