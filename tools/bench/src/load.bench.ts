/**
 * Load: 5 RPS sessions (the per-user cap) and REST sessions run pipelines concurrently against an emulator in its own
 * process for a bounded time. Each worker loops over a small mix (Get-Mailbox -ResultSize 50, Get-Mailbox by
 * identity, Set-Mailbox) one command at a time. Prints throughput (commands/s, objects/s), p50/p99 latency per
 * command and transport, and every error (there must be none beyond injected faults; by default none are injected).
 *
 * Run: `npm run bench:load -w @exops/bench [-- --seconds 60 --rest-sessions 3 --rest-concurrency 4 --fault-p 0]`.
 */
import type { ExoSession } from '@exops/exo-client';
import type { CmdletParameters, TransportKind } from '@exops/contracts';
import { isExopsError } from '@exops/contracts';
import { connectAs, quantile, spawnEmulator } from './emulator-process.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SECONDS = flag('--seconds', 60);
const RPS_SESSIONS = flag('--rps-sessions', 5);
const REST_SESSIONS = flag('--rest-sessions', 3);
const REST_CONCURRENCY = flag('--rest-concurrency', 4);
/** Probability of an injected 503 (Retry-After 1) on REST pages; retried by the client, so no error is expected. */
const FAULT_P = flag('--fault-p', 0);

interface Command {
  readonly name: string;
  readonly cmdlet: string;
  readonly parameters: CmdletParameters;
}

const MIX: readonly Command[] = [
  { name: 'Get-Mailbox -ResultSize 50', cmdlet: 'Get-Mailbox', parameters: { ResultSize: 50 } },
  { name: 'Get-Mailbox -Identity', cmdlet: 'Get-Mailbox', parameters: { Identity: 'reader@contoso.com' } },
  { name: 'Set-Mailbox', cmdlet: 'Set-Mailbox', parameters: { Identity: 'automation@contoso.com', CustomAttribute2: 'load' } },
];

interface Sample {
  readonly transport: TransportKind;
  readonly command: string;
  readonly ms: number;
  readonly objects: number;
  readonly error?: string;
}

async function worker(session: ExoSession, transport: TransportKind, until: number, offset: number, samples: Sample[]): Promise<void> {
  for (let i = offset; performance.now() < until; i++) {
    const command = MIX[i % MIX.length]!;
    const t0 = performance.now();
    try {
      const r = await session.invokeAll(command.cmdlet, command.parameters);
      samples.push({ transport, command: command.name, ms: performance.now() - t0, objects: r.output.length, ...(r.errors.length > 0 ? { error: r.errors[0]?.message ?? 'error record' } : {}) });
    } catch (error) {
      samples.push({ transport, command: command.name, ms: performance.now() - t0, objects: 0, error: isExopsError(error) ? `${error.code}: ${error.message}` : String(error) });
    }
  }
}

const emu = await spawnEmulator(['--mailboxes', '2000', '--seed', 'bench-load']);
const sessions: ExoSession[] = [];
try {
  if (FAULT_P > 0) await emu.admin.setFaults({ seed: 'load', rules: [{ kind: 'http-503', pathPrefix: '/adminapi', probability: FAULT_P, retryAfterSeconds: 1 }] });
  const rps: ExoSession[] = [];
  const rest: ExoSession[] = [];
  for (let i = 0; i < RPS_SESSIONS; i++) rps.push(await connectAs(emu, 'rps'));
  for (let i = 0; i < REST_SESSIONS; i++) rest.push(await connectAs(emu, 'rest', { retry: { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 5000 } }));
  sessions.push(...rps, ...rest);
  const open = await emu.admin.request<{ sessions: unknown[] }>('GET', '/sessions?user=automation%40contoso.com');
  console.log(`load: ${RPS_SESSIONS} RPS sessions (one pipeline each), ${REST_SESSIONS} REST sessions x ${REST_CONCURRENCY} concurrent pipelines, ${SECONDS} s; emulator pid ${emu.process.pid}; server-side sessions open: ${open.sessions.length}`);
  const samples: Sample[] = [];
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  const workers: Promise<void>[] = [];
  rps.forEach((s, i) => workers.push(worker(s, 'rps', until, i, samples)));
  rest.forEach((s, i) => {
    for (let c = 0; c < REST_CONCURRENCY; c++) workers.push(worker(s, 'rest', until, i * REST_CONCURRENCY + c, samples));
  });
  await Promise.all(workers);
  const elapsed = (performance.now() - t0) / 1000;
  const ok = samples.filter((s) => s.error === undefined);
  const errors = samples.filter((s) => s.error !== undefined);
  const objects = ok.reduce((n, s) => n + s.objects, 0);
  console.log(`total: ${samples.length} commands in ${elapsed.toFixed(1)} s = ${(samples.length / elapsed).toFixed(1)} commands/s, ${(objects / elapsed).toFixed(0)} objects/s, errors ${errors.length}`);
  for (const transport of ['rps', 'rest'] as const) {
    const mine = ok.filter((s) => s.transport === transport);
    console.log(`  ${transport.toUpperCase()}: ${mine.length} commands (${(mine.length / elapsed).toFixed(1)}/s), ${(mine.reduce((n, s) => n + s.objects, 0) / elapsed).toFixed(0)} objects/s`);
    for (const command of MIX) {
      const ms = mine.filter((s) => s.command === command.name).map((s) => s.ms);
      if (ms.length === 0) continue;
      console.log(`    ${command.name.padEnd(28)} n=${String(ms.length).padStart(5)}  p50 ${quantile(ms, 0.5).toFixed(0).padStart(5)} ms  p99 ${quantile(ms, 0.99).toFixed(0).padStart(5)} ms`);
    }
  }
  for (const e of errors.slice(0, 10)) console.log(`  error (${e.transport}, ${e.command}): ${e.error ?? ''}`);
  if (FAULT_P > 0) console.log(`  injected 503s: ${JSON.stringify((await emu.admin.faults()).stats.map((s) => s.fired))}`);
} finally {
  for (const s of sessions) await s.close().catch(() => undefined);
  const left = await emu.admin.request<{ sessions: unknown[] }>('GET', '/sessions?user=automation%40contoso.com').catch(() => ({ sessions: [] }));
  console.log(`sessions left open after close: ${left.sessions.filter((s) => (s as { transport?: string }).transport === 'rps').length}`);
  await emu.close();
}
