/**
 * Deterministic Get-Mailbox-shaped CLIXML, written directly as text (independent of the serializer under test):
 * `Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox` objects with ~120 adapted properties of the
 * kinds Exchange returns (strings, booleans, Int32/Int64, DateTime, Guid, Nil, enums as `Obj` with `ToString` and
 * an integer, multi-valued properties such as EmailAddresses as `LST` of `S`), non-ASCII display names and `_x`
 * escapes. The same seed always gives the same bytes.
 */

/** Options of the mailbox fixture generators. */
export interface MailboxFixtureOptions {
  /** PRNG seed (default 0x5eed). */
  readonly seed?: number;
}

const NS = 'http://schemas.microsoft.com/powershell/2004/04';

const MAILBOX_TYPES = [
  'Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox',
  'Deserialized.Microsoft.Exchange.Data.Directory.Management.MailEnabledOrgPerson',
  'Deserialized.Microsoft.Exchange.Data.Directory.Management.MailEnabledRecipient',
  'Deserialized.Microsoft.Exchange.Data.Directory.ADPresentationObject',
  'Deserialized.Microsoft.Exchange.Data.Directory.ConfigurableObject',
  'Deserialized.System.Object',
];

const ENUM_BASE = ['System.Enum', 'System.ValueType', 'System.Object'];
const MULTI_VALUED = ['Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[[System.String, mscorlib]]', 'Deserialized.Microsoft.Exchange.Data.MultiValuedPropertyBase', 'Deserialized.System.Object'];
const PROXY_ADDRESSES = ['Deserialized.Microsoft.Exchange.Data.ProxyAddressCollection', 'Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[[Microsoft.Exchange.Data.ProxyAddress, Microsoft.Exchange.Data]]', 'Deserialized.Microsoft.Exchange.Data.MultiValuedPropertyBase', 'Deserialized.System.Object'];

const ENUMS: readonly [string, string, readonly (readonly [string, number])[]][] = [
  ['RecipientTypeDetails', 'Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails', [['UserMailbox', 1], ['SharedMailbox', 4], ['RoomMailbox', 16], ['EquipmentMailbox', 32]]],
  ['RecipientType', 'Microsoft.Exchange.Data.Directory.Recipient.RecipientType', [['UserMailbox', 2], ['MailUser', 6]]],
  ['ExchangeVersion', 'Microsoft.Exchange.Data.ExchangeObjectVersion', [['0.20 (15.0.0.0)', 20]]],
  ['ObjectState', 'Microsoft.Exchange.Data.ObjectState', [['Unchanged', 0], ['Changed', 2]]],
  ['HiddenFromAddressListsValue', 'Microsoft.Exchange.Data.HiddenFromAddressListsValue', [['None', 0], ['Hidden', 1]]],
  ['ExternalOofOptions', 'Microsoft.Exchange.Data.Directory.Recipient.ExternalOofOptions', [['External', 0], ['InternalOnly', 1]]],
  ['RetentionHoldEnabledReason', 'Microsoft.Exchange.Data.Directory.RetentionHoldReason', [['None', 0]]],
];

const FIRST = ['Anna', 'Björn', 'Zoë', 'José', 'Łukasz', 'Søren', 'Ünal', 'Chloé', 'Mikołaj', 'Ngọc', '美咲', 'Олег', 'Fatma', 'Ada', 'Grace', 'Linus'];
const LAST = ['Müller', 'Ødegaard', 'García', 'Nowak', 'Dvořák', 'O\'Brien', 'Smith', 'Nguyễn', '山田', 'Иванов', 'Yılmaz', 'Lovelace', 'Hopper', 'Torvalds'];
const DEPARTMENTS = ['Sales & Marketing', 'R&D', 'Finance', 'HR', 'IT <Ops>', 'Legal'];

/** A small deterministic PRNG (mulberry32). */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function hex(random: () => number, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += ((random() * 16) | 0).toString(16);
  return out;
}

/** Reference numbering of one RefId scope (a document, or one PSRP message). */
class Scope {
  nextRef = 0;
  readonly tn = new Map<string, number>();

  typeNames(names: readonly string[]): string {
    const key = names.join('|');
    const seen = this.tn.get(key);
    if (seen !== undefined) return `<TNRef RefId="${seen}" />`;
    const id = this.tn.size;
    this.tn.set(key, id);
    return `<TN RefId="${id}">${names.map((n) => `<T>${xmlText(n)}</T>`).join('')}</TN>`;
  }
}

function dateTime(random: () => number): string {
  const year = 2015 + ((random() * 10) | 0);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const ticks = String((random() * 1e7) | 0).padStart(7, '0');
  return `${year}-${pad(1 + ((random() * 12) | 0))}-${pad(1 + ((random() * 28) | 0))}T${pad((random() * 24) | 0)}:${pad((random() * 60) | 0)}:${pad((random() * 60) | 0)}.${ticks}+00:00`;
}

function guid(random: () => number): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

function mailboxObject(index: number, random: () => number, scope: Scope): string {
  const first = FIRST[index % FIRST.length]!;
  const last = LAST[(index * 7) % LAST.length]!;
  const alias = `user${index}`;
  const upn = `${alias}@contoso.onmicrosoft.com`;
  const name = `${first} ${last} ${index}`;
  // Document order, as PowerShell numbers them: the mailbox and its type names before its properties'.
  const refId = scope.nextRef++;
  const typeNames = scope.typeNames(MAILBOX_TYPES);
  const p: string[] = [];
  const s = (n: string, v: string): void => {
    p.push(v.length === 0 ? `<S N="${n}" />` : `<S N="${n}">${xmlText(v)}</S>`);
  };
  const b = (n: string, v: boolean): void => {
    p.push(`<B N="${n}">${v}</B>`);
  };
  const nil = (n: string): void => {
    p.push(`<Nil N="${n}" />`);
  };
  const enumObj = (i: number): void => {
    const [prop, type, values] = ENUMS[i]!;
    const [label, value] = values[(random() * values.length) | 0]!;
    p.push(`<Obj N="${prop}" RefId="${scope.nextRef++}">${scope.typeNames([type, ...ENUM_BASE])}<ToString>${xmlText(label)}</ToString><I32>${value}</I32></Obj>`);
  };
  const list = (n: string, types: readonly string[], items: string[]): void => {
    const body = items.length === 0 ? '<LST />' : `<LST>${items.map((i) => `<S>${xmlText(i)}</S>`).join('')}</LST>`;
    p.push(`<Obj N="${n}" RefId="${scope.nextRef++}">${scope.typeNames(types)}${body}</Obj>`);
  };

  s('Database', `EURPR0${index % 9}DG${index % 97}-db${(index * 13) % 400}`);
  s('DisplayName', name);
  s('Alias', alias);
  s('UserPrincipalName', upn);
  s('PrimarySmtpAddress', `${alias}@contoso.com`);
  s('WindowsEmailAddress', `${alias}@contoso.com`);
  s('Name', `${alias}_x005F_x0041_`);
  s('DistinguishedName', `CN=${alias},OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=EURPR0${index % 9}A001,DC=prod,DC=outlook,DC=com`);
  s('Identity', alias);
  s('Id', alias);
  s('Department', DEPARTMENTS[index % DEPARTMENTS.length]!);
  s('Notes', index % 5 === 0 ? 'Line one_x000D__x000A_Line two' : '');
  list('EmailAddresses', PROXY_ADDRESSES, [
    `SMTP:${alias}@contoso.com`,
    `smtp:${alias}@contoso.onmicrosoft.com`,
    `smtp:${first.toLowerCase()}.${index}@contoso.mail.onmicrosoft.com`,
    `SIP:${alias}@contoso.com`,
    `x500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${hex(random, 32)}-${alias}`,
  ]);
  list('ExtensionCustomAttribute1', MULTI_VALUED, []);
  list('ExtensionCustomAttribute2', MULTI_VALUED, index % 3 === 0 ? ['alpha', 'beta'] : []);
  list('Languages', MULTI_VALUED, ['en-US', index % 2 === 0 ? 'de-DE' : 'fr-FR']);
  list('PoliciesIncluded', MULTI_VALUED, [guid(random), `{${guid(random)}}`]);
  list('AuditOwner', MULTI_VALUED, ['Update', 'MoveToDeletedItems', 'SoftDelete', 'HardDelete', 'UpdateFolderPermissions']);
  list('AuditDelegate', MULTI_VALUED, ['Update', 'MoveToDeletedItems', 'SoftDelete', 'HardDelete', 'SendAs', 'SendOnBehalf']);
  list('MailTipTranslations', MULTI_VALUED, []);
  list('GrantSendOnBehalfTo', MULTI_VALUED, []);
  for (let i = 0; i < ENUMS.length; i++) enumObj(i);
  p.push(`<G N="Guid">${guid(random)}</G>`);
  p.push(`<G N="ExchangeGuid">${guid(random)}</G>`);
  p.push(`<G N="ExternalDirectoryObjectId">${guid(random)}</G>`);
  p.push(`<DT N="WhenChanged">${dateTime(random)}</DT>`);
  p.push(`<DT N="WhenCreated">${dateTime(random)}</DT>`);
  p.push(`<DT N="WhenChangedUTC">${dateTime(random).replace('+00:00', 'Z')}</DT>`);
  p.push(`<DT N="WhenCreatedUTC">${dateTime(random).replace('+00:00', 'Z')}</DT>`);
  p.push(`<DT N="WhenMailboxCreated">${dateTime(random)}</DT>`);
  p.push(`<I32 N="RecoverableItemsWarningQuotaPercent">${(random() * 100) | 0}</I32>`);
  p.push(`<I32 N="MaxSafeSenders">${(random() * 1024) | 0}</I32>`);
  p.push(`<I32 N="MaxBlockedSenders">${(random() * 500) | 0}</I32>`);
  p.push(`<I64 N="ProhibitSendQuotaBytes">${53150220288 + index}</I64>`);
  p.push(`<I64 N="IssueWarningQuotaBytes">${52613349376 + index * 3}</I64>`);
  p.push(`<I64 N="UsnCreated">${9007199254740993n + BigInt(index)}</I64>`);
  s('ProhibitSendQuota', '49.5 GB (53,150,220,288 bytes)');
  s('ProhibitSendReceiveQuota', '50 GB (53,687,091,200 bytes)');
  s('IssueWarningQuota', '49 GB (52,613,349,376 bytes)');
  s('RecoverableItemsQuota', '30 GB (32,212,254,720 bytes)');
  s('RulesQuota', '256 KB (262,144 bytes)');
  s('MaxSendSize', '35 MB (36,700,160 bytes)');
  s('MaxReceiveSize', '36 MB (37,748,736 bytes)');
  s('ArchiveQuota', '100 GB (107,374,182,400 bytes)');
  s('ArchiveStatus', index % 4 === 0 ? 'Active' : 'None');
  s('OrganizationalUnit', 'contoso.onmicrosoft.com');
  s('OrganizationId', `EURPR0${index % 9}A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com - EURPR0${index % 9}A001.prod.outlook.com/ConfigurationUnits/contoso.onmicrosoft.com/Configuration`);
  s('OriginatingServer', `AM0PR0${index % 9}A01DC00${index % 7}.EURPR0${index % 9}A001.prod.outlook.com`);
  s('ServerName', `am0pr0${index % 9}mb${(index * 31) % 9999}`);
  s('LegacyExchangeDN', `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${hex(random, 32)}-${alias}`);
  s('SamAccountName', `$${hex(random, 6).toUpperCase()}-${hex(random, 12).toUpperCase()}`);
  s('SimpleDisplayName', `${first} ${last}`);
  s('CustomAttribute1', index % 2 === 0 ? `Cost centre ${index % 100}` : '');
  for (let i = 2; i <= 10; i++) s(`CustomAttribute${i}`, '');
  s('Office', index % 3 === 0 ? 'Zürich – Hauptsitz' : 'London');
  s('UsageLocation', 'Switzerland');
  s('RoleAssignmentPolicy', 'Default Role Assignment Policy');
  s('SharingPolicy', 'Default Sharing Policy');
  s('RetentionPolicy', 'Default MRM Policy');
  s('AddressBookPolicy', '');
  s('MailboxPlan', `ExchangeOnlineEnterprise-${guid(random)}`);
  s('MailboxRegion', 'EUR');
  s('MailboxProvisioningConstraint', '');
  s('ArchiveName', index % 4 === 0 ? `In-Place Archive -${name}` : '');
  s('ComplianceTagHoldApplied', 'False');
  s('DelayHoldApplied', 'False');
  s('LitigationHoldOwner', '');
  s('RetentionComment', '');
  s('RetentionUrl', '');
  s('AdminDisplayVersion', 'Version 15.20 (Build 7633.29)');
  s('ExchangeUserAccountControl', 'None');
  s('RecipientLimits', '500');
  s('PersistedCapabilities', 'BPOS_S_Enterprise');
  s('SKUAssigned', 'True');
  s('ObjectCategory', 'EURPR01A001.prod.outlook.com/Configuration/Schema/Person');
  s('ObjectClass', 'top_x0020_person organizationalPerson user');
  b('IsMailboxEnabled', true);
  b('IsDirSynced', index % 2 === 0);
  b('IsShared', index % 10 === 3);
  b('IsResource', false);
  b('IsLinked', false);
  b('IsRootPublicFolderMailbox', false);
  b('IsSoftDeletedByRemove', false);
  b('IsInactiveMailbox', false);
  b('IsValid', true);
  b('LitigationHoldEnabled', index % 11 === 0);
  b('SingleItemRecoveryEnabled', true);
  b('RetentionHoldEnabled', false);
  b('DeliverToMailboxAndForward', false);
  b('HiddenFromAddressListsEnabled', index % 17 === 0);
  b('UseDatabaseQuotaDefaults', false);
  b('UseDatabaseRetentionDefaults', false);
  b('AuditEnabled', true);
  b('MessageCopyForSentAsEnabled', false);
  b('MessageCopyForSendOnBehalfEnabled', false);
  b('EmailAddressPolicyEnabled', true);
  nil('ForwardingAddress');
  nil('ForwardingSmtpAddress');
  nil('LitigationHoldDate');
  nil('LitigationHoldDuration');
  nil('StartDateForRetentionHold');
  nil('EndDateForRetentionHold');
  nil('ArchiveDatabase');
  nil('ArchiveGuid');
  nil('InPlaceHolds');
  nil('AccountDisabled');
  return (
    `<Obj RefId="${refId}">${typeNames}<ToString>${xmlText(name)}</ToString>` +
    `<Props>${p.join('')}</Props><MS><S N="PSComputerName">outlook.office365.com</S><B N="PSShowComputerName">false</B></MS></Obj>`
  );
}

/** Number of properties each generated mailbox has: 120 in Props, 2 in MS. */
export const MAILBOX_PROPERTY_COUNT = 122;

/**
 * Yields a standalone CLIXML document of `count` mailboxes piece by piece (header, one string per object, footer),
 * so a consumer can stream it without the whole document in memory. One RefId scope, as Export-Clixml writes.
 */
export function* generateMailboxClixmlChunks(count: number, options: MailboxFixtureOptions = {}): Generator<string> {
  const random = createRandom(options.seed ?? 0x5eed);
  const scope = new Scope();
  yield `<Objs Version="1.1.0.1" xmlns="${NS}">`;
  for (let i = 0; i < count; i++) yield mailboxObject(i, random, scope);
  yield '</Objs>';
}

/** The whole document of {@link generateMailboxClixmlChunks} as one string. */
export function buildMailboxClixmlDocument(count: number, options: MailboxFixtureOptions = {}): string {
  return [...generateMailboxClixmlChunks(count, options)].join('');
}

/** `count` PSRP message bodies (PIPELINE_OUTPUT data), one mailbox each, each with RefIds from 0. */
export function* generateMailboxMessageBodies(count: number, options: MailboxFixtureOptions = {}): Generator<string> {
  const random = createRandom(options.seed ?? 0x5eed);
  for (let i = 0; i < count; i++) yield mailboxObject(i, random, new Scope());
}
