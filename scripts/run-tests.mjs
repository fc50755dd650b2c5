#!/usr/bin/env node
// `npm test`: build every package, type-check the tests, run vitest once over all of them, and close with the one line CI reads:
// `vitest: N passed, N failed, N skipped`. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' }).status ?? 1;

if (run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=stream']) !== 0) {
  console.log('vitest: 0 passed, 1 failed, 0 skipped');
  console.error('The build failed: see the compiler output above.');
  process.exit(1);
}

// vitest only strips types: the test files are type-checked here, so a test that no longer matches the API fails.
if (run('npx', ['nx', 'run-many', '-t', 'typecheck', '--output-style=stream']) !== 0) {
  console.log('vitest: 0 passed, 1 failed, 0 skipped');
  console.error('The type check of the tests failed: see the compiler output above.');
  process.exit(1);
}

const report = path.join(root, '.vitest-report.json');
rmSync(report, { force: true });
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);

let passed = 0, failed = 0, skipped = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even when it declared no test.
  failed += (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
} catch {
  failed = Math.max(failed, 1);
}
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
