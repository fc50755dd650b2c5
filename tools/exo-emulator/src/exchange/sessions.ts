/**
 * Remote sessions per user, with the two limits Exchange Online enforced on RPS (reference §3.1): a cap on open
 * runspaces (MaxConcurrency) and a budget of new runspaces per time window. The RPS handler opens and closes
 * sessions here; the admin API lists and kills them.
 */
import { randomUUID } from 'node:crypto';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import type { EmulatorClock } from '../types.js';

/** What the transport knows about a session it opens. */
export interface SessionOpenInfo {
  /** Shell id; generated when absent. */
  readonly id?: string;
  readonly name?: string;
  readonly clientIp?: string;
  readonly transport: 'rps' | 'rest';
  readonly resourceUri?: string;
  readonly tenantId?: string;
}

/** An open session. */
export interface SessionRecord {
  readonly id: string;
  /** The owner's UPN (or app id), lower-case. */
  readonly owner: string;
  readonly name: string | undefined;
  readonly clientIp: string | undefined;
  readonly transport: 'rps' | 'rest';
  readonly resourceUri: string | undefined;
  readonly tenantId: string | undefined;
  readonly createdAt: Date;
  lastUsedAt: Date;
}

/** A session as the admin API shows it, ages from the emulator clock. */
export interface SessionView extends Omit<SessionRecord, 'createdAt' | 'lastUsedAt'> {
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly ageSeconds: number;
  readonly idleSeconds: number;
}

/** Options of {@link createSessionRegistry}. */
export interface SessionRegistryOptions {
  readonly clock: EmulatorClock;
  /** Open sessions per user (MaxConcurrency). Default 5 (the documented value; tenants have shown 3). */
  readonly cap?: number | undefined;
  /** New sessions per user per window. Default 5 per 60 s (`RunSpacesRemaining: 5/5`, `MaxRunspacesTimePeriod: 60`). */
  readonly budget?: { readonly count: number; readonly windowSeconds: number } | undefined;
  /** Seed-derived policy GUID for the error text. */
  readonly policyGuid: string;
}

/** Thrown by {@link SessionRegistry.open}; `message` is the service's exact text (to be wrapped in a WS-Man fault by RPS). */
export class SessionLimitError extends ExopsError {
  constructor(
    readonly limit: 'MaxConcurrency' | 'RunspaceBudget',
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(limit === 'MaxConcurrency' ? ExopsErrorCode.EXO_SESSION_CAP : ExopsErrorCode.EXO_RUNSPACE_BUDGET, message, {
      remedy:
        limit === 'MaxConcurrency'
          ? 'Close sessions you no longer use (exops sessions list / remove) and try again.'
          : `Wait ${retryAfterSeconds ?? 1} seconds before opening another session.`,
    });
    this.name = 'SessionLimitError';
  }
}

/** Open sessions per user, with the concurrency cap and the creation budget. */
export interface SessionRegistry {
  readonly cap: number;
  readonly budget: { readonly count: number; readonly windowSeconds: number };
  /** Opens a session for `owner` or throws {@link SessionLimitError}. */
  open(owner: string, info: SessionOpenInfo): SessionRecord;
  /** Marks a session used (idle time restarts). */
  touch(id: string): void;
  get(id: string): SessionRecord | undefined;
  /** Closes a session; false when it was not open. */
  close(id: string): boolean;
  /** Closes a session from outside (admin API); listeners (the RPS shell) learn of it. */
  kill(id: string): boolean;
  list(owner?: string): SessionView[];
  /** Called with the id of every killed session. */
  onKill(listener: (id: string) => void): () => void;
}

function formatTimestamp(date: Date): string {
  const h = date.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** Creates an empty registry; throws INVALID_ARGUMENT for a cap or budget that cannot work. */
export function createSessionRegistry(options: SessionRegistryOptions): SessionRegistry {
  const { clock } = options;
  const cap = options.cap ?? 5;
  const budget = options.budget ?? { count: 5, windowSeconds: 60 };
  if (!Number.isInteger(cap) || cap < 1) throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `sessionCap must be a whole number >= 1 (got ${cap}).`);
  if (!Number.isInteger(budget.count) || budget.count < 1 || !(budget.windowSeconds > 0)) {
    throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `runspaceBudget needs count >= 1 and windowSeconds > 0 (got ${budget.count}/${budget.windowSeconds}).`);
  }
  const sessions = new Map<string, SessionRecord>();
  const creations = new Map<string, Date[]>();
  const listeners = new Set<(id: string) => void>();

  const recentCreations = (owner: string, now: Date): Date[] => {
    const since = now.getTime() - budget.windowSeconds * 1000;
    const kept = (creations.get(owner) ?? []).filter((d) => d.getTime() > since);
    creations.set(owner, kept);
    return kept;
  };

  /** The budget snapshot lines Exchange appends to both errors (reference §3.1, M365DSC #359). */
  const snapshot = (owner: string, now: Date): string => {
    const open = [...sessions.values()].filter((s) => s.owner === owner).length;
    const recent = recentCreations(owner, now);
    const last = recent.at(-1) ?? now;
    return [
      `Policy: CN=GlobalThrottlingPolicy_${options.policyGuid},CN=Global Settings,CN=ExchangeLabs,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=NAMPR01A001,DC=prod,DC=outlook,DC=com; `,
      `Snapshot: Owner: Sid~NAMPR01A001\\${owner}~RPS~false`,
      'BudgetType: WSMan',
      `ActiveRunspaces: ${open}/${cap}`,
      'Balance: 2160000/2160000/-3000000',
      'PowerShellCmdletsLeft: 400/400',
      'ExchangeCmdletsLeft: 200/200',
      'CmdletTimePeriod: 5',
      'DestructiveCmdletsLeft: 120/120',
      'DestructiveCmdletTimePeriod: 60',
      'QueueDepth: 100',
      `MaxRunspacesTimePeriod: ${budget.windowSeconds}`,
      `RunSpacesRemaining: ${Math.max(0, budget.count - recent.length)}/${budget.count}`,
      `LastTimeFrameUpdate: ${formatTimestamp(last)}`,
      `LastTimeFrameUpdateDestructiveCmdlets: ${formatTimestamp(last)}`,
      `LastTimeFrameUpdateMaxRunspaces: ${formatTimestamp(last)}`,
      'Locked: False',
      'LockRemaining: 00:00:00',
    ].join('\r\n');
  };

  const view = (s: SessionRecord, now: Date): SessionView => ({
    id: s.id,
    owner: s.owner,
    name: s.name,
    clientIp: s.clientIp,
    transport: s.transport,
    resourceUri: s.resourceUri,
    tenantId: s.tenantId,
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt.toISOString(),
    ageSeconds: Math.max(0, Math.floor((now.getTime() - s.createdAt.getTime()) / 1000)),
    idleSeconds: Math.max(0, Math.floor((now.getTime() - s.lastUsedAt.getTime()) / 1000)),
  });

  return {
    cap,
    budget,
    open(ownerName, info) {
      const owner = ownerName.toLowerCase();
      const now = clock.now();
      const open = [...sessions.values()].filter((s) => s.owner === owner).length;
      const requestId = randomUUID();
      if (open >= cap) {
        throw new SessionLimitError(
          'MaxConcurrency',
          `[AuthZRequestId=${requestId}][FailureCategory=AuthZ-AuthorizationException] Fail to create a runspace because you have exceeded the maximum number of connections allowed : ${cap} for the policy party : MaxConcurrency. Please close existing runspace and try again.\r\n${snapshot(owner, now)}`,
          undefined,
        );
      }
      const recent = recentCreations(owner, now);
      if (recent.length >= budget.count) {
        const oldest = recent[0] as Date;
        const wait = Math.max(1, Math.ceil((oldest.getTime() + budget.windowSeconds * 1000 - now.getTime()) / 1000));
        throw new SessionLimitError(
          'RunspaceBudget',
          `[AuthZRequestId=${requestId}][FailureCategory=AuthZ-AuthorizationException] Fail to create runspace because you have exceeded your budget to create runspace. Please wait for ${wait} seconds.\r\n${snapshot(owner, now)}`,
          wait,
        );
      }
      const id = (info.id ?? randomUUID()).toUpperCase();
      if (sessions.has(id)) throw new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `A session with id ${id} is already open.`);
      const record: SessionRecord = {
        id,
        owner,
        name: info.name,
        clientIp: info.clientIp,
        transport: info.transport,
        resourceUri: info.resourceUri,
        tenantId: info.tenantId,
        createdAt: now,
        lastUsedAt: now,
      };
      sessions.set(id, record);
      recent.push(now);
      return record;
    },
    touch(id) {
      const s = sessions.get(id.toUpperCase());
      if (s !== undefined) s.lastUsedAt = clock.now();
    },
    get: (id) => sessions.get(id.toUpperCase()),
    close: (id) => sessions.delete(id.toUpperCase()),
    kill(id) {
      const key = id.toUpperCase();
      if (!sessions.delete(key)) return false;
      for (const listener of listeners) listener(key);
      return true;
    },
    list(owner) {
      const now = clock.now();
      return [...sessions.values()].filter((s) => owner === undefined || s.owner === owner.toLowerCase()).map((s) => view(s, now));
    },
    onKill(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
