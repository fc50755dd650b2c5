/** Get-Mailbox, Set-Mailbox, Get-User, Set-User and Get-Recipient over the tenant's lazily generated mailboxes. */
import type { PSObject } from '@exops/contracts';
import type { DirectoryTenant, MailboxKind, MailboxPatch, MailboxRecord } from '../directory.js';
import type { BoundParameters, CmdletContext, CmdletDefinition, ExchangeEvent, ParameterDefinition } from './catalog-types.js';
import { objectNotFound, parameterSetterFailed, taskValidation } from './error-records.js';
import { buildMailboxObject, buildRecipientObject, buildUserObject, formatByteQuantity, type PropertySelection, type TenantPlacement } from './objects.js';
import { FilterSyntaxError, compileFilter, matchesWildcard, type FilterProperties, type FilterValue } from './opath.js';
import {
  BooleanType,
  StringArrayType,
  StringType,
  SwitchType,
  TimeSpanType,
  UnlimitedByteQuantityType,
  UnlimitedUInt32Type,
  SmtpAddressType,
  enumType,
  identityType,
  multiValuedType,
  checkProxyAddress,
  type MultiValuedChange,
} from './parameter-types.js';

/** The RecipientTypeDetails names Exchange Online accepts (a subset of the enum, in its order). */
export const RECIPIENT_TYPE_DETAILS = [
  'UserMailbox', 'LinkedMailbox', 'SharedMailbox', 'LegacyMailbox', 'RoomMailbox', 'EquipmentMailbox', 'MailContact', 'MailUser',
  'MailUniversalDistributionGroup', 'MailNonUniversalGroup', 'MailUniversalSecurityGroup', 'DynamicDistributionGroup', 'PublicFolder',
  'SystemAttendantMailbox', 'SystemMailbox', 'MailForestContact', 'User', 'Contact', 'UniversalDistributionGroup', 'UniversalSecurityGroup',
  'NonUniversalGroup', 'DisabledUser', 'MicrosoftExchange', 'ArbitrationMailbox', 'MailboxPlan', 'LinkedUser', 'RoomList', 'DiscoveryMailbox',
  'RoleGroup', 'RemoteUserMailbox', 'Computer', 'RemoteRoomMailbox', 'RemoteEquipmentMailbox', 'RemoteSharedMailbox', 'PublicFolderMailbox',
  'TeamMailbox', 'RemoteTeamMailbox', 'MonitoringMailbox', 'GroupMailbox', 'LinkedRoomMailbox', 'AuditLogMailbox', 'RemoteGroupMailbox',
  'SchedulingMailbox', 'GuestMailUser', 'AuxAuditLogMailbox', 'SupervisoryReviewPolicyMailbox',
] as const;

const RecipientTypeDetailsType = enumType('Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails', RECIPIENT_TYPE_DETAILS, true);
const RecipientTypeType = enumType(
  'Microsoft.Exchange.Data.Directory.Recipient.RecipientType',
  ['Invalid', 'User', 'UserMailbox', 'MailUser', 'Contact', 'MailContact', 'Group', 'MailUniversalDistributionGroup', 'MailUniversalSecurityGroup', 'MailNonUniversalGroup', 'DynamicDistributionGroup', 'PublicFolder', 'PublicDatabase', 'SystemAttendantMailbox', 'SystemMailbox', 'MicrosoftExchange', 'Computer'],
  true,
);

const WARNING_MORE_RESULTS = 'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';
const DEFAULT_RESULT_SIZE = 1000;

/** Properties -Filter understands on mailbox-backed recipients. */
const MAILBOX_FILTER_PROPERTIES: FilterProperties<MailboxRecord> = new Map<string, (r: MailboxRecord) => FilterValue>([
  ['Alias', (r) => r.alias],
  ['Name', (r) => r.name],
  ['DisplayName', (r) => r.displayName],
  ['FirstName', (r) => r.firstName],
  ['LastName', (r) => r.lastName],
  ['PrimarySmtpAddress', (r) => r.primarySmtpAddress],
  ['WindowsEmailAddress', (r) => r.primarySmtpAddress],
  ['UserPrincipalName', (r) => r.userPrincipalName],
  ['EmailAddresses', (r) => r.emailAddresses],
  ['RecipientTypeDetails', (r) => r.recipientTypeDetails],
  ['RecipientType', () => 'UserMailbox'],
  ['Department', (r) => r.department],
  ['Title', (r) => r.title],
  ['Office', (r) => r.office],
  ['City', (r) => r.city],
  ['CountryOrRegion', (r) => r.countryOrRegion],
  ['Company', (r) => r.company],
  ['Phone', (r) => r.phone],
  ['HiddenFromAddressListsEnabled', (r) => r.hiddenFromAddressListsEnabled],
  ['LitigationHoldEnabled', (r) => r.litigationHoldEnabled],
  ['ArchiveStatus', (r) => r.archiveStatus],
  ['ForwardingSmtpAddress', (r) => r.forwardingSmtpAddress],
  ['DeliverToMailboxAndForward', (r) => r.deliverToMailboxAndForward],
  ['AuditEnabled', (r) => r.auditEnabled],
  ['RemotePowerShellEnabled', (r) => r.remotePowerShellEnabled],
  ['ExternalDirectoryObjectId', (r) => r.externalDirectoryObjectId],
  ['Guid', (r) => r.guid],
  ['ExchangeGuid', (r) => r.exchangeGuid],
  ['IsShared', (r) => r.recipientTypeDetails === 'SharedMailbox'],
  ['IsResource', (r) => r.recipientTypeDetails === 'RoomMailbox' || r.recipientTypeDetails === 'EquipmentMailbox'],
  ['WhenCreated', (r) => r.whenCreated],
  ['WhenChanged', (r) => r.whenChanged],
  ['WhenCreatedUTC', (r) => r.whenCreated],
  ['WhenChangedUTC', (r) => r.whenChanged],
  ...Array.from({ length: 15 }, (_, i): [string, (r: MailboxRecord) => FilterValue] => [`CustomAttribute${i + 1}`, (r) => r.customAttributes[i] ?? '']),
]);

/** Properties SortBy takes (prefix `-` for descending). Sorting reads the whole filtered set first. */
const SORTABLE = ['Name', 'DisplayName', 'Alias', 'FirstName', 'LastName', 'PrimarySmtpAddress', 'City', 'Department'];

const FILTER_PARAMETER: ParameterDefinition = { name: 'Filter', type: StringType };
const RESULT_SIZE_PARAMETER: ParameterDefinition = { name: 'ResultSize', type: UnlimitedUInt32Type };

type Builder = (record: MailboxRecord, tenant: DirectoryTenant, placement: TenantPlacement, select?: PropertySelection) => PSObject;

/** True when an Anr text prefixes one of the names Exchange's ambiguous name resolution looks at. */
function anrMatches(record: MailboxRecord, anr: string): boolean {
  const a = anr.toLowerCase();
  return [record.displayName, record.alias, record.firstName, record.lastName, record.name, record.primarySmtpAddress, `${record.firstName} ${record.lastName}`].some((v) => v !== '' && v.toLowerCase().startsWith(a));
}

function wildcardIdentityMatches(record: MailboxRecord, pattern: string): boolean {
  return [record.name, record.alias, record.displayName, record.primarySmtpAddress, record.userPrincipalName].some((v) => matchesWildcard(v, pattern));
}

/** True when an -OrganizationalUnit value names the tenant's only OU (its initial domain or the OU path). */
function organizationalUnitMatches(context: CmdletContext, value: string): boolean {
  const v = value.trim().toLowerCase();
  const { tenant, placement } = context;
  const path = `${placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain}`.toLowerCase();
  return v === tenant.initialDomain || v === path || v === `ou=${tenant.initialDomain},ou=microsoft exchange hosted organizations`.toLowerCase() || v.startsWith(`ou=${tenant.initialDomain},`);
}

/** The caller's own mailbox index in the target tenant, for self-service scope. */
function ownIndex(context: CmdletContext): number | undefined {
  const upn = context.caller.upn;
  if (upn === undefined || context.caller.homeTenantId !== context.tenant.tenantId) return undefined;
  return context.mailboxes.resolve(upn);
}

/** Resolves -Identity within the caller's scope; undefined when out of scope or missing (Exchange says "not found" for both). */
export function resolveInScope(context: CmdletContext, identity: string): number | undefined {
  const index = context.mailboxes.resolve(identity);
  if (index === undefined) return undefined;
  if (context.access === 'self' && index !== ownIndex(context)) return undefined;
  return index;
}

async function* listRecipients(context: CmdletContext, bound: BoundParameters, cmdlet: CmdletDefinition, build: Builder, activity: string): AsyncGenerator<ExchangeEvent> {
  const { mailboxes, tenant, placement, resume, signal } = context;
  const resultSize = bound.has('ResultSize') ? (bound.get('ResultSize') as number | null) : DEFAULT_RESULT_SIZE;
  const filterText = bound.get('Filter') as string | undefined;
  let filter: ((r: MailboxRecord) => boolean) | undefined;
  if (filterText !== undefined && filterText !== null && filterText.trim() !== '') {
    try {
      const compiled = compileFilter(filterText, MAILBOX_FILTER_PROPERTIES);
      filter = (r) => compiled.matches(r);
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      yield { type: 'error', record: parameterSetterFailed(cmdlet.name, 'Filter', error.message) };
      return;
    }
  }
  const types = bound.get('RecipientTypeDetails') as string[] | undefined;
  const recipientTypes = bound.get('RecipientType') as string[] | undefined;
  const anr = bound.get('Anr') as string | undefined;
  const identity = bound.get('Identity') as string | undefined;
  const wildcard = identity !== undefined && identity !== null && identity.includes('*');

  const organizationalUnit = bound.get('OrganizationalUnit') as string | undefined;
  if (organizationalUnit !== undefined && organizationalUnit !== null && !organizationalUnitMatches(context, organizationalUnit)) {
    yield { type: 'error', record: objectNotFound(cmdlet.name, organizationalUnit, placement.domainController, cmdlet.className) };
    return;
  }
  // The fixture has no soft-deleted, inactive, public folder, group, migration or VIP objects: those views are empty.
  const emptyView = ['SoftDeletedMailbox', 'InactiveMailboxOnly', 'PublicFolder', 'GroupMailbox', 'Migration', 'IsVIP'].some((name) => bound.get(name) === true);
  const archiveOnly = bound.get('Archive') === true;

  // The mailbox indexes to scan from a start index: one mailbox for an exact identity or self-service, else all.
  let sourceFrom: (start: number) => Iterable<number>;
  if (emptyView) {
    sourceFrom = () => [];
  } else if (identity !== undefined && identity !== null && !wildcard) {
    const index = resolveInScope(context, identity);
    if (index === undefined) {
      yield { type: 'error', record: objectNotFound(cmdlet.name, identity, placement.domainController, cmdlet.className) };
      return;
    }
    sourceFrom = (start) => (start <= index ? [index] : []);
  } else if (context.access === 'self') {
    const own = ownIndex(context);
    sourceFrom = (start) => (own === undefined || start > own ? [] : [own]);
  } else {
    sourceFrom = (start) => mailboxes.indexes(start);
  }

  const accept = (r: MailboxRecord): boolean =>
    (types === undefined || types.includes(r.recipientTypeDetails)) &&
    (recipientTypes === undefined || recipientTypes.includes('UserMailbox')) &&
    (anr === undefined || anr === null || anrMatches(r, anr)) &&
    (!wildcard || wildcardIdentityMatches(r, identity)) &&
    (filter === undefined || filter(r)) &&
    (!archiveOnly || r.archiveStatus === 'Active');

  const sortBy = bound.get('SortBy') as string | undefined;
  if (sortBy !== undefined && sortBy !== null) {
    const key = SORTABLE.find((k) => k.toLowerCase() === sortBy.replace(/^-/, '').toLowerCase());
    if (key === undefined) {
      yield { type: 'error', record: parameterSetterFailed(cmdlet.name, 'SortBy', `SortBy property '${sortBy}' isn't supported. The properties you can sort by are: ${SORTABLE.join(', ')}.`) };
      return;
    }
    const read = MAILBOX_FILTER_PROPERTIES.get(key) as (r: MailboxRecord) => FilterValue;
    const sorted: { index: number; key: string }[] = [];
    for (const i of sourceFrom(0)) {
      if (signal?.aborted === true) return;
      const record = mailboxes.get(i);
      if (accept(record)) sorted.push({ index: i, key: String(read(record)).toLowerCase() });
    }
    const descending = sortBy.startsWith('-');
    sorted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index) * (descending ? -1 : 1));
    let emittedSorted = resume.emitted;
    for (let rank = resume.position; rank < sorted.length; rank++) {
      if (resultSize !== null && emittedSorted >= resultSize) {
        yield { type: 'warning', message: WARNING_MORE_RESULTS };
        return;
      }
      emittedSorted++;
      yield { type: 'output', value: build(mailboxes.get((sorted[rank] as { index: number }).index), tenant, placement, context.select), cursor: { position: rank + 1, emitted: emittedSorted } };
    }
    return;
  }

  let emitted = resume.emitted;
  let scanned = 0;
  const reportProgress = resultSize === null || resultSize > DEFAULT_RESULT_SIZE;
  for (const i of sourceFrom(resume.position)) {
    if (signal?.aborted === true) return;
    scanned++;
    if (reportProgress && scanned % 1000 === 0) {
      yield {
        type: 'progress',
        record: {
          activity,
          activityId: 1,
          statusDescription: `${emitted} of ${mailboxes.count} processed`,
          currentOperation: undefined,
          parentActivityId: -1,
          percentComplete: Math.min(100, Math.floor((i * 100) / mailboxes.count)),
          secondsRemaining: -1,
          completed: false,
        },
      };
    }
    const record = mailboxes.get(i);
    if (!accept(record)) continue;
    if (resultSize !== null && emitted >= resultSize) {
      yield { type: 'warning', message: WARNING_MORE_RESULTS };
      return;
    }
    emitted++;
    yield { type: 'output', value: build(record, tenant, placement, context.select), cursor: { position: i + 1, emitted } };
  }
  if (reportProgress && scanned >= 1000) {
    yield { type: 'progress', record: { activity, activityId: 1, statusDescription: 'Completed', currentOperation: undefined, parentActivityId: -1, percentComplete: 100, secondsRemaining: -1, completed: true } };
  }
}

const identityParameter = (typeName: string, sets?: readonly string[], mandatory = false): ParameterDefinition => ({
  name: 'Identity',
  type: identityType(typeName),
  position: 0,
  ...(sets === undefined ? {} : { sets }),
  ...(mandatory ? { mandatoryIn: ['__AllParameterSets'] } : {}),
});

/** Get-Mailbox. */
export function getMailboxCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Get-Mailbox',
    className: 'Microsoft.Exchange.Management.RecipientTasks.GetMailbox',
    module: 'Microsoft.Exchange.Management.PowerShell.E2010',
    defaultParameterSet: 'Identity',
    outputType: 'Microsoft.Exchange.Data.Directory.Management.Mailbox',
    access: ['admin', 'recipientAdmin', 'viewOnly', 'self'],
    parameters: [
      identityParameter('MailboxIdParameter', ['Identity']),
      { name: 'Anr', type: StringType, sets: ['AnrSet'] },
      FILTER_PARAMETER,
      { name: 'RecipientTypeDetails', type: RecipientTypeDetailsType },
      RESULT_SIZE_PARAMETER,
      { name: 'SortBy', type: StringType },
      { name: 'Archive', type: SwitchType },
      { name: 'InactiveMailboxOnly', type: SwitchType },
      { name: 'IncludeInactiveMailbox', type: SwitchType },
      { name: 'SoftDeletedMailbox', type: SwitchType },
      { name: 'PublicFolder', type: SwitchType },
      { name: 'GroupMailbox', type: SwitchType },
      { name: 'Migration', type: SwitchType },
      { name: 'OrganizationalUnit', type: identityType('OrganizationalUnitIdParameter') },
      ...common,
    ],
    run: (context, bound) => listRecipients(context, bound, definition, buildMailboxObject, 'Get-Mailbox'),
  };
  return definition;
}

/** Get-User. */
export function getUserCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Get-User',
    className: 'Microsoft.Exchange.Management.RecipientTasks.GetUser',
    module: 'Microsoft.Exchange.Management.PowerShell.E2010',
    defaultParameterSet: 'Identity',
    outputType: 'Microsoft.Exchange.Data.Directory.Management.User',
    access: ['admin', 'recipientAdmin', 'viewOnly', 'self'],
    parameters: [
      identityParameter('UserIdParameter', ['Identity']),
      { name: 'Anr', type: StringType, sets: ['AnrSet'] },
      FILTER_PARAMETER,
      { name: 'RecipientTypeDetails', type: RecipientTypeDetailsType },
      RESULT_SIZE_PARAMETER,
      { name: 'SortBy', type: StringType },
      { name: 'IsVIP', type: SwitchType },
      { name: 'OrganizationalUnit', type: identityType('OrganizationalUnitIdParameter') },
      ...common,
    ],
    run: (context, bound) => listRecipients(context, bound, definition, buildUserObject, 'Get-User'),
  };
  return definition;
}

/** Get-Recipient. */
export function getRecipientCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Get-Recipient',
    className: 'Microsoft.Exchange.Management.RecipientTasks.GetRecipient',
    module: 'Microsoft.Exchange.Management.PowerShell.E2010',
    defaultParameterSet: 'Identity',
    outputType: 'Microsoft.Exchange.Data.Directory.Management.ReducedRecipient',
    access: ['admin', 'recipientAdmin', 'viewOnly', 'self'],
    parameters: [
      identityParameter('RecipientIdParameter', ['Identity']),
      { name: 'Anr', type: StringType, sets: ['AnrSet'] },
      FILTER_PARAMETER,
      { name: 'RecipientType', type: RecipientTypeType },
      { name: 'RecipientTypeDetails', type: RecipientTypeDetailsType },
      RESULT_SIZE_PARAMETER,
      { name: 'SortBy', type: StringType },
      { name: 'Properties', type: StringArrayType },
      ...common,
    ],
    run(context, bound) {
      // -Properties adds properties of the full recipient to the reduced one (Exchange Online's Get-Recipient -Properties).
      const extra = bound.get('Properties') as string[] | undefined;
      const wanted = extra === undefined ? undefined : new Set(extra.map((p) => p.toLowerCase()));
      const build: Builder = (record, tenant, placement, select) => {
        const reduced = buildRecipientObject(record, tenant, placement, select);
        if (wanted === undefined) return reduced;
        const full = buildMailboxObject(record, tenant, placement, wanted);
        for (const [name, value] of full.adapted) if (!reduced.adapted.has(name) && (select === undefined || select.has(name.toLowerCase()))) reduced.adapted.set(name, value);
        return reduced;
      };
      return listRecipients(context, bound, definition, build, 'Get-Recipient');
    },
  };
  return definition;
}

const ALIAS_PATTERN = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u00a1-\u00ff]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u00a1-\u00ff]+)*$/;
const ALIAS_INVALID = (alias: string): string =>
  `Property expression "${alias}" isn't valid. Valid values are: Strings formed with characters from A to Z (uppercase or lowercase), digits from 0 to 9, !, #, $, %, &, ', *, +, -, /, =, ?, ^, _, \`, {, |, } or ~. One or more periods may be embedded in an alias, but each period should be preceded and followed by at least one of the other characters. Unicode characters from U+00A1 to U+00FF are also valid in an alias, but they will be mapped to a best-fit US-ASCII string in the e-mail address, which is generated from such an alias.`;

const GB = 1024 ** 3;
const MAILBOX_TYPES: Record<string, MailboxKind> = { Regular: 'UserMailbox', Shared: 'SharedMailbox', Room: 'RoomMailbox', Equipment: 'EquipmentMailbox' };

function applyEmailChange(current: readonly string[], change: MultiValuedChange): string[] {
  if ('replace' in change) return [...change.replace];
  const removeSet = new Set(change.remove.map((a) => a.toLowerCase()));
  const kept = current.filter((a) => !removeSet.has(a.toLowerCase()));
  for (const a of change.add) if (!kept.some((k) => k.toLowerCase() === a.toLowerCase())) kept.push(a);
  if (change.add.some((a) => a.startsWith('SMTP:'))) {
    const primary = change.add.find((a) => a.startsWith('SMTP:'));
    return kept.map((a) => (a.startsWith('SMTP:') && a !== primary ? `smtp:${a.slice(5)}` : a));
  }
  return kept;
}

async function* setRecipient(context: CmdletContext, bound: BoundParameters, cmdlet: CmdletDefinition, mode: 'mailbox' | 'user'): AsyncGenerator<ExchangeEvent> {
  const identity = bound.get('Identity') as string;
  const { mailboxes, tenant, placement } = context;
  const index = resolveInScope(context, identity);
  if (index === undefined) {
    yield { type: 'error', record: objectNotFound(cmdlet.name, identity, placement.domainController, cmdlet.className) };
    return;
  }
  const record = mailboxes.get(index);
  const patch: MailboxPatch = {};
  const fail = (message: string, target = record.name, exceptionType?: string): ExchangeEvent => ({ type: 'error', record: taskValidation(cmdlet.name, cmdlet.className, message, target, exceptionType) });
  const text = (name: string): string | undefined => (bound.has(name) ? ((bound.get(name) as string | null) ?? '') : undefined);

  const displayName = text('DisplayName');
  if (displayName !== undefined) {
    if (displayName.trim() === '' || displayName.length > 256) {
      yield fail(
        displayName.trim() === ''
          ? "The DisplayName property can't be empty."
          : `The length of the property is too long. The maximum length is 256 and the length of the value provided is ${displayName.length}.`,
      );
      return;
    }
    patch.displayName = displayName;
  }
  for (const [param, field] of [['FirstName', 'firstName'], ['LastName', 'lastName'], ['Title', 'title'], ['Department', 'department'], ['Office', 'office'], ['City', 'city'], ['Company', 'company'], ['Phone', 'phone'], ['MobilePhone', 'mobilePhone'], ['CountryOrRegion', 'countryOrRegion']] as const) {
    const v = text(param);
    if (v !== undefined) patch[field] = v;
  }
  if (mode === 'user') {
    for (const param of ['RemotePowerShellEnabled', 'EXOModuleEnabled']) if (bound.has(param)) patch.remotePowerShellEnabled = bound.get(param) as boolean;
  }
  if (mode === 'mailbox') {
    const alias = text('Alias');
    if (alias !== undefined) {
      if (!ALIAS_PATTERN.test(alias) || alias.length > 64) {
        yield fail(ALIAS_INVALID(alias), alias, 'Microsoft.Exchange.Data.DataValidationException');
        return;
      }
      const other = mailboxes.resolve(alias);
      if (other !== undefined && other !== index) {
        yield fail(`The alias "${alias}" is being used by another recipient object. Please specify a unique value.`, alias, 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException');
        return;
      }
      patch.alias = alias;
    }
    for (const [param, field] of [['ProhibitSendQuota', 'prohibitSendQuota'], ['ProhibitSendReceiveQuota', 'prohibitSendReceiveQuota'], ['IssueWarningQuota', 'issueWarningQuota']] as const) {
      if (bound.has(param)) patch[field] = bound.get(param) as number | null;
    }
    const maxQuota = record.recipientTypeDetails === 'UserMailbox' ? 100 * GB : 50 * GB;
    const issue = patch.issueWarningQuota !== undefined ? patch.issueWarningQuota : record.issueWarningQuota;
    const send = patch.prohibitSendQuota !== undefined ? patch.prohibitSendQuota : record.prohibitSendQuota;
    const sendReceive = patch.prohibitSendReceiveQuota !== undefined ? patch.prohibitSendReceiveQuota : record.prohibitSendReceiveQuota;
    for (const [name, value] of [['IssueWarningQuota', issue], ['ProhibitSendQuota', send], ['ProhibitSendReceiveQuota', sendReceive]] as const) {
      if (bound.has(name) && (value === null || value > maxQuota)) {
        yield fail(`The value "${formatByteQuantity(value)}" of property '${name}' exceeds the maximum allowed for this mailbox, ${formatByteQuantity(maxQuota)}.`, record.name);
        return;
      }
    }
    const order: [string, number | null][] = [['IssueWarningQuota', issue], ['ProhibitSendQuota', send], ['ProhibitSendReceiveQuota', sendReceive]];
    for (let k = 0; k + 1 < order.length; k++) {
      const [aName, a] = order[k] as [string, number | null];
      const [bName, b] = order[k + 1] as [string, number | null];
      if (a !== null && b !== null && a > b) {
        yield fail(`The value of property '${aName}' must be less than or equal to that of property '${bName}'. ${aName}: ${formatByteQuantity(a)}, ${bName}: ${formatByteQuantity(b)}.`, record.name);
        return;
      }
    }
    for (const [param, field] of [['LitigationHoldEnabled', 'litigationHoldEnabled'], ['HiddenFromAddressListsEnabled', 'hiddenFromAddressListsEnabled'], ['DeliverToMailboxAndForward', 'deliverToMailboxAndForward'], ['AuditEnabled', 'auditEnabled']] as const) {
      if (bound.has(param)) patch[field] = bound.get(param) as boolean;
    }
    if (bound.has('ForwardingSmtpAddress')) {
      const address = bound.get('ForwardingSmtpAddress') as string | null;
      patch.forwardingSmtpAddress = address;
    }
    if (bound.has('RetainDeletedItemsFor')) {
      const span = bound.get('RetainDeletedItemsFor') as string;
      const days = Number(span.split('.')[0]);
      if (days > 30 || (days === 30 && span !== '30.00:00:00')) {
        yield fail(`The value of RetainDeletedItemsFor must be between 00:00:00 and 30.00:00:00. The value provided is ${span}.`, record.name);
        return;
      }
      patch.retainDeletedItemsFor = span;
    }
    for (let i = 1; i <= 15; i++) {
      const v = text(`CustomAttribute${i}`);
      if (v === undefined) continue;
      if (v.length > 1024) {
        yield fail(`The length of the property is too long. The maximum length is 1024 and the length of the value provided is ${v.length}.`, record.name);
        return;
      }
      const next = [...(patch.customAttributes ?? record.customAttributes)];
      next[i - 1] = v;
      patch.customAttributes = next;
    }
    if (bound.has('Type')) {
      const type = (bound.get('Type') as string[])[0] as string;
      patch.recipientTypeDetails = MAILBOX_TYPES[type] ?? record.recipientTypeDetails;
    }
    if (bound.has('EmailAddresses')) {
      const next = applyEmailChange(record.emailAddresses, bound.get('EmailAddresses') as MultiValuedChange);
      for (const address of next) {
        if (!/^smtp:/i.test(address)) continue;
        const domain = address.slice(address.indexOf('@') + 1).toLowerCase();
        if (!tenant.domains.includes(domain)) {
          yield fail(`You can't use the domain ${domain} because it's not an accepted domain for your organization.`, address, 'Microsoft.Exchange.Data.DataValidationException');
          return;
        }
        const owner = mailboxes.resolve(address.slice(5));
        if (owner !== undefined && owner !== index) {
          yield fail(`The proxy address "${address}" is already being used by the proxy addresses or LegacyExchangeDN. Please choose another proxy address.`, address, 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException');
          return;
        }
      }
      const primaries = next.filter((a) => a.startsWith('SMTP:'));
      if (primaries.length !== 1) {
        yield fail(primaries.length === 0 ? 'The e-mail address list must contain exactly one primary SMTP address (prefix "SMTP:").' : `Only one primary SMTP address is allowed; the list has ${primaries.length}: ${primaries.join(', ')}.`, record.name);
        return;
      }
      patch.emailAddresses = next;
      patch.primarySmtpAddress = (primaries[0] as string).slice(5);
    }
  }

  const changed = Object.entries(patch).some(([key, value]) => JSON.stringify(value) !== JSON.stringify(record[key as keyof MailboxRecord]));
  if (bound.get('Confirm') === true) {
    yield { type: 'confirmation', message: `Are you sure you want to perform this action?\r\nSetting ${mode === 'mailbox' ? 'mailbox' : 'user'} "${record.name}".` };
    return;
  }
  if (bound.get('WhatIf') === true) {
    yield { type: 'information', record: { messageData: `What if: Setting ${mode === 'mailbox' ? 'mailbox' : 'user'} "${record.name}".`, source: cmdlet.name, tags: [] } };
    return;
  }
  if (!changed) {
    yield { type: 'warning', message: `The command completed successfully but no settings of '${record.name}' have been modified.` };
    return;
  }
  mailboxes.update(index, patch, context.clock.now());
}

const bool = (name: string): ParameterDefinition => ({ name, type: BooleanType });
const str = (name: string): ParameterDefinition => ({ name, type: StringType });

/** Set-Mailbox, with Exchange's validations. */
export function setMailboxCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Set-Mailbox',
    className: 'Microsoft.Exchange.Management.RecipientTasks.SetMailbox',
    module: 'Microsoft.Exchange.Management.PowerShell.E2010',
    defaultParameterSet: 'Identity',
    outputType: 'System.Void',
    access: ['admin', 'recipientAdmin'],
    parameters: [
      identityParameter('MailboxIdParameter', undefined, true),
      str('DisplayName'),
      str('Alias'),
      { name: 'EmailAddresses', type: multiValuedType('Microsoft.Exchange.Data.ProxyAddressCollection', checkProxyAddress) },
      { name: 'ProhibitSendQuota', type: UnlimitedByteQuantityType },
      { name: 'ProhibitSendReceiveQuota', type: UnlimitedByteQuantityType },
      { name: 'IssueWarningQuota', type: UnlimitedByteQuantityType },
      bool('LitigationHoldEnabled'),
      bool('HiddenFromAddressListsEnabled'),
      { name: 'ForwardingSmtpAddress', type: SmtpAddressType },
      bool('DeliverToMailboxAndForward'),
      bool('AuditEnabled'),
      { name: 'RetainDeletedItemsFor', type: TimeSpanType },
      { name: 'Type', type: enumType('Microsoft.Exchange.Management.RecipientTasks.ConvertibleMailboxSubType', ['Regular', 'Room', 'Equipment', 'Shared'], false) },
      ...Array.from({ length: 15 }, (_, i) => str(`CustomAttribute${i + 1}`)),
      { name: 'Force', type: SwitchType },
      ...common,
    ],
    run: (context, bound) => setRecipient(context, bound, definition, 'mailbox'),
  };
  return definition;
}

/** Set-User; RemotePowerShellEnabled and EXOModuleEnabled set the same flag. */
export function setUserCmdlet(common: readonly ParameterDefinition[]): CmdletDefinition {
  const definition: CmdletDefinition = {
    name: 'Set-User',
    className: 'Microsoft.Exchange.Management.RecipientTasks.SetUser',
    module: 'Microsoft.Exchange.Management.PowerShell.E2010',
    defaultParameterSet: 'Identity',
    outputType: 'System.Void',
    access: ['admin', 'recipientAdmin'],
    parameters: [
      identityParameter('UserIdParameter', undefined, true),
      ...['DisplayName', 'FirstName', 'LastName', 'Title', 'Department', 'Office', 'City', 'Company', 'Phone', 'MobilePhone', 'CountryOrRegion'].map(str),
      bool('RemotePowerShellEnabled'),
      bool('EXOModuleEnabled'),
      { name: 'Force', type: SwitchType },
      ...common,
    ],
    run: (context, bound) => setRecipient(context, bound, definition, 'user'),
  };
  return definition;
}
