/**
 * Full-size fault run (the CI slice is packages/exo-client/src/faults.integ.test.ts): a 100,000-object Get-Mailbox
 * stream under injected faults, against an emulator in its own process, checking on the fly that object i is mailbox
 * i (nothing lost, repeated or reordered).
 *
 * REST (CLIXML, pages of 1,000): resets, a 503 and a 429 with Retry-After, seeded random resets and a token expired
 * mid-stream must all be absorbed: complete, in order. A 500 on a later page must end the command with
 * EXO_STREAM_INTERRUPTED whose details.received is exactly what was delivered.
 * RPS: a shell lost before the first object is reopened and the 100,000 complete; a reset on a Receive deep in the
 * stream cannot be resumed (the lost answer may have carried output), so it must end with the exact count.
 *
 * Run: `npm run bench:faults -w @exops/bench [-- --mailboxes 100000 --no-rps]`.
 */
import type { ExoSession, SessionNotice } from '@exops/exo-client';
import { ExopsErrorCode, isExopsError } from '@exops/contracts';
import type { TransportKind } from '@exops/contracts';
import type { FaultRule } from '@exops/exo-emulator';
import { connectAs, mailboxIndexOf, spawnEmulator } from './emulator-process.js';
import type { SpawnedEmulator } from './emulator-process.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MAILBOXES = flag('--mailboxes', 100_000);
const WITH_RPS = !args.includes('--no-rps');
const TOKEN_LIFETIME_SECONDS = 900;

interface Outcome {
  readonly received: number;
  readonly error: unknown;
  readonly seconds: number;
}

async function stream(session: ExoSession, onObject?: (received: number) => Promise<void> | void): Promise<Outcome> {
  const t0 = performance.now();
  let received = 0;
  try {
    for await (const value of session.invoke('Get-Mailbox', { ResultSize: 'Unlimited' })) {
      const index = mailboxIndexOf(value);
      if (index !== received) throw new Error(`object ${received} is mailbox ${index}: lost, repeated or reordered`);
      received += 1;
      await onObject?.(received);
    }
    return { received, error: undefined, seconds: (performance.now() - t0) / 1000 };
  } catch (error) {
    return { received, error, seconds: (performance.now() - t0) / 1000 };
  }
}

function describeOutcome(label: string, o: Outcome, expectComplete: boolean): boolean {
  const rate = `${(o.received / o.seconds).toFixed(0)} objects/s`;
  if (o.error === undefined) {
    const ok = o.received === MAILBOXES && expectComplete;
    console.log(`${ok ? 'OK  ' : 'FAIL'} ${label}: complete, ${o.received} objects in order in ${o.seconds.toFixed(1)} s (${rate})`);
    return ok;
  }
  const e = o.error;
  const interrupted = isExopsError(e) && e.code === ExopsErrorCode.EXO_STREAM_INTERRUPTED && e.details?.['received'] === o.received;
  const ok = interrupted && !expectComplete;
  console.log(
    `${ok ? 'OK  ' : 'FAIL'} ${label}: ${isExopsError(e) ? e.code : 'error'} after ${o.received} objects (details.received ${String(isExopsError(e) ? e.details?.['received'] : '-')}) in ${o.seconds.toFixed(1)} s: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}`,
  );
  return ok;
}

async function fired(emu: SpawnedEmulator): Promise<string> {
  return JSON.stringify((await emu.admin.faults()).stats.map((s) => `${s.rule.kind}:${s.fired}`));
}

async function withSession<T>(emu: SpawnedEmulator, transport: TransportKind, notices: SessionNotice[], run: (s: ExoSession) => Promise<T>): Promise<T> {
  const session = await connectAs(emu, transport, { retry: { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 5000 } });
  session.on('notice', (n) => notices.push(n));
  try {
    return await run(session);
  } finally {
    await session.close().catch((error: unknown) => console.log(`close: ${String(error)}`));
  }
}

const emu = await spawnEmulator(['--mailboxes', String(MAILBOXES), '--token-lifetime', String(TOKEN_LIFETIME_SECONDS), '--seed', 'bench-faults']);
let failures = 0;
try {
  console.log(`fault run: ${MAILBOXES.toLocaleString('en-US')} mailboxes, emulator pid ${emu.process.pid} (out of process)`);
  const page = { pathPrefix: '/adminapi', method: 'POST' } as const;
  const restRules: FaultRule[] = [
    { kind: 'reset', ...page, after: 10, count: 1 },
    { kind: 'http-503', ...page, after: 30, count: 1, retryAfterSeconds: 1 },
    { kind: 'http-429', ...page, after: 50, count: 1, retryAfterSeconds: 2 },
    { kind: 'reset', ...page, after: 60, probability: 0.05, count: 3 },
  ];
  const notices: SessionNotice[] = [];
  await emu.admin.setFaults({ seed: 'bench-rest', rules: restRules });
  const rest = await withSession(emu, 'rest', notices, (s) =>
    stream(s, async (n) => {
      if (n === Math.floor(MAILBOXES * 0.705)) await emu.admin.shiftClock(TOKEN_LIFETIME_SECONDS + 60);
    }),
  );
  if (!describeOutcome('REST resets + 503 + 429 + seeded resets + token expiry', rest, true)) failures += 1;
  console.log(`     faults fired ${await fired(emu)}; retries ${notices.filter((n) => n.type === 'retry').length}, token renewals ${notices.filter((n) => n.type === 'token-renewed').length}`);

  await emu.admin.setFaults({ seed: 'bench-rest-500', rules: [{ kind: 'http-500', ...page, after: 20, count: 1 }] });
  const rest500 = await withSession(emu, 'rest', [], (s) => stream(s));
  if (!describeOutcome('REST 500 on page 21', rest500, false) || rest500.received !== 20_000) failures += 1;

  if (WITH_RPS) {
    const rpsNotices: SessionNotice[] = [];
    // Set once the session is open, so the fault lands on the pipeline's first request (the Command), not on Create.
    const lost = await withSession(emu, 'rps', rpsNotices, async (s) => {
      await emu.admin.setFaults({ seed: 'bench-rps-lost', rules: [{ kind: 'shell-lost', pathPrefix: '/powershell-liveid', count: 1 }] });
      return stream(s);
    });
    if (!describeOutcome('RPS shell lost before output (reopened)', lost, true)) failures += 1;
    console.log(`     faults fired ${await fired(emu)}; reconnected ${rpsNotices.filter((n) => n.type === 'reconnected').length}`);

    await emu.admin.setFaults({ seed: 'bench-rps-reset', rules: [{ kind: 'reset', pathPrefix: '/powershell-liveid', after: 400, count: 1 }] });
    const cut = await withSession(emu, 'rps', [], (s) => stream(s));
    if (!describeOutcome('RPS reset on Receive ~400', cut, false)) failures += 1;
  }
  await emu.admin.clearFaults();
  const open = await emu.admin.request<{ sessions: { transport: string }[] }>('GET', '/sessions?user=automation%40contoso.com');
  console.log(`RPS sessions open at the end: ${open.sessions.filter((s) => s.transport === 'rps').length}`);
} finally {
  await emu.close();
}
if (failures > 0) {
  console.log(`${failures} scenario(s) failed`);
  process.exitCode = 1;
}
