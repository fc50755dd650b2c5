/**
 * The transport-neutral cmdlet engine: `runCmdlet(caller, name, parameters)` yields output objects and stream
 * records in order. The REST handler pages these events; the RPS handler will turn them into PSRP messages.
 */
import type { CmdletParameterValue } from '@exops/contracts';
import type { EmulatorClock } from '../../types.js';
import type { ExchangeDirectory } from '../directory.js';
import { bindParameters } from './binding.js';
import type { AccessLevel, CmdletDefinition, ExchangeCaller, ExchangeEvent, ResumePoint } from './catalog-types.js';
import { createCatalog } from './catalog.js';
import { appRoleNotSupported, cmdletNotAllowed, commandNotFound, type ExchangeErrorRecord } from './error-records.js';
import { tenantPlacement } from './objects.js';

/** Options of {@link CmdletEngine.runCmdlet}. */
export interface RunCmdletOptions {
  readonly signal?: AbortSignal;
  /** Where to resume (REST paging); default: the start. */
  readonly resume?: ResumePoint;
  /** Only these output properties are needed (`$select`); others may be left out. */
  readonly select?: readonly string[] | undefined;
}

/** Runs cmdlets for callers, with RBAC. */
export interface CmdletEngine {
  readonly catalog: ReadonlyMap<string, CmdletDefinition>;
  /** What RBAC gives the caller in the target tenant; undefined when nothing (an app with no supported role). */
  accessOf(caller: ExchangeCaller): AccessLevel | undefined;
  /** The cmdlets this caller may run. */
  visibleCmdlets(caller: ExchangeCaller): CmdletDefinition[];
  /**
   * Runs one cmdlet. Binding, RBAC and lookup failures come out as a terminating error event, never as a throw,
   * so every transport reports them the same way.
   */
  runCmdlet(caller: ExchangeCaller, cmdletName: string, parameters: Readonly<Record<string, CmdletParameterValue>>, options?: RunCmdletOptions): AsyncIterable<ExchangeEvent>;
}

/** Options of {@link createCmdletEngine}. */
export interface CmdletEngineOptions {
  readonly directory: ExchangeDirectory;
  readonly clock: EmulatorClock;
  readonly seed: string;
}

const ADMIN_ROLES = ['Global Administrator', 'Company Administrator', 'Exchange Administrator', 'Exchange Service Administrator'];
const RECIPIENT_ADMIN_ROLES = ['Exchange Recipient Administrator'];
const VIEW_ONLY_ROLES = ['Global Reader', 'Security Reader', 'Compliance Administrator'];

const hasAny = (roles: readonly string[], wanted: readonly string[]): boolean => roles.some((r) => wanted.some((w) => w.toLowerCase() === r.toLowerCase()));

/** Exchange's own failure text for an unexpected server error (reference §2.6, the module's fallback message). */
const SERVER_ERROR = 'A server side error has occurred because of which the operation could not be completed. Please try again after some time. If the problem still persists, please reach out to MS support.';

/** Creates the engine over a directory. */
export function createCmdletEngine(options: CmdletEngineOptions): CmdletEngine {
  const { directory, clock, seed } = options;
  const catalog = createCatalog();

  const accessOf = (caller: ExchangeCaller): AccessLevel | undefined => {
    const roles = caller.roles;
    const partner = caller.homeTenantId !== caller.tenantId;
    if (hasAny(roles, ADMIN_ROLES)) return 'admin';
    if (hasAny(roles, RECIPIENT_ADMIN_ROLES)) return 'recipientAdmin';
    if (hasAny(roles, VIEW_ONLY_ROLES)) return 'viewOnly';
    if (caller.kind === 'app' || partner) return undefined;
    return 'self';
  };

  const visibleCmdlets = (caller: ExchangeCaller): CmdletDefinition[] => {
    const access = accessOf(caller);
    return access === undefined ? [] : [...catalog.values()].filter((c) => c.access.includes(access));
  };

  async function* run(caller: ExchangeCaller, cmdletName: string, parameters: Readonly<Record<string, CmdletParameterValue>>, runOptions: RunCmdletOptions): AsyncGenerator<ExchangeEvent> {
    const name = cmdletName.trim();
    const cmdlet = catalog.get(name.toLowerCase());
    if (cmdlet === undefined) {
      yield { type: 'error', record: commandNotFound(name) };
      return;
    }
    const access = accessOf(caller);
    if (access === undefined && caller.kind === 'app') {
      yield { type: 'error', record: appRoleNotSupported(cmdlet.name, caller.appId) };
      return;
    }
    if (access === undefined || !cmdlet.access.includes(access)) {
      yield { type: 'error', record: cmdletNotAllowed(cmdlet.name) };
      return;
    }
    const binding = bindParameters(cmdlet, parameters);
    if (!binding.ok) {
      yield { type: 'error', record: binding.error };
      return;
    }
    const tenant = directory.findTenant(caller.tenantId);
    if (tenant === undefined) {
      yield { type: 'error', record: { ...commandNotFound(name), message: `The organization '${caller.tenantId}' couldn't be found.`, errorId: 'OrganizationNotFound', httpStatus: 404 } };
      return;
    }
    const warningAction = binding.bound.get('WarningAction') as string[] | undefined;
    const silenceWarnings = warningAction !== undefined && (warningAction[0] === 'SilentlyContinue' || warningAction[0] === 'Ignore');
    const events = cmdlet.run(
      {
        caller,
        access,
        tenant,
        mailboxes: directory.mailboxes(tenant.tenantId),
        directory,
        placement: tenantPlacement(tenant),
        clock,
        seed,
        resume: runOptions.resume ?? { position: 0, emitted: 0 },
        signal: runOptions.signal,
        select: runOptions.select === undefined ? undefined : new Set(runOptions.select.map((p) => p.toLowerCase())),
        parameterSet: binding.parameterSet,
        visibleCmdlets: () => visibleCmdlets(caller),
      },
      binding.bound,
    );
    try {
      for await (const event of events) {
        if (event.type === 'warning' && silenceWarnings) continue;
        yield event;
      }
    } catch (error) {
      const record: ExchangeErrorRecord = {
        message: SERVER_ERROR,
        errorId: 'ServerError',
        fullyQualifiedErrorId: `ServerError,${cmdlet.name}`,
        category: 'NotSpecified',
        exceptionType: 'System.InvalidOperationException',
        targetName: undefined,
        terminating: true,
        httpStatus: 500,
        innerMessage: error instanceof Error ? error.message : String(error),
      };
      yield { type: 'error', record };
    }
  }

  return {
    catalog,
    accessOf,
    visibleCmdlets,
    runCmdlet: (caller, cmdletName, parameters, runOptions = {}) => run(caller, cmdletName, parameters, runOptions),
  };
}
