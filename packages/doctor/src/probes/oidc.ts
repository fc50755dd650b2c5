import type { HttpProbe, OidcDiscoveryResult, OidcDocument, OidcProbe } from '../types.js';

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Builds the discovery document the doctor reads from parsed JSON, keeping only string fields. */
export function parseOidcDocument(json: Record<string, unknown>): OidcDocument {
  const doc: Record<string, string | null> = {};
  for (const key of ['issuer', 'token_endpoint', 'authorization_endpoint', 'cloud_instance_name', 'tenant_region_scope', 'tenant_region_sub_scope'] as const) {
    const value = json[key];
    if (typeof value === 'string' || (value === null && key.startsWith('tenant_region'))) doc[key] = value;
  }
  return doc as OidcDocument;
}

/** OpenID Connect discovery (OIDC Discovery 1.0 §4) over the HTTP probe: `<authority>/v2.0/.well-known/openid-configuration`. */
export function createOidcProbe(http: HttpProbe): OidcProbe {
  return {
    async discover(authority): Promise<OidcDiscoveryResult> {
      const url = `${authority.replace(/\/$/, '')}/v2.0/.well-known/openid-configuration`;
      const response = await http.get(url);
      const json = parseJsonObject(response.bodyText);
      if (response.status === 200 && json !== undefined) return { ok: true, url, document: parseOidcDocument(json) };
      const error = optionalString(json?.['error']);
      const errorDescription = optionalString(json?.['error_description']);
      return {
        ok: false,
        url,
        status: response.status === 200 ? 502 : response.status,
        ...(error === undefined ? (response.status === 200 ? { error: 'not a JSON discovery document' } : {}) : { error }),
        ...(errorDescription === undefined ? {} : { errorDescription }),
      };
    },
  };
}
