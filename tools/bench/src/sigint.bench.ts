/**
 * Ctrl-C soak, full size: 200 runs of `exops run Get-Mailbox -ResultSize Unlimited --transport rps` (spawned, in an
 * isolated environment, signed in once with --credential), each sent SIGINT at a seeded point: before connect, right
 * after the shell was created (the pool still opening), or mid-stream. After each exit the emulator must have no open
 * session for the user. Then SIGKILL (which cannot clean up) orphans shells; `exo-doctor --only sessions` and
 * `exops sessions list` must show them and `exops sessions remove --all` must clear them. The CI slice (10 runs) is
 * packages/cli/test/interrupt-soak.integ.test.ts.
 *
 * The emulator (in its own process) allows 5 new runspaces per user per 60 s, as the service does: its clock moves
 * 61 s after every run, and tokens are made to last a day so that shift never expires them.
 *
 * Run: `npm run bench:sigint -w @exops/bench [-- --runs 200 --kills 3]` (after `npm run build`).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSeededRandom } from '@exops/exo-emulator';
import { AUTOMATION_UPN, quantile, spawnEmulator } from './emulator-process.js';
import type { SpawnedEmulator } from './emulator-process.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const RUNS = flag('--runs', 200);
const KILLS = flag('--kills', 3);
const EXIT_TIMEOUT_MS = 30_000;
const CLI_DIST = fileURLToPath(new URL('../../../packages/cli/dist/bin/', import.meta.url));
const EXOPS = path.join(CLI_DIST, 'exops.js');
const DOCTOR = path.join(CLI_DIST, 'exo-doctor.js');

type Phase = 'before-connect' | 'during-open' | 'mid-stream';
const PHASES: readonly Phase[] = ['before-connect', 'during-open', 'mid-stream'];
type Landed = 'no-shell' | 'shell-no-output' | 'output';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

let env: NodeJS.ProcessEnv = {};
let globalArgs: string[] = [];

function runTool(bin: string, toolArgs: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...toolArgs], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function userSessions(emu: SpawnedEmulator): Promise<{ id: string; name?: string; transport: string }[]> {
  const listed = await emu.admin.request<{ sessions: { id: string; name?: string; transport: string }[] }>('GET', `/sessions?user=${encodeURIComponent(AUTOMATION_UPN)}`);
  return listed.sessions.filter((s) => s.transport === 'rps');
}

async function interruptedRun(emu: SpawnedEmulator, phase: Phase, random: () => number, signal: NodeJS.Signals): Promise<{ landed: Landed; exit: Exit; hung: boolean; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [EXOPS, ...globalArgs, 'run', 'Get-Mailbox', '-ResultSize', 'Unlimited'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  let outputSeen = false;
  const exit = new Promise<Exit>((resolve) => {
    child.on('close', (code, sig) => {
      exited = true;
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
  const firstOutput = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < 4096) stdout += d.toString('utf8');
      outputSeen = true;
      resolve();
    });
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  if (phase === 'before-connect') {
    await delay(Math.floor(random() * 250));
  } else if (phase === 'during-open') {
    while (!exited && !outputSeen && Date.now() < deadline) {
      if ((await userSessions(emu)).length > 0) break;
      await delay(5);
    }
  } else {
    await Promise.race([firstOutput, exit, delay(EXIT_TIMEOUT_MS)]);
    await delay(Math.floor(random() * 1500));
  }
  const shellSeen = !exited && (await userSessions(emu)).length > 0;
  const landed: Landed = outputSeen ? 'output' : shellSeen ? 'shell-no-output' : 'no-shell';
  if (!exited) child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  const result = await exit;
  clearTimeout(timer);
  return { landed, exit: result, hung: result.signal === 'SIGKILL' && signal !== 'SIGKILL', ms: performance.now() - t0 };
}

const root = await mkdtemp(path.join(os.tmpdir(), 'exops-sigint-'));
const emu = await spawnEmulator(['--mailboxes', '3000', '--token-lifetime', '86400', '--seed', 'bench-sigint']);
try {
  const home = path.join(root, 'home');
  await mkdir(home, { recursive: true });
  env = {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    USERPROFILE: home,
    EXOPS_CONFIG_DIR: path.join(home, 'config'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    EXO_EMULATOR_STATE_DIR: path.join(root, 'no-emulator-state'),
    NO_COLOR: '1',
  };
  globalArgs = ['-e', 'Emulator', '--emulator-url', emu.url, '--ca-file', emu.caFile, '--transport', 'rps', '--output', 'json'];
  const signIn = await runTool(EXOPS, [...globalArgs, 'connect', '--upn', AUTOMATION_UPN, '--credential'], { EXOPS_PASSWORD: await emu.password(AUTOMATION_UPN) });
  if (signIn.code !== 0) throw new Error(`exops connect failed (${String(signIn.code)}): ${signIn.stderr}`);

  const random = createSeededRandom('sigint-bench');
  const t0 = performance.now();
  let leftSession = 0;
  let hung = 0;
  let badExit = 0;
  const byPhase = new Map<string, number>();
  const durations: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const phase = PHASES[Math.floor(random() * PHASES.length)] ?? 'mid-stream';
    const run = await interruptedRun(emu, phase, random, 'SIGINT');
    durations.push(run.ms);
    const key = `${phase} -> ${run.landed}`;
    byPhase.set(key, (byPhase.get(key) ?? 0) + 1);
    const open = await userSessions(emu);
    if (open.length > 0) {
      leftSession += 1;
      console.log(`run ${i} (${key}) left ${open.length} session(s); exit ${String(run.exit.code)}/${String(run.exit.signal)}: ${run.exit.stderr.slice(-300)}`);
      for (const s of open) await emu.admin.request('DELETE', `/sessions/${s.id}`);
    }
    if (run.hung) hung += 1;
    if (!(run.exit.code === 130 || run.exit.signal === 'SIGINT')) {
      badExit += 1;
      console.log(`run ${i} (${key}) exited ${String(run.exit.code)}/${String(run.exit.signal)}: ${run.exit.stderr.slice(-300)}`);
    }
    await emu.admin.shiftClock(61);
    if ((i + 1) % 25 === 0) console.log(`  ${i + 1}/${RUNS} runs, ${leftSession} left a session, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`SIGINT soak: ${RUNS} runs in ${seconds.toFixed(0)} s (run p50 ${(quantile(durations, 0.5) / 1000).toFixed(1)} s, p99 ${(quantile(durations, 0.99) / 1000).toFixed(1)} s)`);
  console.log(`  runs that left a session: ${leftSession} (must be 0); hung (needed SIGKILL): ${hung}; exit other than 130/SIGINT: ${badExit}`);
  for (const [key, n] of [...byPhase].sort()) console.log(`  ${key}: ${n}`);

  // SIGKILL cannot clean up: the shells are orphaned until found and removed.
  const k0 = performance.now();
  for (let i = 0; i < KILLS; i++) {
    const killed = await interruptedRun(emu, 'mid-stream', random, 'SIGKILL');
    if (killed.exit.signal !== 'SIGKILL') console.log(`kill ${i}: exited ${String(killed.exit.code)} before SIGKILL`);
  }
  const orphaned = await userSessions(emu);
  const doctor = await runTool(DOCTOR, [...globalArgs.filter((a) => a !== '--output' && a !== 'json'), '--only', 'sessions', '--json']);
  // The doctor names sessions by their name (exops-...), `sessions list` by id and name.
  const doctorSees = orphaned.filter((s) => s.name !== undefined && doctor.stdout.includes(s.name)).length;
  const listed = await runTool(EXOPS, [...globalArgs, 'sessions', 'list']);
  const listSees = orphaned.filter((s) => listed.stdout.toUpperCase().includes(s.id.toUpperCase())).length;
  const removed = await runTool(EXOPS, [...globalArgs, 'sessions', 'remove', '--all']);
  const after = await userSessions(emu);
  console.log(
    `SIGKILL: ${KILLS} runs killed mid-stream left ${orphaned.length} orphaned shell(s); exo-doctor --only sessions named ${doctorSees} (exit ${String(doctor.code)}), ` +
      `exops sessions list named ${listSees}; sessions remove --all exit ${String(removed.code)}; open afterwards: ${after.length} (${((performance.now() - k0) / 1000).toFixed(1)} s)`,
  );
  if (doctorSees < orphaned.length) console.log(`  exo-doctor output: ${(doctor.stdout + doctor.stderr).slice(0, 600)}`);
  if (leftSession > 0 || hung > 0 || after.length > 0 || listSees < orphaned.length || doctorSees < orphaned.length) process.exitCode = 1;
} finally {
  await emu.close();
  await rm(root, { recursive: true, force: true });
}
