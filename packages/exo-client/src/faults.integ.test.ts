/**
 * A 10,000-object Get-Mailbox stream under injected faults, over REST and over RPS, against the emulator (real HTTPS,
 * real MSAL). The rule for reads: the result is complete, in order, with nothing lost or repeated, or the command
 * fails with EXO_STREAM_INTERRUPTED whose `details.received` is exactly the number of objects the caller got. Never a
 * silently short result.
 *
 * Every mailbox's Guid ends with its index in the tenant (12 hex digits), so one pass checks order and uniqueness
 * across the whole stream. Faults are aimed with `after` at page or Receive requests after the first, so the
 * mid-stream paths run. The full-size version (100,000 objects) is `npm run bench:client -w @exops/bench`.
 *
 * REST resumes: each page is a separate request, repeated after a reset, 503 or 429 (Retry-After honoured) and after
 * a 401 for an expired token. RPS cannot: a Receive whose answer was lost may have carried output the shell will not
 * send again, and a lost shell takes its pipeline's output with it, so on RPS the proof is the interrupted error with
 * the exact count, and the session still works for the next command (a shell lost before any output is reopened).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialTokenProvider } from '@exops/auth';
import { ExopsErrorCode, PSObject, createEmulatorEnvironment, isExopsError } from '@exops/contracts';
import type { CloudEnvironment, PSValue, TransportKind } from '@exops/contracts';
import { startEmulator } from '@exops/exo-emulator';
import type { FaultRule, RunningEmulator } from '@exops/exo-emulator';
import { ExoSession } from './index.js';
import type { SessionNotice } from './index.js';

const MAILBOXES = 10_000;
const TOKEN_LIFETIME_SECONDS = 600;
const UPN = 'automation@contoso.com';
const FAST_RETRY = { maxRetries: 4, baseDelayMs: 50, maxDelayMs: 3000 } as const;

let emu: RunningEmulator;
let stateDir: string;
let environment: CloudEnvironment;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'exops-faults-'));
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: false, mailboxes: MAILBOXES, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS, seed: 'faults-integ' });
  environment = createEmulatorEnvironment(emu.url);
});

afterAll(async () => {
  await emu?.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function connect(transport: TransportKind, notices: SessionNotice[]): Promise<ExoSession> {
  const password = emu.directory.findUser(UPN)?.password;
  if (password === undefined) throw new Error(`fixture user ${UPN} is missing`);
  const network = { ca: [emu.caCertPem] };
  const tokenProvider = createCredentialTokenProvider({ environment, upn: UPN, password, protocol: transport, cache: false, network });
  const session = await ExoSession.connect({
    environment,
    transport,
    tokenProvider,
    network,
    upn: UPN,
    retry: FAST_RETRY,
    // JSON keeps the REST half of the CI run short; RPS always speaks CLIXML. The benchmark streams CLIXML on both.
    ...(transport === 'rest' ? { responseFormat: 'json' as const, pageSize: 250 } : {}),
  });
  session.on('notice', (n) => notices.push(n));
  return session;
}

/** The mailbox index a Guid carries in its last 12 hex digits. */
function indexOf(value: PSValue): number {
  if (!(value instanceof PSObject)) throw new Error(`Get-Mailbox returned a ${typeof value}, not an object`);
  const guid = String(value.get('Guid'));
  const index = Number.parseInt(guid.slice(-12), 16);
  if (!Number.isInteger(index)) throw new Error(`unexpected Guid ${guid}`);
  return index;
}

interface StreamOutcome {
  readonly received: number;
  readonly error: unknown;
}

/**
 * Streams Get-Mailbox -ResultSize Unlimited, checking on the fly that object i is mailbox i (so nothing is lost,
 * repeated or reordered); `onObject` runs after each object (to shift clocks mid-stream).
 */
async function streamMailboxes(session: ExoSession, onObject?: (received: number) => Promise<void> | void): Promise<StreamOutcome> {
  let received = 0;
  try {
    for await (const value of session.invoke('Get-Mailbox', { ResultSize: 'Unlimited' })) {
      const index = indexOf(value);
      if (index !== received) throw new Error(`object ${received} is mailbox ${index}: the stream lost, repeated or reordered objects`);
      received += 1;
      await onObject?.(received);
    }
    return { received, error: undefined };
  } catch (error) {
    return { received, error };
  }
}

/** The stream either ended complete, or said exactly how far it got. */
function expectInterruptedAt(outcome: StreamOutcome): number {
  expect(outcome.received).toBeLessThan(MAILBOXES);
  const error = outcome.error;
  expect(isExopsError(error), `expected EXO_STREAM_INTERRUPTED, got ${String(error)}`).toBe(true);
  if (!isExopsError(error)) return -1;
  expect(error.code).toBe(ExopsErrorCode.EXO_STREAM_INTERRUPTED);
  expect(error.details?.['received']).toBe(outcome.received);
  expect(error.message).toContain(`${outcome.received} object(s)`);
  return outcome.received;
}

function expectComplete(outcome: StreamOutcome): void {
  expect(outcome.error).toBeUndefined();
  expect(outcome.received).toBe(MAILBOXES);
}

async function setFaults(seed: string, rules: FaultRule[]): Promise<void> {
  await emu.admin.setFaults({ seed, rules });
}

async function firedCounts(): Promise<number[]> {
  const plan = (await emu.admin.faults()) as { stats?: { fired: number }[] };
  return (plan.stats ?? []).map((s) => s.fired);
}

async function openSessions(): Promise<unknown[]> {
  const listed = (await emu.admin.request('GET', `/sessions?user=${encodeURIComponent(UPN)}`)) as { sessions?: { owner: string; transport: string }[] };
  return (listed.sessions ?? []).filter((s) => s.transport === 'rps');
}

describe('Get-Mailbox over REST under faults (10,000 objects, 40 pages of 250)', () => {
  it('completes in order through resets, 503, 429 (Retry-After) and a token that expires mid-stream', { timeout: 240_000 }, async () => {
    const notices: SessionNotice[] = [];
    const session = await connect('rest', notices);
    try {
      const page = { pathPrefix: '/adminapi', method: 'POST' } as const;
      await setFaults('rest-recoverable', [
        { kind: 'reset', ...page, after: 3, count: 1 },
        { kind: 'http-503', ...page, after: 9, count: 1, retryAfterSeconds: 1 },
        { kind: 'http-429', ...page, after: 15, count: 1, retryAfterSeconds: 1 },
        // Seeded draws: the same two resets land on the same pages every run.
        { kind: 'reset', ...page, after: 20, probability: 0.2, count: 2 },
      ]);
      const outcome = await streamMailboxes(session, async (received) => {
        // Mid-page 24: the token is dead when page 25 is asked for (401, renewed, the page repeated).
        if (received === 5900) await emu.admin.shiftClock(TOKEN_LIFETIME_SECONDS + 60);
      });
      expectComplete(outcome);
      expect(await firedCounts()).toEqual([1, 1, 1, 2]);
      const retries = notices.filter((n) => n.type === 'retry');
      expect(retries.length).toBe(5);
      expect(retries.some((n) => n.type === 'retry' && n.reason === 'HTTP 429' && n.delayMs === 1000)).toBe(true);
      expect(notices.some((n) => n.type === 'token-renewed')).toBe(true);
    } finally {
      await emu.admin.clearFaults();
      await session.close();
    }
  });

  it('says exactly how far it got when a later page fails for good (500, then retries exhausted)', { timeout: 120_000 }, async () => {
    const notices: SessionNotice[] = [];
    const session = await connect('rest', notices);
    try {
      await setFaults('rest-fatal-500', [{ kind: 'http-500', pathPrefix: '/adminapi', after: 6, count: 1 }]);
      const first = await streamMailboxes(session);
      expect(expectInterruptedAt(first)).toBe(6 * 250);

      await setFaults('rest-fatal-503', [{ kind: 'http-503', pathPrefix: '/adminapi', after: 2, retryAfterSeconds: 0 }]);
      const second = await streamMailboxes(session);
      expect(expectInterruptedAt(second)).toBe(2 * 250);
      expect(String((second.error as Error).message)).toMatch(/Maximum retry count reached: 5 tries/);
    } finally {
      await emu.admin.clearFaults();
      await session.close();
    }
  });
});

describe('Get-Mailbox over RPS under faults (10,000 objects)', () => {
  it('fails a stream cut by a reset, 500, 503, 429, a lost shell or token expiry with the exact count, and the session goes on', { timeout: 240_000 }, async () => {
    const notices: SessionNotice[] = [];
    const session = await connect('rps', notices);
    try {
      // Counted from each plan's start: request 1 is the Command, then Receives. Each lands after output began.
      const cases: { name: string; rule: FaultRule }[] = [
        { name: 'reset', rule: { kind: 'reset', pathPrefix: '/powershell-liveid', after: 4, count: 1 } },
        { name: 'http-500', rule: { kind: 'http-500', pathPrefix: '/powershell-liveid', after: 12, count: 1 } },
        { name: 'http-503', rule: { kind: 'http-503', pathPrefix: '/powershell-liveid', after: 20, count: 1, retryAfterSeconds: 1 } },
        { name: 'http-429', rule: { kind: 'http-429', pathPrefix: '/powershell-liveid', after: 8, count: 1, retryAfterSeconds: 1 } },
        { name: 'shell-lost', rule: { kind: 'shell-lost', pathPrefix: '/powershell-liveid', after: 16, count: 1 } },
      ];
      const reached: Record<string, number> = {};
      for (const c of cases) {
        await setFaults(`rps-${c.name}`, [c.rule]);
        reached[c.name] = expectInterruptedAt(await streamMailboxes(session));
        expect(await firedCounts()).toEqual([1]);
        await emu.admin.clearFaults();
        // One shell at most: the cut pipeline was stopped, a lost shell is replaced, none leaks.
        expect((await openSessions()).length).toBeLessThanOrEqual(1);
      }
      for (const n of Object.values(reached)) expect(n).toBeGreaterThan(0);

      const expired = await streamMailboxes(session, async (received) => {
        if (received === 500) await emu.admin.shiftClock(TOKEN_LIFETIME_SECONDS + 60);
      });
      expect(expectInterruptedAt(expired)).toBeGreaterThanOrEqual(500);
      // The service ended the shell with its token; closing must not fail on the 401 its Delete now gets. (The
      // emulator's admin list drops that shell at the next authenticated RPS request: the next test checks it.)
      await session.close();
    } finally {
      await emu.admin.clearFaults();
      await session.close();
    }
  });

  it('completes all 10,000 in order when the shell is lost before the first object (reopened once)', { timeout: 240_000 }, async () => {
    const notices: SessionNotice[] = [];
    const session = await connect('rps', notices);
    try {
      await setFaults('rps-lost-before-output', [{ kind: 'shell-lost', pathPrefix: '/powershell-liveid', count: 1 }]);
      expectComplete(await streamMailboxes(session));
      expect(await firedCounts()).toEqual([1]);
      expect(notices.some((n) => n.type === 'reconnected')).toBe(true);
    } finally {
      await emu.admin.clearFaults();
      await session.close();
    }
    expect(await openSessions()).toEqual([]);
  });
});
