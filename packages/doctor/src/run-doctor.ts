import { REDACTION_MARKER, isExopsError, redactText } from '@exops/contracts';
import { DOCTOR_CHECKS } from './checks/index.js';
import { getAuthorityHost, getConnectionHost } from './context.js';
import {
  DOCTOR_CHECK_IDS,
  type CheckOutcome,
  type CheckResult,
  type DoctorCheck,
  type DoctorCheckId,
  type DoctorContext,
  type DoctorExitCode,
  type DoctorReport,
  type DoctorSummary,
  type RunDoctorOptions,
} from './types.js';

class CheckTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs / 1000} s`);
  }
}

function withTimeout<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CheckTimeoutError(timeoutMs)), timeoutMs);
    // A check's own errors, thrown synchronously or not, become rejections.
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
  });
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const prefix = typeof code === 'string' && !isExopsError(error) && !error.message.includes(code) ? `${code}: ` : '';
    return `${prefix}${error.message}`;
  }
  return String(error);
}

// redactText is applied where text comes from outside (error messages, server answers): on the checks' own prose it
// would also eat words such as "Basic authentication". This last guard removes only JWT-shaped runs, which no
// check writes, so a token a probe leaked never reaches the report.
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

function stripTokens(outcome: CheckOutcome): CheckOutcome {
  const strip = (text: string): string => text.replace(JWT_SHAPE, REDACTION_MARKER);
  return {
    status: outcome.status,
    summary: strip(outcome.summary),
    ...(outcome.detail === undefined ? {} : { detail: strip(outcome.detail) }),
    ...(outcome.remedy === undefined ? {} : { remedy: strip(outcome.remedy) }),
  };
}

/** Validates `--only` / `--skip` ids, naming the valid ones. */
export function parseCheckIds(values: readonly string[], optionName: string): DoctorCheckId[] {
  const known = new Set<string>(DOCTOR_CHECK_IDS);
  const unknown = values.filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new RangeError(`Unknown check id${unknown.length > 1 ? 's' : ''} for ${optionName}: ${unknown.join(', ')}. Valid ids: ${DOCTOR_CHECK_IDS.join(', ')}.`);
  }
  return values as DoctorCheckId[];
}

/** Counts results by status. */
export function summarizeResults(results: readonly CheckResult[]): DoctorSummary {
  const count = (s: CheckResult['status']): number => results.filter((r) => r.status === s).length;
  return { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip'), total: results.length };
}

/** 0 when nothing warns or fails, 1 for warnings only, 2 for any failure. */
export function exitCodeFor(summary: DoctorSummary): DoctorExitCode {
  if (summary.fail > 0) return 2;
  if (summary.warn > 0) return 1;
  return 0;
}

async function runOne(check: DoctorCheck, context: DoctorContext, timeoutMs: number): Promise<CheckOutcome> {
  const missing = check.requires.filter((p) => context.probes[p] === undefined);
  if (missing.length > 0) {
    return { status: 'skip', summary: `not available in this context (no ${missing.join(', ')} probe).` };
  }
  try {
    const outcome = await withTimeout(() => check.run(context), timeoutMs);
    if ((outcome.status === 'fail' || outcome.status === 'warn') && (outcome.remedy === undefined || outcome.remedy === '')) {
      return { ...outcome, remedy: check.failureRemedy };
    }
    return outcome;
  } catch (error) {
    if (error instanceof CheckTimeoutError) {
      return { status: 'fail', summary: `${check.title}: no answer within ${timeoutMs / 1000} s.`, remedy: check.failureRemedy };
    }
    const remedy = isExopsError(error) && error.remedy !== undefined ? `${redactText(error.remedy)} ${check.failureRemedy}` : check.failureRemedy;
    return { status: 'fail', summary: `${check.title} failed: ${redactText(errorMessage(error))}`, remedy };
  }
}

/**
 * Runs the checks in order. A check whose dependency failed (or was itself skipped for that reason) is skipped
 * with the reason; a check that throws or times out becomes a `fail` with its remedy. Never rejects.
 */
export async function runDoctor(context: DoctorContext, options: RunDoctorOptions = {}): Promise<DoctorReport> {
  const all = options.checks ?? DOCTOR_CHECKS;
  const only = options.only === undefined || options.only.length === 0 ? undefined : new Set(options.only);
  const excluded = new Set(options.skip ?? []);
  const selected = all.filter((c) => (only === undefined || only.has(c.id)) && !excluded.has(c.id));

  // The check that made each blocked check skip, so the reason names the root cause: "skipped: dns failed".
  const blockedBy = new Map<DoctorCheckId, DoctorCheckId>();
  const statusById = new Map<DoctorCheckId, CheckResult['status']>();
  const results: CheckResult[] = [];

  for (const [index, check] of selected.entries()) {
    options.onProgress?.({ type: 'start', id: check.id, title: check.title, index, count: selected.length });
    const started = performance.now();
    let outcome: CheckOutcome;
    const dependencies = [...check.dependsOn, ...(check.dependsOnWhen?.(context) ?? [])];
    const failedDependency = dependencies.find((d) => statusById.get(d) === 'fail' || blockedBy.has(d));
    if (failedDependency !== undefined) {
      const root = blockedBy.get(failedDependency) ?? failedDependency;
      blockedBy.set(check.id, root);
      outcome = { status: 'skip', summary: `skipped: ${root} failed.` };
    } else {
      outcome = stripTokens(await runOne(check, context, options.timeouts?.[check.id] ?? check.timeoutMs));
    }
    const result: CheckResult = { id: check.id, title: check.title, ...outcome, durationMs: Math.round(performance.now() - started) };
    statusById.set(check.id, result.status);
    results.push(result);
    options.onProgress?.({ type: 'finish', result, index, count: selected.length });
  }

  const summary = summarizeResults(results);
  return {
    schemaVersion: 1,
    tool: 'exo-doctor',
    generatedAt: context.now().toISOString(),
    environment: context.environment.name,
    connectionHost: getConnectionHost(context.environment, context.transport),
    authorityHost: getAuthorityHost(context.environment),
    upn: context.upn ?? null,
    flow: context.flow,
    transport: context.transport,
    results,
    summary,
    exitCode: exitCodeFor(summary),
  };
}
