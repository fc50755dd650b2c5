/**
 * Output objects with the type names and property sets a real tenant returns over remoting (deserialized Exchange
 * presentation objects: adapted properties, quotas and sizes as strings, multi-valued properties as lists of
 * strings, dates as DateTime). Property names and order follow `Get-Mailbox | Format-List` on Exchange Online.
 */
import { PSObject, PSPrimitive, createPSDictionary, createPSList, type PSValue } from '@exops/contracts';
import type { DirectoryTenant, MailboxRecord } from '../directory.js';

const D = (typeName: string): string => `Deserialized.${typeName}`;

/** Type chains, most specific first. */
export const TYPE_CHAINS = {
  Mailbox: [
    'Microsoft.Exchange.Data.Directory.Management.Mailbox',
    'Microsoft.Exchange.Data.Directory.Management.MailEnabledOrgPerson',
    'Microsoft.Exchange.Data.Directory.Management.MailEnabledRecipient',
    'Microsoft.Exchange.Data.Directory.ADPresentationObject',
    'Microsoft.Exchange.Data.ConfigurableObject',
    'System.Object',
  ],
  User: [
    'Microsoft.Exchange.Data.Directory.Management.User',
    'Microsoft.Exchange.Data.Directory.Management.OrgPersonPresentationObject',
    'Microsoft.Exchange.Data.Directory.ADPresentationObject',
    'Microsoft.Exchange.Data.ConfigurableObject',
    'System.Object',
  ],
  ReducedRecipient: [
    'Microsoft.Exchange.Data.Directory.Management.ReducedRecipient',
    'Microsoft.Exchange.Data.Directory.ADPresentationObject',
    'Microsoft.Exchange.Data.ConfigurableObject',
    'System.Object',
  ],
  AcceptedDomain: [
    'Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain',
    'Microsoft.Exchange.Data.Directory.ADConfigurationObject',
    'Microsoft.Exchange.Data.Directory.ADObject',
    'Microsoft.Exchange.Data.ConfigurableObject',
    'System.Object',
  ],
  OrganizationConfig: [
    'Microsoft.Exchange.Data.Directory.Management.OrganizationConfig',
    'Microsoft.Exchange.Data.Directory.ADPresentationObject',
    'Microsoft.Exchange.Data.ConfigurableObject',
    'System.Object',
  ],
} as const;

/** A property whose value is computed only when selected (`$select`), so 100,000 narrow rows stay cheap. */
export type LazyProperty = [string, () => PSValue];

/** Property names to build, lower-case; undefined builds all. */
export type PropertySelection = ReadonlySet<string> | undefined;

const DESERIALIZED_CHAINS = new Map<readonly string[], string[]>();
const LOWER_NAMES = new Map<readonly string[], string[]>();

function exchangeObject(chain: readonly string[], toStringValue: string, props: LazyProperty[], select: PropertySelection): PSObject {
  let typeNames = DESERIALIZED_CHAINS.get(chain);
  if (typeNames === undefined) {
    typeNames = chain.map(D);
    DESERIALIZED_CHAINS.set(chain, typeNames);
  }
  const adapted = new Map<string, PSValue>();
  if (select === undefined) {
    for (const [name, value] of props) adapted.set(name, value());
  } else {
    // Every object of one type has the same property list, so the lower-case names are computed once per type.
    let lower = LOWER_NAMES.get(chain);
    if (lower === undefined || lower.length !== props.length || lower[0] !== props[0]?.[0].toLowerCase()) {
      lower = props.map(([name]) => name.toLowerCase());
      LOWER_NAMES.set(chain, lower);
    }
    for (let i = 0; i < props.length; i++) {
      if (!select.has(lower[i] as string)) continue;
      const [name, value] = props[i] as LazyProperty;
      adapted.set(name, value());
    }
  }
  return new PSObject({ typeNames: [...typeNames], toStringValue, adapted });
}

/** DateTime as CLIXML writes it (7 fractional digits). `utc` picks `Z` (Kind Utc) or `+00:00` (Kind Local on a UTC server). */
export function dateTime(date: Date, utc: boolean): PSPrimitive<'DT'> {
  const iso = date.toISOString();
  return new PSPrimitive('DT', `${iso.slice(0, 23)}0000${utc ? 'Z' : '+00:00'}`);
}

/** A GUID value (`G`). */
export function guid(text: string): PSPrimitive<'G'> {
  return new PSPrimitive('G', text);
}

/** A multi-valued property as deserialized: an ArrayList of strings under its Exchange type names. */
export function multiValued(items: readonly string[], element = 'System.String'): PSObject {
  return createPSList([...items], [
    D(`Microsoft.Exchange.Data.MultiValuedProperty\`1[[${element}]]`),
    D('Microsoft.Exchange.Data.MultiValuedPropertyBase'),
    D('System.Object'),
  ]);
}

function proxyAddresses(items: readonly string[]): PSObject {
  return createPSList([...items], [D('Microsoft.Exchange.Data.ProxyAddressCollection'), D('Microsoft.Exchange.Data.MultiValuedPropertyBase'), D('System.Object')]);
}

const UNIT_NAMES: [number, string][] = [
  [1024 ** 4, 'TB'],
  [1024 ** 3, 'GB'],
  [1024 ** 2, 'MB'],
  [1024, 'KB'],
];

/** ByteQuantifiedSize's ToString: `99 GB (106,300,440,576 bytes)`; null is `Unlimited`. */
const BYTE_TEXTS = new Map<number, string>();

/** ByteQuantifiedSize's ToString: `99 GB (106,300,440,576 bytes)`; null is `Unlimited`. */
export function formatByteQuantity(bytes: number | null): string {
  if (bytes === null) return 'Unlimited';
  const known = BYTE_TEXTS.get(bytes);
  if (known !== undefined) return known;
  const text = byteQuantityText(bytes);
  if (BYTE_TEXTS.size < 10_000) BYTE_TEXTS.set(bytes, text);
  return text;
}

function byteQuantityText(bytes: number): string {
  const grouped = bytes.toLocaleString('en-US');
  for (const [size, unit] of UNIT_NAMES) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(3))} ${unit} (${grouped} bytes)`;
  }
  return `${bytes} B (${grouped} bytes)`;
}

/** Where a tenant's objects live, for DistinguishedName, OriginatingServer and error texts. */
export interface TenantPlacement {
  readonly forest: string;
  readonly domainController: string;
  readonly mailboxServer: string;
}

/** The fixed forest, domain controller and mailbox server names of a tenant. */
export function tenantPlacement(tenant: DirectoryTenant): TenantPlacement {
  const region = tenant.name === 'contoso' ? 'NAMPR' : tenant.name === 'fabrikam' ? 'EURPR' : 'APCPR';
  const code = region.slice(0, 3);
  const forest = `${region}01A001.prod.outlook.com`;
  return {
    forest,
    domainController: `${code}PR01A001DC03.${forest}`,
    mailboxServer: `${code.slice(0, 2)}0PR01MB${tenant.tenantId.replace(/\D/g, '').slice(0, 4).padEnd(4, '7')}`,
  };
}

function distinguishedName(record: MailboxRecord, tenant: DirectoryTenant, placement: TenantPlacement): string {
  const dcs = placement.forest
    .split('.')
    .map((part) => `DC=${part}`)
    .join(',');
  return `CN=${record.name},OU=${tenant.initialDomain},OU=Microsoft Exchange Hosted Organizations,${dcs}`;
}


/** What a recipient property reads. */
interface RecipientContext {
  readonly record: MailboxRecord;
  readonly tenant: DirectoryTenant;
  readonly placement: TenantPlacement;
  readonly kind: MailboxRecord['recipientTypeDetails'];
  readonly resource: boolean;
}

/** A property of a recipient type: its name and how to compute it. One static table per type, no closure per object. */
type RecipientProperty = readonly [string, (c: RecipientContext) => PSValue];

const CUSTOM_ATTRIBUTE_PROPERTIES: RecipientProperty[] = Array.from({ length: 15 }, (_, i): RecipientProperty => [`CustomAttribute${i + 1}`, (c) => c.record.customAttributes[i] ?? '']);
const EXTENSION_ATTRIBUTE_PROPERTIES: RecipientProperty[] = [1, 2, 3, 4, 5].map((i): RecipientProperty => [`ExtensionCustomAttribute${i}`, () => multiValued([])]);

const COMMON_RECIPIENT_PROPERTIES: RecipientProperty[] = [
    ['Identity', (c) => c.record.name],
    ['Id', (c) => c.record.name],
    ['IsValid', (c) => true],
    ['ExchangeVersion', (c) => '0.20 (15.0.0.0)'],
    ['Name', (c) => c.record.name],
    ['DistinguishedName', (c) => distinguishedName(c.record, c.tenant, c.placement)],
    ['ObjectCategory', (c) => `${c.placement.forest.split('.')[0]}/Configuration/Schema/Person`],
    ['ObjectClass', (c) => multiValued(['top', 'person', 'organizationalPerson', 'user'])],
    ['WhenChanged', (c) => dateTime(c.record.whenChanged, false)],
    ['WhenCreated', (c) => dateTime(c.record.whenCreated, false)],
    ['WhenChangedUTC', (c) => dateTime(c.record.whenChanged, true)],
    ['WhenCreatedUTC', (c) => dateTime(c.record.whenCreated, true)],
    ['ExchangeObjectId', (c) => guid(c.record.guid)],
    ['OrganizationalUnitRoot', (c) => `${c.tenant.initialDomain}`],
    ['OrganizationId', (c) => `${c.placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${c.tenant.initialDomain} - ${c.placement.forest.split('.')[0]}/ConfigurationUnits/${c.tenant.initialDomain}/Configuration`],
    ['Guid', (c) => guid(c.record.guid)],
    ['OriginatingServer', (c) => c.placement.domainController],
    ['ObjectState', (c) => 'Unchanged'],
];

const MAILBOX_PROPERTIES: RecipientProperty[] = [
    ['Database', (c) => `${c.placement.mailboxServer.slice(0, 5)}DG${String(c.record.index % 90).padStart(3, '0')}-db${String(c.record.index % 400).padStart(3, '0')}`],
    ['MailboxProvisioningConstraint', (c) => null],
    ['IsMonitoringMailbox', (c) => false],
    ['MailboxRegion', (c) => null],
    ['MailboxRegionLastUpdateTime', (c) => null],
    ['MessageCopyForSentAsEnabled', (c) => false],
    ['MessageCopyForSendOnBehalfEnabled', (c) => false],
    ['MailboxProvisioningPreferences', (c) => multiValued([])],
    ['UseDatabaseRetentionDefaults', (c) => false],
    ['RetainDeletedItemsUntilBackup', (c) => false],
    ['DeliverToMailboxAndForward', (c) => c.record.deliverToMailboxAndForward],
    ['IsExcludedFromServingHierarchy', (c) => false],
    ['IsHierarchyReady', (c) => true],
    ['IsHierarchySyncEnabled', (c) => true],
    ['IsPublicFolderSystemMailbox', (c) => false],
    ['HasSnackyAppData', (c) => false],
    ['LitigationHoldEnabled', (c) => c.record.litigationHoldEnabled],
    ['SingleItemRecoveryEnabled', (c) => true],
    ['RetentionHoldEnabled', (c) => false],
    ['EndDateForRetentionHold', (c) => null],
    ['StartDateForRetentionHold', (c) => null],
    ['RetentionComment', (c) => ''],
    ['RetentionUrl', (c) => ''],
    ['LitigationHoldDate', (c) => c.record.litigationHoldEnabled ? dateTime(c.record.whenChanged, false) : null],
    ['LitigationHoldOwner', (c) => c.record.litigationHoldEnabled ? `admin@${c.tenant.defaultDomain}` : ''],
    ['ElcProcessingDisabled', (c) => false],
    ['ComplianceTagHoldApplied', (c) => false],
    ['WasInactiveMailbox', (c) => false],
    ['DelayHoldApplied', (c) => false],
    ['DelayReleaseHoldApplied', (c) => false],
    ['InactiveMailboxRetireTime', (c) => null],
    ['OrphanSoftDeleteTrackingTime', (c) => null],
    ['LitigationHoldDuration', (c) => 'Unlimited'],
    ['ManagedFolderMailboxPolicy', (c) => null],
    ['RetentionPolicy', (c) => 'Default MRM Policy'],
    ['AddressBookPolicy', (c) => null],
    ['CalendarRepairDisabled', (c) => false],
    ['ExchangeGuid', (c) => guid(c.record.exchangeGuid)],
    ['MailboxContainerGuid', (c) => null],
    ['UnifiedMailbox', (c) => null],
    ['MailboxLocations', (c) => multiValued([`1;${c.record.exchangeGuid};Primary;${c.tenant.initialDomain};${c.record.guid}`])],
    ['AggregatedMailboxGuids', (c) => multiValued([])],
    ['ExchangeSecurityDescriptor', (c) => 'System.Security.AccessControl.RawSecurityDescriptor'],
    ['ExchangeUserAccountControl', (c) => 'None'],
    ['AdminDisplayVersion', (c) => 'Version 15.20 (Build 8722.22)'],
    ['MessageTrackingReadStatusEnabled', (c) => true],
    ['ExternalOofOptions', (c) => 'External'],
    ['ForwardingAddress', (c) => null],
    ['ForwardingSmtpAddress', (c) => c.record.forwardingSmtpAddress],
    ['RetainDeletedItemsFor', (c) => c.record.retainDeletedItemsFor],
    ['IsMailboxEnabled', (c) => true],
    ['Languages', (c) => multiValued(['en-US'])],
    ['OfflineAddressBook', (c) => null],
    ['ProhibitSendQuota', (c) => formatByteQuantity(c.record.prohibitSendQuota)],
    ['ProhibitSendReceiveQuota', (c) => formatByteQuantity(c.record.prohibitSendReceiveQuota)],
    ['RecoverableItemsQuota', (c) => formatByteQuantity(30 * 1024 ** 3)],
    ['RecoverableItemsWarningQuota', (c) => formatByteQuantity(20 * 1024 ** 3)],
    ['CalendarLoggingQuota', (c) => formatByteQuantity(6 * 1024 ** 3)],
    ['DowngradeHighPriorityMessagesEnabled', (c) => false],
    ['ProtocolSettings', (c) => multiValued(['RemotePowerShell§1'])],
    ['RecipientLimits', (c) => '500'],
    ['ImListMigrationCompleted', (c) => false],
    ['IsResource', (c) => c.resource],
    ['IsLinked', (c) => false],
    ['IsShared', (c) => c.kind === 'SharedMailbox'],
    ['IsRootPublicFolderMailbox', (c) => false],
    ['LinkedMasterAccount', (c) => ''],
    ['ResetPasswordOnNextLogon', (c) => false],
    ['ResourceCapacity', (c) => c.kind === 'RoomMailbox' ? 8 : null],
    ['ResourceCustom', (c) => multiValued([])],
    ['ResourceType', (c) => c.kind === 'RoomMailbox' ? 'Room' : c.kind === 'EquipmentMailbox' ? 'Equipment' : null],
    ['RoomMailboxAccountEnabled', (c) => c.kind === 'RoomMailbox' ? false : null],
    ['SamAccountName', (c) => `$${c.record.guid.slice(0, 6).toUpperCase()}-${c.record.index}`],
    ['SCLDeleteThreshold', (c) => null],
    ['SCLDeleteEnabled', (c) => null],
    ['SCLRejectThreshold', (c) => null],
    ['SCLRejectEnabled', (c) => null],
    ['SCLQuarantineThreshold', (c) => null],
    ['SCLQuarantineEnabled', (c) => null],
    ['SCLJunkThreshold', (c) => null],
    ['SCLJunkEnabled', (c) => null],
    ['AntispamBypassEnabled', (c) => false],
    ['ServerLegacyDN', (c) => `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=${c.placement.mailboxServer}`],
    ['ServerName', (c) => c.placement.mailboxServer.toLowerCase()],
    ['UseDatabaseQuotaDefaults', (c) => false],
    ['IssueWarningQuota', (c) => formatByteQuantity(c.record.issueWarningQuota)],
    ['RulesQuota', (c) => formatByteQuantity(256 * 1024)],
    ['Office', (c) => c.record.office],
    ['UserPrincipalName', (c) => c.record.userPrincipalName],
    ['UMEnabled', (c) => false],
    ['MaxSafeSenders', (c) => null],
    ['MaxBlockedSenders', (c) => null],
    ['NetID', (c) => null],
    ['ReconciliationId', (c) => null],
    ['WindowsLiveID', (c) => c.record.userPrincipalName],
    ['MicrosoftOnlineServicesID', (c) => c.record.userPrincipalName],
    ['ThrottlingPolicy', (c) => null],
    ['RoleAssignmentPolicy', (c) => 'Default Role Assignment Policy'],
    ['DefaultPublicFolderMailbox', (c) => null],
    ['EffectivePublicFolderMailbox', (c) => null],
    ['SharingPolicy', (c) => 'Default Sharing Policy'],
    ['RemoteAccountPolicy', (c) => null],
    ['MailboxPlan', (c) => c.kind === 'UserMailbox' ? `ExchangeOnlineEnterprise-${c.tenant.tenantId}` : null],
    ['ArchiveDatabase', (c) => c.record.archiveStatus === 'Active' ? `${c.placement.mailboxServer.slice(0, 5)}DG001-db101` : null],
    ['ArchiveGuid', (c) => guid(c.record.archiveStatus === 'Active' ? c.record.archiveGuid : '00000000-0000-0000-0000-000000000000')],
    ['ArchiveName', (c) => multiValued(c.record.archiveStatus === 'Active' ? [`In-Place Archive -${c.record.displayName}`] : [])],
    ['JournalArchiveAddress', (c) => ''],
    ['ArchiveQuota', (c) => formatByteQuantity(100 * 1024 ** 3)],
    ['ArchiveWarningQuota', (c) => formatByteQuantity(90 * 1024 ** 3)],
    ['ArchiveDomain', (c) => ''],
    ['ArchiveStatus', (c) => c.record.archiveStatus],
    ['ArchiveState', (c) => c.record.archiveStatus === 'Active' ? 'Local' : 'None'],
    ['AutoExpandingArchiveEnabled', (c) => false],
    ['DisabledMailboxLocations', (c) => false],
    ['RemoteRecipientType', (c) => 'None'],
    ['DisabledArchiveDatabase', (c) => null],
    ['DisabledArchiveGuid', (c) => guid('00000000-0000-0000-0000-000000000000')],
    ['QueryBaseDN', (c) => null],
    ['QueryBaseDNRestrictionEnabled', (c) => false],
    ['MailboxMoveTargetMDB', (c) => null],
    ['MailboxMoveSourceMDB', (c) => null],
    ['MailboxMoveFlags', (c) => 'None'],
    ['MailboxMoveRemoteHostName', (c) => ''],
    ['MailboxMoveBatchName', (c) => ''],
    ['MailboxMoveStatus', (c) => 'None'],
    ['MailboxRelease', (c) => ''],
    ['ArchiveRelease', (c) => ''],
    ['IsPersonToPersonTextMessagingEnabled', (c) => false],
    ['IsMachineToPersonTextMessagingEnabled', (c) => true],
    ['UserSMimeCertificate', (c) => multiValued([])],
    ['UserCertificate', (c) => multiValued([])],
    ['CalendarVersionStoreDisabled', (c) => false],
    ['ImmutableId', (c) => ''],
    ['PersistedCapabilities', (c) => multiValued(c.kind === 'UserMailbox' ? ['BPOS_S_Enterprise'] : [])],
    ['SKUAssigned', (c) => c.kind === 'UserMailbox'],
    ['AuditEnabled', (c) => c.record.auditEnabled],
    ['AuditLogAgeLimit', (c) => '90.00:00:00'],
    ['AuditAdmin', (c) => multiValued(['Update', 'MoveToDeletedItems', 'SoftDelete', 'HardDelete', 'SendAs', 'SendOnBehalf', 'Create', 'UpdateFolderPermissions', 'UpdateInboxRules', 'UpdateCalendarDelegation', 'ApplyRecord', 'MailItemsAccessed', 'Send'])],
    ['AuditDelegate', (c) => multiValued(['Update', 'MoveToDeletedItems', 'SoftDelete', 'HardDelete', 'SendAs', 'SendOnBehalf', 'Create', 'UpdateFolderPermissions', 'UpdateInboxRules', 'ApplyRecord', 'MailItemsAccessed'])],
    ['AuditOwner', (c) => multiValued(['Update', 'MoveToDeletedItems', 'SoftDelete', 'HardDelete', 'UpdateFolderPermissions', 'UpdateInboxRules', 'UpdateCalendarDelegation', 'ApplyRecord', 'MailItemsAccessed', 'Send'])],
    ['DefaultAuditSet', (c) => multiValued(['Admin', 'Delegate', 'Owner'])],
    ['WhenMailboxCreated', (c) => dateTime(c.record.whenCreated, false)],
    ['SourceAnchor', (c) => ''],
    ['UsageLocation', (c) => c.record.countryOrRegion],
    ['IsSoftDeletedByRemove', (c) => false],
    ['IsSoftDeletedByDisable', (c) => false],
    ['IsInactiveMailbox', (c) => false],
    ['IncludeInGarbageCollection', (c) => false],
    ['WhenSoftDeleted', (c) => null],
    ['InPlaceHolds', (c) => multiValued([])],
    ['GeneratedOfflineAddressBooks', (c) => multiValued([])],
    ['AccountDisabled', (c) => c.kind !== 'UserMailbox'],
    ['StsRefreshTokensValidFrom', (c) => dateTime(c.record.whenCreated, false)],
    ['NonCompliantDevices', (c) => multiValued([])],
    ['EnforcedTimestamps', (c) => ''],
    ['DataEncryptionPolicy', (c) => null],
    ['MessageCopyForSMTPClientSubmissionEnabled', (c) => true],
    ['RecipientThrottlingThreshold', (c) => 'Standard'],
    ['SharedEmailDomainTenant', (c) => ''],
    ['SharedEmailDomainState', (c) => 'None'],
    ['SharedWithTargetSmtpAddress', (c) => ''],
    ['SharedEmailDomainStateLastModified', (c) => null],
    ['EmailAddressDisplayNames', (c) => multiValued([])],
    ['ResourceProvisioningOptions', (c) => multiValued([])],
    ['Extensions', (c) => multiValued([])],
    ['HasPicture', (c) => false],
    ['HasSpokenName', (c) => false],
    ['IsDirSynced', (c) => false],
    ['AcceptMessagesOnlyFrom', (c) => multiValued([])],
    ['AcceptMessagesOnlyFromDLMembers', (c) => multiValued([])],
    ['AcceptMessagesOnlyFromSendersOrMembers', (c) => multiValued([])],
    ['AddressListMembership', (c) => multiValued(c.record.hiddenFromAddressListsEnabled ? [] : ['\\Mailboxes(VLV)', '\\All Mailboxes(VLV)', '\\All Recipients(VLV)', '\\Default Global Address List', '\\All Users'])],
    ['AdministrativeUnits', (c) => multiValued([])],
    ['Alias', (c) => c.record.alias],
    ['ArbitrationMailbox', (c) => null],
    ['BypassModerationFromSendersOrMembers', (c) => multiValued([])],
    ['OrganizationalUnit', (c) => `${c.placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${c.tenant.initialDomain}`],
    ...CUSTOM_ATTRIBUTE_PROPERTIES,
    ...EXTENSION_ATTRIBUTE_PROPERTIES,
    ['DisplayName', (c) => c.record.displayName],
    ['EmailAddresses', (c) => proxyAddresses(c.record.emailAddresses)],
    ['GrantSendOnBehalfTo', (c) => multiValued([])],
    ['ExternalDirectoryObjectId', (c) => c.record.externalDirectoryObjectId],
    ['HiddenFromAddressListsEnabled', (c) => c.record.hiddenFromAddressListsEnabled],
    ['LastExchangeChangedTime', (c) => null],
    ['LegacyExchangeDN', (c) => `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${c.record.exchangeGuid.replace(/-/g, '')}-${c.record.alias.slice(0, 8)}`],
    ['MaxSendSize', (c) => formatByteQuantity(c.record.maxSendSize)],
    ['MaxReceiveSize', (c) => formatByteQuantity(c.record.maxReceiveSize)],
    ['ModeratedBy', (c) => multiValued([])],
    ['ModerationEnabled', (c) => false],
    ['PoliciesIncluded', (c) => multiValued([])],
    ['PoliciesExcluded', (c) => multiValued(['{26491cfc-9e50-4857-861b-0cb8df22b5d7}'])],
    ['EmailAddressPolicyEnabled', (c) => false],
    ['PrimarySmtpAddress', (c) => c.record.primarySmtpAddress],
    ['RecipientType', (c) => 'UserMailbox'],
    ['RecipientTypeDetails', (c) => c.kind],
    ['RejectMessagesFrom', (c) => multiValued([])],
    ['RejectMessagesFromDLMembers', (c) => multiValued([])],
    ['RejectMessagesFromSendersOrMembers', (c) => multiValued([])],
    ['RequireSenderAuthenticationEnabled', (c) => false],
    ['SimpleDisplayName', (c) => ''],
    ['SendModerationNotifications', (c) => 'Always'],
    ['UMDtmfMap', (c) => multiValued([])],
    ['WindowsEmailAddress', (c) => c.record.primarySmtpAddress],
    ['MailTip', (c) => null],
    ['MailTipTranslations', (c) => multiValued([])],
    ...COMMON_RECIPIENT_PROPERTIES,
];

const USER_PROPERTIES: RecipientProperty[] = [
    ['IsSecurityPrincipal', (c) => true],
    ['SamAccountName', (c) => `$${c.record.guid.slice(0, 6).toUpperCase()}-${c.record.index}`],
    ['Sid', (c) => `S-1-5-21-${1000 + (c.record.index % 9000)}-${c.record.index}`],
    ['SidHistory', (c) => multiValued([])],
    ['UserPrincipalName', (c) => c.record.userPrincipalName],
    ['ResetPasswordOnNextLogon', (c) => false],
    ['CertificateSubject', (c) => multiValued([])],
    ['RemotePowerShellEnabled', (c) => c.record.remotePowerShellEnabled],
    ['WindowsLiveID', (c) => c.record.userPrincipalName],
    ['MicrosoftOnlineServicesID', (c) => c.record.userPrincipalName],
    ['NetID', (c) => null],
    ['ConsumerNetID', (c) => null],
    ['UserAccountControl', (c) => c.record.recipientTypeDetails === 'UserMailbox' ? 'NormalAccount, DoNotExpirePassword' : 'AccountDisabled, PasswordNotRequired, NormalAccount'],
    ['OrganizationalUnit', (c) => `${c.placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${c.tenant.initialDomain}`],
    ['IsLinked', (c) => false],
    ['LinkedMasterAccount', (c) => ''],
    ['ExternalDirectoryObjectId', (c) => c.record.externalDirectoryObjectId],
    ['SKUAssigned', (c) => c.record.recipientTypeDetails === 'UserMailbox'],
    ['IsSoftDeletedByRemove', (c) => false],
    ['IsSoftDeletedByDisable', (c) => false],
    ['WhenSoftDeleted', (c) => null],
    ['PreviousRecipientTypeDetails', (c) => 'None'],
    ['UpgradeRequest', (c) => 'None'],
    ['UpgradeStatus', (c) => 'None'],
    ['UpgradeDetails', (c) => null],
    ['UpgradeMessage', (c) => null],
    ['UpgradeStage', (c) => null],
    ['UpgradeStageTimeStamp', (c) => null],
    ['MailboxRegion', (c) => null],
    ['MailboxRegionLastUpdateTime', (c) => null],
    ['MailboxProvisioningConstraint', (c) => null],
    ['MailboxProvisioningPreferences', (c) => multiValued([])],
    ['LegacyExchangeDN', (c) => `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${c.record.exchangeGuid.replace(/-/g, '')}-${c.record.alias.slice(0, 8)}`],
    ['OperatorNumber', (c) => null],
    ['PhoneProviderId', (c) => null],
    ['StsRefreshTokensValidFrom', (c) => dateTime(c.record.whenCreated, false)],
    ['AuthenticationPolicy', (c) => null],
    ['StreetAddress', (c) => ''],
    ['City', (c) => c.record.city],
    ['StateOrProvince', (c) => ''],
    ['PostalCode', (c) => ''],
    ['CountryOrRegion', (c) => c.record.countryOrRegion],
    ['Phone', (c) => c.record.phone],
    ['MobilePhone', (c) => c.record.mobilePhone],
    ['Fax', (c) => ''],
    ['HomePhone', (c) => ''],
    ['Office', (c) => c.record.office],
    ['Company', (c) => c.record.company],
    ['Department', (c) => c.record.department],
    ['Title', (c) => c.record.title],
    ['Manager', (c) => null],
    ['DirectReports', (c) => multiValued([])],
    ['AssistantName', (c) => ''],
    ['FirstName', (c) => c.record.firstName],
    ['Initials', (c) => ''],
    ['LastName', (c) => c.record.lastName],
    ['DisplayName', (c) => c.record.displayName],
    ['SimpleDisplayName', (c) => ''],
    ['Notes', (c) => ''],
    ['WebPage', (c) => ''],
    ['PhoneticDisplayName', (c) => ''],
    ['RecipientType', (c) => 'UserMailbox'],
    ['RecipientTypeDetails', (c) => c.record.recipientTypeDetails],
    ['IsDirSynced', (c) => false],
    ['AdministrativeUnits', (c) => multiValued([])],
    ['AccountDisabled', (c) => c.record.recipientTypeDetails !== 'UserMailbox'],
    ['IsInactiveMailbox', (c) => false],
    ['WindowsEmailAddress', (c) => c.record.primarySmtpAddress],
    ...COMMON_RECIPIENT_PROPERTIES,
];

const RECIPIENT_PROPERTIES: RecipientProperty[] = [
    ['ArchiveGuid', (c) => guid(c.record.archiveStatus === 'Active' ? c.record.archiveGuid : '00000000-0000-0000-0000-000000000000')],
    ['ArchiveRelease', (c) => ''],
    ['ArchiveState', (c) => c.record.archiveStatus === 'Active' ? 'Local' : 'None'],
    ['ArchiveStatus', (c) => c.record.archiveStatus],
    ['AuthenticationType', (c) => 'Managed'],
    ['Capabilities', (c) => multiValued(c.record.recipientTypeDetails === 'UserMailbox' ? ['BPOS_S_Enterprise'] : [])],
    ['City', (c) => c.record.city],
    ['Company', (c) => c.record.company],
    ['CountryOrRegion', (c) => c.record.countryOrRegion],
    ['Department', (c) => c.record.department],
    ['DisplayName', (c) => c.record.displayName],
    ['ExchangeGuid', (c) => guid(c.record.exchangeGuid)],
    ['ExternalDirectoryObjectId', (c) => c.record.externalDirectoryObjectId],
    ['ExternalEmailAddress', (c) => null],
    ['FirstName', (c) => c.record.firstName],
    ['HiddenFromAddressListsEnabled', (c) => c.record.hiddenFromAddressListsEnabled],
    ['IsDirSynced', (c) => false],
    ['LastName', (c) => c.record.lastName],
    ['LitigationHoldEnabled', (c) => c.record.litigationHoldEnabled],
    ['Notes', (c) => ''],
    ['Office', (c) => c.record.office],
    ['OrganizationalUnit', (c) => `${c.placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${c.tenant.initialDomain}`],
    ['Phone', (c) => c.record.phone],
    ['PrimarySmtpAddress', (c) => c.record.primarySmtpAddress],
    ['RecipientType', (c) => 'UserMailbox'],
    ['RecipientTypeDetails', (c) => c.record.recipientTypeDetails],
    ['SKUAssigned', (c) => c.record.recipientTypeDetails === 'UserMailbox'],
    ['Title', (c) => c.record.title],
    ['UsageLocation', (c) => c.record.countryOrRegion],
    ['WhenMailboxCreated', (c) => dateTime(c.record.whenCreated, false)],
    ['WindowsLiveID', (c) => c.record.userPrincipalName],
    ['Alias', (c) => c.record.alias],
    ['EmailAddresses', (c) => proxyAddresses(c.record.emailAddresses)],
    ['ForwardingSmtpAddress', (c) => c.record.forwardingSmtpAddress],
    ...CUSTOM_ATTRIBUTE_PROPERTIES,
    ...COMMON_RECIPIENT_PROPERTIES,
];

const LOWER_CASE_TABLES = new Map<readonly RecipientProperty[], string[]>();

function recipientObject(chain: readonly string[], table: readonly RecipientProperty[], record: MailboxRecord, tenant: DirectoryTenant, placement: TenantPlacement, select: PropertySelection): PSObject {
  const kind = record.recipientTypeDetails;
  const c: RecipientContext = { record, tenant, placement, kind, resource: kind === 'RoomMailbox' || kind === 'EquipmentMailbox' };
  const adapted = new Map<string, PSValue>();
  let lower = LOWER_CASE_TABLES.get(table);
  if (lower === undefined) {
    lower = table.map(([name]) => name.toLowerCase());
    LOWER_CASE_TABLES.set(table, lower);
  }
  for (let i = 0; i < table.length; i++) {
    if (select !== undefined && !select.has(lower[i] as string)) continue;
    const [name, read] = table[i] as RecipientProperty;
    adapted.set(name, read(c));
  }
  return new PSObject({ typeNames: chain.map(D), toStringValue: record.name, adapted });
}

/** Get-Mailbox output. */
export function buildMailboxObject(record: MailboxRecord, tenant: DirectoryTenant, placement: TenantPlacement, select?: PropertySelection): PSObject {
  return recipientObject(TYPE_CHAINS.Mailbox, MAILBOX_PROPERTIES, record, tenant, placement, select);
}

/** Get-User output. */
export function buildUserObject(record: MailboxRecord, tenant: DirectoryTenant, placement: TenantPlacement, select?: PropertySelection): PSObject {
  return recipientObject(TYPE_CHAINS.User, USER_PROPERTIES, record, tenant, placement, select);
}

/** Get-Recipient output (ReducedRecipient: a narrower property set). */
export function buildRecipientObject(record: MailboxRecord, tenant: DirectoryTenant, placement: TenantPlacement, select?: PropertySelection): PSObject {
  return recipientObject(TYPE_CHAINS.ReducedRecipient, RECIPIENT_PROPERTIES, record, tenant, placement, select);
}

/** Get-AcceptedDomain output. */
export function buildAcceptedDomainObject(tenant: DirectoryTenant, domain: string, domainGuid: string, whenCreated: Date, placement: TenantPlacement): PSObject {
  const initial = domain === tenant.initialDomain;
  const props: LazyProperty[] = [
    ['DomainName', () => domain],
    ['CatchAllRecipient', () => null],
    ['DomainType', () => 'Authoritative'],
    ['MatchSubDomains', () => false],
    ['AddressBookEnabled', () => true],
    ['Default', () => domain === tenant.defaultDomain],
    ['EmailOnly', () => false],
    ['ExternallyManaged', () => false],
    ['AuthenticationType', () => 'Managed'],
    ['LiveIdInstanceType', () => 'Business'],
    ['PendingRemoval', () => false],
    ['PendingCompletion', () => false],
    ['FederatedOrganizationLink', () => null],
    ['MailFlowPartner', () => null],
    ['OutboundOnly', () => false],
    ['PendingFederatedAccountNamespace', () => false],
    ['PendingFederatedDomain', () => false],
    ['IsCoexistenceDomain', () => false],
    ['PerimeterDuplicateDetected', () => false],
    ['IsDefaultFederatedDomain', () => false],
    ['EnableNego2Authentication', () => false],
    ['InitialDomain', () => initial],
    ['AdminDisplayName', () => ''],
    ['Identity', () => domain],
    ['Id', () => domain],
    ['IsValid', () => true],
    ['ExchangeVersion', () => '0.10 (14.0.100.0)'],
    ['Name', () => domain],
    ['DistinguishedName', () => `CN=${domain},CN=Accepted Domains,CN=Transport Settings,CN=${tenant.initialDomain},CN=ConfigurationUnits,DC=${placement.forest.split('.').join(',DC=')}`],
    ['ObjectCategory', () => `${placement.forest.split('.')[0]}/Configuration/Schema/ms-Exch-Accepted-Domain`],
    ['ObjectClass', () => multiValued(['top', 'msExchAcceptedDomain'])],
    ['WhenChanged', () => dateTime(whenCreated, false)],
    ['WhenCreated', () => dateTime(whenCreated, false)],
    ['WhenChangedUTC', () => dateTime(whenCreated, true)],
    ['WhenCreatedUTC', () => dateTime(whenCreated, true)],
    ['ExchangeObjectId', () => guid(domainGuid)],
    ['OrganizationId', () => `${placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain}`],
    ['Guid', () => guid(domainGuid)],
    ['OriginatingServer', () => placement.domainController],
    ['ObjectState', () => 'Unchanged'],
  ];
  return exchangeObject(TYPE_CHAINS.AcceptedDomain, domain, props, undefined);
}

/** Get-OrganizationConfig output (the commonly read part of its ~300 properties). */
export function buildOrganizationConfigObject(tenant: DirectoryTenant, orgGuid: string, whenCreated: Date, placement: TenantPlacement): PSObject {
  const props: LazyProperty[] = [
    ['DisplayName', () => tenant.displayName],
    ['DelayedDelicensingEnabled', () => false],
    ['EndUserMailNotificationForDelayedDelicensingEnabled', () => false],
    ['TenantAdminNotificationForDelayedDelicensingEnabled', () => true],
    ['IsDehydrated', () => false],
    ['IsMixedMode', () => false],
    ['AuditDisabled', () => false],
    ['AutoExpandingArchiveEnabled', () => false],
    ['BookingsEnabled', () => true],
    ['CustomerLockboxEnabled', () => false],
    ['DefaultPublicFolderAgeLimit', () => null],
    ['DefaultPublicFolderMaxItemSize', () => formatByteQuantity(null)],
    ['DefaultGroupAccessType', () => 'Private'],
    ['DistributionGroupNameBlockedWordsList', () => multiValued([])],
    ['ElcProcessingDisabled', () => false],
    ['EwsEnabled', () => null],
    ['ExchangeNotificationEnabled', () => true],
    ['FocusedInboxOn', () => null],
    ['HybridConfigurationStatus', () => 'Off'],
    ['IsLicensingEnforced', () => true],
    ['IsTenantAccessBlocked', () => false],
    ['IsTenantInGracePeriod', () => false],
    ['LinkPreviewEnabled', () => true],
    ['MailTipsAllTipsEnabled', () => true],
    ['MailTipsExternalRecipientsTipsEnabled', () => false],
    ['MailTipsGroupMetricsEnabled', () => true],
    ['MailTipsLargeAudienceThreshold', () => 25],
    ['MaxConcurrentMigrations', () => 'Unlimited'],
    ['OAuth2ClientProfileEnabled', () => true],
    ['OnlineMeetingsByDefaultEnabled', () => null],
    ['PublicFoldersEnabled', () => 'Local'],
    ['RemotePublicFolderMailboxes', () => multiValued([])],
    ['SendFromAliasEnabled', () => false],
    ['SmtpActionableMessagesEnabled', () => true],
    ['UnblockUnsafeSenderPromptEnabled', () => true],
    ['DirectReportsGroupAutoCreationEnabled', () => false],
    ['AuditLogAgeLimit', () => '90.00:00:00'],
    ['ConnectorsEnabled', () => true],
    ['OutlookMobileGCCRestrictionsEnabled', () => false],
    ['OutlookPayEnabled', () => true],
    ['MicrosoftExchangeRecipientEmailAddresses', () => multiValued([`SMTP:MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@${tenant.defaultDomain}`])],
    ['MicrosoftExchangeRecipientPrimarySmtpAddress', () => `MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@${tenant.defaultDomain}`],
    ['RBACConfigurationVersion', () => '0.1 (8.2.176.0)'],
    ['AdminDisplayVersion', () => '0.20 (15.20.8722.022)'],
    ['IsUpgradingOrganization', () => false],
    ['ObjectVersion', () => 13000],
    ['ServicePlan', () => 'BPOS_L_Standard'],
    ['TargetServicePlan', () => null],
    ['SiteMailboxCreationURL', () => null],
    ['Name', () => tenant.initialDomain],
    ['Identity', () => tenant.initialDomain],
    ['Id', () => tenant.initialDomain],
    ['IsValid', () => true],
    ['ExchangeVersion', () => '0.20 (15.0.0.0)'],
    ['DistinguishedName', () => `CN=Configuration,CN=${tenant.initialDomain},CN=ConfigurationUnits,DC=${placement.forest.split('.').join(',DC=')}`],
    ['ObjectCategory', () => `${placement.forest.split('.')[0]}/Configuration/Schema/ms-Exch-Configuration-Unit-Container`],
    ['ObjectClass', () => multiValued(['top', 'container', 'msExchConfigurationUnitContainer'])],
    ['WhenChanged', () => dateTime(whenCreated, false)],
    ['WhenCreated', () => dateTime(whenCreated, false)],
    ['WhenChangedUTC', () => dateTime(whenCreated, true)],
    ['WhenCreatedUTC', () => dateTime(whenCreated, true)],
    ['ExchangeObjectId', () => guid(orgGuid)],
    ['OrganizationId', () => `${placement.forest.split('.')[0]}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain}`],
    ['Guid', () => guid(orgGuid)],
    ['OriginatingServer', () => placement.domainController],
    ['ObjectState', () => 'Unchanged'],
  ];
  return exchangeObject(TYPE_CHAINS.OrganizationConfig, tenant.initialDomain, props, undefined);
}

/** A hashtable value for Get-Command's Parameters (name → ParameterMetadata). */
export function buildParameterMetadata(
  entries: readonly { name: string; typeName: string; aliases: readonly string[]; isSwitch: boolean; sets: readonly string[] }[],
): PSObject {
  return createPSDictionary(
    entries.map((p) => [
      p.name,
      new PSObject({
        typeNames: [D('System.Management.Automation.ParameterMetadata'), D('System.Object')],
        toStringValue: p.name,
        adapted: [
          ['Name', p.name],
          ['ParameterType', p.typeName],
          ['ParameterSets', multiValued([...p.sets])],
          ['IsDynamic', false],
          ['Aliases', createPSList([...p.aliases])],
          ['Attributes', createPSList([])],
          ['SwitchParameter', p.isSwitch],
        ],
      }),
    ]),
    [D('System.Collections.Generic.Dictionary`2[[System.String],[System.Management.Automation.ParameterMetadata]]'), D('System.Object')],
  );
}
