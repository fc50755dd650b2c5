/**
 * `exops decode` through the built binary: a recorded pypsrp exchange from the shared vectors decodes to JSON lines
 * (each one parses, the runspace opening is in it); input that holds no remoting traffic is refused with exit code 2.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, describeRun, runCli } from './e2e-support.js';
import type { Sandbox } from './e2e-support.js';

const RECORDING = fileURLToPath(new URL('../../../../shared/vectors/pypsrp/tests/tests_pypsrp/responses/test_psrp_open_runspace.yml', import.meta.url));

let root: string;
let box: Sandbox;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'exops-e2e-decode-'));
  box = await createSandbox(root, path.join(root, 'no-emulator'), 'decode');
}, 120_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('exops decode', { timeout: 120_000 }, () => {
  it.concurrent('a pypsrp recording: --json gives one parseable message per line', async () => {
    const run = await runCli(box, ['decode', RECORDING, '--json'], { tokenCache: false });
    expect(run.code, describeRun(run)).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    const messages = lines.map((l) => JSON.parse(l) as { messageType?: string; destination?: string });
    const types = messages.map((m) => m.messageType);
    expect(types).toEqual(expect.arrayContaining(['SESSION_CAPABILITY', 'INIT_RUNSPACEPOOL', 'RUNSPACEPOOL_STATE']));
    expect(new Set(messages.map((m) => m.destination)).size).toBe(2);
  });

  it.concurrent('the human form names each message and where it came from', async () => {
    const run = await runCli(box, ['decode', RECORDING], { tokenCache: false });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/RUNSPACEPOOL_STATE\s+server → client/);
    expect(run.stdout).toContain('test_psrp_open_runspace.yml');
  });

  it.concurrent('bad input: exit 2 with the cause', async () => {
    const bad = path.join(box.dir, 'not-traffic.xml');
    await writeFile(bad, '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><truncated');
    const [garbage, missing] = await Promise.all([
      runCli(box, ['decode', bad, '--json'], { tokenCache: false }),
      runCli(box, ['decode', path.join(box.dir, 'no-such-file.yml')], { tokenCache: false }),
    ]);
    expect(garbage.code, describeRun(garbage)).toBe(2);
    expect(garbage.stderr).toMatch(/error/i);
    expect(garbage.stdout.trim()).toBe('');
    expect(missing.code, describeRun(missing)).toBe(2);
    expect(missing.stderr).toContain('no-such-file.yml');
  });
});
