import type { AccessToken } from './auth.js';
import type { PSValue } from './ps-object.js';
import type { CommandStreamEvent } from './streams.js';

/**
 * A cmdlet parameter value as callers give it. Plain JS is mapped the way PowerShell binds it: arrays to lists,
 * plain objects to hashtables, `Date` to DateTime (UTC), `Uint8Array` to byte[], `true` for a switch.
 */
export type CmdletParameterValue =
  | PSValue
  | Date
  | Uint8Array
  | bigint
  | readonly CmdletParameterValue[]
  | { readonly [key: string]: CmdletParameterValue };

export type CmdletParameters = Readonly<Record<string, CmdletParameterValue>>;

export interface CommandInvocation {
  readonly cmdlet: string;
  readonly parameters: CmdletParameters;
  readonly signal?: AbortSignal;
}

/** The transports `ExoSession` can run over. */
export type TransportKind = 'rps' | 'rest';

/**
 * One way of running cmdlets (RPS or REST). `ExoSession` owns token renewal, retries and reconnection; a transport
 * only opens, runs, and closes.
 */
export interface CmdletTransport {
  readonly kind: TransportKind;
  /** Opens what the transport needs (a runspace pool for RPS; nothing for REST). */
  open(token: AccessToken, signal?: AbortSignal): Promise<void>;
  /** Runs one command, yielding events as they arrive. Breaking out of the loop stops the command. */
  invoke(invocation: CommandInvocation, token: AccessToken): AsyncIterable<CommandStreamEvent>;
  /** Releases the server-side session. Safe to call twice. */
  close(token?: AccessToken): Promise<void>;
}

/** A remote session as `exops sessions list` shows it (Get-PSSession). */
export interface RemoteSessionInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly owner: string | undefined;
  readonly clientIp: string | undefined;
  readonly state: string;
  readonly resourceUri: string | undefined;
  /** Seconds since the shell was created, from `ShellRunTime`. */
  readonly ageSeconds: number | undefined;
  readonly idleSeconds: number | undefined;
  /** True when exops created it (its name starts with `exops-`). */
  readonly createdByExops: boolean;
}
