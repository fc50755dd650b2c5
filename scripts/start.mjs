#!/usr/bin/env node
// `npm start`: the main job, end to end, against the local emulator and with nothing installed beforehand:
// build, start tools/exo-emulator on a free port, run exo-doctor against it, connect with the device-code flow
// (the emulator approves the code, as a user would on /devicelogin), run `Get-Mailbox -ResultSize 5`, print the table.
// Everything it writes (emulator CA, token cache, profile) goes to a temporary folder removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const UPN = 'admin@contoso.com';
const say = (text) => process.stderr.write(`\n\x1b[1m==> ${text}\x1b[0m\n`);

say('Building');
const env0 = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
if ((spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], { cwd: root, env: env0, stdio: ['ignore', 'ignore', 'inherit'] }).status ?? 1) !== 0) {
  console.error('The build failed: run `npm run build` to see why.');
  process.exit(1);
}

const work = mkdtempSync(path.join(tmpdir(), 'exops-start-'));
const stateDir = path.join(work, 'emulator');
let emulator;
let approver;
const cleanup = () => {
  clearInterval(approver);
  emulator?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  say('Starting the Exchange Online emulator (tools/exo-emulator) on a free port');
  emulator = spawn(process.execPath, [path.join(root, 'tools/exo-emulator/dist/bin.js'), '--port', '0', '--state-dir', stateDir, '--quiet'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stateFile = path.join(stateDir, 'emulator.json');
  const started = Date.now();
  while (!existsSync(stateFile)) {
    if (emulator.exitCode !== null || Date.now() - started > 30_000) throw new Error('The emulator did not start (see its output above).');
    await new Promise((r) => setTimeout(r, 100));
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  console.error(`    emulator at ${state.url} (CA ${state.caFile})`);

  // The emulator's admin API plays the user who opens /devicelogin and approves the code (MFA included).
  const { EmulatorAdminClient } = await import(pathToFileURL(path.join(root, 'tools/exo-emulator/dist/index.js')).href);
  const admin = new EmulatorAdminClient({ url: state.url, caCertPem: readFileSync(state.caFile, 'utf8') });
  approver = setInterval(() => {
    admin
      .deviceCodes()
      .then((codes) => Promise.all(codes.filter((c) => c.status === 'pending').map((c) => admin.approveDeviceCode(c.userCode, UPN))))
      .catch(() => undefined);
  }, 250);

  const env = {
    ...process.env,
    EXO_EMULATOR_STATE_DIR: stateDir,
    EXOPS_CONFIG_DIR: path.join(work, 'config'),
    EXOPS_CACHE_DIR: path.join(work, 'cache'),
    XDG_CONFIG_HOME: path.join(work, 'xdg'),
  };
  const connection = ['--environment', 'Emulator', '--upn', UPN, '--token-cache', path.join(work, 'tokens.json')];
  // Asynchronous, so the approver above keeps running while a command waits for its device code.
  const node = (script, args) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(root, script), ...args], { cwd: root, env, stdio: 'inherit' });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  const exops = (args) => node('packages/cli/dist/bin/exops.js', args);

  say(`exo-doctor --environment Emulator --upn ${UPN} --device-code`);
  const doctor = await node('packages/cli/dist/bin/exo-doctor.js', [...connection, '--device-code']);
  if (doctor === 2) throw new Error('exo-doctor found a failing check (above).');

  say(`exops connect --environment Emulator --upn ${UPN} --device-code`);
  if ((await exops(['connect', ...connection, '--device-code'])) !== 0) throw new Error('exops connect failed (above).');

  say('exops run Get-Mailbox -ResultSize 5');
  if ((await exops(['run', 'Get-Mailbox', '-ResultSize', '5', '--token-cache', path.join(work, 'tokens.json')])) !== 0) throw new Error('exops run failed (above).');

  say('Done. Against a real tenant: exops connect --upn you@yourtenant.com (see README.md).');
  cleanup();
  process.exit(0);
} catch (error) {
  console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  cleanup();
  process.exit(1);
}
