import { CLOUD_ENVIRONMENTS } from '@exops/contracts';
import { getConnectionHost, getConnectionPort } from '../context.js';
import type { CertificateSummary, DoctorCheck, DoctorContext, TlsInspection } from '../types.js';
import { fail, pass, warn } from './outcome.js';

/**
 * Issuers of Microsoft's public endpoints: DigiCert roots (incl. Baltimore CyberTrust, now DigiCert's) and
 * Microsoft's own CAs. A chain with none of them in it was issued by something in between.
 */
export const SERVICE_ISSUER_PATTERN = /\b(DigiCert|Microsoft|Baltimore CyberTrust|GlobalSign)\b/i;

/** True when the host is one of the real clouds' own endpoints, whose issuers are known. */
export function isMicrosoftEndpoint(context: Pick<DoctorContext, 'environment' | 'transport'>): boolean {
  if (context.environment.name === 'Emulator') return false;
  const host = getConnectionHost(context.environment, context.transport);
  return Object.values(CLOUD_ENVIRONMENTS).some(
    (env) => new URL(env.rpsConnectionUri).hostname === host || (env.restBaseUrl !== undefined && new URL(env.restBaseUrl).hostname === host),
  );
}

function describeChain(chain: readonly CertificateSummary[]): string {
  return chain.map((c, i) => `${i === 0 ? 'leaf' : `#${i}`}: subject "${c.subject}", issuer "${c.issuer}", valid to ${c.validTo}`).join('\n');
}

function hasServiceIssuer(chain: readonly CertificateSummary[]): boolean {
  return chain.some((c) => SERVICE_ISSUER_PATTERN.test(c.issuer) || SERVICE_ISSUER_PATTERN.test(c.subject));
}

function topIssuer(chain: readonly CertificateSummary[]): string {
  return chain.at(-1)?.issuer ?? '(no certificate)';
}

const CA_REMEDY =
  "Give exops the proxy's root CA certificate (PEM): --ca-file /path/proxy-ca.pem, or set " +
  'NODE_EXTRA_CA_CERTS=/path/proxy-ca.pem for every Node tool. Get it from the proxy administrator, or export it ' +
  'from the OS trust store (Windows: certmgr.msc > Trusted Root Certification Authorities > Export, Base-64). ' +
  'Better still, ask for the Microsoft 365 endpoints to be exempted from TLS inspection, as Microsoft advises. ' +
  'Never turn certificate verification off.';

function untrustedRemedy(inspection: TlsInspection, context: DoctorContext): string {
  switch (inspection.authorizationError) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return "The certificate is outside its validity period: check this machine's clock (see clock-skew); if the clock is right, the server's certificate must be renewed.";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'The certificate does not name this host: check --connection-uri; a proxy or captive portal may be answering instead of the service.';
    default:
      return context.extraCaConfigured
        ? 'The configured CA (--ca-file / NODE_EXTRA_CA_CERTS) did not issue this chain: give the CA certificate (PEM) that did. Never turn certificate verification off.'
        : 'Give exops the CA certificate (PEM) that issued this chain: --ca-file /path/ca.pem, or NODE_EXTRA_CA_CERTS=/path/ca.pem. Never turn certificate verification off.';
  }
}

/** The server's certificate chain is trusted and issued by the service's CA, not an inspecting proxy. */
export const tlsCheck: DoctorCheck = {
  id: 'tls',
  title: 'TLS certificate chain',
  dependsOn: ['tcp'],
  requires: ['tls'],
  timeoutMs: 15_000,
  failureRemedy: 'Check that nothing between this machine and the service intercepts TLS; if a proxy does, give its CA with --ca-file or NODE_EXTRA_CA_CERTS.',
  async run(context) {
    const host = getConnectionHost(context.environment, context.transport);
    const port = getConnectionPort(context);
    const inspection = await context.probes.tls!.inspect(host, port);
    const detail = [
      `${host}:${port}${inspection.viaProxy ? ' (through the proxy)' : ''}${inspection.protocol === undefined ? '' : `, ${inspection.protocol}`}`,
      describeChain(inspection.chain),
      ...(inspection.authorized ? [] : [`verification error: ${inspection.authorizationError ?? 'unknown'}`]),
    ].join('\n');
    const intercepted = isMicrosoftEndpoint(context) && !hasServiceIssuer(inspection.chain);

    if (intercepted && !inspection.authorized) {
      return fail(
        `A TLS-inspecting proxy re-signs ${host} (issuer "${topIssuer(inspection.chain)}"), and its CA is not trusted.`,
        CA_REMEDY,
        `${detail}\nPowerShell reports this as: "The SSL connection could not be established, see inner exception."`,
      );
    }
    if (intercepted) {
      return warn(
        `A TLS-inspecting proxy re-signs ${host} (issuer "${topIssuer(inspection.chain)}"); its CA is trusted, so connections work, but the proxy sees your tokens.`,
        'Ask for the Microsoft 365 endpoints (outlook.office365.com, login.microsoftonline.com and their sovereign equivalents) to be exempted from TLS inspection, as Microsoft advises.',
        detail,
      );
    }
    if (!inspection.authorized) {
      return fail(
        `The certificate chain of ${host} is not trusted (${inspection.authorizationError ?? 'unknown error'}).`,
        untrustedRemedy(inspection, context),
        detail,
      );
    }
    return pass(`${host} presents a trusted chain issued by "${inspection.chain[0]?.issuer ?? 'unknown'}".`, detail);
  },
};
