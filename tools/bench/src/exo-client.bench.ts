/**
 * exo-client benchmarks against an emulator in its own process (so the client's RSS is the client's alone):
 *
 * (a) `stream`: Get-Mailbox -ResultSize Unlimited over 100,000 mailboxes, REST then RPS, consumed and dropped:
 *     objects/s, and peak RSS by 10,000 against peak RSS by 100,000 in the same stream (memory must not grow with
 *     the count). Order and uniqueness are checked on the fly (each Guid ends with the mailbox index).
 * (b) `bulk`: Set-Mailbox with 50 ms injected latency per request: concurrent within the cap (invokeMany with
 *     concurrency 20 on one REST session; 5 RPS sessions, the per-user cap, one command at a time each) against one
 *     at a time, as alternating pairs in one run; the median of the pair ratios is the figure (target >= 15x on REST).
 *
 * Run: `npm run bench:client -w @exops/bench [-- stream|bulk] [--mailboxes N] [--no-rps] [--no-rest]`.
 */
import type { ExoSession } from '@exops/exo-client';
import type { TransportKind } from '@exops/contracts';
import { connectAs, mailboxIndexOf, mb, median, spawnEmulator } from './emulator-process.js';
import type { SpawnedEmulator } from './emulator-process.js';

const args = process.argv.slice(2);
const only = args.find((a) => a === 'stream' || a === 'bulk');
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MAILBOXES = flag('--mailboxes', 100_000);
const WITH_RPS = !args.includes('--no-rps');
const WITH_REST = !args.includes('--no-rest');
const BULK_PAIRS = flag('--pairs', 5);
const REST_CALLS_PER_PAIR = flag('--rest-calls', 200);
const RPS_CALLS_PER_PAIR = flag('--rps-calls', 50);
const LATENCY_MS = 50;

async function streamOnce(emu: SpawnedEmulator, transport: TransportKind): Promise<void> {
  const session = await connectAs(emu, transport);
  try {
    const rssAt = (): number => process.memoryUsage().rss;
    const startRss = rssAt();
    let peak10k = startRss;
    let peak = startRss;
    let heapAt10k = 0;
    let received = 0;
    const t0 = performance.now();
    let t10k = 0;
    for await (const value of session.invoke('Get-Mailbox', { ResultSize: 'Unlimited' })) {
      if (mailboxIndexOf(value) !== received) throw new Error(`${transport}: object ${received} is mailbox ${mailboxIndexOf(value)}`);
      received += 1;
      if (received % 1000 === 0) {
        const rss = rssAt();
        if (rss > peak) peak = rss;
        if (received <= 10_000 && rss > peak10k) peak10k = rss;
        if (received === 10_000) {
          t10k = performance.now();
          heapAt10k = process.memoryUsage().heapUsed;
        }
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const heapEnd = process.memoryUsage().heapUsed;
    if (received !== MAILBOXES) throw new Error(`${transport}: ${received} objects, expected ${MAILBOXES}`);
    console.log(
      `stream ${transport.toUpperCase()}: ${received} objects in ${seconds.toFixed(1)} s = ${(received / seconds).toFixed(0)} objects/s` +
        (t10k > 0 ? ` (first 10,000: ${(10_000 / ((t10k - t0) / 1000)).toFixed(0)}/s)` : ''),
    );
    console.log(
      `  RSS: start ${mb(startRss)}, peak by 10,000 ${mb(peak10k)}, peak by ${received.toLocaleString('en-US')} ${mb(peak)}; ratio ${(peak / peak10k).toFixed(2)}x; heap used at 10,000 ${mb(heapAt10k)}, at end ${mb(heapEnd)}`,
    );
  } finally {
    await session.close();
  }
}

async function timeCalls(run: () => Promise<number>): Promise<{ ms: number; errors: number }> {
  const t0 = performance.now();
  const errors = await run();
  return { ms: performance.now() - t0, errors };
}

function setMailboxCommand(i: number): { cmdlet: string; parameters: Record<string, string> } {
  return { cmdlet: 'Set-Mailbox', parameters: { Identity: 'automation@contoso.com', CustomAttribute1: `bench-${i}` } };
}

async function sequential(session: ExoSession, calls: number): Promise<number> {
  let errors = 0;
  for (let i = 0; i < calls; i++) {
    const c = setMailboxCommand(i);
    const r = await session.invokeAll(c.cmdlet, c.parameters);
    errors += r.errors.length;
  }
  return errors;
}

async function concurrentRest(session: ExoSession, calls: number): Promise<number> {
  let errors = 0;
  const commands = Array.from({ length: calls }, (_, i) => setMailboxCommand(i));
  for await (const r of session.invokeMany(commands, { concurrency: 20 })) errors += r.errors.length + (r.error === undefined ? 0 : 1);
  return errors;
}

async function concurrentSessions(sessions: readonly ExoSession[], calls: number): Promise<number> {
  let next = 0;
  let errors = 0;
  await Promise.all(
    sessions.map(async (session) => {
      for (let i = next++; i < calls; i = next++) {
        const c = setMailboxCommand(i);
        try {
          errors += (await session.invokeAll(c.cmdlet, c.parameters)).errors.length;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return errors;
}

async function bulk(emu: SpawnedEmulator): Promise<void> {
  await emu.admin.setFaults({ latency: LATENCY_MS });
  const rest = await connectAs(emu, 'rest');
  try {
    // The first concurrent batch opens 20 TLS connections; a 1,000-call job pays that once. Measured apart, untimed below.
    const cold = await timeCalls(() => concurrentRest(rest, 40));
    console.log(`  REST warm-up: 40 calls with invokeMany(20) on cold connections ${(cold.ms / 1000).toFixed(2)} s`);
    const ratios: number[] = [];
    let totalErrors = 0;
    for (let pair = 0; pair < BULK_PAIRS; pair++) {
      const one = await timeCalls(() => sequential(rest, REST_CALLS_PER_PAIR));
      // The emulator (Node's 5 s keep-alive) closed the idle sockets during the sequential half; a long bulk job keeps
      // them busy. Reopen them untimed so both halves measure steady state (the cold cost is printed above).
      await concurrentRest(rest, 20);
      const many = await timeCalls(() => concurrentRest(rest, REST_CALLS_PER_PAIR));
      totalErrors += one.errors + many.errors;
      ratios.push(one.ms / many.ms);
      console.log(`  REST pair ${pair + 1}: one at a time ${(one.ms / 1000).toFixed(2)} s, invokeMany(20) ${(many.ms / 1000).toFixed(2)} s, ratio ${(one.ms / many.ms).toFixed(1)}x`);
    }
    console.log(
      `bulk REST Set-Mailbox (${LATENCY_MS} ms latency, ${BULK_PAIRS} pairs x ${REST_CALLS_PER_PAIR} calls = ${BULK_PAIRS * REST_CALLS_PER_PAIR} each way): median ratio ${median(ratios).toFixed(1)}x (min ${Math.min(...ratios).toFixed(1)}, max ${Math.max(...ratios).toFixed(1)}); errors ${totalErrors}`,
    );
  } finally {
    await rest.close();
  }
  if (!WITH_RPS) return;
  const sessions: ExoSession[] = [];
  try {
    for (let i = 0; i < 5; i++) sessions.push(await connectAs(emu, 'rps'));
    const ratios: number[] = [];
    let totalErrors = 0;
    for (let pair = 0; pair < Math.min(BULK_PAIRS, 3); pair++) {
      const one = await timeCalls(() => sequential(sessions[0]!, RPS_CALLS_PER_PAIR));
      const many = await timeCalls(() => concurrentSessions(sessions, RPS_CALLS_PER_PAIR));
      totalErrors += one.errors + many.errors;
      ratios.push(one.ms / many.ms);
      console.log(`  RPS pair ${pair + 1}: one session ${(one.ms / 1000).toFixed(2)} s, 5 sessions ${(many.ms / 1000).toFixed(2)} s, ratio ${(one.ms / many.ms).toFixed(1)}x`);
    }
    console.log(`bulk RPS Set-Mailbox (${LATENCY_MS} ms latency, 5 sessions = the cap, ${RPS_CALLS_PER_PAIR} calls per side per pair): median ratio ${median(ratios).toFixed(1)}x (ceiling 5x); errors ${totalErrors}`);
  } finally {
    for (const s of sessions) await s.close().catch(() => undefined);
  }
}

const emu = await spawnEmulator(['--mailboxes', String(MAILBOXES), '--seed', 'bench-client']);
try {
  console.log(`exo-client benchmarks: emulator pid ${emu.process.pid} (out of process), ${MAILBOXES.toLocaleString('en-US')} mailboxes; client pid ${process.pid}, node ${process.version}`);
  if (only === undefined || only === 'stream') {
    if (WITH_REST) await streamOnce(emu, 'rest');
    if (WITH_RPS) await streamOnce(emu, 'rps');
  }
  if (only === undefined || only === 'bulk') await bulk(emu);
} finally {
  await emu.close();
}
