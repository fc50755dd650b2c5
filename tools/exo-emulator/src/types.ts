/**
 * The seams inside the emulator. The identity half (Entra ID) and the Exchange half (tenant, cmdlets, REST, RPS)
 * meet only here: routes are pure-ish handlers over a buffered request, and both halves read one shared state.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A request as every route handler sees it: the body already read (bounded by the server). */
export interface EmulatorRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: string | Buffer;
}

export type RouteHandler = (request: EmulatorRequest) => Promise<EmulatorResponse>;

/** A route: method and a path pattern with `:name` segments (case-insensitive), e.g. `/adminapi/beta/:tenant/InvokeCommand`. */
export interface Route {
  readonly method: string;
  readonly path: string;
  readonly handler: (request: EmulatorRequest, params: Readonly<Record<string, string>>) => Promise<EmulatorResponse>;
}

/** What a verified access token says. */
export interface VerifiedAccessToken {
  readonly tenantId: string;
  /** The user's UPN for delegated tokens; undefined for app-only. */
  readonly upn: string | undefined;
  readonly objectId: string;
  readonly appId: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly expiresAt: Date;
  readonly kind: 'delegated' | 'app';
}

/** Why a token was refused; the Exchange half maps it to the service's wording (RPS "Access is denied", REST 401). */
export type TokenRejection = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-audience' | 'wrong-issuer' | 'unknown-tenant';

export type TokenVerification = { readonly ok: true; readonly token: VerifiedAccessToken } | { readonly ok: false; readonly reason: TokenRejection; readonly message: string };

/** The clock every part of the emulator reads, so tests can shift time (token expiry, session age). */
export interface EmulatorClock {
  now(): Date;
  /** Moves the clock forward (or back) by this many seconds. */
  shift(seconds: number): void;
}
