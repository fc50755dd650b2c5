import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect, rootCertificates, type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from 'node:tls';
import { proxyForHost } from '../context.js';
import type { CertificateSummary, ProxySettings, TlsInspection, TlsProbe } from '../types.js';
import { openConnectTunnel } from './tunnel.js';

/** Options of the TLS probe: the same trust and proxy exops's connections use. */
export interface TlsProbeOptions {
  /** Extra CA certificates (PEM), added to Node's roots as `--ca-file` adds them. */
  readonly ca?: readonly string[] | undefined;
  readonly proxy?: ProxySettings | undefined;
  readonly timeoutMs?: number | undefined;
}

function formatName(name: Record<string, string | string[]> | undefined): string {
  if (name === undefined) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function summarizeCertificate(cert: PeerCertificate): CertificateSummary {
  return {
    subject: formatName(cert.subject as unknown as Record<string, string>),
    issuer: formatName(cert.issuer as unknown as Record<string, string>),
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    fingerprint256: cert.fingerprint256,
  };
}

/** The chain the peer sent, leaf first; a self-signed root refers to itself and ends the walk. */
function peerChain(socket: TLSSocket): CertificateSummary[] {
  const chain: CertificateSummary[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert !== undefined && cert.fingerprint256 !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(summarizeCertificate(cert));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * Completes a TLS handshake and reports the chain and whether it verified. Verification is not enforced here
 * because the point is to describe an untrusted chain; nothing is sent over the connection.
 */
export function createTlsProbe(options: TlsProbeOptions = {}): TlsProbe {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ca = options.ca === undefined || options.ca.length === 0 ? undefined : [...rootCertificates, ...options.ca];
  return {
    async inspect(host, port) {
      const proxyUrl = options.proxy === undefined ? undefined : proxyForHost(options.proxy, host, port);
      let tunnelSocket: Socket | undefined;
      if (proxyUrl !== undefined) {
        const tunnel = await openConnectTunnel(proxyUrl, host, port, timeoutMs, options.ca);
        if (tunnel.socket === undefined) {
          throw Object.assign(new Error(`the proxy refused CONNECT ${host}:${port} (${tunnel.status} ${tunnel.statusText})`), { code: 'EPROXY' });
        }
        tunnelSocket = tunnel.socket;
      }
      return new Promise<TlsInspection>((resolve, reject) => {
        const socket = connect({
          host,
          port,
          ...(tunnelSocket === undefined ? {} : { socket: tunnelSocket }),
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(ca === undefined ? {} : { ca }),
          rejectUnauthorized: false,
        });
        const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no TLS handshake with ${host}:${port} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
        socket.once('secureConnect', () => {
          clearTimeout(timer);
          const chain = peerChain(socket);
          const leaf = socket.getPeerCertificate();
          let authorizationError = socket.authorized ? undefined : String(socket.authorizationError);
          // With verification off Node skips the host name check; do it here so a wrong certificate is named.
          if (authorizationError === undefined) {
            const identityError = checkServerIdentity(host, leaf);
            if (identityError !== undefined) authorizationError = (identityError as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID';
          }
          const protocol = socket.getProtocol();
          socket.destroy();
          resolve({
            authorized: authorizationError === undefined,
            ...(authorizationError === undefined ? {} : { authorizationError }),
            ...(protocol === null ? {} : { protocol }),
            chain,
            viaProxy: tunnelSocket !== undefined,
          });
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    },
  };
}
