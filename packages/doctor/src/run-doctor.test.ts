import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ExopsError, ExopsErrorCode } from '@exops/contracts';
import { describe, expect, it } from 'vitest';
import { renderJson } from './render/json.js';
import { renderListr } from './render/listr.js';
import { renderSummaryTable } from './render/table.js';
import { shouldUseColor } from './render/color.js';
import { exitCodeFor, parseCheckIds, runDoctor } from './run-doctor.js';
import { fakeContext, NOW } from './test-support/fakes.js';
import { DOCTOR_CHECK_IDS, type DoctorCheck, type DoctorContext, type DoctorReport } from './types.js';

const schema = JSON.parse(readFileSync(new URL('../schema/doctor-report.schema.json', import.meta.url), 'utf8')) as object;
// ajv ships formats separately (ajv-formats); the one format the schema uses is checked here, RFC 3339 §5.6.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).addFormat('date-time', {
  type: 'string',
  validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
});
const validate = ajv.compile(schema);

function expectValid(report: DoctorReport): void {
  const json: unknown = JSON.parse(renderJson(report));
  const ok = validate(json);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

const jwtShaped = `eyJ${'a'.repeat(20)}.eyJ${'b'.repeat(20)}.${'c'.repeat(20)}`;

describe('runDoctor', () => {
  it('runs every check in order and passes a healthy tenant', async () => {
    const report = await runDoctor(fakeContext());
    expect(report.results.map((r) => r.id)).toEqual([...DOCTOR_CHECK_IDS]);
    expect(report.results.find((r) => r.id === 'winrm-basic-auth')?.status).toBe('skip');
    expect(report.summary).toEqual({ pass: 11, warn: 0, fail: 0, skip: 1, total: 12 });
    expect(report.exitCode).toBe(0);
    expect(report.connectionHost).toBe('outlook.office365.com');
    expect(report.generatedAt).toBe(NOW.toISOString());
    expectValid(report);
  });

  it('skips what depends on a failed check, naming the root cause, without calling its probes', async () => {
    let tlsCalled = false;
    const ctx = fakeContext({
      probes: {
        dns: { lookup: () => Promise.resolve({ ok: false, code: 'ENOTFOUND', message: 'not found' }) },
        tls: { inspect: () => ((tlsCalled = true), Promise.reject(new Error('unreachable'))) },
      },
    });
    const report = await runDoctor(ctx);
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(byId['dns']?.status).toBe('fail');
    expect(byId['tcp']).toMatchObject({ status: 'skip', summary: 'skipped: dns failed.' });
    expect(byId['tls']).toMatchObject({ status: 'skip', summary: 'skipped: dns failed.' });
    expect(byId['clock-skew']?.summary).toBe('skipped: dns failed.');
    expect(byId['authority']?.summary).toBe('skipped: dns failed.');
    expect(byId['sign-in']?.summary).toBe('skipped: dns failed.');
    expect(byId['transports']?.summary).toBe('skipped: dns failed.');
    expect(byId['proxy']?.status).toBe('pass');
    expect(tlsCalled).toBe(false);
    expect(report.exitCode).toBe(2);
    expectValid(report);
  });

  it('turns a throwing probe into a redacted fail with a remedy, never a crash', async () => {
    const ctx = fakeContext({ probes: { oidc: { discover: () => Promise.reject(new Error(`boom Authorization: Bearer ${jwtShaped}`)) } } });
    const report = await runDoctor(ctx, { only: ['authority'] });
    const [result] = report.results;
    expect(result?.status).toBe('fail');
    expect(result?.summary).toMatch(/boom/);
    expect(result?.summary).not.toContain(jwtShaped);
    expect(result?.remedy).toBeTruthy();
    expect(renderJson(report)).not.toMatch(/eyJ[A-Za-z0-9]+\.eyJ/);
  });

  it('keeps the checks own words intact: no redaction of Basic authentication', async () => {
    const ctx = fakeContext({
      platform: 'win32',
      probes: { os: { run: (cmd) => Promise.resolve(cmd === 'reg' ? { exitCode: 1, stdout: '', stderr: '' } : { exitCode: 0, stdout: 'Auth\n    Basic = false\n', stderr: '' }) } },
    });
    const report = await runDoctor(ctx, { only: ['winrm-basic-auth'] });
    expect(report.results[0]?.summary).toContain('WinRM Basic authentication is disabled');
    expect(report.results[0]?.detail).toContain('Basic authentication is currently disabled in the client configuration');
    expect(report.results[0]?.remedy).toContain('winrm set winrm/config/client/auth @{Basic="true"}');
    expect(renderJson(report)).not.toContain('[REDACTED]');
  });

  it('removes a token a check leaks into its outcome', async () => {
    const leaky: DoctorCheck = { id: 'runtime', title: 'Leaky', dependsOn: [], requires: [], timeoutMs: 100, failureRemedy: 'f', run: () => Promise.resolve({ status: 'pass', summary: `token ${jwtShaped}` }) };
    const report = await runDoctor(fakeContext(), { checks: [leaky] });
    expect(report.results[0]?.summary).toBe('token [REDACTED]');
  });

  it('keeps an ExopsError remedy', async () => {
    const error = new ExopsError(ExopsErrorCode.AUTH_FAILED, 'AADSTS50076: MFA required', { remedy: 'Use --flow interactive.' });
    const report = await runDoctor(fakeContext({ probes: { token: { acquire: () => Promise.reject(error) } } }), { only: ['sign-in'] });
    expect(report.results[0]).toMatchObject({ status: 'fail' });
    expect(report.results[0]?.remedy).toMatch(/^Use --flow interactive\./);
  });

  it('fails a check that exceeds its timeout and goes on', async () => {
    const ctx = fakeContext({ probes: { http: { head: () => new Promise(() => undefined), get: () => new Promise(() => undefined) } } });
    const started = Date.now();
    const report = await runDoctor(ctx, { only: ['clock-skew', 'sessions'], timeouts: { 'clock-skew': 50 } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.results[0]).toMatchObject({ id: 'clock-skew', status: 'fail', summary: 'Clock skew: no answer within 0.05 s.' });
    expect(report.results[0]?.remedy).toBeTruthy();
    expect(report.results[1]).toMatchObject({ id: 'sessions', status: 'pass' });
  });

  it('skips checks whose probe the caller did not supply', async () => {
    const ctx: DoctorContext = { ...fakeContext(), probes: { ...fakeContext().probes, token: undefined, exchange: undefined } } as unknown as DoctorContext;
    const report = await runDoctor(ctx);
    for (const id of ['sign-in', 'rbac', 'sessions', 'transports']) {
      expect(report.results.find((r) => r.id === id)?.summary).toMatch(/not available in this context/);
    }
    expect(report.exitCode).toBe(0);
  });

  it('honours --only and --skip, and a user-skipped dependency does not block', async () => {
    const report = await runDoctor(fakeContext(), { skip: ['dns', 'winrm-basic-auth'] });
    expect(report.results.map((r) => r.id)).not.toContain('dns');
    expect(report.results.find((r) => r.id === 'tcp')?.status).toBe('pass');
    const only = await runDoctor(fakeContext(), { only: ['runtime', 'proxy'] });
    expect(only.results.map((r) => r.id)).toEqual(['runtime', 'proxy']);
  });

  it('gives exit code 1 for warnings only', async () => {
    const ctx = fakeContext({ probes: { http: { head: () => Promise.resolve({ status: 200, headers: { date: new Date(NOW.getTime() - 120_000).toUTCString() } }), get: () => Promise.reject(new Error('x')) } } });
    const report = await runDoctor(ctx);
    expect(report.results.find((r) => r.id === 'clock-skew')?.status).toBe('warn');
    expect(report.exitCode).toBe(1);
    expectValid(report);
  });

  it('fills a missing remedy on a warn or fail from the check', async () => {
    const bad: DoctorCheck = { id: 'runtime', title: 'Bad', dependsOn: [], requires: [], timeoutMs: 100, failureRemedy: 'the fix', run: () => Promise.resolve({ status: 'fail', summary: 'x' }) };
    const report = await runDoctor(fakeContext(), { checks: [bad] });
    expect(report.results[0]?.remedy).toBe('the fix');
  });

  it('reports progress start and finish per check', async () => {
    const events: string[] = [];
    await runDoctor(fakeContext(), { only: ['runtime', 'dns'], onProgress: (e) => events.push(`${e.type}:${e.type === 'start' ? e.id : e.result.id}`) });
    expect(events).toEqual(['start:runtime', 'finish:runtime', 'start:dns', 'finish:dns']);
  });

  it('validates check ids', () => {
    expect(parseCheckIds(['dns', 'tls'], '--only')).toEqual(['dns', 'tls']);
    expect(() => parseCheckIds(['dns', 'dsn'], '--only')).toThrow(/Unknown check id for --only: dsn\. Valid ids: runtime/);
    expect(exitCodeFor({ pass: 1, warn: 0, fail: 0, skip: 3, total: 4 })).toBe(0);
  });
});

describe('schema', () => {
  it('rejects a fail without a remedy and an unknown id', () => {
    const base = { schemaVersion: 1, tool: 'exo-doctor', generatedAt: NOW.toISOString(), environment: 'O365Default', connectionHost: 'h', authorityHost: 'a', upn: null, flow: 'interactive', transport: 'rest', summary: { pass: 0, warn: 0, fail: 1, skip: 0, total: 1 }, exitCode: 2 };
    expect(validate({ ...base, results: [{ id: 'dns', title: 'DNS', status: 'fail', summary: 's', durationMs: 1 }] })).toBe(false);
    expect(validate({ ...base, results: [{ id: 'nope', title: 'DNS', status: 'pass', summary: 's', durationMs: 1 }] })).toBe(false);
    expect(validate({ ...base, results: [{ id: 'dns', title: 'DNS', status: 'fail', summary: 's', remedy: 'r', durationMs: 1 }] })).toBe(true);
    expect(validate({ ...base, generatedAt: 'yesterday', results: [] })).toBe(false);
  });
});

describe('renderers', () => {
  it('renders the table without colour codes when colour is off, with the fixes', async () => {
    const report = await runDoctor(fakeContext({ probes: { dns: { lookup: () => Promise.resolve({ ok: false, code: 'ENOTFOUND', message: 'x' }) } } }));
    const text = renderSummaryTable(report, { color: false });
    expect(text).not.toContain('\u001b[');
    expect(text).toMatch(/dns\s+│ FAIL/);
    expect(text).toContain('What to do:');
    expect(text).toContain('Fix: ');
    expect(text).toMatch(/failed, \d+ skipped \(exit code 2\)/);
    expect(renderSummaryTable(report, { color: true })).toContain('\u001b[');
  });

  it('decides colour from NO_COLOR and the TTY', () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
  });

  it('renders JSON as one document', async () => {
    const text = renderJson(await runDoctor(fakeContext()));
    expect(text.endsWith('}\n')).toBe(true);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it('shows listr2 progress as plain lines without a TTY and returns the report', async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let out = '';
    (stream as unknown as PassThrough).on('data', (c: Buffer) => (out += c.toString('utf8')));
    const report = await renderListr(fakeContext({ probes: { dns: { lookup: () => Promise.resolve({ ok: false, code: 'ENOTFOUND', message: 'x' }) } } }), { stream });
    expect(report.results).toHaveLength(12);
    expect(out).toContain('Runtime: Node 20.20.2 on linux.');
    expect(out).toContain('does not exist');
    expect(out).toContain('skipped: dns failed.');
    expect(out).not.toContain('\u001b[?25l');
  });
});
