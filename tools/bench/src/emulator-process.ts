/**
 * The emulator in its own process, for benchmarks: the client's RSS and CPU are then the client's alone. Also the
 * small helpers every client benchmark shares (signing in as the fixture automation account, percentiles).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCredentialTokenProvider } from '@exops/auth';
import { createEmulatorEnvironment } from '@exops/contracts';
import type { CloudEnvironment, TransportKind } from '@exops/contracts';
import { EmulatorAdminClient } from '@exops/exo-emulator';
import { ExoSession } from '@exops/exo-client';
import type { ExoSessionOptions } from '@exops/exo-client';

/** The fixture account without MFA that signs in with a password (`--credential`). */
export const AUTOMATION_UPN = 'automation@contoso.com';

/** An emulator running in a child process. */
export interface SpawnedEmulator {
  readonly url: string;
  readonly caFile: string;
  readonly caCertPem: string;
  readonly stateDir: string;
  readonly admin: EmulatorAdminClient;
  readonly environment: CloudEnvironment;
  readonly process: ChildProcess;
  /** The password of a fixture user (from the admin API; never written anywhere). */
  password(upn: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts `exo-emulator` with these flags (plus a temp state folder and --quiet) and waits for its state file. */
export async function spawnEmulator(flags: readonly string[]): Promise<SpawnedEmulator> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'exops-bench-emu-'));
  const bin = fileURLToPath(new URL('./bin.js', import.meta.resolve('@exops/exo-emulator')));
  const child = spawn(process.execPath, [bin, '--port', '0', '--state-dir', stateDir, '--quiet', ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const deadline = Date.now() + 60_000;
  let state: { url: string; caFile: string } | undefined;
  while (state === undefined) {
    if (child.exitCode !== null) throw new Error(`exo-emulator exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`exo-emulator did not start within 60 s: ${stderr}`);
    }
    try {
      state = JSON.parse(await readFile(path.join(stateDir, 'emulator.json'), 'utf8')) as { url: string; caFile: string };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const caCertPem = await readFile(state.caFile, 'utf8');
  const admin = new EmulatorAdminClient({ url: state.url, caCertPem });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: state.url,
    caFile: state.caFile,
    caCertPem,
    stateDir,
    admin,
    environment: createEmulatorEnvironment(state.url),
    process: child,
    async password(upn) {
      const r = await admin.request<{ password?: string }>('GET', `/identity/users/password?upn=${encodeURIComponent(upn)}`);
      if (typeof r.password !== 'string') throw new Error(`no password for ${upn}`);
      return r.password;
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Signs in as `upn` with its password (memory cache) and opens a session on `transport`. */
export async function connectAs(
  emu: SpawnedEmulator,
  transport: TransportKind,
  extra: Partial<Omit<ExoSessionOptions, 'tokenProvider'>> = {},
  upn = AUTOMATION_UPN,
): Promise<ExoSession> {
  const network = { ca: [emu.caCertPem] };
  const tokenProvider = createCredentialTokenProvider({ environment: emu.environment, upn, password: await emu.password(upn), protocol: transport, cache: false, network });
  return ExoSession.connect({ environment: emu.environment, transport, tokenProvider, network, upn, ...extra });
}

/** The q-quantile (0..1) of unsorted numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

/** The mailbox index a Get-Mailbox object carries in its Guid's last 12 hex digits (the emulator's fixture). */
export function mailboxIndexOf(value: unknown): number {
  const get = (value as { get?: (name: string) => unknown }).get;
  if (typeof get !== 'function') throw new Error('Get-Mailbox returned something that is not an object');
  return Number.parseInt(String(get.call(value, 'Guid')).slice(-12), 16);
}
