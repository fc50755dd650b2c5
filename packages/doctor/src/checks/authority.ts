import { CLOUD_ENVIRONMENTS, redactText, type ExchangeEnvironmentName } from '@exops/contracts';
import { getConnectionOrigin } from '../context.js';
import type { DoctorCheck, OidcDocument } from '../types.js';
import { fail, pass, warn } from './outcome.js';

/**
 * The environment a discovery document places a tenant in. Entra ID answers on every cloud's endpoint with the
 * tenant's home `cloud_instance_name`; US government tenants share `microsoftonline.us`, and
 * `tenant_region_sub_scope` tells DoD (`DOD`) from GCC High (`DODCON`). GCC (moderate) tenants live in the
 * worldwide cloud (`microsoftonline.com`, sub-scope `GCC`).
 */
export function environmentForDiscovery(document: OidcDocument): Exclude<ExchangeEnvironmentName, 'Emulator'> | undefined {
  const instance = document.cloud_instance_name?.toLowerCase();
  switch (instance) {
    case 'microsoftonline.com':
      return 'O365Default';
    case 'microsoftonline.us':
      return document.tenant_region_sub_scope?.toUpperCase() === 'DOD' ? 'O365USGovDoD' : 'O365USGovGCCHigh';
    case 'microsoftonline.de':
      return 'O365GermanyCloud';
    case 'partner.microsoftonline.cn':
    case 'chinacloudapi.cn':
      return 'O365China';
    default:
      return undefined;
  }
}

/** The domain of a UPN, or undefined. */
export function upnDomain(upn: string | undefined): string | undefined {
  const at = upn?.lastIndexOf('@') ?? -1;
  return upn !== undefined && at > 0 && at < upn.length - 1 ? upn.slice(at + 1).toLowerCase() : undefined;
}

/** `https://login.../common` -> `https://login.../<tenant>`: discovery must name the tenant to see its cloud. */
export function tenantAuthority(authority: string, tenant: string | undefined): string {
  if (tenant === undefined) return authority.replace(/\/$/, '');
  const url = new URL(authority);
  const segments = url.pathname.split('/').filter((s) => s !== '');
  // The last segment names the tenant (common, organizations, a GUID or a domain); it is replaced.
  const prefix = segments.slice(0, -1);
  return `${url.origin}/${[...prefix, encodeURIComponent(tenant)].join('/')}`;
}

/** OIDC discovery of the chosen authority, and the tenant's cloud against the chosen `--environment`. */
export const authorityCheck: DoctorCheck = {
  id: 'authority',
  title: 'Authority and cloud',
  dependsOn: ['dns', 'proxy'],
  // The authority on the connection's own origin (the emulator) cannot answer when tcp or tls to it failed.
  dependsOnWhen: (context) => (new URL(context.environment.authority).origin === getConnectionOrigin(context) ? ['tcp', 'tls'] : []),
  requires: ['oidc'],
  timeoutMs: 15_000,
  failureRemedy: 'The authority did not answer; check --authority and --environment, and the tls and proxy checks.',
  async run(context) {
    const tenant = context.tenant ?? upnDomain(context.upn);
    const authority = tenantAuthority(context.environment.authority, tenant);
    const result = await context.probes.oidc!.discover(authority);
    if (!result.ok) {
      const said = redactText([result.error, result.errorDescription].filter((s) => s !== undefined).join(': ')).split(/\r?\n/)[0] ?? '';
      const detail = `GET ${result.url} -> ${result.status}${said === '' ? '' : `\n${said}`}`;
      if (tenant !== undefined && (result.status === 400 || result.status === 404)) {
        return fail(
          `${new URL(authority).host} does not know the tenant '${tenant}'.`,
          `Check the spelling of --upn / --organization; if it is right, the tenant lives in another cloud: try each --environment (${Object.keys(CLOUD_ENVIRONMENTS).join(', ')}), or ask your admin which cloud the tenant is in.`,
          detail,
        );
      }
      return fail(`OIDC discovery at ${authority} failed (HTTP ${result.status}).`, 'Check --authority (it must be an Entra ID authority such as https://login.microsoftonline.com/organizations) and --environment.', detail);
    }

    const { document } = result;
    const detail = [
      `GET ${result.url} -> 200`,
      `issuer: ${document.issuer ?? '(none)'}`,
      `cloud_instance_name: ${document.cloud_instance_name ?? '(none)'}`,
      `tenant_region_scope: ${document.tenant_region_scope ?? '(none)'}`,
      ...(document.tenant_region_sub_scope === undefined || document.tenant_region_sub_scope === null ? [] : [`tenant_region_sub_scope: ${document.tenant_region_sub_scope}`]),
    ].join('\n');
    if (context.environment.name === 'Emulator') return pass(`The emulator's authority answers discovery.`, detail);

    const home = environmentForDiscovery(document);
    const chosen = context.environment.name;
    const who = tenant === undefined ? 'The authority' : `The tenant of '${tenant}'`;
    if (home === undefined) {
      return warn(
        `${who} reports cloud '${document.cloud_instance_name ?? 'unknown'}', which exops cannot map to an environment.`,
        `Make sure --environment (${chosen}) is the tenant's cloud; the Connect-ExchangeOnline help lists which cloud serves which tenants.`,
        detail,
      );
    }
    const sameFamily = home === chosen;
    if (!sameFamily) {
      const target = CLOUD_ENVIRONMENTS[home];
      return fail(
        `${who} is in ${target.displayName} (${document.cloud_instance_name}), not ${context.environment.displayName}.`,
        `Run again with --environment ${home}${target.retired ? ` (note: ${target.displayName} is retired)` : ''}; its endpoints are ${target.restBaseUrl ?? target.rpsConnectionUri} and ${target.authority}.`,
        detail,
      );
    }
    if (context.environment.retired) {
      return warn(`${who} is in ${context.environment.displayName}, which Microsoft has retired.`, 'Move the tenant to the worldwide cloud (--environment O365Default) as Microsoft migrated Germany tenants.', detail);
    }
    return pass(`${who} is in ${context.environment.displayName}, as --environment ${chosen} says.`, detail);
  },
};
