/**
 * The user's open remote PowerShell sessions on an RPS endpoint (what `Get-PSSession` showed and what counts against
 * the service's cap): list them with WS-Management Enumerate + Pull ([MS-WSMV] 3.1.4.8.2, [MS-PSRP] 3.1.4.10.1) and
 * remove them with Delete. They back `exops sessions list/remove` and the doctor's session check.
 */
import { ExopsError, ExopsErrorCode, buildRpsAuthorizationHeader, toExopsError } from '@exops/contracts';
import type { AccessToken, HttpTransport, RemoteSessionInfo } from '@exops/contracts';
import { WsmanClient, buildRpsConnectionUri, parseXsDuration, powerShellResourceUri } from '@exops/wsman';
import type { WsmanShellInfo } from '@exops/wsman';

/** The name prefix of every shell exops creates, so it can tell its own sessions apart (`exops-<random>`). */
export const EXOPS_SESSION_NAME_PREFIX = 'exops-';

/** Where and as whom to list or remove sessions. */
export interface RemoteSessionsOptions {
  readonly http: HttpTransport;
  /** The RPS endpoint, e.g. `https://outlook.office365.com/powershell-liveid/`. */
  readonly connectionUri: string;
  readonly token: AccessToken;
  /** Default `Microsoft.Exchange`: only shells of this configuration are listed. */
  readonly configurationName?: string | undefined;
  readonly delegatedOrganization?: string | undefined;
  /** The Basic user name when the token carries none. */
  readonly upn?: string | undefined;
  readonly operationTimeoutSeconds?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Which sessions {@link removeRemoteSessions} removes. */
export type RemoveSessionsSelection =
  | { readonly ids: readonly string[]; readonly onlyExops?: boolean }
  | { readonly all: true; readonly onlyExops?: boolean }
  | { readonly onlyExops: true };

/** What {@link removeRemoteSessions} did. */
export interface RemoveSessionsResult {
  readonly removed: string[];
  readonly failed: { readonly id: string; readonly error: ExopsError }[];
}

/** A session as listed, from one Enumerate item. Pure. */
export function parseRemoteSession(shell: WsmanShellInfo): RemoteSessionInfo | undefined {
  if (shell.shellId === undefined || shell.shellId === '') return undefined;
  const seconds = (text: string | undefined): number | undefined => {
    const s = text === undefined ? undefined : parseXsDuration(text);
    return s === undefined ? undefined : Math.floor(s);
  };
  return {
    id: shell.shellId,
    name: shell.name,
    owner: shell.owner,
    clientIp: shell.clientIp,
    state: shell.state ?? 'Unknown',
    resourceUri: shell.resourceUri,
    ageSeconds: seconds(shell.shellRunTime),
    idleSeconds: seconds(shell.shellInactivity),
    createdByExops: shell.name?.startsWith(EXOPS_SESSION_NAME_PREFIX) === true,
  };
}

/** The PowerShell sessions of one configuration among enumerated shells (WinRS and other endpoints left out). Pure. */
export function selectRemoteSessions(shells: readonly WsmanShellInfo[], configurationName = 'Microsoft.Exchange'): RemoteSessionInfo[] {
  const resourceUri = powerShellResourceUri(configurationName).toLowerCase();
  const out: RemoteSessionInfo[] = [];
  for (const shell of shells) {
    if (shell.resourceUri?.toLowerCase() !== resourceUri) continue;
    const info = parseRemoteSession(shell);
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** @internal A WsmanClient for list/remove with a fixed token. */
export function createSessionsClient(options: RemoteSessionsOptions): WsmanClient {
  return new WsmanClient({
    http: options.http,
    connectionUri: buildRpsConnectionUri(options.connectionUri, { delegatedOrg: options.delegatedOrganization }),
    configurationName: options.configurationName,
    operationTimeoutSeconds: options.operationTimeoutSeconds,
    authorization: () =>
      Promise.resolve({
        value: buildRpsAuthorizationHeader(options.token, options.upn ?? options.token.user),
        expiresOn: options.token.expiresOn,
        kind: 'rps-oauth' as const,
      }),
  });
}

/** @internal Lists with an existing client (the transport uses its own when the cap refuses a Create). */
export async function listSessionsWith(client: WsmanClient, configurationName: string | undefined, signal?: AbortSignal): Promise<RemoteSessionInfo[]> {
  return selectRemoteSessions(await client.enumerateShells(signal), configurationName);
}

/** Lists the signed-in user's remote PowerShell sessions of the configuration (default `Microsoft.Exchange`). */
export async function listRemoteSessions(options: RemoteSessionsOptions): Promise<RemoteSessionInfo[]> {
  return listSessionsWith(createSessionsClient(options), options.configurationName, options.signal);
}

/** @internal Removes the selected sessions with an existing client; `keep` are never removed (this process's own). */
export async function removeSessionsWith(
  client: WsmanClient,
  configurationName: string | undefined,
  selection: RemoveSessionsSelection,
  options: { readonly keep?: ReadonlySet<string>; readonly signal?: AbortSignal | undefined } = {},
): Promise<RemoveSessionsResult> {
  const sessions = await listSessionsWith(client, configurationName, options.signal);
  const byId = new Map(sessions.map((s) => [s.id.toUpperCase(), s]));
  const keep = new Set([...(options.keep ?? [])].map((id) => id.toUpperCase()));
  const failed: { id: string; error: ExopsError }[] = [];
  let targets: RemoteSessionInfo[];
  if ('ids' in selection) {
    targets = [];
    for (const id of selection.ids) {
      const found = byId.get(id.toUpperCase());
      if (found === undefined) {
        failed.push({
          id,
          error: new ExopsError(ExopsErrorCode.INVALID_ARGUMENT, `No open session has the id ${id}.`, {
            remedy: 'List the open sessions with `exops sessions list` and use an id from there.',
          }),
        });
      } else targets.push(found);
    }
  } else targets = sessions;
  if (selection.onlyExops === true) targets = targets.filter((s) => s.createdByExops);
  targets = targets.filter((s) => !keep.has(s.id.toUpperCase()));
  const removed: string[] = [];
  for (const session of targets) {
    if (options.signal?.aborted === true) break;
    try {
      await client.deleteShell(session.id);
      removed.push(session.id);
    } catch (error) {
      failed.push({ id: session.id, error: toExopsError(error) });
    }
  }
  return { removed, failed };
}

/**
 * Removes sessions: the given `ids`, `all` of this configuration, or (with `onlyExops`) those exops created. Each
 * session is deleted on its own, so one failure does not stop the others; an id that is not open is reported failed.
 */
export async function removeRemoteSessions(options: RemoteSessionsOptions, selection: RemoveSessionsSelection): Promise<RemoveSessionsResult> {
  return removeSessionsWith(createSessionsClient(options), options.configurationName, selection, { signal: options.signal });
}

/** One line per session for messages: `id  name  age  state`. Pure. */
export function formatRemoteSessions(sessions: readonly RemoteSessionInfo[]): string {
  if (sessions.length === 0) return '  (none listed)';
  return sessions
    .map((s) => `  ${s.id}  ${s.name ?? '(no name)'}  age ${formatAge(s.ageSeconds)}  idle ${formatAge(s.idleSeconds)}  ${s.state}${s.createdByExops ? '  (exops)' : ''}`)
    .join('\n');
}

function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
