/** Get-AcceptedDomain, Get-OrganizationConfig, Get-ConnectionInformation and Get-Command. */
import { PSObject, createPSList, type PSValue } from '@exops/contracts';
import { deriveTenantObjectGuid } from '../directory.js';
import { ALL_PARAMETER_SETS, type CmdletContext, type CmdletDefinition, type ExchangeEvent, type ParameterDefinition } from './catalog-types.js';
import { objectNotFound } from './error-records.js';
import { buildAcceptedDomainObject, buildOrganizationConfigObject, buildParameterMetadata, dateTime, multiValued } from './objects.js';
import { matchesWildcard } from './opath.js';
import { StringArrayType, identityType } from './parameter-types.js';

const EXCHANGE_MODULE = 'Microsoft.Exchange.Management.PowerShell.E2010';

/** Organization objects were created two years before the fixture's base time; stable per seed. */
function organizationCreated(context: CmdletContext): Date {
  const first = context.mailboxes.get(0).whenCreated;
  return new Date(first.getTime() - 86400_000);
}

async function* single(context: CmdletContext, value: PSObject): AsyncGenerator<ExchangeEvent> {
  if (context.resume.position > 0) return;
  yield { type: 'output', value, cursor: { position: 1, emitted: context.resume.emitted + 1 } };
}

/** Get-AcceptedDomain: the tenant's domains, the default one marked. */
export function getAcceptedDomainCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Get-AcceptedDomain',
    className: 'Microsoft.Exchange.Management.SystemConfigurationTasks.GetAcceptedDomain',
    module: EXCHANGE_MODULE,
    defaultParameterSet: 'Identity',
    outputType: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain',
    access: ['admin', 'recipientAdmin', 'viewOnly'],
    parameters: [{ name: 'Identity', type: identityType('AcceptedDomainIdParameter'), position: 0 }, ...common],
    async *run(context, bound) {
      const { tenant, placement, resume } = context;
      const identity = bound.get('Identity') as string | undefined | null;
      const domains = identity === undefined || identity === null ? tenant.domains : tenant.domains.filter((d) => matchesWildcard(d, identity));
      if (domains.length === 0 && identity !== undefined && identity !== null) {
        yield { type: 'error', record: objectNotFound(definition.name, identity, placement.domainController, definition.className) };
        return;
      }
      const created = organizationCreated(context);
      for (let i = resume.position; i < domains.length; i++) {
        const domain = domains[i] as string;
        const value = buildAcceptedDomainObject(tenant, domain, deriveTenantObjectGuid(context.seed, tenant, `domain:${domain}`), created, placement);
        yield { type: 'output', value, cursor: { position: i + 1, emitted: resume.emitted + i + 1 - resume.position } };
      }
    },
  };
  return definition;
}

/** Get-OrganizationConfig: one OrganizationConfig. */
export function getOrganizationConfigCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  return {
    name: 'Get-OrganizationConfig',
    className: 'Microsoft.Exchange.Management.SystemConfigurationTasks.GetOrganizationConfig',
    module: EXCHANGE_MODULE,
    defaultParameterSet: 'Identity',
    outputType: 'Microsoft.Exchange.Data.Directory.Management.OrganizationConfig',
    access: ['admin', 'recipientAdmin', 'viewOnly'],
    parameters: [...common],
    run(context) {
      const { tenant, placement, seed } = context;
      return single(context, buildOrganizationConfigObject(tenant, deriveTenantObjectGuid(seed, tenant, 'organization'), organizationCreated(context), placement));
    },
  };
}

/** Get-ConnectionInformation: client-side in the V3 module; served here so every transport can show the connection. */
export function getConnectionInformationCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Get-ConnectionInformation',
    className: 'Microsoft.Exchange.Management.ExoPowershellSnapin.GetConnectionInformation',
    module: 'ExchangeOnlineManagement',
    defaultParameterSet: 'ConnectionId',
    outputType: 'Microsoft.Exchange.Management.ExoPowershellSnapin.ConnectionInformation',
    access: ['admin', 'recipientAdmin', 'viewOnly', 'self'],
    parameters: [
      { name: 'ConnectionId', type: StringArrayType, sets: ['ConnectionId'] },
      { name: 'ModulePrefix', type: StringArrayType, sets: ['ModulePrefix'] },
      ...common,
    ],
    run(context, bound) {
      const { caller, tenant } = context;
      const connection = caller.connection;
      const connectionId = connection?.connectionId ?? '00000000-0000-0000-0000-000000000000';
      const wanted = bound.get('ConnectionId') as string[] | undefined;
      const prefixes = bound.get('ModulePrefix') as string[] | undefined;
      if ((wanted !== undefined && !wanted.some((w) => w.toLowerCase() === connectionId)) || (prefixes !== undefined && !prefixes.includes(''))) {
        return (async function* (): AsyncGenerator<ExchangeEvent> {})();
      }
      const expires = connection?.tokenExpiresAt ?? context.clock.now();
      const props: [string, PSValue][] = [
        ['ConnectionId', connectionId],
        ['State', 'Connected'],
        ['Id', 1],
        ['Name', `ExchangeOnline_1`],
        ['UserPrincipalName', caller.upn ?? null],
        ['ConnectionUri', connection?.connectionUri ?? 'https://outlook.office365.com'],
        ['AzureAdAuthorizationEndpointUri', 'https://login.microsoftonline.com/organizations'],
        ['TokenExpiryTimeUTC', dateTime(expires, true)],
        ['CertificateAuthentication', caller.kind === 'app'],
        ['ModuleName', ''],
        ['ModulePrefix', ''],
        ['Organization', caller.kind === 'app' ? tenant.initialDomain : null],
        ['DelegatedOrganization', caller.homeTenantId !== tenant.tenantId ? tenant.initialDomain : null],
        ['AppId', caller.kind === 'app' ? caller.appId : null],
        ['PageSize', 1000],
        ['TenantID', tenant.tenantId],
        ['TokenStatus', expires.getTime() > context.clock.now().getTime() ? 'Active' : 'Expired'],
        ['ConnectionUsedForInbuiltCmdlets', true],
        ['IsEopSession', false],
      ];
      return single(
        context,
        new PSObject({
          typeNames: ['Deserialized.Microsoft.Exchange.Management.ExoPowershellSnapin.ConnectionInformation', 'Deserialized.System.Object'],
          toStringValue: 'Microsoft.Exchange.Management.ExoPowershellSnapin.ConnectionInformation',
          adapted: props,
        }),
      );
    },
  };
  return definition;
}

/** A CmdletInfo as Get-Command returns it over remoting. */
export function buildCmdletInfo(cmdlet: CmdletDefinition): PSObject {
  const [verb = '', noun = ''] = cmdlet.name.split('-');
  const sets = new Set<string>();
  for (const p of cmdlet.parameters) for (const s of p.sets ?? []) sets.add(s);
  if (sets.size === 0) sets.add(cmdlet.defaultParameterSet);
  const parameters = cmdlet.parameters.map((p) => ({
    name: p.name,
    typeName: p.type.dotNetName,
    aliases: p.aliases ?? [],
    isSwitch: p.type.isSwitch === true,
    sets: p.sets ?? [ALL_PARAMETER_SETS],
  }));
  const definitionText = [...sets]
    .map((set) => {
      const inSet = cmdlet.parameters.filter((p) => p.sets === undefined || p.sets.includes(set));
      const parts = inSet.map((p) => {
        const mandatory = (p.mandatoryIn ?? []).length > 0;
        const type = p.type.isSwitch === true ? '' : ` <${p.type.dotNetName.slice(p.type.dotNetName.lastIndexOf('.') + 1)}>`;
        const name = p.position === undefined ? `-${p.name}${type}` : `[-${p.name}]${type}`;
        return mandatory ? name : `[${name}]`;
      });
      return `${cmdlet.name} ${parts.join(' ')}`;
    })
    .join('\r\n\r\n');
  return new PSObject({
    typeNames: ['Deserialized.System.Management.Automation.CmdletInfo', 'Deserialized.System.Management.Automation.CommandInfo', 'Deserialized.System.Object'],
    toStringValue: cmdlet.name,
    adapted: [
      ['Verb', verb],
      ['Noun', noun],
      ['HelpFile', 'Microsoft.Exchange.Management.dll-Help.xml'],
      ['PSSnapIn', cmdlet.module],
      ['Version', '15.20.8722.22'],
      ['ImplementingType', cmdlet.className],
      ['Definition', definitionText],
      ['DefaultParameterSet', cmdlet.defaultParameterSet],
      ['OutputType', multiValued([cmdlet.outputType])],
      ['Options', 'ReadOnly'],
      ['Name', cmdlet.name],
      ['CommandType', 'Cmdlet'],
      ['Source', cmdlet.module],
      ['Visibility', 'Public'],
      ['ModuleName', cmdlet.module],
      ['RemotingCapability', 'PowerShell'],
      ['Parameters', buildParameterMetadata(parameters)],
      ['ParameterSets', createPSList([...sets])],
    ],
  });
}

/** Get-Command: the cmdlets the caller's roles allow, filtered by Name, Verb, Noun and Module patterns. */
export function getCommandCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  return {
    name: 'Get-Command',
    className: 'Microsoft.PowerShell.Commands.GetCommandCommand',
    module: 'Microsoft.PowerShell.Core',
    defaultParameterSet: 'CmdletSet',
    outputType: 'System.Management.Automation.CommandInfo',
    access: ['admin', 'recipientAdmin', 'viewOnly', 'self'],
    parameters: [
      { name: 'Name', type: StringArrayType, position: 0, sets: ['AllCommandSet'] },
      { name: 'Verb', type: StringArrayType, sets: ['CmdletSet'] },
      { name: 'Noun', type: StringArrayType, sets: ['CmdletSet'] },
      { name: 'Module', type: StringArrayType, aliases: ['PSSnapin'] },
      ...common,
    ],
    async *run(context, bound) {
      const any = (patterns: string[] | undefined, text: string): boolean => patterns === undefined || patterns.some((p) => matchesWildcard(text, p));
      const names = bound.get('Name') as string[] | undefined;
      const verbs = bound.get('Verb') as string[] | undefined;
      const nouns = bound.get('Noun') as string[] | undefined;
      const modules = bound.get('Module') as string[] | undefined;
      const matching = context
        .visibleCmdlets()
        .filter((c) => any(names, c.name) && any(verbs, c.name.split('-')[0] ?? '') && any(nouns, c.name.split('-')[1] ?? '') && any(modules, c.module))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (let i = context.resume.position; i < matching.length; i++) {
        yield { type: 'output', value: buildCmdletInfo(matching[i] as CmdletDefinition), cursor: { position: i + 1, emitted: context.resume.emitted + i + 1 - context.resume.position } };
      }
    },
  };
}
