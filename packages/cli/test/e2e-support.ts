/**
 * Shared by the e2e-*.integ.test.ts files: the built `exops` binary spawned as an admin runs it, in a sandbox whose
 * config, cache and token cache live in one temp folder (nothing inherited from the machine but PATH), against an
 * emulator started by the test file.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator, StartEmulatorOptions } from '@exops/exo-emulator';

export const CLI = fileURLToPath(new URL('../dist/bin/exops.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One isolated "machine": its own HOME, exops config and cache folders, XDG folders and token cache file. */
export interface Sandbox {
  readonly dir: string;
  readonly configDir: string;
  readonly cacheDir: string;
  readonly tokenCache: string;
  readonly env: NodeJS.ProcessEnv;
}

export async function createSandbox(root: string, emulatorStateDir: string, name = 'sandbox'): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(root, `${name}-`));
  const configDir = path.join(dir, 'config');
  const cacheDir = path.join(dir, 'cache');
  await mkdir(path.join(dir, 'xdg-config'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    EXOPS_CONFIG_DIR: configDir,
    EXOPS_CACHE_DIR: cacheDir,
    XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
    XDG_CACHE_HOME: path.join(dir, 'xdg-cache'),
    XDG_STATE_HOME: path.join(dir, 'xdg-state'),
    XDG_DATA_HOME: path.join(dir, 'xdg-data'),
    EXO_EMULATOR_STATE_DIR: emulatorStateDir,
    NO_COLOR: '1',
  };
  return { dir, configDir, cacheDir, tokenCache: path.join(dir, 'tokens.json'), env };
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<CliExit>;
}

export interface CliOptions {
  /** Added to the sandbox's environment (EXOPS_PASSWORD for one process only). */
  readonly env?: NodeJS.ProcessEnv;
  /** SIGKILL after this long; the run then rejects. Default 45 s. */
  readonly timeoutMs?: number;
  /** Adds `--token-cache <sandbox>/tokens.json` (default true). */
  readonly tokenCache?: boolean;
}

/** Every stdout and stderr text any CLI run produced in this test process (the secrets scan reads them). */
export const capturedOutput: string[] = [];

/** Spawns `exops <args>` asynchronously (the test's own timers, e.g. a device code approver, keep running). */
export function startCli(sandbox: Sandbox, args: readonly string[], options: CliOptions = {}): RunningCli {
  const full = [CLI, ...args, ...(options.tokenCache === false ? [] : ['--token-cache', sandbox.tokenCache])];
  const started = performance.now();
  const child = spawn(process.execPath, full, { env: { ...sandbox.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: sandbox.dir });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const limit = options.timeoutMs ?? 45_000;
  const exited = new Promise<CliExit>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`exops ${args.join(' ')} ran over ${limit} ms\nstdout:\n${out.slice(-2000)}\nstderr:\n${err.slice(-2000)}`));
    }, limit);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      capturedOutput.push(out, err);
      resolve({ code, signal, stdout: out, stderr: err, elapsedMs: performance.now() - started });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

export function runCli(sandbox: Sandbox, args: readonly string[], options: CliOptions = {}): Promise<CliExit> {
  return startCli(sandbox, args, options).exited;
}

/** A short description of a run for assertion messages. */
export function describeRun(run: CliExit): string {
  return `exit ${run.code} signal ${run.signal}\nstdout:\n${run.stdout.slice(0, 3000)}\nstderr:\n${run.stderr.slice(0, 3000)}`;
}

export function passwordOf(emu: RunningEmulator, upn: string): string {
  const user = emu.directory.findUser(upn);
  if (user === undefined) throw new Error(`no fixture user ${upn}`);
  return user.password;
}

export interface EmulatorSession {
  readonly id: string;
  readonly transport: string;
  readonly user?: string;
}

/** The emulator's own list of a user's open remote sessions. */
export async function openSessions(emu: RunningEmulator, upn: string): Promise<EmulatorSession[]> {
  const listed = await emu.admin.request<{ sessions: EmulatorSession[] }>('GET', `/sessions?user=${encodeURIComponent(upn)}`);
  return listed.sessions;
}

/** Approves every pending device code as `upn` until stopped (bounded: 200 polls). */
export function startDeviceCodeApprover(emu: RunningEmulator, upn: string): { stop(): void; approved(): number } {
  let stopped = false;
  let approved = 0;
  let polls = 0;
  const tick = async (): Promise<void> => {
    if (stopped || polls++ > 200) return;
    try {
      for (const code of await emu.admin.deviceCodes()) {
        if (code.status === 'pending') {
          await emu.admin.approveDeviceCode(code.userCode, upn);
          approved += 1;
        }
      }
    } catch {
      // the next poll retries
    }
    if (!stopped) timer = setTimeout(() => void tick(), 250);
  };
  let timer = setTimeout(() => void tick(), 100);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
    approved: () => approved,
  };
}

/** Waits (bounded) until `predicate` holds, polling every `intervalMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A running emulator (state file written), a sandbox, and that sandbox signed in with --credential as `upn`. */
export interface ConnectedSandbox {
  readonly root: string;
  readonly stateDir: string;
  readonly emu: RunningEmulator;
  readonly box: Sandbox;
  /** The `exops connect` run, for tests that read its output. */
  readonly connected: CliExit;
}

export async function startConnectedSandbox(
  prefix: string,
  upn: string,
  emulatorOptions: Omit<StartEmulatorOptions, 'port' | 'stateDir' | 'writeStateFile'>,
  connectArgs: readonly string[] = [],
): Promise<ConnectedSandbox> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  const stateDir = path.join(root, 'emulator');
  const emu = await startEmulator({ port: 0, stateDir, writeStateFile: true, ...emulatorOptions });
  const box = await createSandbox(root, stateDir, 'connected');
  const connected = await runCli(box, ['connect', '--environment', 'Emulator', '--credential', '--upn', upn, ...connectArgs], { env: { EXOPS_PASSWORD: passwordOf(emu, upn) } });
  if (connected.code !== 0) throw new Error(`connect failed: ${describeRun(connected)}`);
  return { root, stateDir, emu, box, connected };
}
