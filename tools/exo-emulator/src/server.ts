/**
 * The emulator's HTTPS server: TLS from the local CA, one router over the identity and Exchange routes, the admin API
 * under `/_admin/` (loopback callers only), fault injection, a body bound, and an access log without secrets.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { EmulatorAdminClient } from './admin/client.js';
import { createCoreAdminRoutes } from './admin/routes.js';
import { createEmulatorClock, type ShiftableClock } from './clock.js';
import { createFaultInjector, type FaultDecision, type FaultInjector, type FaultPlan } from './faults.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT_BYTES, readBody } from './http/body.js';
import { formatAccessLine, type EmulatorLogger } from './http/log.js';
import { createRouter, type Router } from './http/router.js';
import type { IdentityDirectory } from './identity/directory.js';
import { jsonResponse } from './identity/entra-errors.js';
import { createIdentityService, type IdentityService, type PublicClient } from './identity/service.js';
import { createTokenService, loadOrCreateSigningKey } from './identity/tokens.js';
import { removeEmulatorState, writeEmulatorState } from './state-file.js';
import { ensureTlsMaterial } from './tls/certificates.js';
import { resolveStateDir } from './tls/state-dir.js';
import { withStateLock } from './tls/state-lock.js';
import type { EmulatorClock, EmulatorRequest, EmulatorResponse, Route, TokenVerification } from './types.js';

/** What the Exchange half gets from the server when it is built. */
export interface ExchangeHalfContext {
  readonly tenantSeed: string;
  readonly mailboxCount: number;
  readonly clock: EmulatorClock;
  readonly verifyAccessToken: (token: string) => Promise<TokenVerification>;
  readonly faults: FaultInjector;
  readonly sessionCap: number | undefined;
  readonly runspaceBudget: { readonly count: number; readonly windowSeconds: number } | undefined;
}

/** What the server needs from the Exchange half: its routes, its admin routes (relative to `/_admin`), its directory. */
export interface ExchangeHalf {
  readonly routes: readonly Route[];
  readonly adminRoutes: readonly Route[];
  readonly directory: IdentityDirectory;
}

/** Builds the Exchange half; the default is the emulator's own (`src/exchange`). */
export type ExchangeHalfFactory = (context: ExchangeHalfContext) => ExchangeHalf | Promise<ExchangeHalf>;

/** Options of {@link startEmulator}. Every field is optional. */
export interface StartEmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on; default 127.0.0.1. The admin API answers loopback callers only whatever this is. */
  readonly host?: string;
  /** Seed of the fixture tenant and of the fault generator. Default `exops`. */
  readonly seed?: string;
  /** Mailboxes in the fixture tenant. Default 50. */
  readonly mailboxes?: number;
  /** Access token lifetime in seconds. Default 3600 (Entra's default). */
  readonly tokenLifetimeSeconds?: number;
  /** State folder (CA, keys, state file). Default: {@link resolveStateDir}. */
  readonly stateDir?: string;
  /** Write `emulator.json` for clients to find this emulator. Default false (the CLI sets it). */
  readonly writeStateFile?: boolean;
  readonly faults?: FaultPlan;
  /** Open remote sessions per user before the service's cap error. Default: the Exchange half's. */
  readonly sessionCap?: number;
  /**
   * New remote sessions a user may open per window before the service's budget error (reference §3.1: 5 per 60 s).
   * Tests that open many sessions raise it.
   */
  readonly runspaceBudget?: { readonly count: number; readonly windowSeconds: number };
  /** Seconds between device code polls that the device code response asks for. Default 5; tests use 1. */
  readonly deviceCodeIntervalSeconds?: number;
  /** Largest request body accepted (413 above). Default 10 MiB. */
  readonly bodyLimitBytes?: number;
  /** Access log; default silent. */
  readonly log?: EmulatorLogger;
  /** Extra public clients allowed to sign users in, besides Microsoft's two Exchange PowerShell clients. */
  readonly publicClients?: readonly PublicClient[];
  /** Replaces the Exchange half (tests of the identity half alone). */
  readonly exchange?: ExchangeHalfFactory;
  /** Start time of the emulator clock. Default: now. */
  readonly clockStart?: Date;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The authority MSAL should use for multi-tenant sign-in: `<url>/organizations`. */
  readonly authority: string;
  readonly caCertPem: string;
  readonly caFile: string;
  readonly stateDir: string;
  /** base64 SHA-256 of the leaf's public key, for Chromium's `--ignore-certificate-errors-spki-list` pin. */
  readonly leafSpkiSha256: string;
  readonly clock: ShiftableClock;
  readonly faults: FaultInjector;
  readonly identity: IdentityService;
  readonly directory: IdentityDirectory;
  /** The Exchange half (the default one also carries `engine` and `sessions`). */
  readonly exchange: ExchangeHalf;
  readonly admin: EmulatorAdminClient;
  verifyAccessToken(token: string): Promise<TokenVerification>;
  /** Stops accepting connections, lets requests in flight finish (up to 2 s), then closes every socket. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** True when the remote address is the local machine; the admin API answers nobody else. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (LOOPBACK.has(address) || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

async function defaultExchange(context: ExchangeHalfContext): Promise<ExchangeHalf> {
  const { createExchangeHalf } = await import('./exchange-adapter.js');
  return createExchangeHalf(context);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Mounts admin routes under `/_admin` (routes already under it are kept as they are). */
function mountAdmin(routes: readonly Route[]): Route[] {
  return routes.map((route) => (route.path.toLowerCase().startsWith('/_admin/') ? route : { ...route, path: `/_admin${route.path}` }));
}

function faultResponse(decision: Extract<FaultDecision, { kind: 'status' }>): EmulatorResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (decision.retryAfterSeconds !== undefined) headers['retry-after'] = String(decision.retryAfterSeconds);
  const message =
    decision.status === 429
      ? 'Too many requests. The request was throttled; retry after the number of seconds in Retry-After.'
      : decision.status === 503
        ? 'The service is temporarily unavailable. Retry after the number of seconds in Retry-After.'
        : 'The server encountered an internal error (injected fault).';
  return { status: decision.status, headers, body: JSON.stringify({ error: { code: decision.status === 429 ? 'TooManyRequests' : decision.status === 503 ? 'ServiceUnavailable' : 'InternalServerError', message } }) };
}

/** Starts the emulator: TLS material from the state folder, identity and Exchange halves, HTTPS on 127.0.0.1. */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const stateDir = resolveStateDir({ explicit: options.stateDir });
  const seed = options.seed ?? 'exops';
  const host = options.host ?? '127.0.0.1';
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(tokenLifetimeSeconds) || tokenLifetimeSeconds < 60) throw new RangeError(`tokenLifetimeSeconds must be a whole number >= 60, got ${tokenLifetimeSeconds}.`);
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const log = options.log;

  const [tls, signingKey] = await withStateLock(stateDir, () => Promise.all([ensureTlsMaterial(stateDir), loadOrCreateSigningKey(stateDir)]));
  const clock = createEmulatorClock(options.clockStart !== undefined ? { start: options.clockStart } : {});
  const faults = createFaultInjector({ seed, ...(options.faults !== undefined ? { plan: options.faults } : {}) });

  let origin = '';
  let directory: IdentityDirectory | undefined;
  const getDirectory = (): IdentityDirectory => {
    if (directory === undefined) throw new Error('The emulator directory is not ready yet.');
    return directory;
  };
  const tokens = createTokenService({ key: signingKey, clock, directory: getDirectory, origin: () => origin, accessTokenLifetimeSeconds: tokenLifetimeSeconds });
  const identity = createIdentityService({
    directory: getDirectory,
    clock,
    tokens,
    signingKey,
    origin: () => origin,
    ...(options.deviceCodeIntervalSeconds !== undefined ? { deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds } : {}),
    ...(options.publicClients !== undefined ? { publicClients: options.publicClients } : {}),
  });
  const exchange = await (options.exchange ?? defaultExchange)({
    tenantSeed: seed,
    mailboxCount: options.mailboxes ?? 50,
    clock,
    verifyAccessToken: (token) => identity.verifyAccessToken(token),
    faults,
    sessionCap: options.sessionCap,
    runspaceBudget: options.runspaceBudget,
  });
  directory = exchange.directory;

  const started = new Date();
  const coreAdmin = createCoreAdminRoutes({
    clock,
    faults,
    info: () => ({ url: origin, caFile: tls.caFile, stateDir, seed, pid: process.pid, started: started.toISOString(), tokenLifetimeSeconds }),
  });
  const adminRouter: Router = createRouter(mountAdmin([...coreAdmin, ...identity.adminRoutes, ...exchange.adminRoutes]));
  // Exchange routes first: they are literal paths (/adminapi/..., /PowerShell-LiveID) the identity's /:tenant/... must not shadow.
  const router: Router = createRouter([...exchange.routes, ...identity.routes]);

  const sockets = new Set<Socket>();
  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const begun = process.hrtime.bigint();
    const method = (incoming.method ?? 'GET').toUpperCase();
    const target = incoming.url ?? '/';
    let url: URL;
    try {
      url = new URL(target, origin);
    } catch {
      url = new URL('/', origin);
    }
    const requestId = randomUUID();
    const finish = (status: number | string): void => {
      if (log !== undefined) log(formatAccessLine(clock.now(), method, target, status, Number(process.hrtime.bigint() - begun) / 1e6));
    };
    const send = (response: EmulatorResponse): void => {
      // Every answer dates itself by the emulator's clock, as a server would: a test that shifts the clock sees the
      // skew in every Date header (clock-skew diagnosis, token expiry), not only in the Exchange endpoints.
      const headers: Record<string, string | string[]> = { 'request-id': requestId, date: clock.now().toUTCString(), ...(response.headers ?? {}) };
      const body = response.body === undefined ? undefined : typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
      if (body !== undefined) headers['content-length'] = String(body.length);
      outgoing.writeHead(response.status, headers);
      outgoing.end(method === 'HEAD' ? undefined : body);
      finish(response.status);
    };
    const remoteAddress = incoming.socket.remoteAddress ?? '';
    const isAdmin = url.pathname.toLowerCase().startsWith('/_admin/');
    if (isAdmin && !isLoopbackAddress(remoteAddress)) {
      send(jsonResponse(403, { error: 'The emulator admin API answers only callers on this machine (loopback).' }));
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(incoming, bodyLimit);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        send({ ...jsonResponse(413, { error: error.message }), headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' } });
        return;
      }
      outgoing.destroy();
      finish('aborted');
      return;
    }
    const request: EmulatorRequest = { method, url, headers: incoming.headers, body, remoteAddress };
    if (!isAdmin) {
      const decision = faults.decide(request);
      if (decision !== undefined && decision.delayMs > 0) await delay(decision.delayMs);
      if (decision?.kind === 'reset') {
        incoming.socket.resetAndDestroy();
        finish('reset (fault)');
        return;
      }
      if (decision?.kind === 'status') {
        send(faultResponse(decision));
        return;
      }
    }
    const lookup = (isAdmin ? adminRouter : router).lookup(method, url.pathname);
    if (lookup.kind === 'not-found') {
      send(jsonResponse(404, { error: `No emulator endpoint answers ${method} ${url.pathname}.` }));
      return;
    }
    if (lookup.kind === 'method-not-allowed') {
      send({ ...jsonResponse(405, { error: `${url.pathname} does not take ${method}; it takes ${lookup.allow.join(', ')}.` }), headers: { allow: lookup.allow.join(', '), 'content-type': 'application/json; charset=utf-8' } });
      return;
    }
    try {
      send(await lookup.match.route.handler(request, lookup.match.params));
    } catch (error) {
      if (log !== undefined) log(`error in ${method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`);
      if (!outgoing.headersSent) send(jsonResponse(500, { error: `The emulator failed while handling ${method} ${url.pathname}: ${(error as Error).message}` }));
    }
  };

  const server: Server = createServer({ cert: tls.leafCertPem, key: tls.leafKeyPem, minVersion: 'TLSv1.2' }, (incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      if (log !== undefined) log(`error: ${(error as Error).message}`);
      outgoing.destroy();
    });
  });
  // Keep idle sockets longer than clients do (undici: 30 s), as IIS does: a server that closes first races the
  // client's next request on that socket, which a Receive cannot safely repeat.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {
    // A client that does not trust the CA aborts the handshake; nothing to answer.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  origin = `https://${urlHost}:${port}`;

  if (options.writeStateFile === true) {
    await writeEmulatorState(stateDir, { url: origin, port, pid: process.pid, caFile: tls.caFile, started: started.toISOString() });
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 2000);
      await closed;
      clearTimeout(timer);
      if (options.writeStateFile === true) await removeEmulatorState(stateDir);
    })();
    return closing;
  };

  return {
    url: origin,
    port,
    authority: `${origin}/organizations`,
    caCertPem: tls.caCertPem,
    caFile: tls.caFile,
    stateDir,
    leafSpkiSha256: tls.leafSpkiSha256,
    clock,
    faults,
    identity,
    directory,
    exchange,
    admin: new EmulatorAdminClient({ url: origin, caCertPem: tls.caCertPem }),
    verifyAccessToken: (token) => identity.verifyAccessToken(token),
    close,
  };
}
