/**
 * The doctor's network checks with the real probes against the emulator over real HTTPS: the clock check reads the
 * server's Date header across a real round trip. The token and Exchange probes live in @exops/cli and are proved
 * there, end to end, through the `exo-doctor` binary.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmulatorEnvironment } from '@exops/contracts';
import { startEmulator } from '@exops/exo-emulator';
import type { RunningEmulator } from '@exops/exo-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_SKEW_FAIL_MS, CLOCK_SKEW_WARN_MS } from './checks/clock-skew.js';
import { createDoctorContext } from './context.js';
import { createNetworkProbes } from './probes/index.js';
import type { NetworkProbes } from './probes/index.js';
import { runDoctor } from './run-doctor.js';
import type { DoctorCheckId, DoctorReport } from './types.js';

let emu: RunningEmulator;
let root: string;
let network: NetworkProbes;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'exops-doctor-clock-'));
  emu = await startEmulator({ port: 0, stateDir: root, writeStateFile: false });
  network = createNetworkProbes({ proxy: { url: undefined, source: 'none', noProxy: '' }, ca: [emu.caCertPem] });
});

afterAll(async () => {
  await network?.close();
  await emu?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

const CHECKS: DoctorCheckId[] = ['dns', 'tcp', 'tls', 'proxy', 'clock-skew', 'authority'];

/** Runs the network checks with this machine's clock off by `offsetSeconds` (negative: behind the server). */
function runWithClockOffset(offsetSeconds: number): Promise<DoctorReport> {
  const context = createDoctorContext({
    environment: createEmulatorEnvironment(emu.url),
    upn: 'automation@contoso.com',
    flow: 'credential',
    transport: 'rest',
    caFile: true,
    env: {},
    probes: network.probes,
    now: () => new Date(Date.now() + offsetSeconds * 1000),
  });
  return runDoctor(context, { only: CHECKS });
}

function result(report: DoctorReport, id: DoctorCheckId) {
  const found = report.results.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no ${id} in the report`);
  return found;
}

describe('clock-skew against the emulator', () => {
  it('passes when the clocks agree', async () => {
    const report = await runWithClockOffset(0);
    expect(report.results.map((r) => [r.id, r.status])).toEqual(CHECKS.map((id) => [id, 'pass']));
    expect(result(report, 'clock-skew').detail).toMatch(/server Date \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT/);
    expect(report.exitCode).toBe(0);
  });

  it('fails beyond 5 minutes, with the command that fixes the clock', async () => {
    expect(400_000).toBeGreaterThan(CLOCK_SKEW_FAIL_MS);
    const report = await runWithClockOffset(-400);
    const clock = result(report, 'clock-skew');
    expect(clock.status).toBe('fail');
    expect(clock.summary).toMatch(/^The clock is 7 min behind the server: tokens will fail validation\.$/);
    expect(clock.remedy).toContain('timedatectl set-ntp true');
    expect(clock.remedy).toContain('w32tm /resync');
    expect(report.exitCode).toBe(2);
    // Only the clock is wrong: the network checks around it still pass.
    expect(report.results.filter((r) => r.id !== 'clock-skew').every((r) => r.status === 'pass')).toBe(true);
  });

  it('warns between 1 and 5 minutes, ahead or behind', async () => {
    expect(90_000).toBeGreaterThan(CLOCK_SKEW_WARN_MS);
    for (const [offset, words] of [[-90, 'behind'], [90, 'ahead of']] as const) {
      const report = await runWithClockOffset(offset);
      const clock = result(report, 'clock-skew');
      expect(clock.status, clock.summary).toBe('warn');
      expect(clock.summary).toMatch(new RegExp(`^The clock is (89|90|91) s ${words} the server\\.$`));
      expect(clock.remedy).toContain('timedatectl set-ntp true');
      expect(report.exitCode).toBe(1);
    }
  });
});

describe('an authority on the connection host', () => {
  it('is skipped, not failed a second time, when tcp to that host is refused', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const context = createDoctorContext({
      environment: createEmulatorEnvironment(`https://127.0.0.1:${closed}`),
      upn: 'automation@contoso.com',
      flow: 'credential',
      caFile: true,
      env: {},
      probes: network.probes,
    });
    const started = performance.now();
    const report = await runDoctor(context, { only: CHECKS });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(Object.fromEntries(report.results.map((r) => [r.id, r.status]))).toEqual({ dns: 'pass', tcp: 'fail', tls: 'skip', proxy: 'pass', 'clock-skew': 'skip', authority: 'skip' });
    expect(result(report, 'authority').summary).toBe('skipped: tcp failed.');
  });
});
