/**
 * What a long-running admin script meets: the token expiring under an open session (renewed silently; on RPS the
 * shell the service dropped is reopened and the caller told once), and the per-user session cap (listed, explained,
 * and abandoned exops sessions removed on request). Real tokens from @exops/auth, the emulator over HTTPS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExopsErrorCode, PSObject, createEmulatorEnvironment, isExopsError } from '@exops/contracts';
import type { CloudEnvironment, TokenProvider, TransportKind } from '@exops/contracts';
import { createCredentialTokenProvider, createMemoryTokenCache } from '@exops/auth';
import { startEmulator, type RunningEmulator } from '@exops/exo-emulator';
import { ExoSession, RpsTransport, createRpsTransport, unregisterForExit } from './index.js';
import type { ExoSessionOptions, SessionNotice } from './index.js';

const TOKEN_LIFETIME_SECONDS = 600;

let emu: RunningEmulator;
let stateDir: string;
let environment: CloudEnvironment;
let network: { ca: string[] };

interface SessionListing {
  sessions: { id: string; owner: string; name?: string }[];
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'exops-exo-client-lifetime-'));
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: false, mailboxes: 50, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS, sessionCap: 5 });
  environment = createEmulatorEnvironment(emu.url);
  network = { ca: [emu.caCertPem] };
}, 60_000);

afterAll(async () => {
  try {
    await emu?.close();
  } finally {
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  }
});

afterEach(() => {
  vi.useRealTimers();
});

function signIn(kind: TransportKind, upn: string): TokenProvider {
  const user = emu.directory.findUser(upn);
  if (user === undefined) throw new Error(`fixture user ${upn} is missing`);
  return createCredentialTokenProvider({ environment, network, upn, password: user.password, protocol: kind, cache: createMemoryTokenCache(), output: () => undefined });
}

async function openShells(upn: string): Promise<SessionListing['sessions']> {
  return (await emu.admin.request<SessionListing>('GET', `/sessions?user=${encodeURIComponent(upn)}`)).sessions;
}

async function mailboxNames(session: ExoSession, count: number): Promise<string[]> {
  const { output } = await session.invokeAll('Get-Mailbox', { ResultSize: count });
  return output.map((m) => String((m as PSObject).get('Name')));
}

describe('token expiry during a long session', () => {
  // Different users, so the RPS shells of this test do not count against the cap test's user.
  it.each([
    ['rest', 'reader@contoso.com'],
    ['rps', 'helpdesk@contoso.com'],
  ] as const)('%s: the next command after expiry renews the token silently and goes on', async (kind, upn) => {
    const tokenProvider = signIn(kind, upn);
    const session = await ExoSession.connect({ environment, network, transport: kind, upn, tokenProvider });
    const notices: SessionNotice[] = [];
    session.on('notice', (n) => notices.push(n));
    let shifted = 0;
    try {
      const before = await mailboxNames(session, 3);
      expect(before).toHaveLength(3);
      const firstShells = kind === 'rps' ? await openShells(upn) : [];
      if (kind === 'rps') expect(firstShells).toHaveLength(1);
      expect(notices).toEqual([]);

      // Past the token's lifetime for both sides: MSAL (Date) and the service (emulator clock).
      shifted = TOKEN_LIFETIME_SECONDS + 100;
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + shifted * 1000 });
      await emu.admin.shiftClock(shifted);

      expect(await mailboxNames(session, 3)).toEqual(before);
      const renewed = notices.filter((n) => n.type === 'token-renewed');
      expect(renewed.length).toBeGreaterThanOrEqual(1);
      for (const n of renewed) if (n.type === 'token-renewed') expect(n.expiresOn.getTime()).toBeGreaterThan(Date.now() + 300_000);
      const reconnected = notices.filter((n) => n.type === 'reconnected');
      if (kind === 'rps') {
        expect(reconnected).toHaveLength(1);
        const shells = await openShells(upn);
        expect(shells).toHaveLength(1);
        expect(shells[0]?.id).not.toBe(firstShells[0]?.id);
      } else {
        expect(reconnected).toEqual([]);
      }

      // Told once: the following commands run on the new shell without further notices of reconnection.
      expect(await mailboxNames(session, 2)).toEqual(before.slice(0, 2));
      expect(notices.filter((n) => n.type === 'reconnected')).toHaveLength(kind === 'rps' ? 1 : 0);
    } finally {
      await session.close();
      vi.useRealTimers();
      if (shifted !== 0) await emu.admin.shiftClock(-shifted);
    }
    expect(await openShells(upn)).toEqual([]);
  }, 90_000);
});

describe('the session cap', () => {
  const upn = 'automation@contoso.com';
  const sessions: ExoSession[] = [];
  const transports: RpsTransport[] = [];
  let tokenProvider: TokenProvider;

  function connect(extra: Partial<ExoSessionOptions> = {}): Promise<ExoSession> {
    return ExoSession.connect({
      environment,
      network,
      transport: 'rps',
      upn,
      tokenProvider,
      createTransport: (_kind, context) => {
        const transport = createRpsTransport(context);
        transports.push(transport);
        return transport;
      },
      ...extra,
    });
  }

  afterAll(async () => {
    for (const session of sessions) await session.close().catch(() => undefined);
  });

  it('refuses the 6th RPS session with EXOPS_EXO_SESSION_CAP listing the open ones and naming `exops sessions remove`', async () => {
    tokenProvider = signIn('rps', upn);
    for (let i = 0; i < 5; i += 1) sessions.push(await connect());
    const open = await openShells(upn);
    expect(open).toHaveLength(5);

    const error = await connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isExopsError(error)).toBe(true);
    if (!isExopsError(error)) return;
    expect(error.code).toBe(ExopsErrorCode.EXO_SESSION_CAP);
    for (const shell of open) expect(error.message.toUpperCase()).toContain(shell.id.toUpperCase());
    expect(error.message).toContain('Your open sessions (5)');
    expect(error.message).toContain('maximum number of connections allowed : 5');
    expect(error.remedy).toContain('exops sessions remove');
    // The refused attempt left nothing behind.
    expect((await openShells(upn)).map((s) => s.id).sort()).toEqual(open.map((s) => s.id).sort());

    // Sessions this process holds are never removed, even when asked to remove abandoned ones.
    await expect(connect({ removeAbandonedSessions: true })).rejects.toMatchObject({ code: ExopsErrorCode.EXO_SESSION_CAP });
    expect(await openShells(upn)).toHaveLength(5);
  }, 120_000);

  it('with removeAbandonedSessions, exops sessions no process holds any more are removed and the session opens', async () => {
    expect(sessions).toHaveLength(5);
    // Two sessions as a crashed exops leaves them: open on the server, held by no live transport.
    const abandoned = transports.slice(0, 2);
    const abandonedIds = abandoned.map((t) => t.remoteSessionId?.toUpperCase());
    for (const transport of abandoned) unregisterForExit(transport);
    // The service also limits how many sessions a user creates per minute; let that window pass.
    await emu.admin.shiftClock(61);

    const session = await connect({ removeAbandonedSessions: true });
    sessions.push(session);
    expect(await mailboxNames(session, 1)).toHaveLength(1);
    const open = (await openShells(upn)).map((s) => s.id.toUpperCase());
    expect(open).toHaveLength(4);
    for (const id of abandonedIds) expect(open).not.toContain(id);
    expect(open).toContain(transports.at(-1)?.remoteSessionId?.toUpperCase());

    for (const s of sessions) await s.close();
    expect(await openShells(upn)).toEqual([]);
  }, 120_000);
});
