/**
 * The fixture directory: tenants, users, app registrations and mailboxes, all derived from one seed. Mailbox i of a
 * tenant is a pure function of (seed, tenant, i) plus whatever Set-Mailbox / Set-User / the admin API changed since
 * (kept in a small per-tenant map), so a million-mailbox tenant costs nothing until something reads it.
 */
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { buildAppCertificate, type AppCertificate } from './certificate.js';
import { createIndexedGuidFactory, createRecordRandom, deriveGuid, indexFromGuid } from './seeded.js';

/** A user as the identity half signs it in. `mfaRequired` and `remotePowerShellEnabled` can be flipped live. */
export interface DirectoryUser {
  readonly upn: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly displayName: string;
  /** Derived from the seed; tests read it here, nothing writes it to disk or logs. */
  readonly password: string;
  mfaRequired: boolean;
  /** Exchange's RemotePowerShellEnabled (alias EXOModuleEnabled); false refuses RPS and REST alike. */
  remotePowerShellEnabled: boolean;
  /** Entra directory roles, e.g. `Global Administrator`, `Exchange Administrator`, `Global Reader`. */
  readonly roles: string[];
}

/** A tenant (organization) of the fixture. */
export interface DirectoryTenant {
  readonly tenantId: string;
  /** Short name, e.g. `contoso`. */
  readonly name: string;
  readonly displayName: string;
  /** The default accepted domain (the one new addresses get). */
  readonly defaultDomain: string;
  /** The initial `*.onmicrosoft.com` domain. */
  readonly initialDomain: string;
  readonly domains: string[];
  /** False for a tenant where Microsoft switched Remote PowerShell off (October 2023). */
  rpsEnabled: boolean;
  /** Tenant ids of the customers this tenant administers as a partner (DAP/GDAP, `DelegatedOrg`). */
  readonly partnerOf?: string[];
}

/** An app registration that signs in with its certificate (app-only). */
export interface DirectoryApp {
  readonly appId: string;
  readonly tenantId: string;
  readonly displayName: string;
  /** Application permissions and Entra roles of its service principal, e.g. `Exchange.ManageAsApp`, `Exchange Administrator`. */
  readonly roles: string[];
  /** Self-signed certificate registered on the app, PEM. Built on first read (about 100 ms), then fixed for the service's life. */
  readonly certificatePem?: string;
  /** The certificate's private key, PEM. For tests only: never log it. */
  readonly privateKeyPem?: string;
  readonly thumbprintSha256?: string;
  readonly thumbprintSha1?: string;
}

/** The directory both halves of the emulator read. */
export interface Directory {
  /** A user by UPN (any tenant) or by alias (contoso first). Generated mailbox users are found too. */
  findUser(upnOrAlias: string): DirectoryUser | undefined;
  /** The named fixture users of every tenant (not the generated mailbox users; find those with `findUser`). */
  users(): DirectoryUser[];
  tenants(): DirectoryTenant[];
  /** A tenant by id or by any of its domains (case-insensitive). */
  findTenant(idOrDomain: string): DirectoryTenant | undefined;
  apps(): DirectoryApp[];
  findApp(appId: string): DirectoryApp | undefined;
}

/** Mailbox types the generator produces. */
export type MailboxKind = 'UserMailbox' | 'SharedMailbox' | 'RoomMailbox' | 'EquipmentMailbox';

/** The plain facts of one mailbox (and its user), from which every cmdlet output is built. */
export interface MailboxRecord {
  readonly index: number;
  readonly tenantId: string;
  name: string;
  alias: string;
  displayName: string;
  firstName: string;
  lastName: string;
  userPrincipalName: string;
  primarySmtpAddress: string;
  emailAddresses: string[];
  recipientTypeDetails: MailboxKind;
  readonly guid: string;
  readonly exchangeGuid: string;
  readonly externalDirectoryObjectId: string;
  readonly archiveGuid: string;
  readonly whenCreated: Date;
  whenChanged: Date;
  department: string;
  title: string;
  office: string;
  city: string;
  countryOrRegion: string;
  phone: string;
  mobilePhone: string;
  company: string;
  /** Bytes, or null for Unlimited. */
  prohibitSendQuota: number | null;
  prohibitSendReceiveQuota: number | null;
  issueWarningQuota: number | null;
  maxSendSize: number;
  maxReceiveSize: number;
  archiveStatus: 'None' | 'Active';
  litigationHoldEnabled: boolean;
  hiddenFromAddressListsEnabled: boolean;
  forwardingSmtpAddress: string | null;
  deliverToMailboxAndForward: boolean;
  auditEnabled: boolean;
  retainDeletedItemsFor: string;
  customAttributes: string[];
  remotePowerShellEnabled: boolean;
  mfaRequired: boolean;
  readonly roles: readonly string[];
  readonly password: string;
}

/** Fields Set-Mailbox, Set-User and the admin API may change. */
export type MailboxPatch = Partial<Omit<MailboxRecord, 'index' | 'tenantId' | 'guid' | 'exchangeGuid' | 'externalDirectoryObjectId' | 'archiveGuid' | 'whenCreated' | 'roles' | 'password'>>;

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** A named fixture person; they take the first mailbox indexes of their tenant. */
interface PersonSpec {
  readonly alias: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly displayName: string;
  readonly roles: string[];
  readonly mfaRequired: boolean;
  readonly remotePowerShellEnabled: boolean;
  readonly title: string;
  readonly department: string;
}

interface TenantSpec {
  readonly name: string;
  readonly displayName: string;
  readonly customDomain: string;
  readonly rpsEnabled: boolean;
  readonly people: readonly PersonSpec[];
  /** Fixed mailbox count; contoso takes `mailboxCount` from the options. */
  readonly mailboxCount?: number;
}

const person = (
  alias: string,
  displayName: string,
  roles: string[],
  mfaRequired: boolean,
  remotePowerShellEnabled: boolean,
  title: string,
  department = 'IT',
): PersonSpec => {
  const [firstName = displayName, ...rest] = displayName.split(' ');
  return { alias, firstName, lastName: rest.join(' '), displayName, roles, mfaRequired, remotePowerShellEnabled, title, department };
};

/** The fixture people. Their order is API: it fixes their mailbox index. */
export const FIXTURE_TENANTS: readonly TenantSpec[] = [
  {
    name: 'contoso',
    displayName: 'Contoso',
    customDomain: 'contoso.com',
    rpsEnabled: true,
    people: [
      person('admin', 'MOD Administrator', ['Global Administrator'], true, true, 'Administrator'),
      person('automation', 'Automation Account', ['Exchange Administrator'], false, true, 'Service account'),
      person('reader', 'Rita Reader', ['Global Reader'], false, true, 'Auditor', 'Compliance'),
      person('helpdesk', 'Henry Helpdesk', ['Exchange Recipient Administrator'], false, true, 'Helpdesk', 'Support'),
      person('blocked.admin', 'Blake Blocked', ['Exchange Administrator'], false, false, 'Administrator'),
      person('megan.bowen', 'Megan Bowen', [], true, true, 'Marketing Manager', 'Marketing'),
      person('alex.wilber', 'Alex Wilber', [], false, true, 'Marketing Assistant', 'Marketing'),
    ],
  },
  {
    name: 'fabrikam',
    displayName: 'Fabrikam',
    customDomain: 'fabrikam.com',
    rpsEnabled: true,
    mailboxCount: 12,
    people: [
      person('admin', 'Fabrikam Administrator', ['Global Administrator'], true, true, 'Administrator'),
      person('pradeep.gupta', 'Pradeep Gupta', [], false, true, 'Accountant', 'Finance'),
    ],
  },
  {
    name: 'northwindtraders',
    displayName: 'Northwind Traders',
    customDomain: 'northwindtraders.com',
    rpsEnabled: false,
    mailboxCount: 6,
    people: [person('admin', 'Northwind Administrator', ['Global Administrator'], false, true, 'Administrator')],
  },
];

const FIRST_NAMES = ['Adele', 'Allan', 'Christie', 'Debra', 'Diego', 'Emily', 'Enrico', 'Grady', 'Henrietta', 'Irvin', 'Isaiah', 'Johanna', 'Joni', 'Lee', 'Lidia', 'Lynne', 'Miriam', 'Nestor', 'Patti', 'Pradeep', 'Raul', 'Sanjay', 'Tomasz', 'Yuki', 'Zrinka', 'Amara', 'Bruno', 'Chen', 'Fatima', 'Kwame'];
const LAST_NAMES = ['Vance', 'Deyoung', 'Cline', 'Berger', 'Siciliani', 'Braun', 'Cattaneo', 'Archie', 'Harris', 'Sneed', 'Burgess', 'Clarke', 'Lambert', 'Gu', 'Holloway', 'Robbins', 'Graham', 'Wilke', 'Fernandez', 'Gupta', 'Razo', 'Patel', 'Nowak', 'Tanaka', 'Makovac', 'Okafor', 'Costa', 'Wei', 'Haddad', 'Mensah'];
const DEPARTMENTS = ['Sales', 'Marketing', 'Finance', 'Engineering', 'Operations', 'Legal', 'Human Resources', 'Research'];
const TITLES = ['Analyst', 'Engineer', 'Manager', 'Specialist', 'Coordinator', 'Director', 'Consultant', 'Associate'];
const CITIES: readonly [string, string][] = [
  ['Seattle', 'United States'],
  ['Redmond', 'United States'],
  ['London', 'United Kingdom'],
  ['Dublin', 'Ireland'],
  ['Munich', 'Germany'],
  ['Paris', 'France'],
  ['Tokyo', 'Japan'],
  ['Sydney', 'Australia'],
];
const BUILDINGS = ['Building 25', 'Building 92', 'Building 40', 'Building 4'];

/** A 20-character password with every class Entra ID's complexity rule asks for, from four seeded draws. */
function passwordFrom(draws: readonly number[]): string {
  const bytes = Buffer.alloc(16);
  draws.forEach((d, i) => bytes.writeUInt32BE(d, i * 4));
  return `Ex${bytes.toString('base64url').slice(0, 16)}9!`;
}

/** Mailbox type of a generated index; fixed by the index so identity lookups can check it without a table. */
function generatedKind(index: number): MailboxKind {
  if (index % 100 === 29) return 'EquipmentMailbox';
  if (index % 50 === 13) return 'RoomMailbox';
  if (index % 20 === 7) return 'SharedMailbox';
  return 'UserMailbox';
}

/** The mailboxes of one tenant: generated on demand, changes kept in `patches`. */
export class MailboxSet {
  private readonly patches = new Map<number, MailboxPatch>();
  private readonly people: readonly PersonSpec[];
  private readonly personIndex = new Map<string, number>();
  private readonly guids: Record<'guid' | 'exchangeGuid' | 'objectId' | 'archiveGuid', (index: number) => string>;

  constructor(
    private readonly seed: string,
    readonly tenant: DirectoryTenant,
    people: readonly PersonSpec[],
    readonly count: number,
    private readonly baseTime: Date,
  ) {
    this.people = people;
    people.forEach((p, i) => this.personIndex.set(p.alias.toLowerCase(), i));
    const factory = (kind: string) => createIndexedGuidFactory(seed, `${tenant.name}:${kind}`);
    this.guids = { guid: factory('guid'), exchangeGuid: factory('exchangeGuid'), objectId: factory('objectId'), archiveGuid: factory('archiveGuid') };
  }

  /** The number of named people (indexes 0..namedCount-1). */
  get namedCount(): number {
    return this.people.length;
  }

  /** Mailbox `index`, with every change applied. */
  get(index: number): MailboxRecord {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`No mailbox ${index} in ${this.tenant.name} (0..${this.count - 1})`);
    const record = this.generate(index);
    const patch = this.patches.get(index);
    return patch === undefined ? record : Object.assign(record, patch);
  }

  /** Applies a change and stamps WhenChanged. */
  update(index: number, patch: MailboxPatch, now: Date): MailboxRecord {
    const merged = { ...this.patches.get(index), ...patch, whenChanged: now };
    this.patches.set(index, merged);
    return this.get(index);
  }

  /** Indexes from `start`, lazily. */
  *indexes(start = 0): Generator<number> {
    for (let i = start; i < this.count; i++) yield i;
  }

  /**
   * The index of the mailbox an identity names (Name, Alias, DisplayName, UPN, any SMTP address, Guid, ExchangeGuid,
   * ExternalDirectoryObjectId), or undefined. Changed mailboxes are checked first, then the index the identity
   * encodes (generated names end with their index; GUIDs carry it in their last 12 digits).
   */
  resolve(identity: string): number | undefined {
    const text = identity.trim();
    if (text === '') return undefined;
    for (const index of this.patches.keys()) if (this.matches(this.get(index), text)) return index;
    const candidate = this.candidateIndex(text);
    if (candidate === undefined || candidate >= this.count) return undefined;
    return this.matches(this.get(candidate), text) ? candidate : undefined;
  }

  private candidateIndex(text: string): number | undefined {
    const fromGuid = indexFromGuid(text);
    if (fromGuid !== undefined) return fromGuid;
    const local = (text.includes('@') ? text.slice(0, text.indexOf('@')) : text).replace(/^smtp:/i, '').toLowerCase();
    const named = this.personIndex.get(local);
    if (named !== undefined) return named;
    for (const [i, p] of this.people.entries()) if (p.displayName.toLowerCase() === text.toLowerCase()) return i;
    const digits = /(\d+)\)?$/.exec(local);
    return digits?.[1] === undefined ? undefined : Number(digits[1]);
  }

  /** True when `identity` names this mailbox exactly (case-insensitive). */
  matches(record: MailboxRecord, identity: string): boolean {
    const text = identity.toLowerCase().replace(/^smtp:/, '');
    if (record.guid === text || record.exchangeGuid === text || record.externalDirectoryObjectId === text) return true;
    if (record.name.toLowerCase() === text || record.alias.toLowerCase() === text || record.displayName.toLowerCase() === text) return true;
    if (record.userPrincipalName.toLowerCase() === text) return true;
    return record.emailAddresses.some((address) => address.toLowerCase().replace(/^smtp:/, '') === text);
  }

  private generate(index: number): MailboxRecord {
    const { seed, tenant } = this;
    const next = createRecordRandom(seed, `${tenant.name}:mailbox:${index}`);
    // Every field draws in a fixed order, so one seed always gives one record whatever its type.
    const draws = { department: next(), title: next(), building: next(), first: next(), last: next(), created: next(), createdTime: next(), changed: next(), city: next(), phone: next(), office: next(), archive: next(), hold: next(), hidden: next(), secret: [next(), next(), next(), next()] };
    const pick = <T>(draw: number, items: readonly T[]): T => items[draw % items.length] as T;
    const spec = this.people[index];
    let alias: string;
    let firstName: string;
    let lastName: string;
    let displayName: string;
    let kind: MailboxKind;
    let title: string;
    let department: string;
    if (spec !== undefined) {
      ({ alias, firstName, lastName, displayName, title, department } = spec);
      kind = 'UserMailbox';
    } else {
      kind = generatedKind(index);
      department = pick(draws.department, DEPARTMENTS);
      title = pick(draws.title, TITLES);
      if (kind === 'RoomMailbox') {
        const building = pick(draws.building, BUILDINGS);
        firstName = '';
        lastName = '';
        displayName = `${building} Room ${index}`;
        alias = `room${index}`;
        title = '';
      } else if (kind === 'EquipmentMailbox') {
        firstName = '';
        lastName = '';
        displayName = `Projector ${index}`;
        alias = `equipment${index}`;
        title = '';
      } else if (kind === 'SharedMailbox') {
        firstName = '';
        lastName = '';
        displayName = `${department} Team ${index}`;
        alias = `${department.toLowerCase().replace(/ /g, '')}${index}`;
        title = '';
      } else {
        firstName = pick(draws.first, FIRST_NAMES);
        lastName = pick(draws.last, LAST_NAMES);
        displayName = `${firstName} ${lastName} ${index}`;
        alias = `${firstName}.${lastName}${index}`.toLowerCase();
      }
    }
    const primary = `${alias}@${tenant.defaultDomain}`;
    const createdOffsetDays = draws.created % 1500;
    const whenCreated = new Date(this.baseTime.getTime() - (createdOffsetDays + 30) * 86400_000 - (draws.createdTime % 86400) * 1000);
    const whenChanged = new Date(whenCreated.getTime() + (draws.changed % 30) * 86400_000);
    const [city, country] = pick(draws.city, CITIES);
    const shared = kind !== 'UserMailbox';
    const phoneDigits = String(draws.phone % 10_000_000).padStart(7, '0');
    return {
      index,
      tenantId: tenant.tenantId,
      name: alias,
      alias,
      displayName,
      firstName,
      lastName,
      userPrincipalName: primary,
      primarySmtpAddress: primary,
      emailAddresses: [`SMTP:${primary}`, `smtp:${alias}@${tenant.initialDomain}`],
      recipientTypeDetails: kind,
      guid: this.guids.guid(index),
      exchangeGuid: this.guids.exchangeGuid(index),
      externalDirectoryObjectId: this.guids.objectId(index),
      archiveGuid: this.guids.archiveGuid(index),
      whenCreated,
      whenChanged,
      department,
      title,
      office: shared ? '' : pick(draws.office, BUILDINGS),
      city,
      countryOrRegion: country,
      phone: shared ? '' : `+1 425 ${phoneDigits.slice(0, 3)} ${phoneDigits.slice(3)}`,
      mobilePhone: '',
      company: tenant.displayName,
      prohibitSendQuota: shared ? 49.5 * GB : 99 * GB,
      prohibitSendReceiveQuota: shared ? 50 * GB : 100 * GB,
      issueWarningQuota: shared ? 49 * GB : 98 * GB,
      maxSendSize: 35 * MB,
      maxReceiveSize: 36 * MB,
      archiveStatus: !shared && draws.archive % 4 === 0 ? 'Active' : 'None',
      litigationHoldEnabled: !shared && draws.hold % 10 === 0,
      hiddenFromAddressListsEnabled: kind === 'SharedMailbox' && draws.hidden % 3 === 0,
      forwardingSmtpAddress: null,
      deliverToMailboxAndForward: false,
      auditEnabled: true,
      retainDeletedItemsFor: '14.00:00:00',
      customAttributes: Array.from({ length: 15 }, () => ''),
      remotePowerShellEnabled: spec?.remotePowerShellEnabled ?? true,
      mfaRequired: spec?.mfaRequired ?? false,
      roles: spec?.roles ?? [],
      password: passwordFrom(draws.secret),
    };
  }
}

/** Options of {@link createDirectory}. */
export interface DirectoryOptions {
  readonly seed: string;
  /** Mailboxes of contoso, named people included. */
  readonly mailboxCount: number;
  /** Reference time the creation dates are spread back from (two years before the emulator's start, typically). */
  readonly baseTime: Date;
}

/** The directory plus the mailbox sets the Exchange half works on. */
export interface ExchangeDirectory extends Directory {
  mailboxes(tenantId: string): MailboxSet;
  /** The mailbox index of a user (UPN or alias) in their own tenant. */
  locateUser(upnOrAlias: string): { readonly set: MailboxSet; readonly index: number } | undefined;
}

/** Builds the fixture directory from a seed. Cheap: nothing per mailbox happens here. */
export function createDirectory(options: DirectoryOptions): ExchangeDirectory {
  const { seed } = options;
  const minimum = FIXTURE_TENANTS[0]?.people.length ?? 0;
  if (!Number.isInteger(options.mailboxCount) || options.mailboxCount < minimum || options.mailboxCount > 10_000_000) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `mailboxCount must be a whole number from ${minimum} to 10000000 (got ${String(options.mailboxCount)}).`, {
      remedy: `Pass --mailboxes with at least ${minimum}: the named fixture users take the first mailboxes.`,
    });
  }
  const tenantIds = new Map(FIXTURE_TENANTS.map((spec) => [spec.name, deriveGuid(seed, `tenant:${spec.name}`)]));
  const idOf = (name: string): string => tenantIds.get(name) ?? '';
  const tenants: DirectoryTenant[] = FIXTURE_TENANTS.map((spec) => {
    const initialDomain = `${spec.name}.onmicrosoft.com`;
    return {
      tenantId: idOf(spec.name),
      name: spec.name,
      displayName: spec.displayName,
      defaultDomain: spec.customDomain,
      initialDomain,
      domains: [spec.customDomain, initialDomain],
      rpsEnabled: spec.rpsEnabled,
      ...(spec.name === 'contoso' ? { partnerOf: [idOf('fabrikam')] } : {}),
    };
  });
  const sets = new Map<string, MailboxSet>();
  FIXTURE_TENANTS.forEach((spec, i) => {
    const tenant = tenants[i] as DirectoryTenant;
    sets.set(tenant.tenantId, new MailboxSet(seed, tenant, spec.people, spec.mailboxCount ?? options.mailboxCount, options.baseTime));
  });

  const findTenant = (idOrDomain: string): DirectoryTenant | undefined => {
    const key = idOrDomain.trim().toLowerCase();
    return tenants.find((t) => t.tenantId === key || t.domains.includes(key));
  };
  const setOf = (tenantId: string): MailboxSet => {
    const set = sets.get(tenantId);
    if (set === undefined) throw new RangeError(`Unknown tenant ${tenantId}`);
    return set;
  };

  const userView = (set: MailboxSet, index: number): DirectoryUser => {
    const record = set.get(index);
    const flag = (field: 'mfaRequired' | 'remotePowerShellEnabled') => ({
      enumerable: true,
      get: () => set.get(index)[field],
      set: (value: boolean) => {
        set.update(index, { [field]: value }, set.get(index).whenChanged);
      },
    });
    const user = {
      upn: record.userPrincipalName,
      objectId: record.externalDirectoryObjectId,
      tenantId: record.tenantId,
      displayName: record.displayName,
      password: record.password,
      roles: [...record.roles],
    };
    Object.defineProperties(user, { mfaRequired: flag('mfaRequired'), remotePowerShellEnabled: flag('remotePowerShellEnabled') });
    return user as DirectoryUser;
  };

  const locateUser = (upnOrAlias: string): { set: MailboxSet; index: number } | undefined => {
    const text = upnOrAlias.trim();
    const at = text.lastIndexOf('@');
    const candidates = at >= 0 ? [findTenant(text.slice(at + 1))].filter((t) => t !== undefined) : tenants;
    for (const tenant of candidates) {
      const set = setOf(tenant.tenantId);
      const index = set.resolve(text);
      if (index === undefined) continue;
      const record = set.get(index);
      const matchesUser = at >= 0 ? record.userPrincipalName.toLowerCase() === text.toLowerCase() || set.matches(record, text) : record.alias.toLowerCase() === text.toLowerCase();
      if (matchesUser) return { set, index };
    }
    return undefined;
  };

  const certificates = new Map<string, AppCertificate>();
  const appSpecs = [
    { key: 'automation', displayName: 'exops automation (certificate)', roles: ['Exchange.ManageAsApp', 'Exchange Administrator'] },
    { key: 'norole', displayName: 'exops app without a directory role', roles: ['Exchange.ManageAsApp'] },
  ];
  const contosoId = idOf('contoso');
  const apps: DirectoryApp[] = appSpecs.map((spec) => {
    const appId = deriveGuid(seed, `app:${spec.key}`);
    const certificate = (): AppCertificate => {
      let cert = certificates.get(appId);
      if (cert === undefined) {
        cert = buildAppCertificate(spec.displayName, deriveGuid(seed, `cert:${spec.key}`).replace(/-/g, ''), options.baseTime);
        certificates.set(appId, cert);
      }
      return cert;
    };
    const app = { appId, tenantId: contosoId, displayName: spec.displayName, roles: spec.roles };
    Object.defineProperties(app, {
      certificatePem: { enumerable: true, get: () => certificate().certificatePem },
      privateKeyPem: { enumerable: false, get: () => certificate().privateKeyPem },
      thumbprintSha256: { enumerable: true, get: () => certificate().thumbprintSha256 },
      thumbprintSha1: { enumerable: true, get: () => certificate().thumbprintSha1 },
    });
    return app as DirectoryApp;
  });

  return {
    findUser(upnOrAlias) {
      const found = locateUser(upnOrAlias);
      return found === undefined ? undefined : userView(found.set, found.index);
    },
    users() {
      const out: DirectoryUser[] = [];
      for (const set of sets.values()) for (let i = 0; i < set.namedCount; i++) out.push(userView(set, i));
      return out;
    },
    tenants: () => [...tenants],
    findTenant,
    apps: () => [...apps],
    findApp: (appId) => apps.find((a) => a.appId === appId.trim().toLowerCase()),
    mailboxes: setOf,
    locateUser,
  };
}

/** The GUID of a tenant's OrganizationConfig and similar one-off objects. */
export function deriveTenantObjectGuid(seed: string, tenant: DirectoryTenant, what: string): string {
  return deriveGuid(seed, `${tenant.name}:${what}`);
}
