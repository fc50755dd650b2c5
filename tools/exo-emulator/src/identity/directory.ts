/**
 * What the identity half reads from the tenant directory that the Exchange half owns (users, tenants, app
 * registrations). Structural, so the Exchange half's `Directory` satisfies it without importing this file.
 */

/** A user who can sign in. */
export interface DirectoryUser {
  readonly upn: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly password: string;
  readonly mfaRequired: boolean;
  readonly remotePowerShellEnabled: boolean;
  readonly roles: readonly string[];
}

/** A tenant (organization). `partnerOf`: the customer tenants this tenant's admins manage as a partner (DelegatedOrg). */
export interface DirectoryTenant {
  readonly tenantId: string;
  readonly defaultDomain: string;
  readonly domains: readonly string[];
  readonly rpsEnabled: boolean;
  readonly partnerOf?: readonly string[] | undefined;
}

/** A confidential app registration that signs in with a certificate (app-only, `Exchange.ManageAsApp`). */
export interface DirectoryApp {
  readonly appId: string;
  readonly tenantId: string;
  /** The registered certificate (PEM); an app without one cannot sign in. */
  readonly certificatePem?: string | undefined;
  readonly displayName: string;
  readonly roles: readonly string[];
}

/** The directory the identity half signs users and apps in against. */
export interface IdentityDirectory {
  findUser(upnOrAlias: string): DirectoryUser | undefined;
  users(): Iterable<DirectoryUser>;
  tenants(): Iterable<DirectoryTenant>;
  apps(): Iterable<DirectoryApp>;
}

/** Finds a tenant by GUID or by any of its domains (case-insensitive). */
export function findTenant(directory: IdentityDirectory, idOrDomain: string): DirectoryTenant | undefined {
  const wanted = idOrDomain.toLowerCase();
  for (const tenant of directory.tenants()) {
    if (tenant.tenantId.toLowerCase() === wanted) return tenant;
    if (tenant.defaultDomain.toLowerCase() === wanted) return tenant;
    if (tenant.domains.some((domain) => domain.toLowerCase() === wanted)) return tenant;
  }
  return undefined;
}

/** Finds an app registration by its application (client) id. */
export function findApp(directory: IdentityDirectory, appId: string): DirectoryApp | undefined {
  const wanted = appId.toLowerCase();
  for (const app of directory.apps()) if (app.appId.toLowerCase() === wanted) return app;
  return undefined;
}
