/**
 * Ctrl-C during a long RPS stream (20,000 mailboxes, some latency): the built binary exits 130 promptly and leaves no
 * remote session open, after one SIGINT and after two in quick succession (the second forces the close).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';
import { createSandbox, describeRun, openSessions, passwordOf, runCli, startCli, waitFor } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const UPN = 'automation@contoso.com';
/** From SIGINT to exit, on a loaded 2-core machine. */
const PROMPT_EXIT_MS = 10_000;

let emu: RunningEmulator;
let root: string;
let box: Sandbox;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'exops-e2e-sigint-'));
  const stateDir = path.join(root, 'emulator');
  emu = await startEmulator({ port: 0, stateDir, writeStateFile: true, mailboxes: 20_000, tokenLifetimeSeconds: 86_400, faults: { latency: { minMs: 5, maxMs: 25 } } });
  box = await createSandbox(root, stateDir, 'sigint');
  const connected = await runCli(box, ['connect', '--environment', 'Emulator', '--transport', 'rps', '--credential', '--upn', UPN], { env: { EXOPS_PASSWORD: passwordOf(emu, UPN) } });
  if (connected.code !== 0) throw new Error(`connect failed: ${describeRun(connected)}`);
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
}, 120_000);

async function interruptMidStream(signals: number): Promise<void> {
  const cli = startCli(box, ['run', 'Get-Mailbox', '-ResultSize', 'Unlimited', '--transport', 'rps'], { timeoutMs: 90_000 });
  // The table prints from its first rows: header, rule, then mailboxes.
  await waitFor(() => cli.stdout().split('\n').length >= 5 || cli.child.exitCode !== null, 60_000, 'the first output lines');
  expect(cli.child.exitCode, 'the stream ended before the interrupt').toBeNull();
  expect((await openSessions(emu, UPN)).length).toBe(1);
  const sent = performance.now();
  for (let i = 0; i < signals; i += 1) {
    if (i > 0) await new Promise((r) => setTimeout(r, 40));
    cli.child.kill('SIGINT');
  }
  const exit = await cli.exited;
  const tookMs = performance.now() - sent;
  expect(exit.code, describeRun(exit)).toBe(130);
  expect(tookMs).toBeLessThan(PROMPT_EXIT_MS);
  console.info(`SIGINT x${signals} -> exit ${exit.code} in ${Math.round(tookMs)} ms after ${exit.stdout.split('\n').length} stdout lines`);
  // Far from all 20,000 rows were written, and nothing is left open on the service.
  expect(exit.stdout.split('\n').length).toBeLessThan(20_000);
  expect(await openSessions(emu, UPN)).toEqual([]);
}

describe('Ctrl-C during exops run Get-Mailbox -ResultSize Unlimited --transport rps', { timeout: 120_000 }, () => {
  it('one SIGINT: exit 130 promptly, no session left open', async () => {
    await interruptMidStream(1);
  }, 120_000);

  it('two SIGINTs in quick succession: the same', async () => {
    await interruptMidStream(2);
  }, 120_000);
});
