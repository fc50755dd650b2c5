/**
 * `exops shell` in a real terminal: tmux (its own socket, a detached 200x50 session) runs the built binary with the
 * sandbox's environment; the test types into it and reads the screen. Enter runs a cmdlet, Tab completes a cmdlet
 * name, Ctrl-C stops a long RPS stream and the prompt comes back, `exit` leaves; no remote session stays open.
 * Skipped (with a message) where tmux is missing; .ci/run installs it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';
import { CLI, createSandbox, describeRun, openSessions, passwordOf, runCli, waitFor } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';
const HAS_TMUX = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!HAS_TMUX) console.warn('e2e-shell-tmux: tmux is not installed, so the interactive shell test is skipped (.ci/run installs it).');

const run = promisify(execFile);
const SOCKET = `exops-e2e-${process.pid}`;
const TARGET = 'shell';
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

let emu: RunningEmulator;
let root: string;
let box: Sandbox;
let started = false;

function tmux(...args: string[]): Promise<{ stdout: string }> {
  return run('tmux', ['-L', SOCKET, ...args], { timeout: 10_000 });
}

async function screen(): Promise<string> {
  return (await tmux('capture-pane', '-p', '-t', TARGET)).stdout;
}

/** The last non-empty line on the screen. */
async function lastLine(): Promise<string> {
  const lines = (await screen()).split('\n').filter((l) => l.trim() !== '');
  return lines.at(-1) ?? '';
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

beforeAll(async () => {
  if (!HAS_TMUX) return;
  root = await mkdtemp(path.join(tmpdir(), 'exops-e2e-tmux-'));
  const stateDir = path.join(root, 'emulator');
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: true, mailboxes: 5000, tokenLifetimeSeconds: 86_400, faults: { latency: { minMs: 5, maxMs: 20 } } });
  box = await createSandbox(root, stateDir, 'tmux');
  const connected = await runCli(box, ['connect', '--environment', 'Emulator', '--transport', 'rps', '--credential', '--upn', UPN], { env: { EXOPS_PASSWORD: passwordOf(emu, UPN) } });
  if (connected.code !== 0) throw new Error(`connect failed: ${describeRun(connected)}`);
}, 120_000);

afterAll(async () => {
  if (started) await tmux('kill-server').catch(() => undefined);
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
}, 120_000);

describe.skipIf(!HAS_TMUX)('exops shell in tmux', () => {
  it('Enter runs, Tab completes, Ctrl-C stops the command not the shell, exit leaves; no session left', async () => {
    const env = Object.entries({ ...box.env, TERM: 'xterm-256color' }).map(([k, v]) => `${k}=${shellQuote(String(v))}`);
    const command = `env -i ${env.join(' ')} ${shellQuote(process.execPath)} ${shellQuote(CLI)} shell --token-cache ${shellQuote(box.tokenCache)}; echo EXOPS_EXIT=$?; sleep 60`;
    await tmux('new-session', '-d', '-s', TARGET, '-x', '200', '-y', '50', command);
    started = true;
    await waitFor(async () => (await lastLine()) === 'EXO>', 60_000, 'the EXO> prompt', 200);
    expect(await screen()).toContain(`Connected as ${UPN} (RPS)`);
    expect(await openSessions(emu, UPN)).toHaveLength(1);

    // Enter: two mailboxes.
    await tmux('send-keys', '-t', TARGET, '-l', 'Get-Mailbox -ResultSize 2');
    await tmux('send-keys', '-t', TARGET, 'Enter');
    await waitFor(async () => (await screen()).match(GUID)?.length === 2 && (await lastLine()) === 'EXO>', 30_000, 'two mailbox rows and the prompt', 200);
    expect(await screen()).toMatch(/Name\s.*Alias/);

    // Tab: Get-Mail completes to Get-Mailbox.
    await tmux('send-keys', '-t', TARGET, '-l', 'Get-Mail');
    await tmux('send-keys', '-t', TARGET, 'Tab');
    await waitFor(async () => (await screen()).split('\n').some((l) => l.startsWith('EXO> Get-Mailbox')), 10_000, 'Get-Mail<Tab> to complete to Get-Mailbox', 100);

    // Ctrl-C during a long stream: the command stops, the prompt comes back, the shell's session stays usable.
    await tmux('send-keys', '-t', TARGET, 'C-u');
    await tmux('send-keys', '-t', TARGET, '-l', 'Get-Mailbox -ResultSize Unlimited');
    await tmux('send-keys', '-t', TARGET, 'Enter');
    await waitFor(async () => ((await screen()).match(GUID)?.length ?? 0) >= 20, 60_000, 'the stream to fill the screen', 200);
    const interrupted = performance.now();
    await tmux('send-keys', '-t', TARGET, 'C-c');
    await waitFor(async () => (await lastLine()) === 'EXO>', 15_000, 'the prompt after Ctrl-C', 100);
    console.info(`tmux: Ctrl-C -> prompt in ${Math.round(performance.now() - interrupted)} ms`);
    expect(await screen()).not.toContain('EXOPS_EXIT=');
    expect(await openSessions(emu, UPN)).toHaveLength(1);

    await tmux('send-keys', '-t', TARGET, '-l', 'Get-Mailbox -ResultSize 1');
    await tmux('send-keys', '-t', TARGET, 'Enter');
    await tmux('send-keys', '-t', TARGET, '-l', 'exit');
    await tmux('send-keys', '-t', TARGET, 'Enter');
    await waitFor(async () => (await screen()).includes('EXOPS_EXIT='), 30_000, 'the shell to exit', 200);
    expect(await screen()).toContain('EXOPS_EXIT=0');
    expect(await openSessions(emu, UPN)).toEqual([]);
  }, 180_000);
});
