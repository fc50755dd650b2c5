/**
 * Ctrl-C soak (CI slice: 10 runs): `exops run Get-Mailbox -ResultSize Unlimited --transport rps`, spawned as admins
 * run it, interrupted with SIGINT at seeded points (before connect, right after the shell is created, mid-stream),
 * must leave no open session on the emulator when it exits. Then SIGKILL, which cannot clean up, leaves an orphaned
 * shell that `exops sessions list` shows and `exops sessions remove --all` clears. The 200-run version is
 * `npm run bench:sigint -w @exops/bench`.
 *
 * Each run gets an isolated environment (HOME, XDG folders, EXOPS_CONFIG_DIR in a temp folder; nothing inherited but
 * PATH). The user signs in once with --credential; the password travels in EXOPS_PASSWORD for that one process only.
 * The emulator allows 5 new runspaces per user per 60 s, as the service does: its clock moves 61 s after each run so
 * the budget never refuses a run (tokens last a day here so that shift does not expire them).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom, startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';

const CLI = fileURLToPath(new URL('../dist/bin/exops.js', import.meta.url));
const UPN = 'automation@contoso.com';
const RUNS = 10;
const EXIT_TIMEOUT_MS = 30_000;

type Phase = 'before-connect' | 'during-open' | 'mid-stream';
const PHASES: readonly Phase[] = ['before-connect', 'during-open', 'mid-stream'];

let emu: RunningEmulator;
let root: string;
let env: NodeJS.ProcessEnv;
let globalArgs: string[];

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...globalArgs, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function userSessions(): Promise<{ id: string; transport: string }[]> {
  const listed = (await emu.admin.request('GET', `/sessions?user=${encodeURIComponent(UPN)}`)) as { sessions: { id: string; transport: string }[] };
  return listed.sessions.filter((s) => s.transport === 'rps');
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface InterruptedRun {
  readonly phase: Phase;
  /** Where the signal really landed: no shell yet, a shell but no output yet, or output flowing. */
  readonly landed: 'no-shell' | 'shell-no-output' | 'output';
  readonly exit: Exit;
  readonly hung: boolean;
}

/** Spawns one `exops run`, sends `signal` at the seeded point of `phase`, waits for the exit. */
async function interruptedRun(phase: Phase, random: () => number, signal: NodeJS.Signals = 'SIGINT'): Promise<InterruptedRun> {
  const child = spawn(process.execPath, [CLI, ...globalArgs, 'run', 'Get-Mailbox', '-ResultSize', 'Unlimited'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      stdout += d.toString('utf8');
      outputSeen = true;
      resolve();
    });
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let shellSeen = false;
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  if (phase === 'before-connect') {
    await delay(Math.floor(random() * 250));
  } else if (phase === 'during-open') {
    // The shell exists once Create answered; the runspace pool is still opening (Receive) for a few ms after.
    while (!exited && !outputSeen && Date.now() < deadline) {
      if ((await userSessions()).length > 0) break;
      await delay(5);
    }
  } else {
    await Promise.race([firstOutput, exit, delay(EXIT_TIMEOUT_MS)]);
    await delay(Math.floor(random() * 1500));
  }
  shellSeen = !exited && (await userSessions()).length > 0;
  const landed = outputSeen ? 'output' : shellSeen ? 'shell-no-output' : 'no-shell';
  if (!exited) child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  const result = await exit;
  clearTimeout(timer);
  const hung = result.signal === 'SIGKILL' && signal !== 'SIGKILL';
  return { phase, landed, exit: result, hung };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'exops-soak-'));
  const home = path.join(root, 'home');
  await mkdir(home, { recursive: true });
  emu = await startEmulator({ port: 0, stateDir: path.join(root, 'emulator'), writeStateFile: false, mailboxes: 3000, tokenLifetimeSeconds: 86_400, seed: 'interrupt-soak' });
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
  const password = emu.directory.findUser(UPN)?.password;
  if (password === undefined) throw new Error(`fixture user ${UPN} is missing`);
  const signIn = await runCli(['connect', '--upn', UPN, '--credential'], { EXOPS_PASSWORD: password });
  if (signIn.code !== 0) throw new Error(`exops connect failed (${String(signIn.code)}): ${signIn.stderr}`);
  expect(await userSessions()).toEqual([]);
});

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('exops run interrupted (RPS)', () => {
  it(`leaves no open session after ${RUNS} runs stopped by SIGINT at seeded points`, { timeout: 240_000 }, async () => {
    const random = createSeededRandom('interrupt-soak-ci');
    const runs: InterruptedRun[] = [];
    const leaks: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const phase = PHASES[i % PHASES.length] ?? 'mid-stream';
      const run = await interruptedRun(phase, random);
      runs.push(run);
      const open = await userSessions();
      if (open.length > 0 || run.hung) leaks.push(`run ${i} (${phase}, landed ${run.landed}): ${open.length} session(s) open, exit ${String(run.exit.code)}/${String(run.exit.signal)}${run.hung ? ', hung' : ''}: ${run.exit.stderr.slice(-400)}`);
      // Clean up whatever leaked, so one leak is counted once; then free the runspace budget.
      for (const s of open) await emu.admin.request('DELETE', `/sessions/${s.id}`);
      await emu.admin.shiftClock(61);
    }
    expect(leaks).toEqual([]);
    for (const run of runs) {
      // Ctrl-C exits 130; a SIGINT before the CLI installed its handler ends the process by the signal itself.
      expect(run.exit.code === 130 || run.exit.signal === 'SIGINT', `exit ${String(run.exit.code)}/${String(run.exit.signal)}: ${run.exit.stderr.slice(-300)}`).toBe(true);
    }
    // The seeded points must really cover the three phases, or the soak proves less than it claims.
    const landed = new Set(runs.map((r) => r.landed));
    expect(landed.has('output')).toBe(true);
    expect(landed.has('no-shell')).toBe(true);
  });

  it('finds the shell a SIGKILLed run orphaned, and `sessions remove --all` clears it', { timeout: 120_000 }, async () => {
    const random = createSeededRandom('interrupt-soak-kill');
    const killed = await interruptedRun('mid-stream', random, 'SIGKILL');
    expect(killed.exit.signal).toBe('SIGKILL');
    const orphaned = await userSessions();
    expect(orphaned).toHaveLength(1);
    const id = orphaned[0]?.id ?? '';

    const listed = await runCli(['sessions', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.toUpperCase()).toContain(id.toUpperCase());

    const removed = await runCli(['sessions', 'remove', '--all']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await userSessions()).toEqual([]);
  });
});
