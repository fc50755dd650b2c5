/**
 * The shapes of the cmdlet catalog and of what the engine yields. The engine is transport-neutral: REST pages its
 * output, RPS (later) turns the same events into PSRP messages.
 */
import type { CommandStreamEvent, PSObject } from '@exops/contracts';
import type { EmulatorClock } from '../../types.js';
import type { DirectoryTenant, ExchangeDirectory, MailboxSet } from '../directory.js';
import type { ExchangeErrorRecord } from './error-records.js';
import type { TenantPlacement } from './objects.js';
import type { ParameterType } from './parameter-types.js';

/** Every set a parameter with no `sets` belongs to. */
export const ALL_PARAMETER_SETS = '__AllParameterSets';

/** One parameter of a cmdlet. */
export interface ParameterDefinition {
  readonly name: string;
  readonly type: ParameterType;
  readonly aliases?: readonly string[];
  readonly position?: number;
  /** Parameter sets it belongs to; absent means all. */
  readonly sets?: readonly string[];
  /** Sets where it is mandatory (`ALL_PARAMETER_SETS` for every set it is in). */
  readonly mandatoryIn?: readonly string[];
  /** A PowerShell common or ShouldProcess parameter: bound, checked, mostly ignored. */
  readonly common?: boolean;
}

/** What RBAC grants: full admin, recipient admin, view-only, or self-service on one's own mailbox. */
export type AccessLevel = 'admin' | 'recipientAdmin' | 'viewOnly' | 'self';

/** Who runs a cmdlet, as the transport established it. */
export interface ExchangeCaller {
  readonly kind: 'user' | 'app';
  /** The organization the cmdlet runs against (the URL tenant, or DelegatedOrg). */
  readonly tenantId: string;
  /** The tenant the token was issued by (differs for partner access). */
  readonly homeTenantId: string;
  readonly upn: string | undefined;
  readonly appId: string;
  readonly objectId: string;
  /** Entra directory roles and app roles. */
  readonly roles: readonly string[];
  /** Connection facts for Get-ConnectionInformation. */
  readonly connection?: {
    readonly connectionId: string;
    readonly connectionUri: string;
    readonly tokenExpiresAt: Date;
    readonly transport: 'rest' | 'rps';
  };
}

/** Bound parameter values by canonical name. */
export type BoundParameters = ReadonlyMap<string, unknown>;

/** Where a command resumes (REST paging): the source position and how many objects were already written. */
export interface ResumePoint {
  readonly position: number;
  readonly emitted: number;
}

/** What a cmdlet runs with. */
export interface CmdletContext {
  readonly caller: ExchangeCaller;
  readonly access: AccessLevel;
  readonly tenant: DirectoryTenant;
  readonly mailboxes: MailboxSet;
  readonly directory: ExchangeDirectory;
  readonly placement: TenantPlacement;
  readonly clock: EmulatorClock;
  readonly seed: string;
  readonly resume: ResumePoint;
  readonly signal: AbortSignal | undefined;
  /** Properties the transport will keep (`$select`), lower-case; builders may skip the rest. */
  readonly select: ReadonlySet<string> | undefined;
  readonly parameterSet: string;
  /** The catalog filtered to what the caller may run (Get-Command). */
  readonly visibleCmdlets: () => readonly CmdletDefinition[];
}

/** One event of a running command. Output carries the resume cursor just after it. */
export type ExchangeEvent =
  | { readonly type: 'output'; readonly value: PSObject; readonly cursor: ResumePoint }
  | { readonly type: 'error'; readonly record: ExchangeErrorRecord }
  /**
   * ShouldProcess with `-Confirm:$true`: the change is not made; REST answers `@adminapi.confirmationmessage` and
   * the client sends the command again with `Confirm=false` once the user agrees (reference §2.4).
   */
  | { readonly type: 'confirmation'; readonly message: string }
  | Exclude<CommandStreamEvent, { type: 'output' } | { type: 'error' }>;

/** One cmdlet of the catalog. */
export interface CmdletDefinition {
  readonly name: string;
  /** The .NET class, used in FullyQualifiedErrorId (e.g. `Microsoft.Exchange.Management.RecipientTasks.GetMailbox`). */
  readonly className: string;
  readonly module: string;
  readonly defaultParameterSet: string;
  readonly parameters: readonly ParameterDefinition[];
  readonly outputType: string;
  /** Access levels that may run it. */
  readonly access: readonly AccessLevel[];
  run(context: CmdletContext, bound: BoundParameters): AsyncGenerator<ExchangeEvent>;
}
